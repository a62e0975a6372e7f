import XCTest
@testable import Lookalike

/// Frames of one size compared pixel for pixel: the check for copies that keep the frame when ORB cannot decide.
final class AlignedPixelsTests: XCTestCase {
    /// A light heathered garment on white, 256 x 192: one cut (the silhouette), luma `base`, with dark specks where
    /// `seed` puts them (a photograph's own fibres and folds; another seed is another shot of the cut).
    func heathered(seed: UInt64, base: Int = 190) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        var image = RGBImage(width: 256, height: 192, pixels: [UInt8](repeating: 255, count: 256 * 192 * 3))
        for y in 20..<176 {
            let half = y < 60 ? 40 + (y - 20) : 80
            for x in (128 - half)..<(128 + half) {
                let v = UInt8(rng.next() % 10 == 0 ? base - 40 : base)
                for c in 0..<3 { image.pixels[3 * (y * 256 + x) + c] = v }
            }
        }
        return image
    }

    func brightened(_ image: RGBImage, by gain: Double = 1.2) -> RGBImage {
        var out = image
        out.pixels = image.pixels.map { UInt8(min(255, (Double($0) * gain).rounded())) }
        return out
    }

    func testABrightenedCopyAgreesAndAnotherShotOfTheCutDoesNot() {
        let original = heathered(seed: 1)
        let copy = AlignedPixels(original.luma, brightened(original).luma)!
        XCTAssertGreaterThanOrEqual(copy.informative, 40, "the garment's blocks are informative")
        XCTAssertEqual(copy.share, 1, accuracy: 0.02)
        // Clipped to white it keeps no block: nothing there to agree with, and nothing to count against it.
        let clipped = AlignedPixels(original.luma, brightened(original, by: 1.5).luma)!
        XCTAssertEqual(clipped.informative, 0)
        // Another shot of the cut: one silhouette, other specks.
        let other = AlignedPixels(original.luma, heathered(seed: 2).luma)!
        XCTAssertGreaterThanOrEqual(other.informative, 40)
        XCTAssertLessThan(other.share, 0.3)
        // Plain white frames say nothing; frames of two sizes are another check's.
        let white = GrayImage(width: 64, height: 64, pixels: [UInt8](repeating: 255, count: 64 * 64))
        XCTAssertEqual(AlignedPixels(white, white)?.informative, 0)
        XCTAssertNil(AlignedPixels(original.luma, white))
    }

    func testRowsLeftOutCountForNeither() {
        let original = heathered(seed: 3), other = heathered(seed: 4)
        // Rows 0..<176 left out: what is left (white backdrop below the garment) is flat.
        let rows = (0..<192).map { $0 < 176 }
        XCTAssertEqual(AlignedPixels(original.luma, other.luma, skipping: rows)?.informative, 0)
        // A mark over rows 80..<120 of a copy spoils those blocks only, and leaving them out brings the copy to 100%.
        var marked = original
        for y in 80..<120 { for x in stride(from: 50, to: 206, by: 5) { for c in 0..<3 { marked.pixels[3 * (y * 256 + x) + c] = 20 } } }
        let spoiled = AlignedPixels(original.luma, marked.luma)!
        XCTAssertLessThan(spoiled.share, 0.9)
        let mark = (0..<192).map { (80..<120).contains($0) }
        XCTAssertEqual(AlignedPixels(original.luma, marked.luma, skipping: mark)!.share, 1, accuracy: 0.001)
    }

    func testACopyCarryingTheMarkUnnoticedPassesOffTheLettersRowsAndAnotherShotDoesNot() {
        // The folder's mark has letters over rows 80..<120; this copy carries them over the garment, where they
        // recur nowhere, so no carrier is known. With the rows it fails; off them it passes, and says so.
        let original = heathered(seed: 3)
        var marked = original
        for y in 80..<120 { for x in stride(from: 50, to: 206, by: 5) { for c in 0..<3 { marked.pixels[3 * (y * 256 + x) + c] = 20 } } }
        let letters = MarkBands(rows: (0..<200).map { (80.0..<120.0).contains((Double($0) + 0.5) * 192 / 200) })
        let verifier = NearDuplicateVerifier()
        let base = NearDuplicateVerifier.Check(verdict: .different, hashDistance: 4, views: "untrimmed/untrimmed", gain: 1, offset: 0,
                                               agreeing: 0.95)
        let (a, b) = (original.luma, marked.luma)
        XCTAssertEqual(verifier.pixelCheck(base, a, b, letters: nil, carried: false, map: nil).verdict, .different, "the letters spoil it")
        let off = verifier.pixelCheck(base, a, b, letters: letters, carried: false, map: nil)
        XCTAssertEqual(off.verdict, .same)
        XCTAssertEqual(off.decidedBy, "aligned pixels, off the mark's letters")
        XCTAssertEqual(off.pixelAgreeing ?? 0, 1, accuracy: 0.001)
        // A carrier's pair is compared off the rows at once.
        XCTAssertEqual(verifier.pixelCheck(base, a, b, letters: letters, carried: true, map: nil).decidedBy, "aligned pixels")
        // A pair that passes with the rows keeps their blocks; another shot of the cut, stamped, fails either way.
        let copy = verifier.pixelCheck(base, a, brightened(original).luma, letters: letters, carried: false, map: nil)
        XCTAssertEqual(copy.decidedBy, "aligned pixels")
        XCTAssertGreaterThan(copy.pixelBlocks ?? 0, off.pixelBlocks ?? .max)
        var other = heathered(seed: 4)
        for y in 80..<120 { for x in stride(from: 50, to: 206, by: 5) { for c in 0..<3 { other.pixels[3 * (y * 256 + x) + c] = 20 } } }
        let shot = verifier.pixelCheck(base, a, other.luma, letters: letters, carried: false, map: nil)
        XCTAssertEqual(shot.verdict, .different)
        XCTAssertLessThan(shot.pixelAgreeing ?? 1, verifier.pixelShare)
    }

    func testAFrameUnreadableOnTheSecondDecodingCostsOnlyItsOwnPairs() {
        // Two brightened copies, each beside its original; the frames callback cannot give image 1 (changed or
        // broken since it was first read): its pair stays apart, the other pair still passes, nothing traps.
        let images = [heathered(seed: 11), brightened(heathered(seed: 11)), heathered(seed: 12), brightened(heathered(seed: 12))]
        let probes = images.map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        var verifier = NearDuplicateVerifier()
        verifier.strictStructure = 1.01
        for workers in [1, 2] {
            let pairs = verifier.verifiedPairs(probes, workers: workers, keypoints: { _, _ in [:] }, frames: { needed in
                Dictionary(uniqueKeysWithValues: needed.filter { $0 != 1 }.map { ($0, images[$0].luma) })
            })
            XCTAssertEqual(pairs.map { [$0.i, $0.j] }, [[2, 3]], "workers \(workers)")
            XCTAssertEqual(pairs.first?.check.decidedBy, "aligned pixels")
        }
    }

    func testAPairTheKeypointsCannotDecidePassesOnItsFramesAndTheFramesAreAskedForItOnly() {
        // Keypoints cannot be made (the callback finds none) and the strict thumbnail rule is out of reach: a pair
        // passes only on its frames. The brightened copy does; another shot of the cut (colours agreeing, specks
        // elsewhere) does not.
        let images = [heathered(seed: 5), brightened(heathered(seed: 5)), heathered(seed: 6)]
        let probes = images.map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        var verifier = NearDuplicateVerifier()
        verifier.strictStructure = 1.01
        XCTAssertTrue(verifier.verifiedPairs(probes, workers: 2) { _, _ in [:] }.isEmpty, "without frames nothing passes")
        var asked: [[Int]] = []
        let pairs = verifier.verifiedPairs(probes, workers: 2, keypoints: { _, _ in [:] }, frames: { needed in
            asked.append(needed)
            return Dictionary(uniqueKeysWithValues: needed.map { ($0, images[$0].luma) })
        })
        XCTAssertEqual(pairs.map { [$0.i, $0.j] }, [[0, 1]])
        XCTAssertEqual(pairs.first?.check.decidedBy, "aligned pixels")
        XCTAssertEqual(pairs.first?.check.pixelAgreeing ?? 0, 1, accuracy: 0.02)
        XCTAssertEqual(asked.count, 1, "one request")
        // Probes made with their keypoints carry their frames (`lookalike verify`), and the same rule applies.
        let eager = images.map { NearDuplicateProbe(rgb: $0) }
        XCTAssertEqual(eager[0].frame, images[0].luma)
        let alone = verifier.verify(eager[0], eager[2], views: verifier.closestViews(eager[0], eager[2]))
        XCTAssertEqual(alone.verdict, .different, "\(alone)")
    }

    func cut(_ image: RGBImage, x0: Int, y0: Int, width: Int, height: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for y in y0..<(y0 + height) { pixels += image.pixels[(3 * (y * image.width + x0))..<(3 * (y * image.width + x0 + width))] }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func testACropKeepingItsPixelsIsLinedUpByTheThumbnailsAndPassesOnItsFrames() {
        // The centre of the frame cut out without resizing (10% off each side): the thumbnail check's views and
        // shift give the offset to within a pixel or two, and the frames compared there agree; the same cut of
        // another shot does not.
        let original = heathered(seed: 7)
        let images = [original, cut(original, x0: 26, y0: 19, width: 205, height: 154), cut(heathered(seed: 8), x0: 26, y0: 19, width: 205, height: 154)]
        let probes = images.map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        var verifier = NearDuplicateVerifier()
        verifier.strictStructure = 1.01
        let pairs = verifier.verifiedPairs(probes, workers: 2, keypoints: { _, _ in [:] }, frames: { needed in
            Dictionary(uniqueKeysWithValues: needed.map { ($0, images[$0].luma) })
        })
        XCTAssertEqual(pairs.map { [$0.i, $0.j] }, [[0, 1]])
        XCTAssertEqual(pairs.first?.check.decidedBy, "aligned pixels")
        let map = verifier.thumbnailChecks(probes[0], probes[1], views: verifier.closestViews(probes[0], probes[1])).best.frameMap
        XCTAssertEqual(map?.scaleX ?? 0, 1, accuracy: 0.02)
        XCTAssertEqual(map?.offsetX ?? 0, 26, accuracy: 2.5)
        XCTAssertEqual(map?.offsetY ?? 0, 19, accuracy: 2.5)
        // The lighter image first: the thumbnails map from the darker, and the map is turned round.
        let lighter = [brightened(original, by: 1.1), images[1]]
        let turned = lighter.map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        let back = verifier.thumbnailChecks(turned[0], turned[1], views: verifier.closestViews(turned[0], turned[1])).best.frameMap
        XCTAssertEqual(back?.offsetX ?? 0, 26, accuracy: 2.5)
        XCTAssertEqual(verifier.verifiedPairs(turned, workers: 1, keypoints: { _, _ in [:] }, frames: { needed in
            Dictionary(uniqueKeysWithValues: needed.map { ($0, lighter[$0].luma) })
        }).first?.check.decidedBy, "aligned pixels")
        // Resized, a copy is not compared this way (a garment's interior loses the texture that tells two apart).
        verifier.maximumPixelScaleError = 0
        XCTAssertTrue(verifier.verifiedPairs(probes, workers: 2, keypoints: { _, _ in [:] }, frames: { needed in
            Dictionary(uniqueKeysWithValues: needed.map { ($0, images[$0].luma) })
        }).isEmpty)
    }
}
