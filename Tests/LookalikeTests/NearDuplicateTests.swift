import XCTest
@testable import Lookalike

/// Border trimming, the quality score and the pair check on drawn pictures with known edits.
final class NearDuplicateTests: XCTestCase {
    /// A textured 256 x 192 picture (the size the check works at): smooth colour ramps and a few discs; the seed
    /// picks the picture.
    func picture(seed: UInt64, width: Int = 256, height: Int = 192) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        let shapes = (0..<10).map { _ in (Int(rng.next() % UInt64(width)), Int(rng.next() % UInt64(height)), Int(rng.next() % 40) + 10,
                                         UInt8(rng.next() % 256), UInt8(rng.next() % 256), UInt8(rng.next() % 256)) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width {
            var c = (UInt8(x * 255 / width), UInt8(y * 255 / height), UInt8((x + y + Int(seed) * 37) % 256))
            for s in shapes where (x - s.0) * (x - s.0) + (y - s.1) * (y - s.1) < s.2 * s.2 { c = (s.3, s.4, s.5) }
            let i = 3 * (y * width + x)
            pixels[i] = c.0; pixels[i + 1] = c.1; pixels[i + 2] = c.2
        } }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func edit(_ name: String, _ image: RGBImage) -> RGBImage { ImageTransform.standard.first { $0.name == name }!(image) }

    func testALetterboxedOrPaddedCopyTrimsToTheOriginalsBox() {
        let original = picture(seed: 1)
        XCTAssertTrue(BorderTrim.box(original) == (0, 0, 256, 192), "nothing to trim")
        let boxed = edit("letterbox", original)  // black bars left and right
        let box = BorderTrim.box(boxed)
        XCTAssertEqual([box.width, box.height], [256, 192])
        XCTAssertEqual(box.x, (boxed.width - 256) / 2)
        let framed = edit("border", original)  // white frame all round
        let inner = BorderTrim.box(framed)
        XCTAssertEqual([inner.width, inner.height], [256, 192])
    }

    func testThinStrapsReachingTheTopAreKeptWhenTheCopyIsPadded() {
        // A dark garment hung from two 2 px straps on white: the straps are 1.6% of a line of the original and 1.3%
        // of a padded copy's, and both keep them, so the two trim to one box.
        var original = RGBImage(width: 256, height: 192, pixels: [UInt8](repeating: 255, count: 256 * 192 * 3))
        func paint(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) {
            for y in y0..<y1 { for x in x0..<x1 { for c in 0..<3 { original.pixels[3 * (y * 256 + x) + c] = 30 } } }
        }
        paint(100, 20, 102, 60); paint(154, 20, 156, 60); paint(90, 60, 166, 180)
        let box = BorderTrim.box(original)
        XCTAssertTrue(box == (90, 20, 76, 160), "\(box)")
        let pad = 26
        var padded = RGBImage(width: 256 + 2 * pad, height: 192 + 2 * pad,
                              pixels: [UInt8](repeating: 255, count: (256 + 2 * pad) * (192 + 2 * pad) * 3))
        for y in 0..<192 { for x in 0..<256 { for c in 0..<3 {
            padded.pixels[3 * ((y + pad) * padded.width + x + pad) + c] = original.pixels[3 * (y * 256 + x) + c]
        } } }
        let inner = BorderTrim.box(padded)
        XCTAssertTrue(inner == (90 + pad, 20 + pad, 76, 160), "\(inner)")
    }

    func testAFaintPictureMatchesOnlyOverKeypointsAndTheWarpedThumbnails() {
        // A drawn picture washed towards white until PDQ calls it unreliable (a cream garment on a white backdrop).
        func washed(_ image: RGBImage) -> RGBImage {
            var out = image
            for k in out.pixels.indices { out.pixels[k] = UInt8(255 - (255 - Int(image.pixels[k])) / 6) }
            return out
        }
        let original = washed(picture(seed: 15))
        let images = [original, edit("jpeg-q30", original), washed(picture(seed: 16))]
        let probes = images.map { NearDuplicateProbe(rgb: $0) }
        XCTAssertTrue(probes.allSatisfy { $0.isFaint && !$0.isFlat }, "\(probes.map(\.quality))")
        let verifier = NearDuplicateVerifier()
        let check = verifier.verify(probes[0], probes[1], views: verifier.closestViews(probes[0], probes[1]))
        XCTAssertEqual(check.verdict, .same, "\(check)")
        XCTAssertEqual(check.decidedBy, "keypoints, warped thumbnails")
        XCTAssertGreaterThanOrEqual(check.orbInliers ?? 0, verifier.rescueInliers)
        XCTAssertEqual(verifier.verifiedPairs(probes, workers: 1).map { [$0.i, $0.j] }, [[0, 1]])
        // Without keypoints its thumbnails, however close, decide nothing: not even a second copy of the same pixels.
        let lazy = [original, original, images[2]].map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        let pairs = verifier.verifiedPairs(lazy, workers: 1) { _, _ in [:] }
        XCTAssertTrue(pairs.isEmpty, "\(pairs)")
        let lazyCheck = verifier.verify(lazy[0], lazy[1], views: verifier.closestViews(lazy[0], lazy[1]))
        XCTAssertEqual(lazyCheck.decidedBy, "faint", "\(lazyCheck)")
    }

    /// A light, flat garment (luma 232) on a white backdrop, 256 x 192, with a darker neckline, hem and seams;
    /// `tint` colours it (added to red, green, blue); `letters` writes two lines of thin dark strokes across it.
    func garment(tint: (Int, Int, Int) = (0, 0, 0), base: Int = 232, seams: Bool = true, letters: Bool = false) -> RGBImage {
        var image = RGBImage(width: 256, height: 192, pixels: [UInt8](repeating: 255, count: 256 * 192 * 3))
        func set(_ x: Int, _ y: Int, _ v: Int, tinted: Bool = true) {
            let t = tinted ? tint : (0, 0, 0)
            for (c, d) in [t.0, t.1, t.2].enumerated() { image.pixels[3 * (y * 256 + x) + c] = UInt8(max(0, min(255, v + d))) }
        }
        for y in 20..<176 {
            let half = y < 60 ? 40 + (y - 20) : 80
            for x in (128 - half)..<(128 + half) {
                let seam = seams && (x == 100 || x == 156 || y == 120) || (y < 40 && abs(x - 128) < 22 - (y - 20))
                set(x, y, seam ? base - 60 : base)
            }
        }
        if letters {
            for line in [72, 136] { for x in stride(from: 68, to: 188, by: 6) { for y in line..<(line + 9) {
                set(x, y, 90, tinted: false)
                if (x / 6) % 2 == 0 && y == line { set(x + 1, y, 90, tinted: false); set(x + 2, y, 90, tinted: false) }
            } } }
        }
        return image
    }

