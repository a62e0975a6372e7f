import Foundation

/// One method, or several fused, with the plan `group` would run for it (rule, threshold, graph setting).
public struct Contender: Sendable {
    public let name: String
    public let plan: GroupingPlan

    public init(name: String? = nil, plan: GroupingPlan) {
        self.name = name ?? plan.methodName
        self.plan = plan
    }
}

/// Every contender scored on the same labelled images, from one description of each image: the figures of
/// `compare`'s report and of its JSON. Image indices refer to `images`.
public struct Comparison: Sendable, Codable {
    public struct Image: Sendable, Codable {
        public let path: String
        /// nil for a distractor (an unlabelled image found beside the labelled ones).
        public let product: String?
        public let view: String
        /// The image in words, when a compared method can say it (`attributes`: "black, solid, long").
        public let explanation: String?
    }

    /// Clustering figures at one threshold.
    public struct Setting: Sendable, Codable {
        public let rule: String
        public let threshold: Float
        public let precision: Double
        public let recall: Double
        public let f1: Double
        public let bcubedF1: Double
        /// Clusters of two images or more.
        public let groups: Int
    }

    /// One threshold of the sweep: pairwise precision and recall of the contender's rule.
    public struct CurvePoint: Sendable, Codable {
        public let threshold: Float
        public let precision: Double
        public let recall: Double
    }

    /// Pairs of images whose views are `views` (two view names joined by "/", sorted).
    public struct ViewPair: Sendable, Codable {
        public let views: String
        /// Same-product pairs, and how many share a group at the default and at the best threshold.
        public let samePairs: Int
        public let joinedAtDefault: Int
        public let joinedAtBest: Int
        /// Pairs of different products (or a distractor), and how many share a group at the default threshold.
        public let otherPairs: Int
        public let mergedAtDefault: Int
        /// Shares of the counts above (nil where there are no such pairs).
        public let recallAtDefault: Double?
        public let recallAtBest: Double?
        public let mergedShareAtDefault: Double?

        init(views: String, samePairs: Int, joinedAtDefault: Int, joinedAtBest: Int, otherPairs: Int, mergedAtDefault: Int) {
            func share(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
            self.views = views
            self.samePairs = samePairs
            self.joinedAtDefault = joinedAtDefault
            self.joinedAtBest = joinedAtBest
            self.otherPairs = otherPairs
            self.mergedAtDefault = mergedAtDefault
            recallAtDefault = share(joinedAtDefault, samePairs)
            recallAtBest = share(joinedAtBest, samePairs)
            mergedShareAtDefault = share(mergedAtDefault, otherPairs)
        }
    }

    /// Groups found among the labelled images against the true products (the seed documents' figure).
    public struct ProductCount: Sendable, Codable {
        public let rule: String
        public let threshold: Float
        /// Clusters, singletons included.
        public let groups: Int
        /// Products whose images sit in more than one group; groups holding more than one product.
        public let productsSplit: Int
        public let mixedGroups: Int
        public let f1: Double
    }

    public struct MethodResult: Sendable, Codable {
        public let name: String
        public let methods: [String]
        /// "64-bit code", "1280-d vector", or the fused kinds joined by " + ".
        public let descriptor: String
        public let metric: String
        public let atDefault: Setting
        /// The best threshold of the sweep, chosen on the same labels it is scored on (in-sample, optimistic).
        public let best: Setting
        public let recallAt1: Double
        public let recallAt5: Double
        /// Mean average precision of each labelled image's ranking of the others, to `rankedDepth` neighbours.
        public let meanAveragePrecision: Double
        public let rankedDepth: Int
        /// Seconds per decoded image in this contender's methods (decoding not included); nil when every
        /// descriptor came from a store.
        public let secondsPerImage: Double?
        public let curve: [CurvePoint]
        public let viewPairs: [ViewPair]
        /// The seed documents' rule (each image with its 5 nearest within the cutoff, at least the nearest) and the
        /// contender's own default rule, on the labelled images only.
        public let seedRule: ProductCount
        public let ownRule: ProductCount
    }

    /// Two images, each contender's distance between them and whether its default grouping joins them.
    public struct PairExample: Sendable, Codable {
        public let a: Int
        public let b: Int
        public let distances: [Float]
        public let joined: [Bool]
    }

