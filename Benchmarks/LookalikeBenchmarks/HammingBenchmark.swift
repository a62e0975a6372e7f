// All pairs within a Hamming radius over N planted 64-bit codes: multi-index hashing against the popcount
// brute force, same codes, same run. Prints seconds, pairs found and pairs/s of the brute force.
import Foundation
import Lookalike

func hammingBenchmark(_ arguments: ArraySlice<String>) {
    func option(_ name: String, _ fallback: Int) -> Int {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.endIndex, let v = Int(arguments[i + 1]) else { return fallback }
        return v
    }
    let radius = option("--radius", 10)
    let sizes = arguments.contains("--codes") ? [option("--codes", 1_000_000)] : [100_000, 1_000_000]
    let bruteLimit = option("--brute-max", 1_000_000)
    for n in sizes {
        let hashes = plantedHashes(count: n, seed: 2026)
        let index = HammingIndex(hashes: hashes)
        var start = DispatchTime.now().uptimeNanoseconds
        let pairs = index.pairs(within: Float(radius))
        let indexed = seconds(since: start)
        print("hamming-index\tcodes \(n)\tradius \(radius)\t\(String(format: "%.2f", indexed)) s\t\(pairs.count) pairs")
        guard n <= bruteLimit else { continue }
        start = DispatchTime.now().uptimeNanoseconds
        let brute = index.bruteForcePairs(within: radius)
        let bruteSeconds = seconds(since: start)
        let compared = Double(n) * Double(n - 1) / 2
        print("hamming-brute\tcodes \(n)\tradius \(radius)\t\(String(format: "%.2f", bruteSeconds)) s\t\(brute.count) pairs"
              + "\t\(String(format: "%.2e", compared / bruteSeconds)) pairs/s\tsame pairs: \(brute == pairs)")
    }
    print("peak memory\t\(String(format: "%.0f", peakResidentMiB())) MiB")
}

/// Random 64-bit codes where about half belong to near-duplicate clusters (2-5 copies, up to 8 bits flipped).
func plantedHashes(count: Int, seed: UInt64) -> [PerceptualHash] {
    var rng = SplitMix64(seed: seed)
    func next() -> UInt64 { rng.next() }
    var words: [UInt64] = []
    words.reserveCapacity(count)
    while words.count < count {
        let base = next()
        words.append(base)
        if next() & 1 == 0 { continue }
        for _ in 0..<(1 + Int(next() % 4)) where words.count < count {
            var copy = base
            for _ in 0..<Int(next() % 9) { copy ^= 1 << (next() % 64) }
            words.append(copy)
        }
    }
    let hex = words.map { w -> PerceptualHash in
        PerceptualHash(hex: String(w, radix: 16).leftPadded(to: 16), bitCount: 64)!
    }
    return hex
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