    func testLettersOverAPlainGarmentAreLeftOutOfTheStructureCheck() {
        let probes = [garment(seams: false), garment(seams: false, letters: true)].map { NearDuplicateProbe(rgb: $0) }
        let verifier = NearDuplicateVerifier()
        let views = verifier.closestViews(probes[0], probes[1])
        let check = verifier.compare(probes[0], probes[0].views[views[0].0], probes[1], probes[1].views[views[0].1], distance: views[0].2)
        XCTAssertGreaterThanOrEqual(check.agreeing, verifier.agreeingShare, "\(check)")
        XCTAssertGreaterThanOrEqual(check.structure, 0.8, "\(check)")
        // Counted, the letters' gradients would be most of the copy's.
        let left = verifier.gradientMagnitudes(verifier.sample(probes[0], probes[0].views[views[0].0], dx: 0, dy: 0, grid: verifier.fineGrid))
        let right = verifier.gradientMagnitudes(verifier.sample(probes[1], probes[1].views[views[0].1], dx: 0, dy: 0, grid: verifier.fineGrid))
        XCTAssertLessThan(verifier.correlation(left, right), check.structure - 0.2)
    }

    func testAGarmentOfAnotherHueDoesNotAgreeWhateverTheBrightnessMap() {
        // Navy against black: a luma gain and offset bring the two within 16 on average, never the blue channel.
        let black = garment(base: 30, seams: false), navy = garment(tint: (-8, -2, 30), base: 40, seams: false)
        let verifier = NearDuplicateVerifier()
        // The whole frames (the trimmed boxes are all garment, and a flat garment proves nothing).
        let (pa, pb) = (NearDuplicateProbe(rgb: black), NearDuplicateProbe(rgb: navy))
        let a = verifier.sample(pa, pa.views[1], dx: 0, dy: 0, grid: verifier.grid)
        let b = verifier.sample(pb, pb.views[1], dx: 0, dy: 0, grid: verifier.grid)
        XCTAssertTrue(pa.views[1].source == .untrimmed && pa.views[1].window.width == 1)
        XCTAssertLessThan(verifier.agreement(a, b).share, verifier.agreeingShare, "navy is not black")
        var loose = verifier
        loose.channelTolerance = 255
        XCTAssertGreaterThanOrEqual(loose.agreement(a, b).share, verifier.agreeingShare, "without the hue, the luma map lines them up")
    }

    func testTheWarpedCheckLetsTwoBusyTexturesDifferByAThirdAndNeverAPlainOne() {
        // 32 x 32 grey grids, checkers around 128: the left +-30 on its left half and +-40 on its right (a 4 x 4
        // block's spread 30 or 40), the other the other way round (stripes aliased another way; no one gain maps
        // it), or plain in its top half.
        let verifier = NearDuplicateVerifier()
        func grid(_ amplitude: (Int, Int) -> Float) -> [Float] {
            var out = [Float](repeating: 0, count: 32 * 32 * 3)
            for y in 0..<32 { for x in 0..<32 { for c in 0..<3 { out[3 * (y * 32 + x) + c] = 128 + ((x + y) % 2 == 0 ? 1 : -1) * amplitude(x, y) } } }
            return out
        }
        let left = grid { x, _ in x < 16 ? 30 : 40 }, busier = grid { x, _ in x < 16 ? 40 : 30 }
        let halfPlain = grid { x, y in y < 16 ? 0 : x < 16 ? 40 : 30 }
        XCTAssertEqual(verifier.agreement(left, busier).share, 0, "the first check holds textures within 8")
        XCTAssertEqual(verifier.agreement(left, busier, marking: false, textureShare: verifier.warpedTextureShare).share, 1)
        XCTAssertLessThanOrEqual(verifier.agreement(left, halfPlain, marking: false, textureShare: verifier.warpedTextureShare).share, 0.5,
                       "a plain patch never agrees with a busy one")
    }

    func testAPerfectThumbnailMatchStandsWhenORBConfirmsItInPart() {
        // ORB on 40 keypoints a side: 10 matches on one plane (the same place in both), 20 more whose ends lie
        // anywhere (a fine knit's repeats): 10 inliers, a third of the matches, so ORB alone says different.
        var rng = SplitMix64(seed: 31)
        func descriptor() -> ORBDescriptor { ORBDescriptor(rng.next(), rng.next(), rng.next(), rng.next()) }
        func keypoint(_ x: Double, _ y: Double) -> ORBKeypoint { ORBKeypoint(x: x, y: y, level: 0, size: 31, angle: 0, response: 1) }
        func place() -> Double { 10 + Double(rng.next() % 236) }
        var a: [(ORBKeypoint, ORBDescriptor)] = [], b: [(ORBKeypoint, ORBDescriptor)] = []
        for k in 0..<40 {
            let d = descriptor()
            if k < 10 {
                let (x, y) = (place(), place() * 0.7)
                a.append((keypoint(x, y), d)); b.append((keypoint(x, y), d))
            } else if k < 30 {
                a.append((keypoint(place(), place() * 0.7), d)); b.append((keypoint(place(), place() * 0.7), d))
            } else {
                a.append((keypoint(place(), place() * 0.7), d)); b.append((keypoint(place(), place() * 0.7), descriptor()))
            }
        }
        func features(_ points: [(ORBKeypoint, ORBDescriptor)]) -> NearDuplicateKeypoints {
            NearDuplicateKeypoints(plain: ORBFeatures(width: 256, height: 192, keypoints: points.map(\.0), descriptors: points.map(\.1)),
                                   mirrored: nil)
        }
        let (ka, kb) = (features(a), features(b))
        let orb = ORBCheck(ka.plain, kb.plain)
        let verifier = NearDuplicateVerifier()
        XCTAssertGreaterThanOrEqual(orb.inlierCount, verifier.orbMinimumInliers)
        XCTAssertFalse(verifier.orbAgrees(orb, fewer: 40), "\(orb.inlierCount) of \(orb.matches.count)")
        let probe = NearDuplicateProbe(rgb: picture(seed: 30), keypoints: false)
        func thumbnails(agreeing: Double) -> (passed: [(check: NearDuplicateVerifier.Check, mirrored: Bool)], best: NearDuplicateVerifier.Check, closest: Int) {
            let check = NearDuplicateVerifier.Check(verdict: .same, hashDistance: 2, views: "trimmed/trimmed", gain: 1, offset: 0,
                                                    agreeing: agreeing, structure: 0.99)
            return ([(check, false)], check, 2)
        }
        XCTAssertEqual(verifier.confirm(thumbnails(agreeing: 1), probe, probe, ka, kb).verdict, .same)
        XCTAssertEqual(verifier.confirm(thumbnails(agreeing: 0.97), probe, probe, ka, kb).verdict, .different,
                       "short of perfect, ORB's verdict stands")
    }

