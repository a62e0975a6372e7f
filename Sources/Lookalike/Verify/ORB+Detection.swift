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
        // The segment test, scores and suppression in C (`lk_fast_corners`); the score only where the test passes.
        let (at, scores) = NativeKernels.fastCorners(image, threshold: threshold, margin: margin,
                                                     ring: ring.map { Int32($0.dy * w + $0.dx) })
        return at.map { i in Corner(x: Int(i) % w, y: Int(i) / w, score: Int(scores[Int(i)])) }
    }

    /// The `keep` corners with the largest Harris response (k, 7 x 7 window of Sobel derivatives), ties broken by
    /// raster order so the choice never depends on sorting details.
    static func strongest(_ corners: [Corner], in image: GrayImage, k: Double, keep: Int, cells: Int = 1) -> [Corner] {
        let w = image.width
        let responses = NativeKernels.harris(image, at: corners.map { Int32($0.y * w + $0.x) }, k: k)
        let rated = zip(corners, responses).map { c, response in var out = c; out.response = response; return out }
        // Indices carried beside the responses: a sort of plain pairs, not of a closure into `rated`.
        let order = zip(responses, rated.indices).sorted { a, b in a.0 != b.0 ? a.0 > b.0 : a.1 < b.1 }.map(\.1)
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
    static let discHalfWidths: [Int32] = (0...ORBPattern.patchRadius).map { dy in
        Int32(Double(ORBPattern.patchRadius * ORBPattern.patchRadius - dy * dy).squareRoot())
    }
}
