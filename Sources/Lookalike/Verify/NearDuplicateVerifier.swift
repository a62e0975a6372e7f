import Foundation

/// Near-duplicates in two stages, as the winners of Meta's 2021 image similarity challenge did: candidates from an
/// exact Hamming search over every view of every image (`NearDuplicateProbe`) at a loose radius, then a check of
/// each candidate pair on colour thumbnails lined up as the matching views say, with a small search over shifts,
/// brightness fitted (a gain and an offset on luma), and the share of agreeing blocks (so a watermark or a caption
/// does not fail a copy). A pair joins a group only when it passes; images too flat to compare never do.
public struct NearDuplicateVerifier: Sendable {
    /// Candidate radius: bits of the 64-bit pHash between any two views.
    public var radius = 12
    /// Thumbnails are compared at `grid` x `grid`, in `block` x `block` blocks.
    public var grid = 32
    public var block = 4
    /// A block agrees when its mean absolute difference (0...255, per channel, after the gain and offset) is at most this.
    public var blockTolerance = 16.0
    /// A pair passes when at least this share of informative blocks agree.
    public var agreeingShare = 0.85
    /// A block's luma spread (standard deviation, after the gain) may differ by at most this.
    public var textureTolerance = 8.0
    /// A block is flat under this luma variance (a 4 x 4 block of plain backdrop after JPEG: about 2).
    public var flatVariance = 9.0
    /// The structure check: gradient maps compared at this resolution, and the correlation they need.
    public var fineGrid = 64
    public var structureCorrelation = 0.8
    /// The keypoint check after a thumbnail pass: with `orbMinimumKeypoints` on both sides, the pair needs
    /// `orbMinimumInliers` RANSAC inliers among its cross-checked ORB matches (garments of one cut and colour pass
    /// the thumbnails; their seams and prints give few consistent keypoints).
    public var orbConfirm = true
    public var orbMinimumKeypoints = 40
    public var orbMinimumInliers = 20
    /// Without enough keypoints to confirm, a thumbnail pass must be at least this good.
    public var strictAgreeing = 0.95
    public var strictStructure = 0.9
    /// The share of blocks that must be informative for a check to prove anything.
    public var minimumInformative = 0.2
    /// Shifts tried, as shares of the window: -slack ... +slack in steps of `step`, on each axis.
    public var slack = 0.04
    public var step = 0.02
    /// View pairs tried per candidate (closest first) before the pair is called different.
    public var triesPerPair = 6

    public init() {}

    /// One check of a pair: which views met, how close their hashes were, and what the thumbnails said.
    public struct Check: Sendable, Codable, Equatable {
        public enum Verdict: String, Sendable, Codable { case same, different, tooFlat = "too flat to compare" }
        public var verdict: Verdict
        public let hashDistance: Int
        /// "trimmed/untrimmed 80%", say: the view of the first image and of the second.
        public let views: String
        public let gain: Double
        public let offset: Double
        public let agreeing: Double
        /// Correlation of the two luma gradient maps at the thumbnails' resolution (0 when not reached).
        public var structure: Double = 0
        /// ORB: cross-checked matches and RANSAC inliers of the trimmed contents (nil when not reached, or when
        /// one image has too few keypoints: the thumbnails' verdict then stands).
        public var orbMatches: Int? = nil
        public var orbInliers: Int? = nil
    }

