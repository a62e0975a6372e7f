// Exact all-pairs top-k over synthetic clustered vectors at catalogue scale (137,280 x 4096 by default: the
// design documents' apparel catalogue as VGG16 fc1 features), checked against a brute force in Double on a
// sample of items. `--write BASE` saves the vectors (BASE.vectors.npy) and the lists of the sampled items
// (BASE.lists.npy, BASE.sample.npy) for Benchmarks/allpairs_reference.py (FAISS and scikit-learn, same data).
import Foundation
import Lookalike

func allPairsBenchmark(_ arguments: ArraySlice<String>) {
    func option(_ name: String, _ fallback: Int) -> Int {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.endIndex, let v = Int(arguments[i + 1]) else { return fallback }
        return v
    }
    let n = option("--vectors", 137_280)
    let d = option("--dim", 4096)
    let k = option("--k", 10)
    let samples = option("--check", 100)
    let write = arguments.firstIndex(of: "--write").map { arguments[$0 + 1] }
    let threads = ProcessInfo.processInfo.activeProcessorCount

    var start = DispatchTime.now().uptimeNanoseconds
    let vectors = clusteredVectors(count: n, dimension: d, seed: 137_280)
    let generate = seconds(since: start)
    if let write {
        let url = URL(fileURLWithPath: write + ".vectors.npy")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try! FileHandle(forWritingTo: url)
        handle.write(Data(vectorNpyHeader(rows: n, columns: d)))
        for v in vectors { v.withUnsafeBytes { handle.write(Data($0)) } }
        try! handle.close()
    }
    start = DispatchTime.now().uptimeNanoseconds
    let index = CosineIndex(vectors: vectors)
    let prepare = seconds(since: start)
    start = DispatchTime.now().uptimeNanoseconds
    let nearest = index.nearest(k: k)
    let search = seconds(since: start)
    let memory = peakResidentMiB()

    // Exactness on a seeded sample: every distance in Double, sorted by (distance, index); a found list is
    // right when it is the exact list, or differs only among items tied within Float rounding.
    var rng = SplitMix64(seed: 7)
    let sample = (0..<min(samples, n)).map { _ in Int(rng.next() % UInt64(n)) }
    let norms = vectors.map { v in v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
    let checked = DispatchQueue.concurrentMap(sample.count) { q -> (exact: Int, recall: Double) in
        let i = sample[q]
        var all: [(Double, Int)] = []
        all.reserveCapacity(n)
        for j in 0..<n where j != i {
            var dot = 0.0
            vectors[i].withUnsafeBufferPointer { a in vectors[j].withUnsafeBufferPointer { b in
                for c in 0..<d { dot += Double(a[c]) * Double(b[c]) }
            } }
            all.append((1 - dot / (norms[i] * norms[j]), j))
        }
        all.sort { $0 < $1 }
        let truth = all.prefix(k)
        let found = nearest[i]
        let boundary = truth.last!.0 + 1e-6
        let admissible = Set(all.prefix { $0.0 <= boundary }.map(\.1))
        let hits = found.filter { admissible.contains($0.index) }.count
        return (found.map(\.index) == truth.map(\.1) ? 1 : 0, Double(hits) / Double(truth.count))
    }
    let recall = checked.map(\.recall).reduce(0, +) / Double(checked.count)
    let exactLists = checked.map(\.exact).reduce(0, +)
    if let write {
        var lists: [Float] = []
        for i in sample { lists += nearest[i].map { Float($0.index) } }
        try! VectorWriter.npy(sample.map { [Float($0)] }, dimension: 1).write(to: URL(fileURLWithPath: write + ".sample.npy"))
        try! VectorWriter.npy(sample.map { i in nearest[i].map { Float($0.index) } }, dimension: k)
            .write(to: URL(fileURLWithPath: write + ".lists.npy"))
    }

    print("allpairs\tvectors \(n)\tdim \(d)\tk \(k)\t\(threads) cores")
    print("generate (clustered, seeded)\t\(String(format: "%.1f", generate)) s")
    print("normalise\t\(String(format: "%.1f", prepare)) s")
    print("exact top-\(k) for all\t\(String(format: "%.1f", search)) s\t(\(String(format: "%.2f", search / 60)) min)")
    print("nominal GFLOPS 2·N²·D / s\t\(String(format: "%.0f", 2 * Double(n) * Double(n) * Double(d) / search / 1e9))")
    print("checked against Double brute force\t\(sample.count) items\trecall \(String(format: "%.4f", recall))\tidentical lists \(exactLists)")
    print("peak memory\t\(String(format: "%.0f", memory)) MiB\t(vectors: \(String(format: "%.0f", Double(n * d * 4) / 1_048_576)) MiB, held twice)")
}

/// Clustered like image features of a catalogue: cluster sizes 1 to 12, centres non-negative (ReLU features),
/// members the centre plus noise of a cluster-specific spread, so nearest neighbours are mostly cluster
/// mates at varied distances.
func clusteredVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
    var rng = SplitMix64(seed: seed)
    let unit = Float(1) / Float(UInt32.max)
    func uniform() -> Float { Float(UInt32(truncatingIfNeeded: rng.next())) * unit }
    var vectors: [[Float]] = []
    vectors.reserveCapacity(count)
    while vectors.count < count {
        var centre = [Float](repeating: 0, count: dimension)
        for i in 0..<dimension { let u = uniform(); centre[i] = u > 0.6 ? (u - 0.6) * 5 : 0 }  // sparse, non-negative
        let size = 1 + Int(rng.next() % 12)
        let spread = 0.2 + uniform() * 1.3
        for _ in 0..<size where vectors.count < count {
            vectors.append(centre.map { max(0, $0 + spread * (uniform() - 0.5)) })
        }
    }
    return vectors
}

func vectorNpyHeader(rows: Int, columns: Int) -> [UInt8] {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    let length = UInt16(header.utf8.count)
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
}

extension DispatchQueue {
    /// body(i) for every i below count on all cores, results in order.
    static func concurrentMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let box = UnsafeSendable(value: results)
        withoutActuallyEscaping(body) { body in
            let shared = UnsafeSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: count) { i in box.value[i] = shared.value(i) }
        }
        return results.map { $0! }
    }
}
