import Foundation

/// A homography found among point pairs of which many may be wrong: RANSAC over 4-pair samples, then refitted on
/// the inliers.
///
/// Guarantees: deterministic: the same pairs and seed give the same homography and inliers bit for bit (one
/// thread, samples drawn from `SplitMix64(seed:)`); samples with three points on a line (in either image), or that
/// mirror (`keepsOrientation`), are skipped; at most `maxIterations` samples, fewer once the best inlier share so far makes finding a better one
/// unlikely (`confidence`). A pair is an inlier when the homography puts its first point within `threshold`
/// pixels of its second. The threshold is absolute, in the second image's pixels: 3 px suits images of a few
/// hundred pixels, where ORB's coarsest levels already place keypoints to within 2-3 px; scale it for much
/// larger images.
public struct RANSACHomography: Sendable, Equatable {
    public var threshold: Double
    public var maxIterations: Int
    public var confidence: Double
    public var seed: UInt64

    public init(threshold: Double = 3, maxIterations: Int = 1000, confidence: Double = 0.995, seed: UInt64 = 1) {
        self.threshold = threshold
        self.maxIterations = maxIterations
        self.confidence = confidence
        self.seed = seed
    }

    public struct Fit: Sendable, Equatable {
        public let homography: Homography
        /// `inliers[i]` is whether pair i agrees with `homography`.
        public let inliers: [Bool]
        public let inlierCount: Int
        /// inlierCount / number of pairs.
        public let inlierRatio: Double
        /// Samples tried before stopping.
        public let iterations: Int
    }

    /// The best homography taking `from` to `to`, or nil when there are fewer than 4 pairs or no sample that is
    /// not degenerate.
    public func fit(from: [SIMD2<Double>], to: [SIMD2<Double>]) -> Fit? {
        precondition(from.count == to.count, "RANSACHomography.fit: point lists differ in length")
        let n = from.count
        guard n >= 4 else { return nil }
        var rng = SplitMix64(seed: seed)
        var best: (h: Homography, mask: [Bool], count: Int)?
        var needed = maxIterations, iterations = 0
        while iterations < min(needed, maxIterations) {
            iterations += 1
            var sample: [Int] = []
            while sample.count < 4 {
                let i = Int(rng.next() % UInt64(n))
                if !sample.contains(i) { sample.append(i) }
            }
            let a = sample.map { from[$0] }, b = sample.map { to[$0] }
            guard !Self.hasCollinearTriple(a), !Self.hasCollinearTriple(b), Self.keepsOrientation(a, b),
                  let h = Homography.fit(from: a, to: b) else { continue }
            let (mask, count) = inliers(h, from, to)
            // Strictly more: the earliest of equally good samples is kept.
            if count > (best?.count ?? 0) {
                best = (h, mask, count)
                needed = Self.iterationsNeeded(share: Double(count) / Double(n), confidence: confidence)
            }
        }
        guard var found = best else { return nil }
        // Refit on the inliers while that gains some (a few rounds at most; each uses every inlier, no sample).
        for _ in 0..<3 where found.count > 4 {
            let keep = (0..<n).filter { found.mask[$0] }
            guard let h = Homography.fit(from: keep.map { from[$0] }, to: keep.map { to[$0] }) else { break }
            let (mask, count) = inliers(h, from, to)
            guard count >= found.count else { break }
            let changed = mask != found.mask
            found = (h, mask, count)
            if !changed { break }
        }
        return Fit(homography: found.h, inliers: found.mask, inlierCount: found.count,
                   inlierRatio: Double(found.count) / Double(n), iterations: iterations)
    }

    func inliers(_ h: Homography, _ from: [SIMD2<Double>], _ to: [SIMD2<Double>]) -> ([Bool], Int) {
        let limit = threshold * threshold
        var count = 0
        let mask = zip(from, to).map { p, q -> Bool in
            guard let r = h.apply(p) else { return false }
            let d = r - q
            let ok = d.x * d.x + d.y * d.y <= limit
            if ok { count += 1 }
            return ok
        }
        return (mask, count)
    }

    /// Samples needed to draw, with probability `confidence`, one of 4 inliers when `share` of pairs are inliers.
    static func iterationsNeeded(share: Double, confidence: Double) -> Int {
        let good = pow(share, 4)
        guard good > 0 else { return Int.max }
        guard good < 1 else { return 0 }
        let n = log(1 - confidence) / log(1 - good)
        return n.isFinite ? Int(min(n.rounded(.up), Double(Int32.max))) : Int.max
    }

    /// Whether any three of the four points are (nearly) on a line: the sine of the angle they make at the first
    /// of them is below 0.01; coincident points count as collinear.
    static func hasCollinearTriple(_ p: [SIMD2<Double>]) -> Bool {
        for (i, j, k) in [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)] {
            let u = p[j] - p[i], v = p[k] - p[i]
            let cross = abs(u.x * v.y - u.y * v.x)
            let lengths = (u.x * u.x + u.y * u.y).squareRoot() * (v.x * v.x + v.y * v.y).squareRoot()
            if cross <= 0.01 * lengths { return true }
        }
        return false
    }
}

extension RANSACHomography {
    /// Whether every triangle of the sample turns the same way in both images. A view of a plane never mirrors
    /// it (and ORB's descriptors would not match a mirror anyway), so a sample that does is wrong pairs, whose
    /// wild homography could only gather chance inliers.
    static func keepsOrientation(_ a: [SIMD2<Double>], _ b: [SIMD2<Double>]) -> Bool {
        func turn(_ p: [SIMD2<Double>], _ i: Int, _ j: Int, _ k: Int) -> Double {
            let u = p[j] - p[i], v = p[k] - p[i]
            return u.x * v.y - u.y * v.x
        }
        for (i, j, k) in [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)] where (turn(a, i, j, k) > 0) != (turn(b, i, j, k) > 0) {
            return false
        }
        return true
    }
}