    /// Candidate image pairs (i < j) with the view pairs that met, closest first.
    public func candidates(_ probes: [NearDuplicateProbe], workers: Int? = nil) -> [(i: Int, j: Int, views: [(Int, Int, Int)])] {
        var owner: [(image: Int, view: Int)] = []
        var hashes: [PerceptualHash] = []
        for (i, p) in probes.enumerated() where !p.isFlat {
            for (v, view) in p.views.enumerated() { owner.append((i, v)); hashes.append(view.hash) }
        }
        guard !hashes.isEmpty else { return [] }
        let index = HammingIndex(hashes: hashes, workers: workers)
        var met: [Int: [(Int, Int, Int)]] = [:]
        let n = probes.count
        for pair in index.pairs(within: Float(radius)) {
            var (a, b) = (owner[pair.i], owner[pair.j])
            guard a.image != b.image else { continue }
            if a.image > b.image { swap(&a, &b) }
            met[a.image * n + b.image, default: []].append((a.view, b.view, Int(pair.distance)))
        }
        return met.keys.sorted().map { key in
            (key / n, key % n, met[key]!.sorted { ($0.2, $0.0, $0.1) < ($1.2, $1.0, $1.1) })
        }
    }

    /// Every candidate pair checked; the pairs that pass, with their check. Deterministic for any `workers`.
    public func verifiedPairs(_ probes: [NearDuplicateProbe], workers: Int = ProcessInfo.processInfo.activeProcessorCount)
        -> [(i: Int, j: Int, check: Check)]
    {
        let candidates = self.candidates(probes, workers: workers)
        let checks = Parallel.mapChunks(count: candidates.count, workers: workers) { range in
            range.map { k in verify(probes[candidates[k].i], probes[candidates[k].j], views: candidates[k].views) }
        }.flatMap { $0 }
        return zip(candidates, checks).filter { $0.1.verdict == .same }.map { ($0.0.i, $0.0.j, $0.1) }
    }

    /// Checks a pair on the view pairs that met (closest first, at most `triesPerPair`); the first pass wins,
    /// else the best failing check is returned.
    public func verify(_ a: NearDuplicateProbe, _ b: NearDuplicateProbe, views: [(Int, Int, Int)]) -> Check {
        if a.isFlat || b.isFlat {
            return Check(verdict: .tooFlat, hashDistance: views.first?.2 ?? 64, views: "", gain: 1, offset: 0, agreeing: 0)
        }
        var best: Check?
        for (va, vb, distance) in views.prefix(triesPerPair) {
            var check = compare(a, a.views[va], b, b.views[vb], distance: distance)
            if check.verdict == .same && orbConfirm {
                let second = b.views[vb].mirrored != a.views[va].mirrored ? b.orbMirrored ?? b.orb : b.orb
                if a.orb.keypoints.count >= orbMinimumKeypoints && second.keypoints.count >= orbMinimumKeypoints {
                    let orb = ORBCheck(a.orb, second)
                    check.orbMatches = orb.matches.count
                    check.orbInliers = orb.inlierCount
                    if orb.inlierCount < orbMinimumInliers { check.verdict = .different }
                } else if check.agreeing < strictAgreeing || check.structure < strictStructure {
                    // Too few keypoints to confirm (white on white, plain fabric): only a near-perfect thumbnail
                    // match stands on its own.
                    check.verdict = .different
                }
            }
            if check.verdict == .same { return check }
            if best == nil || check.agreeing > best!.agreeing { best = check }
        }
        return best ?? Check(verdict: .different, hashDistance: 64, views: "", gain: 1, offset: 0, agreeing: 0)
    }

    /// The closest view pair of two probes by hash distance (for `lookalike verify`, whatever the radius).
    public func closestViews(_ a: NearDuplicateProbe, _ b: NearDuplicateProbe) -> [(Int, Int, Int)] {
        var all: [(Int, Int, Int)] = []
        for (va, x) in a.views.enumerated() { for (vb, y) in b.views.enumerated() {
            all.append((va, vb, x.hash.distance(to: y.hash)))
        } }
        return all.sorted { ($0.2, $0.0, $0.1) < ($1.2, $1.0, $1.1) }
    }