    func testFlatImagesScoreLowAndNeverMatch() {
        let white = RGBImage(width: 100, height: 100, pixels: [UInt8](repeating: 255, count: 100 * 100 * 3))
        let grey = RGBImage(width: 100, height: 100, pixels: [UInt8](repeating: 120, count: 100 * 100 * 3))
        XCTAssertEqual(ImageQuality.score(white.luma), 0)
        XCTAssertGreaterThanOrEqual(NearDuplicateProbe(rgb: picture(seed: 2)).quality, ImageQuality.threshold)
        let probes = [white, grey, white].map { NearDuplicateProbe(rgb: $0) }
        XCTAssertTrue(probes.allSatisfy(\.isFlat))
        XCTAssertTrue(NearDuplicateVerifier().verifiedPairs(probes).isEmpty, "flat images match nothing, not even each other")
        let check = NearDuplicateVerifier().verify(probes[0], probes[2], views: [(0, 0, 0)])
        XCTAssertEqual(check.verdict, .tooFlat)
    }

    func testEditedCopiesPassAndADifferentPictureDoesNot() {
        let original = picture(seed: 3)
        let copies = ["jpeg-q30", "downscale-0.5", "crop-10%", "letterbox", "border", "brightness+25%", "logo"].map { edit($0, original) }
        let others = [picture(seed: 4), picture(seed: 5)]
        let probes = ([original] + copies + others).map { NearDuplicateProbe(rgb: $0) }
        let verifier = NearDuplicateVerifier()
        let pairs = verifier.verifiedPairs(probes, workers: 1)
        let withOriginal = Set(pairs.filter { $0.i == 0 }.map(\.j))
        // The crop passed the thumbnails and was confirmed by keypoints: most ORB matches are RANSAC inliers.
        let cropCheck = verifier.verify(probes[0], probes[3], views: verifier.closestViews(probes[0], probes[3]))
        XCTAssertGreaterThanOrEqual(cropCheck.orbInliers ?? 0, verifier.orbMinimumInliers, "\(cropCheck)")
        for (k, name) in ["jpeg-q30", "downscale-0.5", "crop-10%", "letterbox", "border", "brightness+25%", "logo"].enumerated() {
            XCTAssertTrue(withOriginal.contains(k + 1), "\(name) copy verified against its original")
        }
        let strangers = pairs.filter { $0.i >= 8 || $0.j >= 8 }
        XCTAssertTrue(strangers.isEmpty, "unrelated pictures: \(strangers.map { ($0.i, $0.j, $0.check) })")
        // Same answer on 1 and 2 threads.
        let again = verifier.verifiedPairs(probes, workers: 2)
        XCTAssertEqual(pairs.map { [$0.i, $0.j] }, again.map { [$0.i, $0.j] })
        XCTAssertEqual(pairs.map(\.check), again.map(\.check))
    }

    func testThumbnailsOfAMirroredImageAreTheMirroredThumbnails() {
        // An odd width, so whole-pixel bins would be shaped differently on the two sides.
        let original = picture(seed: 7, width: 203, height: 151)
        let mirrored = edit("flip", original)
        let n = 64
        let a = NearDuplicateProbe.thumbnail(original, side: n), b = NearDuplicateProbe.thumbnail(mirrored, side: n)
        var worst = 0
        for y in 0..<n { for x in 0..<n { for c in 0..<3 {
            worst = max(worst, abs(Int(a[3 * (y * n + x) + c]) - Int(b[3 * (y * n + n - 1 - x) + c])))
        } } }
        XCTAssertLessThanOrEqual(worst, 1, "only rounding may differ")
        // Area averages: a flat image stays flat at any size, and the mean is kept.
        let grey = RGBImage(width: 37, height: 23, pixels: [UInt8](repeating: 90, count: 37 * 23 * 3))
        XCTAssertTrue(NearDuplicateProbe.resized(grey, width: 16, height: 16).allSatisfy { $0 == 90 })
    }

    func testABrightenedCopyPassesInEitherOrder() {
        let original = picture(seed: 8)
        let brighter = edit("brightness+25%", original)
        let probes = [original, brighter].map { NearDuplicateProbe(rgb: $0) }
        let verifier = NearDuplicateVerifier()
        let forward = verifier.verify(probes[0], probes[1], views: verifier.closestViews(probes[0], probes[1]))
        let backward = verifier.verify(probes[1], probes[0], views: verifier.closestViews(probes[1], probes[0]))
        XCTAssertEqual(forward.verdict, .same, "\(forward)")
        XCTAssertEqual(backward.verdict, .same, "\(backward)")
        XCTAssertEqual(forward.agreeing, backward.agreeing, "the map runs from the darker image either way")
    }

