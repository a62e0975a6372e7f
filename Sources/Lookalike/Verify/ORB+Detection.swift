import Foundation

/// Finding and ranking corners on one pyramid level: FAST-9, 3 x 3 non-maximum suppression, Harris, orientation.
extension ORBFeatures {
    struct Corner: Equatable {
        let x: Int, y: Int
        /// FAST score: the largest threshold at which it would still be a corner.
        let score: Int
        var response: Double = 0
    }

    /// The 16-pixel Bresenham circle of radius 3, clockwise from the top.
    static let ring: [(dx: Int, dy: Int)] = [(0, -3), (1, -3), (2, -2), (3, -1), (3, 0), (3, 1), (2, 2), (1, 3),
                                             (0, 3), (-1, 3), (-2, 2), (-3, 1), (-3, 0), (-3, -1), (-2, -2), (-1, -3)]

    /// FAST-9 corners at least `margin` from every edge that survive 3 x 3 non-maximum suppression of their score,
    /// in raster order. A corner: 9 contiguous ring pixels all brighter than centre + threshold, or all darker
    /// than centre - threshold.
    static func fastCorners(_ image: GrayImage, threshold: Int, margin: Int) -> [Corner] {
        let w = image.width, h = image.height
        guard w > 2 * margin, h > 2 * margin else { return [] }
        let offsets = ring.map { $0.dy * w + $0.dx }
        // Scores fit a byte (a difference of two bytes, less one): a quarter of the memory of Int32 on large images.
        var scores = [UInt8](repeating: 0, count: w * h)
        var found: [Corner] = []
        // The segment test for every pixel in C (vectorised); the score only where it passes (a few percent).
        let arcs = NativeKernels.fastArcs(image, threshold: threshold, margin: margin, ring: offsets.map { Int32($0) })
        image.pixels.withUnsafeBufferPointer { px in arcs.withUnsafeBufferPointer { arcs in
            offsets.withUnsafeBufferPointer { off in
                let d = UnsafeMutableBufferPointer<Int>.allocate(capacity: 16)
                defer { d.deallocate() }
                for y in margin..<(h - margin) {
                    for x in margin..<(w - margin) where arcs[y * w + x] != 0 {
                        let i = y * w + x
                        let p = Int(px[i])
                        for k in 0..<16 { d[k] = Int(px[i + off[k]]) - p }
                        let isBright = arcs[i] & 1 != 0, isDark = arcs[i] & 2 != 0
                        let score = max(isBright ? arcScore(d, sign: 1) : 0, isDark ? arcScore(d, sign: -1) : 0)
                        scores[i] = UInt8(score)
                        found.append(Corner(x: x, y: y, score: score))
                    }
                }
            }
        } }
        // Keep a corner when no neighbour scores higher; of equal neighbours the first in raster order stays.
        return found.filter { c in
            let i = c.y * w + c.x
            for dy in -1...1 { for dx in -1...1 where dx != 0 || dy != 0 {
                let s = Int(scores[i + dy * w + dx])
                if s > c.score || (s == c.score && (dy < 0 || (dy == 0 && dx < 0))) { return false }
            } }
            return true
        }
    }

    /// The largest threshold at which the centre is still a corner of this polarity: over every arc of 9, the
    /// smallest difference along it, best arc taken (minus one, as "more than the threshold" is strict).
    static func arcScore(_ d: UnsafeMutableBufferPointer<Int>, sign: Int) -> Int {
        var best = Int.min
        for start in 0..<16 {
            var least = Int.max
            for j in 0..<9 { least = min(least, sign * d[(start + j) & 15]) }
            best = max(best, least)
        }
        return best - 1
    }

    /// The `keep` corners with the largest Harris response (k, 7 x 7 window of Sobel derivatives), ties broken by
    /// raster order so the choice never depends on sorting details.
    static func strongest(_ corners: [Corner], in image: GrayImage, k: Double, keep: Int, cells: Int = 1) -> [Corner] {
        let w = image.width
        let rated: [Corner] = image.pixels.withUnsafeBufferPointer { px in
            corners.map { c in
                var xx = 0, yy = 0, xy = 0
                for y in (c.y - 3)...(c.y + 3) {
                    for x in (c.x - 3)...(c.x + 3) {
                        let i = y * w + x
                        let a = Int(px[i - w - 1]), b = Int(px[i - w]), e = Int(px[i - w + 1])
                        let l = Int(px[i - 1]), r = Int(px[i + 1])
                        let f = Int(px[i + w - 1]), g = Int(px[i + w]), m = Int(px[i + w + 1])
                        let gx = (e + 2 * r + m) - (a + 2 * l + f)
                        let gy = (f + 2 * g + m) - (a + 2 * b + e)
                        xx += gx * gx; yy += gy * gy; xy += gx * gy
                    }
                }
                let sxx = Double(xx), syy = Double(yy), sxy = Double(xy)
                var out = c
                out.response = sxx * syy - sxy * sxy - k * (sxx + syy) * (sxx + syy)
                return out
            }
        }
        let order = rated.indices.sorted { a, b in
            rated[a].response != rated[b].response ? rated[a].response > rated[b].response : a < b
        }
        guard cells > 1, rated.count > keep else { return order.prefix(keep).map { rated[$0] } }
        let quota = (keep + cells * cells - 1) / (cells * cells)
        var taken = [Int](repeating: 0, count: cells * cells), chosen = [Bool](repeating: false, count: rated.count)
        var count = 0
        for i in order where count < keep {
            let c = min(cells - 1, rated[i].y * cells / max(1, image.height)) * cells + min(cells - 1, rated[i].x * cells / max(1, w))
            if taken[c] < quota { taken[c] += 1; chosen[i] = true; count += 1 }
        }
        for i in order where count < keep && !chosen[i] { chosen[i] = true; count += 1 }
        return order.filter { chosen[$0] }.map { rated[$0] }
    }

    /// Half-widths of the disc of radius 15 row by row (dy = 0...15), shared by orientation and the pattern.
    static let discHalfWidths: [Int] = (0...ORBPattern.patchRadius).map { dy in
        Int(Double(ORBPattern.patchRadius * ORBPattern.patchRadius - dy * dy).squareRoot())
    }

    /// The angle of the intensity centroid of the disc of radius 15 around (x, y), seen from its centre.
    static func orientation(_ image: GrayImage, x: Int, y: Int) -> Double {
        let w = image.width, r = ORBPattern.patchRadius
        var m10 = 0, m01 = 0
        image.pixels.withUnsafeBufferPointer { px in
            for dy in -r...r {
                let half = discHalfWidths[abs(dy)], row = (y + dy) * w + x
                for dx in -half...half {
                    let v = Int(px[row + dx])
                    m10 += dx * v
                    m01 += dy * v
                }
            }
        }
        return atan2(Double(m01), Double(m10))
    }
}
