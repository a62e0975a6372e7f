/// Honest figures for learned embeddings: products split so that none is on both sides (a model never sees a
/// test product in training), and the test side scored as `compare` scores it.
public enum HeldOutProducts {
    /// `folds` splits of the items by product: the products in a seeded order, cut into `folds` near-equal runs;
    /// fold f tests on run f and trains on the rest. Item indices in input order on each side.
    public static func folds(labels: [String], folds: Int = 2, seed: UInt64) -> [(train: [Int], test: [Int])] {
        precondition(folds >= 2, "at least two folds")
        var products = Array(Set(labels)).sorted()
        var rng = SplitMix64(seed: seed)
        rng.shuffle(&products)
        var fold: [String: Int] = [:]
        for (n, p) in products.enumerated() { fold[p] = n * folds / max(products.count, 1) }
        return (0..<folds).map { f in
            (labels.indices.filter { fold[labels[$0]] != f }, labels.indices.filter { fold[labels[$0]] == f })
        }
    }

    /// Retrieval and grouping figures of one method's descriptors on the test side.
    public struct Score: Sendable {
        /// Share of queries (images with another of their product) whose nearest image shows the same product.
        public let recallAt1: Double
        /// Mean average precision of each query's ranking of every other image (`compare`'s figure).
        public let meanAveragePrecision: Double
        /// The best pairwise F1 of the graph rule over the sweep's thresholds (in-sample: chosen on these images).
        public let bestF1: Double
        public let bestThreshold: Float
    }

    /// Scores `descriptors` (one method's, of the test images) against `labels`: Recall@1 and mAP as `compare`
    /// computes them, and the graph rule (k and resolution from the method's catalog entry) swept over the
    /// catalog's grid for the best pairwise F1.
    public static func score(_ descriptors: [Descriptor], labels: [String], entry: MethodCatalog.Entry,
                             settings: MethodSettings = MethodSettings()) -> Score {
        let index = DescriptorSearch.index([descriptors], units: [entry.fusionUnit(settings)])
        let ranking = Ranking(index: index, labels: labels, isDistractor: Array(repeating: false, count: labels.count))
        let g = entry.productGrouping
        let sweep = ThresholdSweep(index: index, labels: labels, rule: .graph,
                                   thresholds: entry.thresholdGrid(settings, purpose: .sweep),
                                   graph: GraphSettings(k: g.k, resolution: g.resolution))
        let best = sweep.best
        return Score(recallAt1: ranking.recallAt1, meanAveragePrecision: ranking.meanAveragePrecision,
                     bestF1: best?.pairwise.f1 ?? 0, bestThreshold: best?.threshold ?? 0)
    }
}
