/// Several methods at once: the distance of a pair is the weighted mean of each method's distance divided by
/// that method's scale (its threshold), so 1.0 means "at the threshold" for every method alike: the ensemble
/// the seed documents propose.
///
/// Radius queries stay exact without comparing all pairs: a weighted mean of non-negative terms is at most R
/// only if some term is at most R, so every pair within R is among the pairs within R x scale of at least one
/// method. Those candidates are collected from each method's own exact index and then scored in full.
public struct FusedIndex: NeighbourIndex {
    public let count: Int
    let descriptors: [[Descriptor]]
    let scales: [Float]
    let weights: [Float]
    let indexes: [any NeighbourIndex]

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

    /// Exact by a full scan (n^2 fused distances).
    public func nearest(k: Int) -> [[Neighbour]] {
        let k = min(k, max(count - 1, 0))
        let chunks = Parallel.mapChunks(count: count) { range -> [[Neighbour]] in
            range.map { i in
                (0..<count).filter { $0 != i }.map { Neighbour(index: $0, distance: distance(i, $0)) }
                    .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(k).map { $0 }
            }
        }
        return chunks.flatMap { $0 }
    }
}
