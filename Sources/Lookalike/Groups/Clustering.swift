/// How neighbour pairs become groups.
public enum ClusteringRule: String, Sendable, CaseIterable {
    /// Connected components of the pairs within the threshold (single linkage: can chain).
    case components
    /// The seed documents' rule, kept as a reference: each image with its 5 nearest neighbours within the
    /// cutoff (and at least its nearest one, whatever its distance), overlapping lists merged.
    case seed
    /// Average linkage: clusters merge only while the mean distance over all their cross pairs stays within
    /// the threshold, so a chain of close pairs does not pull distant images together.
    case linkage
    /// Communities (Louvain, split into connected parts) of the k-nearest-neighbour graph within the cutoff.
    case graph
}

/// Turns one method's neighbour search into clusters of item indices.
public struct Clusterer {
    public let rule: ClusteringRule
    public let threshold: Float
    /// Neighbours per image for the seed rule (5 in the original).
    public var seedNeighbours = 5
    /// Graph rule settings (the cutoff is `threshold`).
    public var graph = GraphSettings()

    public init(rule: ClusteringRule, threshold: Float, graph: GraphSettings = GraphSettings()) {
        self.rule = rule
        self.threshold = threshold
        self.graph = graph
    }

    /// Clusters of `index.count` items, each sorted, ordered by smallest member; singletons included.
    /// Average linkage computes exact cross-cluster means with the index's own `distance`.
    public func clusters(_ index: any NeighbourIndex) -> [[Int]] {
        var sets = UnionFind(count: index.count)
        switch rule {
        case .components:
            for p in index.pairs(within: threshold) { sets.union(p.i, p.j) }
            return sets.sets()
        case .seed:
            for (i, neighbours) in index.nearest(k: seedNeighbours).enumerated() {
                for (rank, n) in neighbours.enumerated() where rank == 0 || n.distance <= threshold {
                    sets.union(i, n.index)
                }
            }
            return sets.sets()
        case .graph:
            return GraphClustering(k: graph.k, resolution: graph.resolution, cutoff: threshold, seed: graph.seed)
                .clusters(index)
        case .linkage:
            let pairs = index.pairs(within: threshold)
            return AverageLinkage(count: index.count, pairs: pairs, threshold: threshold, distance: index.distance).run()
        }
    }
}

/// Settings of the graph rule: neighbours per image, Louvain resolution, random seed.
public struct GraphSettings: Sendable, Equatable {
    public var k: Int
    public var resolution: Double
    public var seed: UInt64

    public init(k: Int = 10, resolution: Double = 1.0, seed: UInt64 = 1) {
        self.k = k
        self.resolution = resolution
        self.seed = seed
    }
}