    func testABrightenedPrintWhoseLightsClipStillAgrees() {
        // A light print: 32 px tiles of greys from 130 to 240, each checkered +-30 in 8 px squares. Brightened by a
        // quarter, its light squares clip and its dark ones do not, so a tile's texture shrinks where the gain alone
        // says it grows; the mapped tile's own clipped spread is what the copy is held to.
        var rng = SplitMix64(seed: 21)
        let (w, h) = (256, 192)
        let levels = (0..<48).map { _ in 130 + Int(rng.next() % 110) }
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w {
            let v = UInt8(min(255, levels[(y / 32) * 8 + x / 32] + ((x / 8 + y / 8) % 2 == 0 ? 30 : -30)))
            for c in 0..<3 { pixels[3 * (y * w + x) + c] = v }
        } }
        let print = RGBImage(width: w, height: h, pixels: pixels)
        let probes = [print, edit("brightness+25%", print)].map { NearDuplicateProbe(rgb: $0) }
        let verifier = NearDuplicateVerifier()
        let checks = verifier.thumbnailChecks(probes[0], probes[1], views: verifier.closestViews(probes[0], probes[1]))
        XCTAssertFalse(checks.passed.isEmpty, "\(checks.best)")
        XCTAssertGreaterThanOrEqual(checks.best.agreeing, 0.9)
    }

    func testAMarkSharedByUnrelatedPicturesIsFoundAndACopysKeypointsAreNot() {
        // Eight unrelated pictures and a copy of the first. Pictures 0-4 (and so the copy) carry a mark: twelve
        // keypoints along one line near the top, the same descriptors give or take a bit. Every picture also has
        // forty keypoints of its own lower down, which only the copy shares.
        let pictures = (0..<8).map { picture(seed: UInt64(100 + $0)) } + [picture(seed: 100)]
        let probes = pictures.map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        func trimmedHash(_ p: NearDuplicateProbe) -> PerceptualHash { p.views.first { $0.source == .trimmed && $0.window.width == 1 }!.hash }
        for a in 0..<8 { for b in (a + 1)..<8 { XCTAssertGreaterThan(trimmedHash(probes[a]).distance(to: trimmedHash(probes[b])), 12) } }
        var rng = SplitMix64(seed: 4)
        func descriptor() -> ORBDescriptor { ORBDescriptor(rng.next(), rng.next(), rng.next(), rng.next()) }
        let mark = (0..<12).map { (x: 20.0 + 18 * Double($0), descriptor: descriptor()) }
        let own = (0..<8).map { _ in (0..<40).map { _ in (x: Double(rng.next() % 256), y: 60 + Double(rng.next() % 130), descriptor: descriptor()) } }
        func keypoint(_ x: Double, _ y: Double) -> ORBKeypoint { ORBKeypoint(x: x, y: y, level: 0, size: 31, angle: 0, response: 1) }
        var keypoints: [Int: NearDuplicateKeypoints] = [:]
        for i in 0..<9 {
            let base = own[i == 8 ? 0 : i]
            var points = base.map { keypoint($0.x, $0.y) }, descriptors = base.map(\.descriptor)
            if i < 5 || i == 8 {
                for m in mark {
                    points.append(keypoint(m.x, 20))
                    var d = m.descriptor
                    d.w0 ^= 1 << UInt64(i)  // one bit apart per picture
                    descriptors.append(d)
                }
            }
            let box = probes[i].box
            XCTAssertEqual([box.x, box.y, box.width, box.height], [0, 0, 256, 192], "no border to trim")
            keypoints[i] = NearDuplicateKeypoints(plain: ORBFeatures(width: 256, height: 192, keypoints: points, descriptors: descriptors),
                                                  mirrored: nil)
        }
        for workers in [1, 2] {
            let flags = SharedOverlay().find(probes, keypoints: keypoints, workers: workers).carriers
            XCTAssertEqual(Set(flags.keys), [0, 1, 2, 3, 4, 8], "the carriers, the copy of one included")
            for (i, flagged) in flags {
                XCTAssertEqual(flagged.count, keypoints[i]!.plain.keypoints.count)
                XCTAssertEqual(Array(flagged.suffix(12)), [Bool](repeating: true, count: 12), "the mark's keypoints in \(i)")
                XCTAssertEqual(Array(flagged.prefix(40)), [Bool](repeating: false, count: 40), "\(i)'s own, shared with its copy only")
                let kept = keypoints[i]!.plain.dropping(flagged)
                XCTAssertEqual(kept.keypoints.count, 40)
                XCTAssertEqual(kept.descriptors, Array(keypoints[i]!.plain.descriptors.prefix(40)))
            }
        }
        // A folder where fewer pictures carry it than `recurrence` asks has no mark.
        let few = keypoints.filter { ![1, 2, 3].contains($0.key) }
        XCTAssertTrue(SharedOverlay().find(probes, keypoints: few, workers: 1).carriers.isEmpty)
    }

    func testTheMarksLetterRowsLeaveOutWhatOnlyAFewPicturesShare() {
        // Ten unrelated pictures carry a mark along row 20; four of them also share a keypoint at row 100 (two
        // garments of one cut would). The bands take both rows; the letters' rows, which a share of the carriers
        // must mark, only the mark's, grown by `letterMargin` cells.
        let probes = (0..<10).map { NearDuplicateProbe(rgb: picture(seed: UInt64(300 + $0)), keypoints: false) }
        var rng = SplitMix64(seed: 9)
        func descriptor() -> ORBDescriptor { ORBDescriptor(rng.next(), rng.next(), rng.next(), rng.next()) }
        let mark = (0..<12).map { (x: 20.0 + 18 * Double($0), descriptor: descriptor()) }
        let shared = descriptor()
        func keypoint(_ x: Double, _ y: Double) -> ORBKeypoint { ORBKeypoint(x: x, y: y, level: 0, size: 31, angle: 0, response: 1) }
        var keypoints: [Int: NearDuplicateKeypoints] = [:]
        for i in 0..<10 {
            var points = mark.map { keypoint($0.x, 20) }, descriptors = mark.map(\.descriptor)
            if i < 4 { points.append(keypoint(128, 100)); descriptors.append(shared) }
            keypoints[i] = NearDuplicateKeypoints(plain: ORBFeatures(width: 256, height: 192, keypoints: points, descriptors: descriptors),
                                                  mirrored: nil)
        }
        var overlay = SharedOverlay()
        overlay.letterShare = 0.5
        let found = overlay.find(probes, keypoints: keypoints, workers: 2)
        XCTAssertEqual(found.carriers.count, 10)
        guard let bands = found.bands, let letters = found.letters else { return XCTFail("no mark found") }
        let (mark20, row100) = (20.5 / 192, 100.5 / 192)
        XCTAssertTrue(bands.covers(mark20) && bands.covers(row100), "the bands take every recurring keypoint")
        XCTAssertTrue(letters.covers(mark20))
        XCTAssertFalse(letters.covers(row100), "four pictures of ten are no mark's letters")
        let cell = overlay.tolerance
        XCTAssertTrue(letters.covers(mark20 + Double(overlay.letterMargin) * cell) && letters.covers(mark20 - Double(overlay.letterMargin) * cell))
        XCTAssertFalse(letters.covers(mark20 + Double(overlay.letterMargin + 2) * cell))
        XCTAssertEqual(letters.rows.filter { $0 }.count, 2 * overlay.letterMargin + 1, "the mark's one row of cells, grown")
    }

    /// `image` with a shop's mark: three lines of dark letter strokes across rows 40-49, 90-99 and 140-149, x 30...226.
    func stamped(_ image: RGBImage) -> RGBImage {
        var out = image
        for line in [40, 90, 140] { for x in stride(from: 30, to: 226, by: 7) { for y in line..<(line + 10) {
            for dx in 0..<((x / 7) % 3 == 0 ? 3 : 1) { for c in 0..<3 { out.pixels[3 * (y * out.width + x + dx) + c] = 60 } }
        } } }
        return out
    }

    func testORBSkipsTheRowsItIsAskedToAndTheStretchIsMeasuredOffThem() {
        let gray = picture(seed: 20).luma
        let rows = (0..<gray.height).map { (60..<110).contains($0) }
        let all = ORBFeatures(gray), skipping = ORBFeatures(gray, skipping: rows)
        XCTAssertTrue(all.keypoints.contains { rows[Int($0.y + 0.5)] }, "the picture has corners in those rows")
        XCTAssertFalse(skipping.keypoints.isEmpty)
        XCTAssertFalse(skipping.keypoints.contains { rows[Int($0.y + 0.5)] }, "none kept in the skipped rows")
        // The contrast stretch of a faint content is measured off the rows left out: dark letters across a cream
        // garment would otherwise leave it unstretched.
        var cream = RGBImage(width: 256, height: 192, pixels: [UInt8](repeating: 236, count: 256 * 192 * 3))
        for y in 20..<170 { for x in 40..<216 where (x / 8 + y / 8) % 2 == 0 { for c in 0..<3 { cream.pixels[3 * (y * 256 + x) + c] = 226 } } }
        let marked = stamped(cream)
        let band = { (v: Double) in (40.0 / 192...150.0 / 192).contains(v) }
        XCTAssertEqual(NearDuplicateKeypoints.normalised(marked.luma, skipping: band).pixels.max(),
                       NearDuplicateKeypoints.normalised(cream.luma, skipping: band).pixels.max(), "stretched alike")
        XCTAssertNotEqual(NearDuplicateKeypoints.normalised(marked.luma).pixels.max(), NearDuplicateKeypoints.normalised(cream.luma).pixels.max())
    }

    func testAFolderWithAShopsMarkChecksACarriersPairsWithoutItAndKeepsTheCleanCopy() {
        // Five unrelated pictures carrying the mark, each with a JPEG copy (pairs that pass, so their keypoints are
        // made and the mark is found), and a garment with a stamped copy.
        var images: [RGBImage] = []
        for seed in UInt64(30)..<35 {
            // A picture between the mark's lines, on a white backdrop (letters over a product recur nowhere).
            let content = picture(seed: seed)
            var framed = RGBImage(width: 256, height: 192, pixels: [UInt8](repeating: 255, count: 256 * 192 * 3))
            for y in 0..<192 where [14..<36, 54..<86, 104..<136, 154..<178].contains(where: { $0.contains(y) }) { for x in 40..<216 {
                for c in 0..<3 { framed.pixels[3 * (y * 256 + x) + c] = content.pixels[3 * (y * 256 + x) + c] }
            } }
            let marked = stamped(framed)
            images += [marked, edit("jpeg-q30", marked)]
        }
        // A light garment with a faint print of random squares: keypoints enough (once stretched), but the letters'
        // gradients dwarf its own.
        var plain = garment()
        var rng = SplitMix64(seed: 41)
        let squares = (0..<(43 * 32)).map { _ in rng.next() % 3 == 0 }
        for y in 0..<192 { for x in 0..<256 where plain.pixels[3 * (y * 256 + x)] == 232 && squares[(y / 6) * 43 + x / 6] {
            for c in 0..<3 { plain.pixels[3 * (y * 256 + x) + c] = 220 }
        } }
        images += [plain, stamped(plain)]
        let lazy = images.map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        var asked: [MarkBands?] = []
        var verifier = NearDuplicateVerifier()
        // Every pair that failed is checked again without the mark (the bar on how close its colours came only
        // bounds the cost; the drawn strokes are denser than a shop's letters).
        verifier.markedAgreeing = 0
        let result = verifier.verification(lazy, workers: 2) { needed, bands in
            asked.append(bands)
            return Dictionary(uniqueKeysWithValues: needed.map { ($0, NearDuplicateKeypoints(rgb: images[$0], transforms: false, excluding: bands)) })
        }
        XCTAssertTrue(result.carriers.isSuperset(of: [0, 2, 4, 6, 8]), "\(result.carriers)")
        XCTAssertFalse(result.carriers.contains(10), "the clean garment carries nothing")
        let bands = asked.compactMap { $0 }.first
        XCTAssertNotNil(bands, "keypoints made again off the mark")
        XCTAssertTrue(bands!.covers(45.0 / 192) && bands!.covers(145.0 / 192) && !bands!.covers(70.0 / 192), "\(bands!.rows)")
        let pairs = Dictionary(uniqueKeysWithValues: result.pairs.map { ([$0.i, $0.j], $0.check) })
        for k in stride(from: 0, to: 10, by: 2) { XCTAssertNotNil(pairs[[k, k + 1]], "copies \(k)") }
        XCTAssertEqual(pairs.keys.filter { $0[0] / 2 != $0[1] / 2 }, [], "nothing across pictures")
        // Without the mark's rows (and keypoints made off them) the garment's pair passes, on ORB.
        XCTAssertEqual(pairs[[10, 11]]?.verdict, .same, "\(String(describing: pairs[[10, 11]]))")
        XCTAssertEqual(pairs[[10, 11]]?.decidedBy, "keypoints, without the mark")
        // The stamped garment's letters lie over the garment and recur nowhere, yet beside its verified clean copy
        // its edges along the mark's rows tell it carries the mark (so it is not the copy kept).
        XCTAssertTrue(result.carriers.contains(11), "\(result.carriers)")
        XCTAssertGreaterThan(NearDuplicateVerifier.edges(lazy[11].untrimmed, along: bands!),
                             NearDuplicateVerifier.edges(lazy[10].untrimmed, along: bands!) + verifier.markEdgeMargin)
        var blind = verifier
        blind.overlayRecurrence = 0
        let unmarked = blind.verification(lazy, workers: 2) { needed, bands in
            Dictionary(uniqueKeysWithValues: needed.map { ($0, NearDuplicateKeypoints(rgb: images[$0], transforms: false, excluding: bands)) })
        }
        XCTAssertTrue(unmarked.carriers.isEmpty)
        XCTAssertFalse(unmarked.pairs.contains { $0.i == 10 && $0.j == 11 }, "the letters fail it")
    }

    func testACopyCarryingTheFoldersMarkIsNeverKept() {
        var clean = ImageFacts(path: "a.jpg", width: 256, height: 192, fileSize: 8_000, modified: 10)
        var stamped = ImageFacts(path: "b.jpg", width: 512, height: 384, fileSize: 9_000, modified: 0)
        XCTAssertTrue(KeepPolicy.standard.prefers(stamped, over: clean), "larger, as long as nothing is known of a mark")
        stamped.carriesMark = true
        XCTAssertTrue(KeepPolicy.standard.prefers(clean, over: stamped), "its letters add bytes, not picture")
        XCTAssertFalse(KeepPolicy.standard.prefers(stamped, over: clean))
        clean.carriesMark = true
        XCTAssertTrue(KeepPolicy.standard.prefers(stamped, over: clean), "between two carriers the criteria decide")
    }

    func testKeypointsAreAskedForOnlyWhereThumbnailsPassOrARescueIsTried() {
        let original = picture(seed: 9)
        let images = [original, edit("jpeg-q30", original), picture(seed: 10), picture(seed: 11)]
        let eager = images.map { NearDuplicateProbe(rgb: $0) }
        let lazy = images.map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        XCTAssertNil(lazy[0].keypoints)
        var asked: [[Int]] = []
        let verifier = NearDuplicateVerifier()
        let pairs = verifier.verifiedPairs(lazy, workers: 2) { needed, _ in
            asked.append(needed)
            return Dictionary(uniqueKeysWithValues: needed.map { ($0, NearDuplicateKeypoints(rgb: images[$0], transforms: false)) })
        }
        XCTAssertEqual(asked.count, 1, "one request")
        XCTAssertTrue(Set(asked[0]).isSuperset(of: [0, 1]), "the two images of the pair that passed the thumbnails")
        // Without the rescue of pairs the thumbnails fail, those two alone.
        var thumbnailsOnly = verifier
        thumbnailsOnly.rescueRadius = -1
        asked = []
        _ = thumbnailsOnly.verifiedPairs(lazy, workers: 2) { needed, _ in
            asked.append(needed)
            return Dictionary(uniqueKeysWithValues: needed.map { ($0, NearDuplicateKeypoints(rgb: images[$0], transforms: false)) })
        }
        XCTAssertEqual(asked, [[0, 1]])
        XCTAssertEqual(pairs.map { [$0.i, $0.j] }, [[0, 1]])
        // The same checks as with keypoints made up front.
        XCTAssertEqual(pairs.map(\.check), verifier.verifiedPairs(eager, workers: 1).map(\.check))
        XCTAssertEqual(pairs.first?.check.decidedBy, "keypoints")
    }

    func testAPairWhoseKeypointsCannotBeMadeFallsBackToTheStrictRule() {
        // An image unreadable when it is decoded again for its keypoints (moved or changed since the first read):
        // the pair is still decided, by the thumbnails alone at the strict rule, and nothing fails.
        let original = picture(seed: 12)
        let lazy = [original, edit("jpeg-q30", original), edit("crop-10%", original)].map { NearDuplicateProbe(rgb: $0, keypoints: false) }
        let verifier = NearDuplicateVerifier()
        let pairs = verifier.verifiedPairs(lazy, workers: 2) { _, _ in [:] }
        XCTAssertTrue(pairs.contains { $0.i == 0 && $0.j == 1 }, "an identical copy passes the strict rule: \(pairs)")
        XCTAssertTrue(pairs.allSatisfy { $0.check.decidedBy == "strict thumbnails" && $0.check.orbInliers == nil })
    }

    func testACropTheViewsCannotLineUpIsCheckedOverTheHomography() {
        // 12% cut from the left and the top only: no centre window lines up within the slack, so the thumbnails
        // fail; ORB's homography lines the two up and the warped thumbnails agree.
        let original = picture(seed: 13)
        let (dx, dy) = (31, 23)
        let cut = original.window(x0: dx, y0: dy, width: 256 - dx, height: 192 - dy, fill: 0)
        let other = picture(seed: 14).window(x0: dx, y0: dy, width: 256 - dx, height: 192 - dy, fill: 0)
        let probes = [original, cut, other].map { NearDuplicateProbe(rgb: $0) }
        // The drawn ramps move the pHash further than a photo's content does: every candidate is rescued here.
        var verifier = NearDuplicateVerifier()
        verifier.rescueRadius = 64
        let check = verifier.verify(probes[0], probes[1], views: verifier.closestViews(probes[0], probes[1]))
        XCTAssertEqual(check.verdict, .same, "\(check)")
        XCTAssertEqual(check.decidedBy, "keypoints, warped thumbnails")
        XCTAssertGreaterThanOrEqual(check.agreeing, verifier.rescueAgreeing)
        var noRescue = verifier
        noRescue.rescueRadius = -1
        XCTAssertEqual(noRescue.verify(probes[0], probes[1], views: verifier.closestViews(probes[0], probes[1])).verdict, .different,
                       "the views alone do not line the crop up")
        XCTAssertNotEqual(verifier.verify(probes[0], probes[2], views: verifier.closestViews(probes[0], probes[2])).verdict, .same)
        XCTAssertNotEqual(verifier.verify(probes[1], probes[2], views: verifier.closestViews(probes[1], probes[2])).verdict, .same)
    }

    func testAMirroredCopyNeedsTransforms() {
        let original = picture(seed: 6), mirrored = edit("flip", picture(seed: 6))
        let plain = [original, mirrored].map { NearDuplicateProbe(rgb: $0) }
        XCTAssertTrue(NearDuplicateVerifier().verifiedPairs(plain).isEmpty)
        let both = [original, mirrored].map { NearDuplicateProbe(rgb: $0, transforms: true) }
        XCTAssertEqual(NearDuplicateVerifier().verifiedPairs(both).count, 1)
    }
}

