/// Whether two grey images show the same plane: ORB features of each, their matches (ratio test, and by default
/// the mutual cross-check, which halves the chance matches between unrelated images in `ORBTests`), and the
/// homography that most matches agree on. The figures `lookalike verify` prints.
///
/// Guarantees: deterministic (features, matches and RANSAC all single-threaded and seeded): the same two images
/// and settings give identical figures on every run; images with no keypoints (flat, or under 31 px) give zero
/// matches, no homography and a ratio of 0, never a failure.
public struct ORBCheck: Sendable {
    public struct Settings: Sendable, Equatable {
        public var features: ORBFeatures.Settings
        public var matcher: ORBMatcher
        public var ransac: RANSACHomography

        public init(features: ORBFeatures.Settings = .init(), matcher: ORBMatcher = .init(crossCheck: true),
                    ransac: RANSACHomography = .init()) {
            self.features = features
            self.matcher = matcher
            self.ransac = ransac
        }
    }

    public let first: ORBFeatures
    public let second: ORBFeatures
    /// Matches of `first`'s descriptors (query) to `second`'s (train) that pass the matcher's tests.
    public let matches: [ORBMatch]
    /// Maps `first`'s pixels to `second`'s; nil under 4 matches or when every sample was degenerate.
    public let homography: Homography?
    /// `inliers[i]` is whether `matches[i]` agrees with `homography`.
    public let inliers: [Bool]
    public let inlierCount: Int
    /// inlierCount / matches.count (0 without matches).
    public let inlierRatio: Double

    public init(_ a: GrayImage, _ b: GrayImage, settings: Settings = Settings()) {
        self.init(ORBFeatures(a, settings: settings.features), ORBFeatures(b, settings: settings.features),
                  settings: settings)
    }

    /// From features already computed (one image checked against many need not be described again).
    public init(_ first: ORBFeatures, _ second: ORBFeatures, settings: Settings = Settings()) {
        self.first = first
        self.second = second
        matches = settings.matcher.match(first.descriptors, second.descriptors)
        let from = matches.map { SIMD2(first.keypoints[$0.queryIndex].x, first.keypoints[$0.queryIndex].y) }
        let to = matches.map { SIMD2(second.keypoints[$0.trainIndex].x, second.keypoints[$0.trainIndex].y) }
        let fit = settings.ransac.fit(from: from, to: to)
        homography = fit?.homography
        inliers = fit?.inliers ?? [Bool](repeating: false, count: matches.count)
        inlierCount = fit?.inlierCount ?? 0
        inlierRatio = fit?.inlierRatio ?? 0
    }

    /// The smaller of the two shares of its image that the inliers' bounding box covers (0 without inliers): a
    /// copy agrees across the picture, two pictures sharing only a caption or a logo agree on that patch alone.
    /// Made when asked (the diagnosis reads it; the verifier does not).
    public var inlierCoverage: Double {
        func share(_ points: [ORBKeypoint], _ f: ORBFeatures) -> Double {
            guard let x0 = points.map(\.x).min(), let x1 = points.map(\.x).max(),
                  let y0 = points.map(\.y).min(), let y1 = points.map(\.y).max() else { return 0 }
            return (x1 - x0) * (y1 - y0) / Double(max(1, f.width * f.height))
        }
        let kept = matches.indices.filter { inliers[$0] }
        return min(share(kept.map { first.keypoints[matches[$0].queryIndex] }, first),
                   share(kept.map { second.keypoints[matches[$0].trainIndex] }, second))
    }
}
