/// One group of images of the same product: the representative first, then the others by distance to it.
public struct ImageGroup: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public let image: Int
        /// Distance to the representative under the grouping method (0 for the representative).
        public let distance: Float
    }

    public let members: [Member]
    public var representative: Int { members[0].image }
}

/// The outcome of grouping: the images, their groups (two or more members), and the rest left alone.
public struct GroupingReport: Sendable {
    public let method: String
    public let metric: DistanceMetric
    public let rule: ClusteringRule
    public let threshold: Float
    public let keep: KeepPolicy
    public let images: [ImageFacts]
    /// Largest first, then by representative path.
    public let groups: [ImageGroup]
    public let singletons: [Int]
    /// Near-duplicate groups (`--verify`): every pair that passed its check, the edges the groups are made of
    /// (image indexes i < j). Empty for groups made from distances.
    public var verifiedPairs: [VerifiedPair] = []
    /// Near-duplicate groups: the images too flat to compare (quality under `ImageQuality.flat`: blank, white or
    /// dark), which no check joins to another.
    public var tooFlat: [Int] = []

    public struct VerifiedPair: Sendable {
        public let i: Int
        public let j: Int
        public let check: NearDuplicateVerifier.Check
    }

    /// Groups the images from one method's descriptors (`descriptors[i]` belongs to `images[i]`).
    public init(method: String, images: [ImageFacts], descriptors: [Descriptor], rule: ClusteringRule,
                threshold: Float, keep: KeepPolicy = .standard, workers: Int? = nil) {
        self.init(method: method, images: images, descriptorSets: [descriptors], units: [1], rule: rule,
                  threshold: threshold, keep: keep, workers: workers)
    }

    /// Groups with one or several methods. With several, distances are fused (`DescriptorSearch`): each method's
    /// distance over its median over these images (`units`, the catalog's, where that median is 0), averaged
    /// with `weights`, and `threshold` is in those terms (1 = a typical pair).
    public init(method: String, images: [ImageFacts], descriptorSets: [[Descriptor]], units: [Float],
                weights: [Float]? = nil, rerank: Bool = false, rule: ClusteringRule, threshold: Float,
                graph: GraphSettings = GraphSettings(), keep: KeepPolicy = .standard, workers: Int? = nil) {
        precondition(descriptorSets.allSatisfy { $0.count == images.count })
        let index = DescriptorSearch.index(descriptorSets, units: units, weights: weights, rerank: rerank, workers: workers)
        self.init(method: method, images: images, index: index, rule: rule, threshold: threshold, graph: graph, keep: keep)
    }

    /// Groups the items of any index (`index` item i is `images[i]`).
    public init(method: String, images: [ImageFacts], index: any NeighbourIndex, rule: ClusteringRule, threshold: Float,
                graph: GraphSettings = GraphSettings(), keep: KeepPolicy = .standard) {
        precondition(index.count == images.count)
        let clusters = Clusterer(rule: rule, threshold: threshold, graph: graph).clusters(index)
        self.init(method: method, metric: index.metric, images: images, clusters: clusters, distance: index.distance,
                  rule: rule, threshold: threshold, keep: keep)
    }

    /// A report over clusters found elsewhere (a cascade): picks representatives and orders members.
    public init(method: String, metric: DistanceMetric, images: [ImageFacts], clusters: [[Int]],
                distance: (Int, Int) -> Float, rule: ClusteringRule, threshold: Float, keep: KeepPolicy) {
        self.method = method
        self.metric = metric
        self.rule = rule
        self.threshold = threshold
        self.keep = keep
        self.images = images
        var groups: [ImageGroup] = []
        var singletons: [Int] = []
        for cluster in clusters {
            guard cluster.count > 1 else { singletons.append(cluster[0]); continue }
            let representative = cluster.min { keep.prefers(images[$0], over: images[$1]) }!
            let members = cluster.map {
                ImageGroup.Member(image: $0, distance: $0 == representative ? 0 : distance(representative, $0))
            }.sorted { ($0.image != representative ? 1 : 0, $0.distance, images[$0.image].path)
                < ($1.image != representative ? 1 : 0, $1.distance, images[$1.image].path) }
            groups.append(ImageGroup(members: members))
        }
        self.groups = groups.sorted {
            ($0.members.count, images[$1.representative].path) > ($1.members.count, images[$0.representative].path)
        }
        self.singletons = singletons
    }
}