extension CommandLineTests {
    func testGroupVerifyJoinsACroppedCopyAndVerifyExplainsThePair() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images/p08-shelf-1.jpg").path
        guard case .success(let decoded) = ImageDecoder().decode(path: source) else { return XCTFail("fixture unreadable") }
        let original = RGBImage(decoded.image)
        for (name, image) in [("a-original", original),
                              ("b-cropped", ImageTransform.standard.first { $0.name == "crop-10%" }!(original)),
                              ("c-letterboxed", ImageTransform.standard.first { $0.name == "letterbox" }!(original))] {
            let jpeg = try XCTUnwrap(JPEGEncoder.encode(rgb: image.pixels, width: image.width, height: image.height, quality: 90))
            try Data(jpeg).write(to: folder.appendingPathComponent("\(name).jpg"))
        }
        let other = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images/p12-shelf-2.jpg")
        try FileManager.default.copyItem(at: other, to: folder.appendingPathComponent("d-other.jpg"))

        let grouped = try run(["group", "--verify", "-f", "csv", folder.path])
        XCTAssertEqual(grouped.status, 0, grouped.stderr)
        let rows = grouped.stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 3, grouped.stdout)
        XCTAssertFalse(grouped.stdout.contains("d-other.jpg"), grouped.stdout)
        // Kept: the original, not the letterboxed copy with more pixels (the same picture plus black bars).
        let kept = rows.first { $0.contains(",keep,") }
        XCTAssertTrue(kept?.hasSuffix("a-original.jpg") ?? false, grouped.stdout)

        let planned = try run(["dedupe", "--verify", "--format", "json", folder.path])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let plan = try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(plan["metric"] as? String, "verified")
        XCTAssertEqual(plan["duplicates"] as? Int, 2, planned.stdout)
        let group = (plan["groups"] as! [[String: Any]])[0]
        let duplicates = group["duplicates"] as! [[String: Any]]
        XCTAssertEqual(duplicates.map { $0["action"] as! String }, ["none", "none"])
        // Every member's checks: each verified pair it is in, with the other image and the check's figures.
        let members = Set([group["keep"] as! String] + duplicates.map { $0["path"] as! String })
        for member in duplicates {
            let checks = try XCTUnwrap(member["checks"] as? [[String: Any]], "\(member)")
            XCTAssertFalse(checks.isEmpty)
            for entry in checks {
                let with = entry["with"] as! String, pair = entry["pair"] as! [String]
                XCTAssertTrue(members.contains(with) && with != member["path"] as! String)
                XCTAssertEqual(Set(pair), [with, member["path"] as! String])
                let check = entry["check"] as! [String: Any]
                XCTAssertEqual(check["verdict"] as? String, "same")
                XCTAssertNotNil(check["agreeing"] as? Double)
                XCTAssertTrue(["keypoints", "strict thumbnails"].contains(check["decidedBy"] as? String ?? ""), "\(check)")
                XCTAssertNotNil(check["views"] as? String)
            }
        }
        XCTAssertEqual(try run(["dedupe", "--format", "json", "--move-to", folder.appendingPathComponent("out").path, folder.path]).status, 64,
                       "json is the dry run's plan")

        // A truncated JPEG read between the original and its copies on one worker: named, the rest still grouped.
        let jpegBytes = try Data(contentsOf: folder.appendingPathComponent("a-original.jpg"))
        try jpegBytes.prefix(jpegBytes.count / 3).write(to: folder.appendingPathComponent("a-truncated.jpg"))
        let past = try run(["group", "--verify", "-f", "csv", "--jobs", "1", folder.path])
        XCTAssertEqual(past.status, 1, "a file could not be read: " + past.stderr)
        XCTAssertTrue(past.stderr.contains("a-truncated.jpg: truncated"), past.stderr)
        XCTAssertEqual(past.stdout, grouped.stdout, "the same groups as without the broken file")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("a-truncated.jpg"))

        let picture = folder.appendingPathComponent("matches.png").path
        let same = try run(["verify", "--matches", picture, folder.appendingPathComponent("a-original.jpg").path,
                            folder.appendingPathComponent("c-letterboxed.jpg").path])
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        XCTAssertTrue(same.stdout.contains("verdict: same"), same.stdout)
        // The two trimmed images side by side (the letterboxed copy trimmed to about the original's size).
        let drawn = try ImageDecoder().decode(path: picture).get().image
        XCTAssertGreaterThan(Double(drawn.width), 1.5 * Double(drawn.height), "\(drawn.width)x\(drawn.height)")
        XCTAssertTrue(same.stderr.contains("wrote \(picture)"), same.stderr)
        let different = try run(["verify", folder.appendingPathComponent("a-original.jpg").path, folder.appendingPathComponent("d-other.jpg").path])
        XCTAssertEqual(different.status, 1, different.stdout)
        XCTAssertEqual(plan["tooFlat"] as? [String], [], planned.stdout)
        XCTAssertFalse(planned.stderr.contains("too flat"), planned.stderr)

        // Two blank white pictures and a dark one: reported too flat to compare (on stderr, and in the plan), and
        // matched to nothing, each other included; the copies are grouped as before.
        try FileManager.default.removeItem(atPath: picture)
        for (name, value) in [("e-white", UInt8(255)), ("f-white", 255), ("g-dark", 12)] {
            let jpeg = try XCTUnwrap(JPEGEncoder.encode(rgb: [UInt8](repeating: value, count: 200 * 160 * 3), width: 200, height: 160, quality: 90))
            try Data(jpeg).write(to: folder.appendingPathComponent("\(name).jpg"))
        }
        let blanks = try run(["dedupe", "--verify", "--format", "json", folder.path])
        XCTAssertEqual(blanks.status, 0, blanks.stderr)
        let blankPlan = try JSONSerialization.jsonObject(with: Data(blanks.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(blankPlan["duplicates"] as? Int, 2, blanks.stdout)
        XCTAssertEqual((blankPlan["tooFlat"] as? [String])?.map { URL(fileURLWithPath: $0).lastPathComponent },
                       ["e-white.jpg", "f-white.jpg", "g-dark.jpg"], blanks.stdout)
        XCTAssertTrue(blanks.stderr.contains("3 image(s) too flat to compare"), blanks.stderr)
        let plain = try run(["dedupe", "--format", "json", folder.path])
        XCTAssertNil((try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as! [String: Any])["tooFlat"], "hashes alone check no quality")
    }
}