    func compare(_ a: NearDuplicateProbe, _ va: NearDuplicateProbe.View, _ b: NearDuplicateProbe,
                 _ vb: NearDuplicateProbe.View, distance: Int) -> Check {
        let left = sample(a, va, dx: 0, dy: 0, grid: grid)
        var best = (share: -1.0, gain: 1.0, offset: 0.0, dx: 0.0, dy: 0.0)
        for dy in stride(from: -slack, through: slack + 1e-9, by: step) {
            for dx in stride(from: -slack, through: slack + 1e-9, by: step) {
                let right = sample(b, vb, dx: dx, dy: dy, grid: grid)
                let scored = agreement(left, right)
                if scored.share > best.share { best = (scored.share, scored.gain, scored.offset, dx, dy) }
            }
        }
        // Structure at the thumbnails' full resolution, at the best shift: the correlation of the two luma gradient
        // maps. Two garments of one cut and colour agree block by block; their seams, prints and rips do not.
        var structure = 0.0
        if best.share >= agreeingShare {
            // Refined around the coarse shift, at half its step: fine gradients need the finer alignment.
            let fine = gradientMagnitudes(sample(a, va, dx: 0, dy: 0, grid: fineGrid))
            for ddy in [-step / 2, 0, step / 2] { for ddx in [-step / 2, 0, step / 2] {
                let shifted = gradientMagnitudes(sample(b, vb, dx: best.dx + ddx, dy: best.dy + ddy, grid: fineGrid))
                structure = max(structure, correlation(fine, shifted))
            } }
        }
        let same = best.share >= agreeingShare && structure >= structureCorrelation
        return Check(verdict: same ? .same : .different, hashDistance: distance, views: va.label + "/" + vb.label,
                     gain: best.gain, offset: best.offset, agreeing: best.share, structure: structure)
    }

