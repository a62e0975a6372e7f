import Foundation

/// Fits grouping settings on a labelled set by cross-validation over products: products are dealt into folds,
/// settings are chosen on the other folds' images only and scored on the held-out fold's images, so the
/// honest figure never scores a product that helped choose. The in-sample best is reported beside it.
public struct Tuner {
    public struct Outcome: Sendable {
        /// Best setting over all images (what a profile saves) and its in-sample pairwise F1.
        public let setting: GroupingSetting
        public let inSampleF1: Double
        /// Mean held-out pairwise F1 over the folds, and each fold's chosen setting and score.
        public let crossValidatedF1: Double
        public let folds: [(setting: GroupingSetting, heldOutF1: Double)]
    }

    public let descriptorSets: [[Descriptor]]
    /// Fused methods: each method's catalog unit, used where its median distance over a subset is 0.
    public let units: [Float]
    public let weights: [Float]?
    public let labels: [String]
    /// k-reciprocal re-ranking before clustering, as `group --rerank` does.
    public let rerank: Bool
    /// `group --verify-orb`: each image's ORB features, and the re-scoring of k-nearest pairs by them. Pairs are
    /// checked once for all folds and settings.
    public var keypoints: (features: [ORBFeatures?], settings: KeypointAdjustedIndex.Settings)?
    private let checked = PairChecks()

    public init(descriptorSets: [[Descriptor]], units: [Float], weights: [Float]? = nil, labels: [String],
                rerank: Bool = false) {
        self.descriptorSets = descriptorSets
        self.units = units
        self.weights = weights
        self.labels = labels
        self.rerank = rerank
    }

    /// A plan's methods, weights, re-ranking and keypoint re-scoring (when `features` are given) over descriptors
    /// already made.
    public init(plan: GroupingPlan, descriptorSets: [[Descriptor]], labels: [String], features: [ORBFeatures?]? = nil) {
        self.init(descriptorSets: descriptorSets, units: plan.units, weights: plan.weights, labels: labels, rerank: plan.rerank)
        if let settings = plan.keypointAdjustment, let features { keypoints = (features, settings) }
    }

    /// Every setting a tuner tries for `rule`: each threshold of the plan's grid; the graph rule also tries k in
    /// {5, 10, 20} and resolution in {0.5, 1, 2, 3}, at every other threshold of a bit code.
    public static func candidates(rule: ClusteringRule, plan: GroupingPlan) -> [GroupingSetting] {
        let thresholds = MethodCatalog.thresholdGrid(plan.methods, plan.settings, rerank: plan.rerank, purpose: .tuning)
        guard rule == .graph else { return thresholds.map { GroupingSetting(rule: rule, threshold: $0) } }
        let bits = plan.methods.count == 1 && plan.methods[0].isNearDuplicateMethod && !plan.rerank
        var candidates: [GroupingSetting] = []
        for t in thresholds.enumerated().filter({ !bits || $0.offset % 2 == 0 }).map(\.element) {
            for k in [5, 10, 20] { for r in [0.5, 1.0, 2.0, 3.0] {
                candidates.append(GroupingSetting(rule: rule, threshold: t, graph: GraphSettings(k: k, resolution: r)))
            } }
        }
        return candidates
    }

    /// Pairwise F1 of each setting on the images in `subset`; the neighbour index is built once for all.
    func scores(_ settings: [GroupingSetting], subset: [Int]) -> [Double] {
        let sets = descriptorSets.map { d in subset.map { d[$0] } }
        var index = DescriptorSearch.index(sets, units: units, weights: weights, rerank: rerank)
        if let keypoints {
            index = KeypointAdjustedIndex(base: index, features: subset.map { keypoints.features[$0] },
                                          settings: keypoints.settings, checked: checked, ids: subset)
        }
        let subsetLabels = subset.map { labels[$0] }
        return settings.map { setting in
            let clusters = Clusterer(rule: setting.clusteringRule, threshold: setting.threshold, graph: setting.graph)
                .clusters(index)
            return PairwiseScore(clusters: clusters, labels: subsetLabels).f1
        }
    }

    func best(_ candidates: [GroupingSetting], subset: [Int]) -> (GroupingSetting, Double) {
        var best = (candidates[0], -1.0)
        for (c, f1) in zip(candidates, scores(candidates, subset: subset)) where f1 > best.1 + 1e-12 { best = (c, f1) }
        return best
    }

    /// Pairwise F1 of every candidate on all images.
    public func scores(_ candidates: [GroupingSetting]) -> [Double] {
        scores(candidates, subset: Array(labels.indices))
    }