/// `--verify-orb`: k-nearest pairs re-scored by ORB inliers, a bounded pull.
extension NearDuplicateTests {
    func testKeypointAdjustmentPullsInPairsThatShareDetailAndLeavesTheRest() {
        // Items 0 and 1: one picture and a 5% crop of it (many inliers); 2: another picture; 3: flat (no keypoints).
        let a = picture(seed: 21), b = edit("crop-5%", picture(seed: 21)), c = picture(seed: 22)
        let flat = RGBImage(width: 256, height: 192, pixels: [UInt8](repeating: 200, count: 256 * 192 * 3))
        let features = [a, b, c, flat].map { ORBFeatures($0.luma) }
        XCTAssertTrue(features[3].keypoints.isEmpty)
        // Base distances: every pair 0.5 apart, except 0-2 at 0.4 (the unrelated picture looks nearer at first).
        let vectors: [[Float]] = [[1, 0, 0, 0], [0.5, 0.866, 0, 0], [0.6, 0, 0.8, 0], [0.5, 0, 0, 0.866]]
        let base = DescriptorSearch.index(vectors.map(Descriptor.vector))
        let adjusted = KeypointAdjustedIndex(base: base, features: features, workers: 2)
        let lists = adjusted.nearest(k: 3)
        // 0-1 share everything: pulled in by the full 30%, now ahead of 0-2.
        XCTAssertEqual(lists[0].first?.index, 1)
        XCTAssertEqual(adjusted.distance(0, 1), base.distance(0, 1) * 0.7, accuracy: 1e-6)
        // Unrelated and flat pairs keep their distance (pull only; too few keypoints).
        XCTAssertEqual(adjusted.distance(0, 2), base.distance(0, 2), accuracy: 1e-6)
        XCTAssertEqual(adjusted.distance(0, 3), base.distance(0, 3))
        XCTAssertEqual(adjusted.distance(3, 0), adjusted.distance(0, 3))
        for list in lists { XCTAssertEqual(list, list.sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }) }
        // The factor is bounded both ways and neutral without keypoints.
        let s = KeypointAdjustedIndex.Settings(lowest: -1)
        XCTAssertEqual(s.factor(inliers: 1000, fewerKeypoints: 500), 0.7, accuracy: 1e-6)
        XCTAssertEqual(s.factor(inliers: 0, fewerKeypoints: 500), 1 + 0.3 * 1 / 3, accuracy: 1e-6)
        XCTAssertEqual(s.factor(inliers: 0, fewerKeypoints: 5), 1)
    }
}

