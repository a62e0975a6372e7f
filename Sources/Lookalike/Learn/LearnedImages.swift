import Foundation
import Synchronization

/// Images read once and kept reduced, as bytes, for training: each file decoded by `DescriptionRun` (so every
/// failure is the `ImageFailure` other commands report, in input order) and squashed by `AutoencoderInput`.
public struct LearnedImages: Sendable {
    /// The files that decoded, in input order.
    public let paths: [String]
    /// 3 x size x size bytes per image (CHW).
    public let pixels: [[UInt8]]
    public let size: Int

    public init(paths: [String], pixels: [[UInt8]], size: Int) {
        precondition(pixels.allSatisfy { $0.count == 3 * size * size }, "every image must hold 3 x \(size) x \(size) bytes")
        self.paths = paths
        self.pixels = pixels
        self.size = size
    }

    /// Reads `paths` with `reading`'s decoder settings on its workers; `observe` sees every file's outcome in input
    /// order (failures included: the caller names them and goes on).
    public static func read(paths: [String], size: Int, reading: GroupingPlan.Reading,
                            observe: (FileOutcome) -> Void) -> LearnedImages {
        let reduced = Mutex<[Int: [UInt8]]>([:])
        var kept: [Int] = []
        DescriptionRun(methods: [], decodeOptions: reading.decode, applyOrientation: reading.applyOrientation,
                       workers: reading.workers).run(paths: paths, visit: { index, sample in
            let bytes = AutoencoderInput.bytes(sample, size: size)
            reduced.withLock { $0[index] = bytes }
        }) { outcome in
            if case .success = outcome.result { kept.append(outcome.index) }
            observe(outcome)
        }
        let bytes = reduced.withLock { $0 }
        return LearnedImages(paths: kept.map { paths[$0] }, pixels: kept.map { bytes[$0]! }, size: size)
    }

    /// A seeded split: `share` of the images (rounded, at most all but two, which batch-norm needs to train) held
    /// out for validation, the rest for training; both in input order.
    public static func split(count: Int, share: Double, seed: UInt64) -> (train: [Int], validation: [Int]) {
        let held = max(0, min(count - 2, Int((Double(count) * share).rounded())))
        var order = Array(0..<count)
        var rng = SplitMix64(seed: seed ^ 0x5EED_5A11)
        rng.shuffle(&order)
        let validation = Set(order.prefix(held))
        return ((0..<count).filter { !validation.contains($0) }, (0..<count).filter { validation.contains($0) })
    }
}