    /// For one contender at its default: same-product pairs it keeps apart and different-product pairs it
    /// merges, those that another contender gets right first.
    public struct Gallery: Sendable, Codable {
        public let method: String
        public let missed: [PairExample]
        public let missedTotal: Int
        public let merged: [PairExample]
        public let mergedTotal: Int
    }

    public let images: [Image]
    public let products: Int
    public let distractors: Int
    public let methods: [MethodResult]
    public let galleries: [Gallery]
    /// Mean seconds to decode an image (shared by every method).
    public let decodeSecondsPerImage: Double?
}

extension Comparison {
    /// Scores `contenders` on `described`; `seconds[c]`: contender c's time per image, if measured.
    /// `examples`: pairs per gallery. Deterministic for the same inputs.
    public init(described: LabelledDescriptors, contenders: [Contender], descriptorSets: [[[Descriptor]]],
                seconds: [Double?], decodeSeconds: Double?, explanations: [String?]? = nil, examples: Int = 8,
                workers: Int? = nil, keypoints: [ORBFeatures?]? = nil) {
        precondition(descriptorSets.count == contenders.count && seconds.count == contenders.count)
        let n = described.labels.count
        let labels = described.labels
        let isDistractor = described.views.map { $0 == LabelSet.distractorView }
        images = (0..<n).map { Image(path: described.paths[$0], product: isDistractor[$0] ? nil : labels[$0],
                                     view: described.views[$0], explanation: explanations?[$0]) }
        products = Set(labels.indices.filter { !isDistractor[$0] }.map { labels[$0] }).count
        distractors = isDistractor.filter { $0 }.count
        decodeSecondsPerImage = decodeSeconds

        let indexes = zip(contenders, descriptorSets).map { Self.index($0.plan, $1, keypoints: keypoints, workers: workers) }
        let defaults = zip(contenders, indexes).map { $0.plan.clusters($1) }
        let clusterOf = defaults.map { Self.membership($0, count: n) }
        var results: [MethodResult] = []
        for (c, contender) in contenders.enumerated() {
            results.append(Self.score(contender, index: indexes[c], keypoints: keypoints, defaultClusters: defaults[c],
                                      descriptors: descriptorSets[c], labels: labels, views: described.views,
                                      isDistractor: isDistractor, seconds: seconds[c], workers: workers))
        }
        methods = results
        galleries = contenders.indices.map { c in
            Self.gallery(c, name: contenders[c].name, labels: labels, isDistractor: isDistractor, clusters: defaults[c],
                         clusterOf: clusterOf, indexes: indexes, examples: examples)
        }
    }

    /// Each item's cluster number (-1 for an item in none).
    static func membership(_ clusters: [[Int]], count: Int) -> [Int] {
        var of = [Int](repeating: -1, count: count)
        for (k, cluster) in clusters.enumerated() { for i in cluster { of[i] = k } }
        return of
    }

    static func setting(_ rule: ClusteringRule, _ threshold: Float, _ clusters: [[Int]], _ labels: [String]) -> Setting {
        let p = PairwiseScore(clusters: clusters, labels: labels)
        return Setting(rule: rule.rawValue, threshold: threshold, precision: p.precision, recall: p.recall, f1: p.f1,
                       bcubedF1: BCubedScore(clusters: clusters, labels: labels).f1,
                       groups: clusters.filter { $0.count > 1 }.count)
    }
    /// A contender's index: its plan's, re-scored by ORB when the plan asks (`keypointAdjustment`) and features
    /// were made.
    static func index(_ plan: GroupingPlan, _ sets: [[Descriptor]], keypoints: [ORBFeatures?]?, workers: Int?) -> any NeighbourIndex {
        let base = plan.index(sets, workers: workers)
        guard let settings = plan.keypointAdjustment, let keypoints else { return base }
        return KeypointAdjustedIndex(base: base, features: keypoints, settings: settings, workers: workers)
    }