extension NearDuplicateTests {
    func testVerifiedPairsChainAtMostTheGivenDepthFromTheKeptCopy() {
        func partners(_ pairs: [(Int, Int)], count: Int) -> [[Int]] {
            var p = [[Int]](repeating: [], count: count)
            for (a, b) in pairs { p[a].append(b); p[b].append(a) }
            return p
        }
        // Two families (0: kept, 1, 2, 3 verified with 0; 4: kept, 5, 6 verified with 4) and one false pair 3-5;
        // 7 alone. Lower numbers are preferred as kept copies.
        let families = partners([(0, 1), (0, 2), (0, 3), (1, 2), (4, 5), (4, 6), (5, 6), (3, 5)], count: 8)
        let prefers = { (a: Int, b: Int) in a < b }
        XCTAssertEqual(GroupingPlan.chained(partners: families, depth: nil, prefers: prefers), [[0, 1, 2, 3, 4, 5, 6], [7]])
        // From 0: 1, 2, 3 at one pair, 5 at two (through the false pair); 4 and 6 then form their own group.
        XCTAssertEqual(GroupingPlan.chained(partners: families, depth: 2, prefers: prefers), [[0, 1, 2, 3, 5], [4, 6], [7]])
        XCTAssertEqual(GroupingPlan.chained(partners: families, depth: 1, prefers: prefers), [[0, 1, 2, 3], [4, 5, 6], [7]])
        // A chain 0-1-2-3-4 with 2 preferred: depth 2 reaches both ends; with 0 preferred, 3 and 4 are left over.
        let chain = partners([(0, 1), (1, 2), (2, 3), (3, 4)], count: 5)
        XCTAssertEqual(GroupingPlan.chained(partners: chain, depth: 2, prefers: { a, b in a == 2 && b != 2 }), [[0, 1, 2, 3, 4]])
        XCTAssertEqual(GroupingPlan.chained(partners: chain, depth: 2, prefers: prefers), [[0, 1, 2], [3, 4]])
    }
}

