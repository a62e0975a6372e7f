import Synchronization

/// Several methods at once: the distance of a pair is the weighted mean of each method's distance divided by
/// that method's scale, the ensemble the seed documents propose. `DescriptorSearch` passes each method's median
/// pairwise distance over the collection (`FusionScales`), so 1.0 means "a typical pair" for every method alike.
///
/// Radius queries stay exact without comparing all pairs, whatever the (positive) scales: a weighted mean of
/// non-negative terms is at most R only if some term is at most R, so every pair within R is among the pairs
/// within R x scale of at least one method. Those candidates are collected from each method's own exact index
/// and then scored in full.
public struct FusedIndex: NeighbourIndex {
    public let count: Int
    let descriptors: [[Descriptor]]
    /// What each method's distance is divided by.
    public let scales: [Float]
    let weights: [Float]
    let indexes: [any NeighbourIndex]
    let workers: Int?
    /// The longest k-nearest lists computed so far (shared by copies of this index).
    let longest = KeptNearestLists()

    public init(descriptors: [[Descriptor]], scales: [Float], weights: [Float]? = nil, workers: Int? = nil) {
        precondition(!descriptors.isEmpty && descriptors.count == scales.count)
        precondition(scales.allSatisfy { $0 > 0 }, "FusedIndex scales must be positive")
        let n = descriptors[0].count
        precondition(descriptors.allSatisfy { $0.count == n })
        count = n
        self.descriptors = descriptors
        self.scales = scales
        let w = weights ?? Array(repeating: 1, count: scales.count)
        precondition(w.count == scales.count && w.allSatisfy { $0 >= 0 } && w.contains { $0 > 0 })
        let total = w.reduce(0, +)
        self.weights = w.map { $0 / total }
        indexes = descriptors.map { DescriptorSearch.index($0, workers: workers) }
        self.workers = workers
    }

    public var metric: DistanceMetric { .fused }

    public func distance(_ i: Int, _ j: Int) -> Float {
        var sum: Float = 0
        for m in descriptors.indices where weights[m] > 0 {
            sum += weights[m] * DescriptorSearch.distance(descriptors[m][i], descriptors[m][j]) / scales[m]
        }
        return sum
    }

    public func pairs(within radius: Float) -> [NeighbourPair] {
        var candidates = Set<SIMD2<Int>>()
        for m in descriptors.indices where weights[m] > 0 {
            // If every method's scaled distance exceeded R, so would their weighted mean.
            for p in indexes[m].pairs(within: radius * scales[m]) { candidates.insert(SIMD2(p.i, p.j)) }
        }
        return candidates.compactMap { c -> NeighbourPair? in
            let d = distance(c.x, c.y)
            return d <= radius ? NeighbourPair(i: c.x, j: c.y, distance: d) : nil
        }.sorted { ($0.i, $0.j) < ($1.i, $1.j) }
    }

    /// Exact (every item searched against the others, `scan`). The longest lists asked for so far are kept: a shorter
    /// request (sweeps and tuners ask for k 1, 5, 10 and 20 of the same index, over and over) is their prefix,
    /// which is exact since lists are ordered by (distance, index).
    public func nearest(k: Int) -> [[Neighbour]] {
        let k = min(k, max(count - 1, 0))
        if let kept = longest.withLock({ $0 }), kept.k >= k {
            return kept.k == k ? kept.lists : kept.lists.map { Array($0.prefix(k)) }
        }
        let lists = scan(k: k)
        longest.withLock { if ($0?.k ?? -1) < k { $0 = (k, lists) } }
        return lists
    }

    /// Every item searched against the others by `QuerySearch` (vectors by sgemm, then the near ones exactly):
    /// the same lists as a scan of all n^2 fused distances, ties by index.
    func scan(k: Int, progress: WorkProgress? = nil) -> [[Neighbour]] {
        let search = QuerySearch(collection: descriptors, scales: scales, normalisedWeights: weights, workers: workers)
        let items = (0..<count).map { i in descriptors.map { $0[i] } }
        return search.nearest(to: items, k: k, excluding: (0..<count).map { $0 }, progress: progress)
    }
}

/// A fused index's longest k-nearest lists, kept between calls.
final class KeptNearestLists: Sendable {
    private let state = Mutex<(k: Int, lists: [[Neighbour]])?>(nil)
    func withLock<R>(_ body: (inout (k: Int, lists: [[Neighbour]])?) -> R) -> R { state.withLock { body(&$0) } }
}