    static func score(_ contender: Contender, index: any NeighbourIndex, keypoints: [ORBFeatures?]?, defaultClusters: [[Int]],
                      descriptors: [[Descriptor]], labels: [String], views: [String], isDistractor: [Bool],
                      seconds: Double?, workers: Int?) -> MethodResult {
        let plan = contender.plan
        // The default is on the sweep's grid, so the best is never worse than the default.
        let grid = Array(Set(MethodCatalog.thresholdGrid(plan.methods, plan.settings, rerank: plan.rerank, purpose: .sweep)
                             + [plan.threshold])).sorted()
        let sweep = ThresholdSweep(index: index, labels: labels, rule: plan.rule, thresholds: grid, graph: plan.graph)
        let atDefault = setting(plan.rule, plan.threshold, defaultClusters, labels)
        let bestRow = sweep.best
        let bestThreshold = bestRow?.threshold ?? plan.threshold
        let bestClusters = plan.clusters(index, threshold: bestThreshold)
        let best = setting(plan.rule, bestThreshold, bestClusters, labels)
        let ranking = Ranking(index: index, labels: labels, isDistractor: isDistractor)
        let kinds = plan.methods.map { $0.kind(plan.settings).description }

        // The seed documents' case: labelled images only, the rule at the contender's product cutoff.
        let labelled = labels.indices.filter { !isDistractor[$0] }
        let sub = Self.index(plan, descriptors.map { d in labelled.map { d[$0] } }, keypoints: keypoints.map { k in labelled.map { k[$0] } },
                        workers: workers)
        let subLabels = labelled.map { labels[$0] }
        let cutoff = plan.rule == .graph ? plan.threshold : MethodCatalog.productGrouping(plan.methods, plan.settings).cutoff
        let seedClusters = Clusterer(rule: .seed, threshold: cutoff).clusters(sub)
        return MethodResult(
            name: contender.name, methods: plan.methods.map(\.name), descriptor: kinds.joined(separator: " + "),
            metric: index.metric == .hamming ? "hamming" : "cosine", atDefault: atDefault, best: best,
            recallAt1: ranking.recallAt1, recallAt5: ranking.recallAt5, meanAveragePrecision: ranking.meanAveragePrecision,
            rankedDepth: ranking.depth, secondsPerImage: seconds,
            curve: sweep.rows.map { CurvePoint(threshold: $0.threshold, precision: $0.pairwise.precision, recall: $0.pairwise.recall) },
            viewPairs: viewPairs(labels: labels, views: views, atDefault: membership(defaultClusters, count: labels.count),
                                 atBest: membership(bestClusters, count: labels.count)),
            seedRule: count(.seed, cutoff, seedClusters, subLabels),
            ownRule: count(plan.rule, plan.threshold, plan.clusters(sub), subLabels))
    }

    static func count(_ rule: ClusteringRule, _ threshold: Float, _ clusters: [[Int]], _ labels: [String]) -> ProductCount {
        var groupsOf: [String: Set<Int>] = [:]
        var mixed = 0
        for (k, cluster) in clusters.enumerated() {
            for i in cluster { groupsOf[labels[i], default: []].insert(k) }
            if Set(cluster.map { labels[$0] }).count > 1 { mixed += 1 }
        }
        return ProductCount(rule: rule.rawValue, threshold: threshold, groups: clusters.count,
                            productsSplit: groupsOf.values.filter { $0.count > 1 }.count, mixedGroups: mixed,
                            f1: PairwiseScore(clusters: clusters, labels: labels).f1)
    }

    /// Every pair of images counted by its two views; nothing when the labels carry no views.
    static func viewPairs(labels: [String], views: [String], atDefault: [Int], atBest: [Int]) -> [ViewPair] {
        let names = Array(Set(views)).sorted()
        guard names.contains(where: { !$0.isEmpty && $0 != LabelSet.distractorView }) else { return [] }
        let code = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let v = views.map { code[$0]! }
        let m = names.count
        var same = [Int](repeating: 0, count: m * m), joinedDefault = same, joinedBest = same, other = same, merged = same
        for i in labels.indices {
            for j in (i + 1)..<labels.count {
                let key = min(v[i], v[j]) * m + max(v[i], v[j])
                let together = atDefault[i] == atDefault[j]
                if labels[i] == labels[j] {
                    same[key] += 1
                    if together { joinedDefault[key] += 1 }
                    if atBest[i] == atBest[j] { joinedBest[key] += 1 }
                } else {
                    other[key] += 1
                    if together { merged[key] += 1 }
                }
            }
        }
        var rows: [ViewPair] = []
        for a in 0..<m { for b in a..<m where same[a * m + b] + other[a * m + b] > 0 {
            let key = a * m + b
            let label = [names[a], names[b]].map { $0.isEmpty ? "(none)" : $0 }.joined(separator: "/")
            rows.append(ViewPair(views: label, samePairs: same[key], joinedAtDefault: joinedDefault[key],
                                 joinedAtBest: joinedBest[key], otherPairs: other[key], mergedAtDefault: merged[key]))
        } }
        // Pairs that can be missed first, most numerous first.
        return rows.sorted { ($0.samePairs, $0.otherPairs, $1.views) > ($1.samePairs, $1.otherPairs, $0.views) }
    }

