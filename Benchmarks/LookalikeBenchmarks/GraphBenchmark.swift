// Graph clustering cost: the k-nearest-neighbour search and the Louvain clustering of N planted 64-bit codes,
// timed apart, release build. Prints seconds and the number of groups.
import Foundation
import Lookalike

func graphBenchmark(_ arguments: ArraySlice<String>) {
    func option(_ name: String, _ fallback: Int) -> Int {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.endIndex, let v = Int(arguments[i + 1]) else { return fallback }
        return v
    }
    let n = option("--codes", 100_000), k = option("--k", 10), cutoff = option("--cutoff", 10)
    let index = HammingIndex(hashes: plantedHashes(count: n, seed: 99))
    var start = DispatchTime.now().uptimeNanoseconds
    let nearest = index.nearest(k: k)
    let searchSeconds = seconds(since: start)
    // Cluster from the precomputed lists, so the clustering time stands alone.
    let lists = PrecomputedNeighbours(count: n, lists: nearest)
    start = DispatchTime.now().uptimeNanoseconds
    let clusters = GraphClustering(k: k, resolution: 1, cutoff: Float(cutoff), seed: 1).clusters(lists)
    let clusterSeconds = seconds(since: start)
    print("graph-knn\tcodes \(n)\tk \(k)\t\(String(format: "%.2f", searchSeconds)) s (exact popcount scan)")
    print("graph-louvain\tcodes \(n)\tk \(k)\tcutoff \(cutoff)\t\(String(format: "%.2f", clusterSeconds)) s\t"
          + "\(clusters.filter { $0.count > 1 }.count) groups")
    print("peak memory\t\(String(format: "%.0f", peakResidentMiB())) MiB")
}

/// k-NN lists computed once, served as an index.
struct PrecomputedNeighbours: NeighbourIndex {
    let count: Int
    let lists: [[Neighbour]]
    var metric: DistanceMetric { .hamming }
    /// The graph rule reads only the neighbour lists.
    func distance(_ i: Int, _ j: Int) -> Float { lists[i].first { $0.index == j }?.distance ?? .infinity }
    func pairs(within radius: Float) -> [NeighbourPair] { [] }
    func nearest(k: Int) -> [[Neighbour]] { lists.map { Array($0.prefix(k)) } }
}
