import XCTest
@testable import Lookalike

/// ORB features, matching and the RANSAC homography on drawn pictures with a known warp.
final class ORBTests: XCTestCase {
    /// A textured picture: a diagonal ramp under seeded rectangles and discs of random greys (seed picks it).
    static func picture(seed: UInt64, width: Int = 320, height: Int = 240) -> GrayImage {
        var rng = SplitMix64(seed: seed)
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let shapes = (0..<70).map { _ in
            (disc: below(2) == 0, x: below(width), y: below(height), a: below(28) + 6, b: below(28) + 6, grey: below(256))
        }
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { pixels[y * width + x] = UInt8(x * 150 / width + y * 80 / height + 20) } }
        for s in shapes {
            let ry = s.disc ? s.a : s.b
            for y in max(0, s.y - ry + 1)..<min(height, s.y + ry) { for x in max(0, s.x - s.a + 1)..<min(width, s.x + s.a) {
                let dx = x - s.x, dy = y - s.y
                if !s.disc || dx * dx + dy * dy < s.a * s.a { pixels[y * width + x] = UInt8(s.grey) }
            } }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// Turned 15 degrees, scaled by 0.8 and tilted slightly, about the centre: source pixels to warped pixels.
    static let warp: Homography = {
        let c = (x: 160.0, y: 120.0), a = 15 * Double.pi / 180, s = 0.8
        let centre: [Double] = [1, 0, -c.x, 0, 1, -c.y, 0, 0, 1]
        let turn: [Double] = [s * cos(a), -s * sin(a), 0, s * sin(a), s * cos(a), 0, 0, 0, 1]
        let tilt: [Double] = [1, 0, 0, 0, 1, 0, 4e-4, -2e-4, 1]
        let back: [Double] = [1, 0, c.x, 0, 1, c.y, 0, 0, 1]
        return Homography(Homography.multiply(back, Homography.multiply(tilt, Homography.multiply(turn, centre))))
    }()

    /// `image` pushed through `h` (inverse warp, bilinear; outside the source is mid grey).
    static func warped(_ image: GrayImage, by h: Homography) -> GrayImage {
        let back = h.inverse!, w = image.width, hgt = image.height
        var out = [UInt8](repeating: 128, count: w * hgt)
        for y in 0..<hgt { for x in 0..<w {
            guard let p = back.apply(SIMD2(Double(x), Double(y))), p.x >= 0, p.y >= 0,
                  p.x <= Double(w - 1), p.y <= Double(hgt - 1) else { continue }
            let x0 = min(w - 2, Int(p.x)), y0 = min(hgt - 2, Int(p.y))
            let fx = p.x - Double(x0), fy = p.y - Double(y0)
            func at(_ xx: Int, _ yy: Int) -> Double { Double(image[xx, yy]) }
            let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
            let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
            out[y * w + x] = UInt8((top * (1 - fy) + bottom * fy).rounded())
        } }
        return GrayImage(width: w, height: hgt, pixels: out)
    }

    func testAWarpedCopyMatchesAndTheHomographyIsRecovered() throws {
        let original = Self.picture(seed: 7)
        let copy = Self.warped(original, by: Self.warp)
        let check = ORBCheck(original, copy)
        XCTAssertGreaterThan(check.first.keypoints.count, 300, "the picture has plenty of corners")
        XCTAssertGreaterThan(check.second.keypoints.count, 300)
        XCTAssertGreaterThanOrEqual(check.inlierCount, 80, "\(check.inlierCount) of \(check.matches.count)")
        XCTAssertGreaterThanOrEqual(check.inlierRatio, 0.7)
        let found = try XCTUnwrap(check.homography)
        for p in [SIMD2(100.0, 80.0), SIMD2(220, 80), SIMD2(160, 120), SIMD2(110, 170), SIMD2(210, 165)] {
            let expected = try XCTUnwrap(Self.warp.apply(p)), got = try XCTUnwrap(found.apply(p))
            let d = got - expected
            XCTAssertLessThan((d.x * d.x + d.y * d.y).squareRoot(), 3, "\(p) -> \(got), expected \(expected)")
        }
    }

    func testTheInverseMapsBackAndInliersCoverACopyButNotAPatch() throws {
        let back = try XCTUnwrap(Self.warp.inverse)
        for p in [SIMD2(0.0, 0.0), SIMD2(300, 20), SIMD2(160, 120)] {
            let there = try XCTUnwrap(Self.warp.apply(p)), again = try XCTUnwrap(back.apply(there))
            XCTAssertEqual(again.x, p.x, accuracy: 1e-9); XCTAssertEqual(again.y, p.y, accuracy: 1e-9)
        }
        XCTAssertNil(Homography([1, 2, 3, 2, 4, 6, 0, 0, 1]).inverse, "singular")
        let original = Self.picture(seed: 7)
        XCTAssertGreaterThan(ORBCheck(original, Self.warped(original, by: Self.warp)).inlierCoverage, 0.3,
                             "a warped copy agrees across the picture")
        // One 80 x 60 patch of the picture pasted onto a flat card: its inliers cover that patch only.
        var card = GrayImage(width: 320, height: 240, pixels: [UInt8](repeating: 128, count: 320 * 240))
        for y in 0..<60 { for x in 0..<80 { card.pixels[(y + 90) * 320 + x + 120] = original.pixels[(y + 90) * 320 + x + 120] } }
        let patch = ORBCheck(original, card)
        XCTAssertLessThanOrEqual(patch.inlierCoverage, 80.0 * 60 / (320 * 240) + 1e-9, "\(patch.inlierCount) inliers")
    }

    func testCellsShareTheBudgetSoAStrongPatchCannotTakeIt() {
        // Left half at a fifth of its contrast, right half as drawn: ranked by response alone, the right half takes
        // nearly every keypoint; with 4 x 4 cells the left half keeps its share.
        var image = Self.picture(seed: 21)
        for y in 0..<image.height { for x in 0..<(image.width / 2) {
            image.pixels[y * image.width + x] = UInt8(100 + Int(image.pixels[y * image.width + x]) / 5)
        } }
        let settings = ORBFeatures.Settings(maxFeatures: 200, fastThreshold: 5)
        var spread = settings
        spread.cells = 4
        func left(_ f: ORBFeatures) -> Int { f.keypoints.filter { $0.x < Double(image.width) / 2 }.count }
        let ranked = ORBFeatures(image, settings: settings), shared = ORBFeatures(image, settings: spread)
        XCTAssertEqual(ranked.keypoints.count, shared.keypoints.count, "the same budget")
        XCTAssertLessThan(left(ranked), ranked.keypoints.count / 5, "\(left(ranked)) of \(ranked.keypoints.count)")
        XCTAssertGreaterThan(left(shared), shared.keypoints.count / 3, "\(left(shared)) of \(shared.keypoints.count)")
    }

    func testFASTCornersAreTheTestWrittenOut() {
        // Every pixel of noisy pictures at several thresholds against FAST written out: 9 contiguous ring pixels
        // (wrapping round) all brighter than centre + t, or all darker than centre - t; the score the largest t
        // still passing; kept when no neighbour scores higher (of equal ones, the first in raster order).
        var rng = SplitMix64(seed: 5)
        let (w, h, margin) = (97, 61, 4)
        for t in [1, 10, 20, 60] {
            var image = Self.picture(seed: UInt64(t), width: w, height: h)
            for k in image.pixels.indices where rng.next() % 4 == 0 { image.pixels[k] = UInt8(rng.next() % 256) }
            var scores = [Int](repeating: 0, count: w * h), candidates: [(x: Int, y: Int)] = []
            for y in margin..<(h - margin) { for x in margin..<(w - margin) {
                let p = Int(image.pixels[y * w + x])
                let d = ORBFeatures.ring.map { Int(image.pixels[(y + $0.dy) * w + x + $0.dx]) - p }
                func best(_ sign: Int) -> Int {
                    (0..<16).map { start in (0..<9).map { sign * d[(start + $0) % 16] }.min()! }.max()!
                }
                let bright = best(1) > t, dark = best(-1) > t
                guard bright || dark else { continue }
                scores[y * w + x] = max(bright ? best(1) - 1 : 0, dark ? best(-1) - 1 : 0)
                candidates.append((x, y))
            } }
            let expected = candidates.filter { c in
                let s = scores[c.y * w + c.x]
                return (-1...1).allSatisfy { dy in (-1...1).allSatisfy { dx in
                    let n = scores[(c.y + dy) * w + c.x + dx]
                    return (dy == 0 && dx == 0) || n < s || (n == s && (dy > 0 || (dy == 0 && dx > 0)))
                } }
            }
            let found = ORBFeatures.fastCorners(image, threshold: t, margin: margin)
            XCTAssertGreaterThan(expected.count, 0, "threshold \(t) finds corners to compare")
            XCTAssertEqual(found.map { [$0.x, $0.y, $0.score] }, expected.map { [$0.x, $0.y, scores[$0.y * w + $0.x]] },
                           "threshold \(t)")
        }
    }

    func testTheNativeStepsAreTheStepsWrittenOut() {
        // The pyramid, blur, Harris, orientation and BRIEF run in C (vectorised for the machine); each must give
        // what the definition gives, bit for bit, on an odd-sized noisy picture.
        var rng = SplitMix64(seed: 9)
        var image = Self.picture(seed: 3, width: 203, height: 157)
        for k in image.pixels.indices where rng.next() % 5 == 0 { image.pixels[k] = UInt8(rng.next() % 256) }
        let (w, h) = (image.width, image.height)
        func px(_ x: Int, _ y: Int) -> Int { Int(image.pixels[min(h - 1, max(0, y)) * w + min(w - 1, max(0, x))]) }

        // Area averaging: rows first into Floats, then columns, rounded once.
        for (tw, th) in [(169, 131), (98, 76), (40, 40), (203, 157), (57, 150)] {
            let columns = Footprints(source: w, target: tw), rows = Footprints(source: h, target: th)
            var across = [Float](repeating: 0, count: h * tw)
            for y in 0..<h { for x in 0..<tw {
                var sum: Float = 0
                for j in 0..<(columns.start[x + 1] - columns.start[x]) {
                    sum += columns.weights[columns.start[x] + j] * Float(px(columns.first[x] + j, y))
                }
                across[y * tw + x] = sum
            } }
            var expected = [UInt8](repeating: 0, count: tw * th)
            for y in 0..<th { for x in 0..<tw {
                var acc: Float = 0
                for j in rows.start[y]..<rows.start[y + 1] {
                    acc += rows.weights[j] * across[(rows.first[y] + j - rows.start[y]) * tw + x]
                }
                expected[y * tw + x] = UInt8(min(255, max(0, acc) + 0.5))
            } }
            XCTAssertEqual(ORBFeatures.areaResize(image, width: tw, height: th).pixels, expected, "\(tw) x \(th)")
        }

        // The 5 x 5 binomial blur, edges repeated, rounded.
        let blurred = ORBFeatures.blur(image)
        let taps = [1, 4, 6, 4, 1]
        for y in 0..<h { for x in 0..<w {
            var sum = 0
            for j in 0..<5 { for i in 0..<5 { sum += taps[j] * taps[i] * px(x + i - 2, y + j - 2) } }
            if Int(blurred.pixels[y * w + x]) != (sum + 128) >> 8 { XCTFail("blur at (\(x), \(y))"); return }
        } }

        // Harris, orientation and the descriptor at points inside the margin.
        let points = (0..<300).map { _ in (x: 16 + Int(rng.next() % UInt64(w - 32)), y: 16 + Int(rng.next() % UInt64(h - 32))) }
        let at = points.map { Int32($0.y * w + $0.x) }
        let harris = NativeKernels.harris(image, at: at, k: 0.04)
        let angles = NativeKernels.orbOrientation(image, at: at, halfWidths: ORBFeatures.discHalfWidths)
        let steps = angles.map(ORBPattern.step)
        let words = NativeKernels.orbDescribe(blurred, at: at, steps: steps, pattern: ORBPattern.shared.offsets)
        for (n, p) in points.enumerated() {
            var xx = 0, yy = 0, xy = 0
            for y in (p.y - 3)...(p.y + 3) { for x in (p.x - 3)...(p.x + 3) {
                let gx = px(x + 1, y - 1) + 2 * px(x + 1, y) + px(x + 1, y + 1) - px(x - 1, y - 1) - 2 * px(x - 1, y) - px(x - 1, y + 1)
                let gy = px(x - 1, y + 1) + 2 * px(x, y + 1) + px(x + 1, y + 1) - px(x - 1, y - 1) - 2 * px(x, y - 1) - px(x + 1, y - 1)
                xx += gx * gx; yy += gy * gy; xy += gx * gy
            } }
            let (a, b, c) = (Double(xx), Double(yy), Double(xy))
            XCTAssertEqual(harris[n], a * b - c * c - 0.04 * (a + b) * (a + b), "Harris at \(p)")
            var m10 = 0, m01 = 0
            for dy in -15...15 {
                let half = Int(ORBFeatures.discHalfWidths[abs(dy)])
                for dx in -half...half { m10 += dx * px(p.x + dx, p.y + dy); m01 += dy * px(p.x + dx, p.y + dy) }
            }
            XCTAssertEqual(angles[n], atan2(Double(m01), Double(m10)), "orientation at \(p)")
            var expected: [UInt64] = [0, 0, 0, 0]
            for (i, pair) in ORBPattern.shared.turned[Int(steps[n])].enumerated() {
                let first = blurred.pixels[(p.y + pair.1) * w + p.x + pair.0], second = blurred.pixels[(p.y + pair.3) * w + p.x + pair.2]
                if first < second { expected[i >> 6] |= 1 << UInt64(i & 63) }
            }
            XCTAssertEqual(Array(words[(4 * n)..<(4 * n + 4)]), expected, "descriptor at \(p)")
        }
    }

    func testAnUnrelatedPictureGivesFewInliers() {
        let check = ORBCheck(Self.picture(seed: 7), Self.picture(seed: 8))
        XCTAssertGreaterThan(check.second.keypoints.count, 300)
        XCTAssertLessThan(check.inlierCount, 12, "\(check.inlierCount) of \(check.matches.count)")
        XCTAssertLessThan(check.inlierRatio, 0.4)
    }

    func testFlatAndTinyImagesGiveNoKeypoints() {
        let flat = GrayImage(width: 320, height: 240, pixels: [UInt8](repeating: 90, count: 320 * 240))
        XCTAssertTrue(ORBFeatures(flat).keypoints.isEmpty)
        var rng = SplitMix64(seed: 3)
        let tiny = GrayImage(width: 10, height: 10, pixels: (0..<100).map { _ in UInt8(rng.next() % 256) })
        XCTAssertTrue(ORBFeatures(tiny).keypoints.isEmpty)
        XCTAssertTrue(ORBFeatures(GrayImage(width: 0, height: 0, pixels: [])).keypoints.isEmpty)
        // A strip: 32 rows leave no room for the patch, whatever its texture.
        let strip = GrayImage(width: 600, height: 32, pixels: (0..<(600 * 32)).map { _ in UInt8(rng.next() % 256) })
        XCTAssertTrue(ORBFeatures(strip).keypoints.isEmpty)
        let wider = GrayImage(width: 600, height: 33, pixels: (0..<(600 * 33)).map { _ in UInt8(rng.next() % 256) })
        XCTAssertFalse(ORBFeatures(wider).keypoints.isEmpty, "33 rows are enough")
        let check = ORBCheck(flat, tiny)
        XCTAssertEqual(check.matches.count, 0)
        XCTAssertNil(check.homography)
        XCTAssertEqual(check.inlierRatio, 0)
    }

    func testTheCheckIsDeterministic() {
        let a = Self.picture(seed: 11), b = Self.warped(a, by: Self.warp)
        let one = ORBCheck(a, b), two = ORBCheck(a, b)
        XCTAssertEqual(one.first.keypoints, two.first.keypoints)
        XCTAssertEqual(one.first.descriptors, two.first.descriptors)
        XCTAssertEqual(one.matches, two.matches)
        XCTAssertEqual(one.homography, two.homography)
        XCTAssertEqual(one.inliers, two.inliers)
        XCTAssertGreaterThan(one.inlierCount, 0)
    }

    func testHomographyFitIsExactOnFourPairsAndRejectsCollinearSamples() throws {
        let from = [SIMD2(10.0, 10.0), SIMD2(200, 20), SIMD2(190, 150), SIMD2(20, 160)]
        let to = from.map { Self.warp.apply($0)! }
        let h = try XCTUnwrap(Homography.fit(from: from, to: to))
        for (i, v) in h.m.enumerated() { XCTAssertEqual(v, Self.warp.m[i] / Self.warp.m[8], accuracy: 1e-6) }
        XCTAssertTrue(RANSACHomography.hasCollinearTriple([SIMD2(0, 0), SIMD2(5, 5), SIMD2(10, 10), SIMD2(0, 9)]))
        XCTAssertFalse(RANSACHomography.hasCollinearTriple(from))
    }

    func testMatcherRatioAndCrossCheck() {
        let a = ORBDescriptor(0, 0, 0, 0), b = ORBDescriptor(0xFF, 0, 0, 0), c = ORBDescriptor(~0, ~0, 0, 0)
        XCTAssertEqual(a.distance(to: c), 128)
        // a's nearest is a (0), second b (8): kept. b's nearest a (8) vs b... train [a, c]: 8 vs 120: kept.
        XCTAssertEqual(ORBMatcher().match([a, b], [a, c]).map(\.trainIndex), [0, 0])
        // With cross-check only a keeps train 0 (train 0's nearest query is a).
        XCTAssertEqual(ORBMatcher(crossCheck: true).match([a, b], [a, c]).map(\.queryIndex), [0])
        // Two equally near train descriptors: ambiguous, dropped.
        XCTAssertTrue(ORBMatcher().match([a], [b, b]).isEmpty)
    }
    /// Orientation and the pyramid at work: a quarter turn at 70% size, about the centre, still matches.
    func testATurnedAndShrunkCopyMatches() {
        let c = (x: 160.0, y: 120.0), s = 0.7
        let turn = Homography([0, -s, c.x + s * c.y, s, 0, c.y - s * c.x, 0, 0, 1])
        let original = Self.picture(seed: 5)
        let check = ORBCheck(original, Self.warped(original, by: turn))
        XCTAssertGreaterThanOrEqual(check.inlierCount, 60, "\(check.inlierCount) of \(check.matches.count)")
        XCTAssertGreaterThanOrEqual(check.inlierRatio, 0.7)
        XCTAssertGreaterThan(Set(check.first.keypoints.map(\.level)).count, 4, "keypoints on several levels")
    }
}

extension ORBTests {
    /// The matcher's one-pass kernel against two brute-force scans: nearest and second distances forward, nearest
    /// backward, ties to the smaller index; descriptors with exact copies so ties happen.
    func testNearestBothWaysEqualsTwoBruteForceScans() {
        var rng = SplitMix64(seed: 33)
        func descriptors(_ n: Int) -> [ORBDescriptor] {
            var out = (0..<n).map { _ in ORBDescriptor(rng.next(), rng.next(), rng.next(), rng.next()) }
            for k in stride(from: 3, to: n, by: 7) { out[k] = out[k - 3] }
            return out
        }
        for (n, m) in [(1, 1), (5, 300), (300, 5), (260, 513)] {
            let a = descriptors(n), b = descriptors(m) + descriptors(3).map { _ in a[0] }
            func distance(_ x: ORBDescriptor, _ y: ORBDescriptor) -> Int {
                (x.w0 ^ y.w0).nonzeroBitCount + (x.w1 ^ y.w1).nonzeroBitCount + (x.w2 ^ y.w2).nonzeroBitCount + (x.w3 ^ y.w3).nonzeroBitCount
            }
            let words = { (d: [ORBDescriptor]) in d.flatMap { [$0.w0, $0.w1, $0.w2, $0.w3] } }
            let (forward, backward) = NativeKernels.orbNearest(from: words(a), to: words(b))
            for (i, x) in a.enumerated() {
                let all = b.map { distance(x, $0) }
                let best = all.indices.min { (all[$0], $0) < (all[$1], $1) }!
                let second = all.enumerated().filter { $0.offset != best }.map(\.element).min() ?? 257
                XCTAssertEqual(forward[i].best, best)
                XCTAssertEqual(forward[i].bestDistance, all[best])
                XCTAssertEqual(forward[i].secondDistance, second)
            }
            for (j, y) in b.enumerated() {
                let all = a.map { distance($0, y) }
                XCTAssertEqual(backward[j], all.indices.min { (all[$0], $0) < (all[$1], $1) }!)
            }
        }
    }
}
