import Foundation
import Synchronization

/// Product grouping's `--verify orb`: each image's k nearest pairs re-scored by ORB + RANSAC inliers between the
/// two images, as a bounded adjustment of the descriptors' distance. Same product from another shot shares printed
/// detail (a label, a logo) that the homography finds; different products of one look do not. A pair where either
/// image has fewer than `minimumKeypoints` keeps its distance.
///
/// The distance is multiplied by 1 - strength * t, t = clamp((inliers - neutral) / span, lowest, 1): many inliers
/// pull a pair in (at most by `strength`); with `lowest` below 0 few inliers push it out. Only pairs in some image's
/// k-nearest lists are checked; `pairs(within:)` and other pairs keep the base index's distances.
///
/// Features come from the image reduced to `featureSide` px with up to `featureCount` keypoints: at grouping's
/// 256 px, same-product shelf pairs had a median of 22 inliers (different products 5); at 512 px, 48 (and 6).
public struct KeypointAdjustedIndex: NeighbourIndex {
    /// Defaults measured with `LookalikeBenchmarks orbrerank` on the seed and grocery sets (README): only pulling in
    /// (few inliers say little: another shot may simply not show the printed side), by at most 30%, from 10 inliers,
    /// fully at 40. Pushing out as well cost recall on both sets.
    public struct Settings: Sendable, Equatable {
        public var strength: Float = 0.3
        public var neutral: Float = 10
        public var span: Float = 30
        public var minimumKeypoints = 20
        /// The lowest t: -1 lets few inliers push a pair out as far as many pull one in; 0 only pulls.
        public var lowest: Float = 0

        public init(strength: Float = 0.3, neutral: Float = 10, span: Float = 30, minimumKeypoints: Int = 20, lowest: Float = 0) {
            self.strength = strength
            self.neutral = neutral
            self.span = span
            self.minimumKeypoints = minimumKeypoints
            self.lowest = lowest
        }

        /// What a pair's distance is multiplied by, given its inliers (1 when too few keypoints).
        public func factor(inliers: Int, fewerKeypoints: Int) -> Float {
            guard fewerKeypoints >= minimumKeypoints else { return 1 }
            let t = max(lowest, min(1, (Float(inliers) - neutral) / span))
            return 1 - strength * t
        }
    }

    public static let featureSide = 512
    public static let featureCount = 1000

    /// The ORB features this adjustment compares, made from an image being described.
    public static func features(_ sample: ImageSample) -> ORBFeatures {
        ORBFeatures(sample.orientedRGB.reduced(maxSide: featureSide).luma, settings: .init(maxFeatures: featureCount))
    }

    let base: any NeighbourIndex
    let features: [ORBFeatures?]
    let settings: Settings
    let workers: Int
    /// Inliers and the fewer keypoints of each checked pair, keyed by the items' ids (`ids`, or their positions).
    private let checked: PairChecks
    /// Each item's id in `checked`: subsets of one collection (tuning's folds) share the pairs already checked.
    private let ids: [Int]?

    /// `checked` and `ids`: a cache shared by indexes over subsets of one collection, item i being `ids[i]` there.
    public init(base: any NeighbourIndex, features: [ORBFeatures?], settings: Settings = Settings(), workers: Int? = nil,
                checked: PairChecks = PairChecks(), ids: [Int]? = nil) {
        precondition(features.count == base.count && (ids == nil || ids!.count == base.count))
        self.base = base
        self.features = features
        self.settings = settings
        self.workers = max(1, workers ?? Parallel.defaultWorkers)
        self.checked = checked
        self.ids = ids
    }

    /// The same index and checks under other settings (tuning re-scores without checking pairs again).
    public func with(settings: Settings) -> KeypointAdjustedIndex {
        KeypointAdjustedIndex(base: base, features: features, settings: settings, workers: workers, checked: checked, ids: ids)
    }

    private func key(_ i: Int, _ j: Int) -> PairChecks.Key {
        let a = ids?[i] ?? i, b = ids?[j] ?? j
        return PairChecks.Key(first: min(a, b), second: max(a, b))
    }

    public var count: Int { base.count }
    public var metric: DistanceMetric { base.metric }

    public func distance(_ i: Int, _ j: Int) -> Float {
        let d = base.distance(i, j)
        guard let (inliers, fewer) = checked.get(key(i, j)) else { return d }
        return d * settings.factor(inliers: inliers, fewerKeypoints: fewer)
    }

    public func pairs(within radius: Float) -> [NeighbourPair] { base.pairs(within: radius) }

    /// The base index's k nearest of each image, each pair's distance adjusted by its ORB check, re-sorted.
    public func nearest(k: Int) -> [[Neighbour]] {
        let lists = base.nearest(k: k)
        // Each unchecked pair once, as positions (i < j), in a fixed order.
        var wanted = Set<Int>()
        for (i, list) in lists.enumerated() { for nb in list { wanted.insert(min(i, nb.index) * count + max(i, nb.index)) } }
        let done = checked.keys()
        let pairs = wanted.sorted().filter { !done.contains(key($0 / count, $0 % count)) }
        let results = Parallel.mapChunks(count: pairs.count, workers: workers) { range in
            range.map { r -> (PairChecks.Key, (Int, Int))? in
                let i = pairs[r] / count, j = pairs[r] % count
                guard let a = features[i], let b = features[j] else { return nil }
                let check = ORBCheck(a, b)
                return (key(i, j), (check.inlierCount, min(a.keypoints.count, b.keypoints.count)))
            }
        }.flatMap { $0 }
        checked.add(results.compactMap { $0 })
        return lists.enumerated().map { i, list in
            list.map { Neighbour(index: $0.index, distance: distance(i, $0.index)) }
                .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }
        }
    }
}

/// ORB checks of pairs (inliers, the fewer keypoints), shared by copies of an index and by indexes over subsets of
/// one collection.
public final class PairChecks: Sendable {
    struct Key: Hashable { let first: Int, second: Int }
    private let state = Mutex<[Key: (Int, Int)]>([:])
    public init() {}
    func get(_ key: Key) -> (Int, Int)? { state.withLock { $0[key] } }
    func keys() -> Set<Key> { state.withLock { Set($0.keys) } }
    func add(_ items: [(Key, (Int, Int))]) { state.withLock { for (k, v) in items { $0[k] = v } } }
}
