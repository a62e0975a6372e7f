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
        offsets = turned.flatMap { $0.flatMap { [Int8($0.0), Int8($0.1), Int8($0.2), Int8($0.3)] } }
    }

    /// `turned` flat for C (`lk_orb_describe`): per step, per pair, (dx1, dy1, dx2, dy2).
    let offsets: [Int8]

    /// The pattern's step nearest `angle`: bit i of a descriptor is set when the first point of pair i, turned by
    /// that step, is darker than the second in the smoothed level.
    static func step(_ angle: Double) -> Int32 {
        let steps = Double(angleSteps)
        var step = Int((angle / (2 * Double.pi) * steps).rounded()) % angleSteps
        if step < 0 { step += angleSteps }
        return Int32(step)
    }
}

extension ORBFeatures {
    /// A 5 x 5 binomial blur ([1 4 6 4 1] / 16 each way, edges repeated), rounded: BRIEF's tests compare single
    /// pixels, which noise alone would flip.
    static func blur(_ image: GrayImage) -> GrayImage {
        guard image.width > 0, image.height > 0 else { return image }
        return NativeKernels.orbBlur(image)
    }
}
