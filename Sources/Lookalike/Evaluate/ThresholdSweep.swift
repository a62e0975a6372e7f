/// Scores one method and clustering rule over a range of thresholds on a labelled set.
public struct ThresholdSweep: Sendable {
    public struct Row: Sendable {
        public let threshold: Float
        public let pairwise: PairwiseScore
        public let bcubed: BCubedScore
        public let groups: Int
        /// With views: recall of the same-product pairs of a catalogue shot and another kind of shot.
        public let catalogueRecall: CrossViewRecall?
    }

    public let rows: [Row]
    /// Recall@1: the share of images (with at least one other image of their product) whose nearest
    /// neighbour shows the same product.
    public let recallAt1: Double

    public var best: Row? { rows.max { ($0.pairwise.f1, -$0.threshold) < ($1.pairwise.f1, -$1.threshold) } }

    public init(descriptors: [Descriptor], labels: [String], rule: ClusteringRule, thresholds: [Float],
                graph: GraphSettings = GraphSettings(), rerank: Bool = false, workers: Int? = nil) {
        self.init(index: DescriptorSearch.index([descriptors], units: [1], rerank: rerank, workers: workers),
                  labels: labels, rule: rule, thresholds: thresholds, graph: graph)
    }

    /// Fused methods: each method's distance divided by its median over these items (`DescriptorSearch`; `units`
    /// where that median is 0), weighted and averaged.
    public init(descriptorSets: [[Descriptor]], units: [Float], weights: [Float]? = nil, labels: [String],
                rule: ClusteringRule, thresholds: [Float], graph: GraphSettings = GraphSettings(), rerank: Bool = false) {
        self.init(index: DescriptorSearch.index(descriptorSets, units: units, weights: weights, rerank: rerank),
                  labels: labels, rule: rule, thresholds: thresholds, graph: graph)
    }

    /// Any index, built once for every threshold. With `views` (labels.csv's view column), each row also says
    /// how many catalogue-versus-other-shot pairs it joins.
    public init(index: any NeighbourIndex, labels: [String], rule: ClusteringRule, thresholds: [Float],
                graph: GraphSettings = GraphSettings(), views: [String]? = nil) {
        let crossView = views.flatMap { v in v.contains("catalogue") && Set(v).count > 1 ? v : nil }
        rows = thresholds.map { t in
            let clusters = Clusterer(rule: rule, threshold: t, graph: graph).clusters(index)
            return Row(threshold: t, pairwise: PairwiseScore(clusters: clusters, labels: labels),
                       bcubed: BCubedScore(clusters: clusters, labels: labels),
                       groups: clusters.filter { $0.count > 1 }.count,
                       catalogueRecall: crossView.map { CrossViewRecall(clusters: clusters, labels: labels, views: $0, view: "catalogue") })
        }
        var counts: [String: Int] = [:]
        for l in labels { counts[l, default: 0] += 1 }
        let nearest = index.nearest(k: 1)
        var eligible = 0, hits = 0
        for (i, n) in nearest.enumerated() where counts[labels[i]]! > 1 {
            eligible += 1
            if let first = n.first, labels[first.index] == labels[i] { hits += 1 }
        }
        recallAt1 = eligible == 0 ? 0 : Double(hits) / Double(eligible)
    }
}
