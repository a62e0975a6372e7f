// Exact cosine k-nearest neighbours over N random D-dimensional vectors (a fifth planted as near-duplicates),
// beside a plain sgemm measured in the same run, to see how close the tiled search gets to the BLAS peak.
import COpenBLAS
import Foundation
import Lookalike

func cosineBenchmark(_ arguments: ArraySlice<String>) {
    func option(_ name: String, _ fallback: Int) -> Int {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.endIndex, let v = Int(arguments[i + 1]) else { return fallback }
        return v
    }
    let n = option("--vectors", 50_000)
    let d = option("--dim", 2048)
    let k = option("--k", 10)
    let threads = ProcessInfo.processInfo.activeProcessorCount

    var start = DispatchTime.now().uptimeNanoseconds
    let vectors = plantedVectors(count: n, dimension: d, seed: 2026)
    let index = CosineIndex(vectors: vectors)
    let prepare = seconds(since: start)
    start = DispatchTime.now().uptimeNanoseconds
    let nearest = index.nearest(k: k)
    let search = seconds(since: start)
    let memory = peakResidentMiB()

    // The index computes only tiles on or above the diagonal (1024-row by 4096-column tiles, its defaults),
    // so the sgemm rate it sustains is about twice the nominal 2·N²·D rate.
    var products = 0.0
    for row0 in stride(from: 0, to: n, by: 1024) {
        let rows = min(1024, n - row0)
        for column0 in stride(from: row0, to: n, by: 4096) { products += Double(rows * min(4096, n - column0)) }
    }
    let nominal = 2 * Double(n) * Double(n) * Double(d) / search / 1e9
    let sustained = 2 * products * Double(d) / search / 1e9
    let peak = sgemmPeak(threads: threads)
    let planted = nearest.indices.filter { i in nearest[i].first.map { $0.distance < 0.05 } ?? false }.count

    print("cosine\tvectors \(n)\tdim \(d)\tk \(k)\tOpenBLAS \(String(cString: openblas_get_corename()))\t\(threads) cores")
    print("prepare (generate + normalise)\t\(String(format: "%.2f", prepare)) s")
    print("nearest(k: \(k))\t\(String(format: "%.2f", search)) s\t\(planted) items with a near-duplicate")
    print("GFLOPS, 2·N²·D / s\t\(String(format: "%.1f", nominal))")
    print("GFLOPS, sgemm work done / s\t\(String(format: "%.1f", sustained))\t(upper-triangle tiles only)")
    print("sgemm peak, 4096x4096x2048\t\(String(format: "%.1f", peak.oneCall)) GFLOPS (1 call, \(threads) threads)"
          + "\t\(String(format: "%.1f", peak.parallelCalls)) GFLOPS (\(threads) calls, 1 thread each)")
    let best = max(peak.oneCall, peak.parallelCalls)
    print("ratio to peak\t\(String(format: "%.2f", nominal / best)) nominal\t\(String(format: "%.2f", sustained / best)) sustained")
    print("peak memory\t\(String(format: "%.0f", memory)) MiB\t(input vectors alone: \(String(format: "%.0f", Double(n * d * 4) / 1_048_576)) MiB, held twice)")
}

/// Best of three 4096 x 4096 x depth products: one call on `threads` OpenBLAS threads, and `threads`
/// simultaneous single-threaded calls (how the index runs its tiles).
func sgemmPeak(threads: Int, depth: Int = 2048) -> (oneCall: Double, parallelCalls: Double) {
    let m = 4096
    let a = [Float]((0..<(m * depth)).map { Float($0 % 97) / 97 - 0.5 })
    let flops = 2 * Double(m) * Double(m) * Double(depth)
    func product(_ c: UnsafeMutablePointer<Float>) {
        a.withUnsafeBufferPointer { a in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(m), Int32(depth),
                        1, a.baseAddress, Int32(depth), a.baseAddress, Int32(depth), 0, c, Int32(m))
        }
    }
    var oneCall = 0.0, parallelCalls = 0.0
    openblas_set_num_threads(Int32(threads))
    let c = UnsafeMutablePointer<Float>.allocate(capacity: m * m)
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        product(c)
        oneCall = max(oneCall, flops / seconds(since: start) / 1e9)
    }
    c.deallocate()
    openblas_set_num_threads(1)
    let shared = UnsafeSendable(value: product)
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let c = UnsafeMutablePointer<Float>.allocate(capacity: m * m)
            shared.value(c)
            c.deallocate()
        }
        parallelCalls = max(parallelCalls, Double(threads) * flops / seconds(since: start) / 1e9)
    }
    return (oneCall, parallelCalls)
}

/// Uniform random vectors; about a fifth are noisy, rescaled copies of the vector before them.
func plantedVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
    var rng = SplitMix64(seed: seed)
    func next() -> UInt64 { rng.next() }
    let unit = Float(1) / Float(UInt32.max)
    var vectors: [[Float]] = []
    vectors.reserveCapacity(count)
    while vectors.count < count {
        var v = [Float](repeating: 0, count: dimension)
        if let previous = vectors.last, next() % 5 == 0 {
            let scale = 0.5 + Float(next() % 100) / 100
            for i in 0..<dimension { v[i] = (previous[i] + 0.05 * (Float(UInt32(truncatingIfNeeded: next())) * unit - 0.5)) * scale }
        } else {
            var i = 0
            while i < dimension {
                let r = next()  // two floats per draw: generation stays a small part of the run
                v[i] = Float(UInt32(truncatingIfNeeded: r)) * unit * 2 - 1
                if i + 1 < dimension { v[i + 1] = Float(UInt32(truncatingIfNeeded: r >> 32)) * unit * 2 - 1 }
                i += 2
            }
        }
        vectors.append(v)
    }
    return vectors
}
