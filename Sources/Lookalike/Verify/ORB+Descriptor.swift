import Foundation

/// Rotated BRIEF's test pattern: 256 pairs of points in the disc of radius 15 (inside the 31 x 31 patch), drawn
/// once from a fixed seed, and the same pairs turned to each of 30 angles 12 degrees apart (as in the paper).
///
/// Guarantees: the same pairs on every run and machine that rounds `log`, `cos` and `sin` alike; every turned
/// point stays in the disc, so a keypoint `patchRadius` from the edges never reads outside its level.
struct ORBPattern: Sendable {
    static let patchSize = 31
    static let patchRadius = 15
    static let angleSteps = 30
    static let shared = ORBPattern(seed: 0x4F52_425F_5041_5454)  // "ORB_PATT"

    /// Per angle step, 256 pairs as (dx1, dy1, dx2, dy2).
    let turned: [[(Int, Int, Int, Int)]]

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        // A point ~ N(0, (31/5)^2) per axis, rounded, redrawn until it lies in the disc: the paper's best test
        // geometry (G II) without the pile-up at the border that clamping would cause.
        func unit() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        func gaussian() -> Double {
            let u1 = 1 - unit()  // (0, 1]: log stays finite
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * unit())
        }
        func point() -> (Int, Int) {
            let sigma = Double(Self.patchSize) / 5, r = Self.patchRadius
            while true {
                let x = Int((gaussian() * sigma).rounded()), y = Int((gaussian() * sigma).rounded())
                if x * x + y * y <= r * r { return (x, y) }
            }
        }
        var pairs: [(Int, Int, Int, Int)] = []
        while pairs.count < 256 {
            let a = point(), b = point()
            if a != b { pairs.append((a.0, a.1, b.0, b.1)) }
        }
        turned = (0..<Self.angleSteps).map { step in
            let theta = 2 * Double.pi * Double(step) / Double(Self.angleSteps)
            let c = cos(theta), s = sin(theta)
            func turn(_ x: Int, _ y: Int) -> (Int, Int) {
                (Int((c * Double(x) - s * Double(y)).rounded()), Int((s * Double(x) + c * Double(y)).rounded()))
            }
            return pairs.map { p in
                let a = turn(p.0, p.1), b = turn(p.2, p.3)
                return (a.0, a.1, b.0, b.1)
            }
        }
    }

    /// The descriptor of the keypoint at (x, y) of a smoothed level: bit i is set when the first point of pair i,
    /// turned by `angle` (rounded to the nearest step), is darker than the second.
    func describe(_ smooth: GrayImage, x: Int, y: Int, angle: Double) -> ORBDescriptor {
        let steps = Double(Self.angleSteps)
        var step = Int((angle / (2 * Double.pi) * steps).rounded()) % Self.angleSteps
        if step < 0 { step += Self.angleSteps }
        let w = smooth.width, centre = y * w + x
        var words: [UInt64] = [0, 0, 0, 0]
        smooth.pixels.withUnsafeBufferPointer { px in
            turned[step].withUnsafeBufferPointer { pairs in
                for i in 0..<256 {
                    let p = pairs[i]
                    if px[centre + p.1 * w + p.0] < px[centre + p.3 * w + p.2] { words[i >> 6] |= 1 << UInt64(i & 63) }
                }
            }
        }
        return ORBDescriptor(words[0], words[1], words[2], words[3])
    }
}

extension ORBFeatures {
    /// A 5 x 5 binomial blur ([1 4 6 4 1] / 16 each way, edges repeated), rounded: BRIEF's tests compare single
    /// pixels, which noise alone would flip.
    static func blur(_ image: GrayImage) -> GrayImage {
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return image }
        var across = [Int32](repeating: 0, count: w * h)
        image.pixels.withUnsafeBufferPointer { px in
            across.withUnsafeMutableBufferPointer { out in
                for y in 0..<h {
                    let row = y * w
                    func at(_ x: Int) -> Int32 { Int32(px[row + min(w - 1, max(0, x))]) }
                    func edge(_ x: Int) { out[row + x] = at(x - 2) + 4 * at(x - 1) + 6 * at(x) + 4 * at(x + 1) + at(x + 2) }
                    // Clamping only at the two pixels of each edge keeps the interior loop branch-free.
                    for x in 0..<min(2, w) { edge(x) }
                    if w > 4 {
                        for x in 2..<(w - 2) {
                            let i = row + x
                            // Wrapping operators (no overflow is possible: at most 16 x 255) let the loop vectorise.
                            out[i] = Int32(px[i - 2]) &+ 4 &* Int32(px[i - 1]) &+ 6 &* Int32(px[i])
                                &+ 4 &* Int32(px[i + 1]) &+ Int32(px[i + 2])
                        }
                    }
                    for x in max(min(2, w), w - 2)..<w { edge(x) }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: w * h)
        across.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let r = (-2...2).map { min(h - 1, max(0, y + $0)) * w }
                    let r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4]
                    for x in 0..<w {
                        let sum = src[r0 + x] &+ 4 &* src[r1 + x] &+ 6 &* src[r2 + x] &+ 4 &* src[r3 + x] &+ src[r4 + x]
                        dst[y * w + x] = UInt8(truncatingIfNeeded: (sum &+ 128) >> 8)
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}