    static func gallery(_ c: Int, name: String, labels: [String], isDistractor: [Bool], clusters: [[Int]],
                        clusterOf: [[Int]], indexes: [any NeighbourIndex], examples: Int) -> Gallery {
        func example(_ a: Int, _ b: Int) -> PairExample {
            PairExample(a: a, b: b, distances: indexes.map { $0.distance(a, b) }, joined: clusterOf.map { $0[a] == $0[b] })
        }
        func othersRight(_ a: Int, _ b: Int, same: Bool) -> Int {
            clusterOf.indices.filter { $0 != c && (clusterOf[$0][a] == clusterOf[$0][b]) == same }.count
        }
        var byProduct: [String: [Int]] = [:]
        for i in labels.indices where !isDistractor[i] { byProduct[labels[i], default: []].append(i) }
        var missed: [(Int, Int, Int, Float)] = []
        for members in byProduct.values {
            for (x, a) in members.enumerated() { for b in members[(x + 1)...] where clusterOf[c][a] != clusterOf[c][b] {
                missed.append((a, b, othersRight(a, b, same: true), indexes[c].distance(a, b)))
            } }
        }
        // Pairs other contenders join first, then the clearest misses (largest distance); ties by index.
        missed.sort { ($0.2, $0.3, $1.0, $1.1) > ($1.2, $1.3, $0.0, $0.1) }
        var merged: [(Int, Int, Int, Float)] = []
        for cluster in clusters where cluster.count > 1 {
            for (x, a) in cluster.enumerated() { for b in cluster[(x + 1)...] where labels[a] != labels[b] {
                merged.append((a, b, othersRight(a, b, same: false), indexes[c].distance(a, b)))
            } }
        }
        // Pairs other contenders keep apart first, then the closest (the most convincing false merges).
        merged.sort { ($0.2, -$0.3, $1.0, $1.1) > ($1.2, -$1.3, $0.0, $0.1) }
        return Gallery(method: name, missed: missed.prefix(examples).map { example($0.0, $0.1) }, missedTotal: missed.count,
                       merged: merged.prefix(examples).map { example($0.0, $0.1) }, mergedTotal: merged.count)
    }
}

/// Retrieval figures of one index: each labelled image with another image of its product is a query, ranked
/// against every other image (distractors included).
struct Ranking {
    let depth: Int
    let recallAt1: Double
    let recallAt5: Double
    let meanAveragePrecision: Double

    init(index: any NeighbourIndex, labels: [String], isDistractor: [Bool], maxDepth: Int = 100) {
        var size: [String: Int] = [:]
        for l in labels { size[l, default: 0] += 1 }
        depth = max(1, min(index.count - 1, maxDepth))
        let nearest = index.count > 1 ? index.nearest(k: depth) : []
        var queries = 0, hit1 = 0, hit5 = 0
        var apSum = 0.0
        for (i, list) in nearest.enumerated() where !isDistractor[i] && size[labels[i]]! > 1 {
            queries += 1
            let relevant = size[labels[i]]! - 1
            var found = 0
            var ap = 0.0
            for (rank, n) in list.enumerated() where labels[n.index] == labels[i] {
                found += 1
                ap += Double(found) / Double(rank + 1)
                if rank == 0 { hit1 += 1 }
                if found == 1 && rank < 5 { hit5 += 1 }
            }
            apSum += ap / Double(min(relevant, depth))
        }
        let q = Double(max(queries, 1))
        recallAt1 = Double(hit1) / q
        recallAt5 = Double(hit5) / q
        meanAveragePrecision = apSum / q
    }
}