    /// The view's window of its thumbnail, shifted by (dx, dy) of its size, bilinearly sampled onto the grid.
    func sample(_ p: NearDuplicateProbe, _ v: NearDuplicateProbe.View, dx: Double, dy: Double, grid: Int) -> [Float] {
        let n = NearDuplicateProbe.thumbnailSide
        let source = v.source == .trimmed ? p.trimmed : p.untrimmed
        var out = [Float](repeating: 0, count: grid * grid * 3)
        for gy in 0..<grid {
            for gx in 0..<grid {
                var u = (Double(gx) + 0.5) / Double(grid)
                if v.mirrored { u = 1 - u }
                let x = (v.window.x + (u + dx) * v.window.width) * Double(n) - 0.5
                let y = (v.window.y + ((Double(gy) + 0.5) / Double(grid) + dy) * v.window.height) * Double(n) - 0.5
                let x0 = max(0, min(n - 1, Int(x.rounded(.down)))), y0 = max(0, min(n - 1, Int(y.rounded(.down))))
                let x1 = min(n - 1, x0 + 1), y1 = min(n - 1, y0 + 1)
                let fx = Float(max(0, min(1, x - Double(x0)))), fy = Float(max(0, min(1, y - Double(y0))))
                for c in 0..<3 {
                    func at(_ xx: Int, _ yy: Int) -> Float { Float(source[3 * (yy * n + xx) + c]) }
                    let top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx, bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx
                    out[3 * (gy * grid + gx) + c] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return out
    }

    /// Fits b ~ gain * a + offset on luma (gain kept within 0.6...1.6), then the share of informative blocks whose
    /// mean absolute difference stays within `blockTolerance`. A block is informative unless it is flat in both
    /// images with the same colour: a white backdrop agrees with any other white backdrop and proves nothing.
    /// With under `minimumInformative` of the blocks informative, nothing is proved: share 0.
    func agreement(_ a: [Float], _ b: [Float]) -> (share: Double, gain: Double, offset: Double) {
        let count = grid * grid
        var sa = 0.0, sb = 0.0, saa = 0.0, sab = 0.0
        for k in 0..<count {
            let la = Double(0.299 * a[3 * k] + 0.587 * a[3 * k + 1] + 0.114 * a[3 * k + 2])
            let lb = Double(0.299 * b[3 * k] + 0.587 * b[3 * k + 1] + 0.114 * b[3 * k + 2])
            sa += la; sb += lb; saa += la * la; sab += la * lb
        }
        let n = Double(count)
        let variance = saa / n - (sa / n) * (sa / n)
        let gain = variance > 1 ? max(0.6, min(1.6, (sab / n - sa / n * sb / n) / variance)) : 1
        let offset = sb / n - gain * sa / n
        let blocks = grid / block
        var agreeing = 0, informative = 0
        for by in 0..<blocks {
            for bx in 0..<blocks {
                var diff = 0.0
                var stats = (a: 0.0, aa: 0.0, b: 0.0, bb: 0.0)
                for y in (by * block)..<((by + 1) * block) {
                    for x in (bx * block)..<((bx + 1) * block) {
                        let k = 3 * (y * grid + x)
                        for c in 0..<3 { diff += abs(Double(b[k + c]) - min(255, max(0, gain * Double(a[k + c]) + offset))) }
                        let la = Double(0.299 * a[k] + 0.587 * a[k + 1] + 0.114 * a[k + 2])
                        let lb = Double(0.299 * b[k] + 0.587 * b[k + 1] + 0.114 * b[k + 2])
                        stats.a += la; stats.aa += la * la; stats.b += lb; stats.bb += lb * lb
                    }
                }
                let m = Double(block * block)
                let varA = max(0, stats.aa / m - (stats.a / m) * (stats.a / m))
                let varB = max(0, stats.bb / m - (stats.b / m) * (stats.b / m))
                let mean = diff / (m * 3)
                if varA < flatVariance && varB < flatVariance && mean <= blockTolerance { continue }
                informative += 1
                // Same colour and the same amount of texture: a plain patch against a ripped or printed one differs
                // in its spread even where the means agree.
                if mean <= blockTolerance && abs(gain * varA.squareRoot() - varB.squareRoot()) <= textureTolerance { agreeing += 1 }
            }
        }
        guard Double(informative) >= minimumInformative * Double(blocks * blocks) else { return (0, gain, offset) }
        return (Double(agreeing) / Double(informative), gain, offset)
    }

    /// Sobel gradient magnitudes of a `fineGrid` RGB sample's luma (the inner pixels).
    func gradientMagnitudes(_ rgb: [Float]) -> [Double] {
        let n = fineGrid
        var l = [Double](repeating: 0, count: n * n)
        for k in 0..<(n * n) {
            let r = Double(rgb[3 * k]), g = Double(rgb[3 * k + 1]), b = Double(rgb[3 * k + 2])
            l[k] = 0.299 * r + 0.587 * g + 0.114 * b
        }
        var out: [Double] = []
        out.reserveCapacity((n - 2) * (n - 2))
        for y in 1..<(n - 1) { for x in 1..<(n - 1) {
            let i = y * n + x
            var gx = l[i - n + 1] - l[i - n - 1]
            gx += 2 * (l[i + 1] - l[i - 1])
            gx += l[i + n + 1] - l[i + n - 1]
            var gy = l[i + n - 1] - l[i - n - 1]
            gy += 2 * (l[i + n] - l[i - n])
            gy += l[i + n + 1] - l[i - n + 1]
            out.append((gx * gx + gy * gy).squareRoot())
        } }
        return out
    }

    /// Pearson correlation of two gradient maps (0 when either is flat).
    func correlation(_ ga: [Double], _ gb: [Double]) -> Double {
        let m = Double(ga.count)
        let ma = ga.reduce(0, +) / m, mb = gb.reduce(0, +) / m
        var cov = 0.0, va = 0.0, vb = 0.0
        for k in ga.indices { cov += (ga[k] - ma) * (gb[k] - mb); va += (ga[k] - ma) * (ga[k] - ma); vb += (gb[k] - mb) * (gb[k] - mb) }
        return va > 0 && vb > 0 ? cov / (va * vb).squareRoot() : 0
    }
}
