/// The one place that turns descriptors into a neighbour index: every grouping, threshold sweep, tuner and
/// cascade builds its index here, so one method, a fusion and re-ranking behave the same everywhere.
public enum DescriptorSearch {
    /// One method's descriptors (all of one kind and size): a Hamming index for bit codes, a cosine index for
    /// vectors. `distance(i, j)` is `DescriptorSearch.distance` of the two descriptors.
    public static func index(_ descriptors: [Descriptor], workers: Int? = nil) -> any NeighbourIndex {
        let base: any NeighbourIndex
        if descriptors.allSatisfy({ $0.metric == .hamming }) {
            base = HammingIndex(hashes: descriptors.map { if case .bits(let h) = $0 { h } else { fatalError() } },
                                workers: workers)
        } else {
            precondition(descriptors.allSatisfy { $0.metric == .cosine }, "one method's descriptors mix metrics")
            base = CosineIndex(vectors: descriptors.map { if case .vector(let v) = $0 { v } else { fatalError() } })
        }
        return DescriptorIndex(base: base, descriptors: descriptors)
    }

    /// One method, or several fused, optionally k-reciprocal re-ranked (then Jaccard distances in [0, 1]).
    /// Fused: each method's distance over its median pairwise distance over these items (`FusionScales`; its
    /// catalog unit, `units[m]`, where that median is 0), averaged with `weights`, so 1.0 is "a typical pair"
    /// for every method. `sets[m][i]` is method m's descriptor of item i; `units` are ignored for a single method.
    public static func index(_ sets: [[Descriptor]], units: [Float], weights: [Float]? = nil, rerank: Bool = false,
                             workers: Int? = nil) -> any NeighbourIndex {
        precondition(!sets.isEmpty, "DescriptorSearch: no descriptors")
        let index: any NeighbourIndex = sets.count == 1
            ? self.index(sets[0], workers: workers)
            : FusedIndex(descriptors: sets, scales: FusionScales.scales(sets, units: units, workers: workers),
                         weights: weights, workers: workers)
        return rerank ? RerankedIndex(index) : index
    }

    /// Hamming bits for codes, 1 - cos for vectors (the same values the indexes report).
    public static func distance(_ a: Descriptor, _ b: Descriptor) -> Float {
        switch (a, b) {
        case let (.bits(x), .bits(y)): return Float(x.distance(to: y))
        case let (.vector(x), .vector(y)):
            var dot = 0.0, nx = 0.0, ny = 0.0
            for k in 0..<min(x.count, y.count) {
                dot += Double(x[k]) * Double(y[k])
                nx += Double(x[k]) * Double(x[k])
                ny += Double(y[k]) * Double(y[k])
            }
            guard nx > 0, ny > 0 else { return 1 }
            return Float(min(2, max(0, 1 - dot / (nx.squareRoot() * ny.squareRoot()))))
        default:
            preconditionFailure("distance between a bit code and a vector")
        }
    }
}

/// An index over one method's descriptors that answers `distance(i, j)` from the descriptors themselves (in
/// Double for vectors), so reported member distances do not depend on which index found the pair.
struct DescriptorIndex: NeighbourIndex {
    let base: any NeighbourIndex
    let descriptors: [Descriptor]

    var count: Int { base.count }
    var metric: DistanceMetric { base.metric }
    func distance(_ i: Int, _ j: Int) -> Float { DescriptorSearch.distance(descriptors[i], descriptors[j]) }
    func pairs(within radius: Float) -> [NeighbourPair] { base.pairs(within: radius) }
    func nearest(k: Int) -> [[Neighbour]] { base.nearest(k: k) }
}