extension NearDuplicateTests {
    /// Tuning's folds re-score subsets of one collection: checks are shared by the items' ids, not positions.
    func testSubsetIndexesShareChecksByIdAndGiveAFreshIndexsDistances() {
        // 0, 1: a picture and its 5% crop; 2, 3: another picture and its crop.
        let pictures = [picture(seed: 21), edit("crop-5%", picture(seed: 21)), picture(seed: 22), edit("crop-5%", picture(seed: 22))]
        let features = pictures.map { ORBFeatures($0.luma) }
        let vectors: [[Float]] = [[1, 0, 0, 0], [0.8, 0.6, 0, 0], [0.6, 0, 0.8, 0], [0.5, 0, 0.6, 0.624]]
        let checks = PairChecks()
        _ = KeypointAdjustedIndex(base: DescriptorSearch.index(vectors.map(Descriptor.vector)), features: features,
                                  workers: 1, checked: checks, ids: [0, 1, 2, 3]).nearest(k: 3)
        let subset = [1, 2, 3]
        let base = DescriptorSearch.index(subset.map { Descriptor.vector(vectors[$0]) })
        let fresh = KeypointAdjustedIndex(base: base, features: subset.map { features[$0] }, workers: 1)
        let shared = KeypointAdjustedIndex(base: base, features: subset.map { features[$0] }, workers: 1, checked: checks, ids: subset)
        XCTAssertEqual(fresh.nearest(k: 2), shared.nearest(k: 2))
        for i in 0..<3 { for j in 0..<3 { XCTAssertEqual(fresh.distance(i, j), shared.distance(i, j)) } }
        // Answered from the checks made over the whole collection: without features the crop pair is still pulled in.
        let blind = KeypointAdjustedIndex(base: base, features: [nil, nil, nil], workers: 1, checked: checks, ids: subset)
        _ = blind.nearest(k: 2)
        XCTAssertLessThan(blind.distance(1, 2), base.distance(1, 2))
        XCTAssertEqual(blind.distance(1, 2), fresh.distance(1, 2))
        XCTAssertEqual(blind.distance(0, 1), base.distance(0, 1))
    }
}

extension CommandLineTests {
    func testGroupVerifyOrbRescoresProductGroupingAndNeedsTheGraphRule() throws {
        let folder = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images").path
        let plain = try run(["group", "--method", "colour", "--format", "json", folder])
        let orb = try run(["group", "--verify-orb", "--method", "colour", "--format", "json", folder])
        XCTAssertEqual(orb.status, 0, orb.stderr)
        let header = try JSONSerialization.jsonObject(with: Data(orb.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(header["method"] as? String, "colour +orb")
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as! [String: Any])["method"] as? String, "colour")
        let refused = try run(["group", "--verify-orb", "--method", "phash", folder])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("graph"), refused.stderr)
        XCTAssertEqual(try run(["group", "--verify-orb", "--verify", folder]).status, 64)
        // A truncated JPEG read mid-folder by the same worker: named, exit 1, the others' keypoints and groups intact.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-orb-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: folder, toPath: copy.path)
        defer { try? FileManager.default.removeItem(at: copy) }
        let good = try run(["group", "--verify-orb", "--method", "colour", "--jobs", "1", "--format", "csv", copy.path])
        try FileManager.default.copyItem(atPath: FixturePaths.image("broken/truncated.jpg"),
                                         toPath: copy.appendingPathComponent("p05-broken.jpg").path)
        let past = try run(["group", "--verify-orb", "--method", "colour", "--jobs", "1", "--format", "csv", copy.path])
        XCTAssertEqual(past.status, 1, past.stderr)
        XCTAssertTrue(past.stderr.contains("p05-broken.jpg"), past.stderr)
        XCTAssertEqual(past.stdout, good.stdout)
        let off = try run(["group", "--no-verify-orb", "--method", "colour", "--format", "json", folder])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(off.stdout.utf8)) as! [String: Any])["method"] as? String, "colour")
    }

    func testVerifyChainTakesADepthOrComponents() throws {
        let folder = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images").path
        for bad in ["0", "two"] {
            let refused = try run(["group", "--verify", "--verify-chain", bad, folder])
            XCTAssertEqual(refused.status, 64, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("--verify-chain"), refused.stderr)
        }
        let components = try run(["group", "--verify", "--verify-chain", "components", "--format", "csv", folder])
        XCTAssertEqual(components.status, 0, components.stderr)
    }
}