    /// Images dealt into folds by product (not by image), in a seeded order: each fold's image positions.
    public func folds(_ count: Int, seed: UInt64) -> [[Int]] {
        var products = Array(Set(labels)).sorted()
        var rng = SplitMix64(seed: seed)
        for i in stride(from: products.count - 1, to: 0, by: -1) { products.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let foldCount = max(2, min(count, products.count))
        var foldOf: [String: Int] = [:]
        for (n, p) in products.enumerated() { foldOf[p] = n % foldCount }
        return (0..<foldCount).map { f in labels.indices.filter { foldOf[labels[$0]] == f } }
    }

    public func tune(candidates: [GroupingSetting], folds: Int, seed: UInt64 = 1) -> Outcome {
        precondition(!candidates.isEmpty)
        let all = Array(labels.indices)
        let (setting, inSample) = best(candidates, subset: all)
        var results: [(GroupingSetting, Double)] = []
        for test in self.folds(folds, seed: seed) {
            let held = Set(test)
            let train = all.filter { !held.contains($0) }
            guard !train.isEmpty, !test.isEmpty else { continue }
            let (chosen, _) = best(candidates, subset: train)
            results.append((chosen, scores([chosen], subset: test)[0]))
        }
        let mean = results.isEmpty ? 0 : results.map(\.1).reduce(0, +) / Double(results.count)
        return Outcome(setting: setting, inSampleF1: inSample, crossValidatedF1: mean,
                       folds: results.map { (setting: $0.0, heldOutF1: $0.1) })
    }
}

/// One setting for several labelled sets at once, the way the documented defaults are chosen: the candidate with
/// the best mean pairwise F1 over the sets. Leave-one-set-out says whether a setting carries to a collection it
/// was not chosen on: each set is scored with the setting that is best on the other sets.
public struct SharedTuning {
    public struct SetResult: Sendable {
        /// The set's own best candidate and its F1 (in-sample, the ceiling for this rule).
        public let own: GroupingSetting
        public let ownF1: Double
        /// F1 of the shared setting on this set.
        public let sharedF1: Double
        /// The setting chosen on the other sets, and its F1 here (the honest figure).
        public let leftOut: GroupingSetting
        public let leftOutF1: Double
    }

    public let setting: GroupingSetting
    public let meanF1: Double
    public let sets: [SetResult]

    /// `scores[s][c]`: F1 of candidate c on set s.
    public init(candidates: [GroupingSetting], scores: [[Double]]) {
        precondition(!candidates.isEmpty && !scores.isEmpty && scores.allSatisfy { $0.count == candidates.count })
        func bestMean(over sets: [Int]) -> (Int, Double) {
            var best = (0, -1.0)
            for c in candidates.indices {
                let mean = sets.map { scores[$0][c] }.reduce(0, +) / Double(max(1, sets.count))
                if mean > best.1 + 1e-12 { best = (c, mean) }
            }
            return best
        }
        let all = Array(scores.indices)
        let (chosen, mean) = bestMean(over: all)
        setting = candidates[chosen]
        meanF1 = mean
        sets = all.map { s in
            let own = bestMean(over: [s]).0
            let others = all.filter { $0 != s }
            let leftOut = others.isEmpty ? own : bestMean(over: others).0
            return SetResult(own: candidates[own], ownF1: scores[s][own], sharedF1: scores[s][chosen],
                             leftOut: candidates[leftOut], leftOutF1: scores[s][leftOut])
        }
    }
}

extension SharedTuning {
    /// Held-out F1 of the shared setting, per set: each set's products are dealt into folds; the setting with the
    /// best mean F1 over every set's other folds is scored on each set's held-out fold (all sets' fold f held out
    /// at once). `repeats` seeded splits; every held-out score of a set is averaged. No product that helped choose
    /// is scored, in any set.
    public static func crossValidated(_ tuners: [Tuner], candidates: [GroupingSetting], folds: Int, repeats: Int) -> [Double] {
        var heldOut = [[Double]](repeating: [], count: tuners.count)
        for r in 1...max(1, repeats) {
            let dealt = tuners.map { $0.folds(folds, seed: UInt64(r)) }
            for f in 0..<(dealt.map(\.count).min() ?? 0) {
                let trains = tuners.indices.map { s in
                    let test = Set(dealt[s][f])
                    return tuners[s].labels.indices.filter { !test.contains($0) }
                }
                let trainScores = tuners.indices.map { tuners[$0].scores(candidates, subset: trains[$0]) }
                var chosen = 0, bestMean = -1.0
                for c in candidates.indices {
                    let mean = trainScores.map { $0[c] }.reduce(0, +) / Double(tuners.count)
                    if mean > bestMean + 1e-12 { (chosen, bestMean) = (c, mean) }
                }
                for s in tuners.indices where !dealt[s][f].isEmpty {
                    heldOut[s].append(tuners[s].scores([candidates[chosen]], subset: dealt[s][f])[0])
                }
            }
        }
        return heldOut.map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }
    }
}
