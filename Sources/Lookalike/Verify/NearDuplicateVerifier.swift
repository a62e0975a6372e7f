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
    /// And no channel's mean may differ by more than this (the map is fitted on luma, so a hue shift stays).
    public var channelTolerance = 24.0
    /// The brightness maps tried (darker image to lighter): gain on luma and offset within these. Brightness and
    /// contrast edits of ±25% stay inside; a wider map lets a dark garment pass for a light one.
    public var gainRange = 0.7...1.45
    public var maximumOffset = 48.0
    /// A pair passes the thumbnails when at least this share of informative blocks agree.
    public var agreeingShare = 0.9
    /// A block's luma spread (standard deviation, after the gain) may differ by at most this.
    public var textureTolerance = 8.0
    /// Over ORB's homography (the warped check), or this share of the larger spread: stripes near the thumbnail's
    /// resolution alias differently in a window of a thumbnail and in a crop's own thumbnail, and their spreads
    /// differ by a third. Not in the first check: there it lets two knits of one colour agree.
    public var warpedTextureShare = 0.35
    /// Thin marks over a light backdrop in one image only (a text watermark): a block's mean may differ by this
    /// much, and such blocks may be this share of the informative ones, before they count against a pair.
    public var overlayTolerance = 48.0
    public var overlayShare = 0.35
    /// A block is flat under this luma variance (a 4 x 4 block of plain backdrop after JPEG: about 2).
    public var flatVariance = 9.0
    /// The structure check: gradient maps compared at this resolution, and the correlation they need.
    public var fineGrid = 64
    public var structureCorrelation = 0.5
    /// The keypoint check after a thumbnail pass. ORB agrees when its RANSAC inliers are at least
    /// `orbMinimumInliers` and `orbInlierShare` of the fewer keypoints, and at least `orbInlierRatio` of the
    /// cross-checked matches: two colourways or two garments of one cut pass the thumbnails, but their seams and
    /// prints give few matches, and few of those agree on one plane. With `orbDecisiveKeypoints` on both sides,
    /// ORB's verdict is final.
    public var orbMinimumInliers = 6
    public var orbInlierShare = 0.05
    public var orbInlierRatio = 0.7
    public var orbDecisiveKeypoints = 20
    /// So many inliers on one plane are never chance, whatever share of the matches they are: a JPEG-30 copy of a
    /// busy print matches many keypoints to the wrong repeat of the pattern.
    public var orbConfidentInliers = 40
    /// Under `rescueInliers` inliers ORB's agreement is slight (6 of 8 matches between a floral dress and a plain
    /// pinafore of one cut): the thumbnails' gradients must then correlate at this.
    public var weakStructure = 0.7
    /// A pair the thumbnails fail (a crop or a letterbox the views do not line up, a shift past the slack) is
    /// checked again over ORB's homography when ORB agrees with at least `rescueInliers` inliers: it passes when the
    /// warped thumbnails agree on `rescueAgreeing` of their informative blocks with gradients correlated at
    /// `rescueStructure`, and one image lies (almost) wholly inside the other: `rescueOverlap` of its area. Only pairs
    /// whose closest views are within `rescueRadius` bits: on a folder of white packshots, where most pairs are
    /// candidates, ORB on every one would cost a hundred times the thumbnails, and the copies past 6 bits are
    /// reached through their other copies.
    public var rescueInliers = 12
    public var rescueAgreeing = 0.9
    public var rescueStructure = 0.8
    public var rescueOverlap = 0.9
    public var rescueRadius = 6
    /// Under `orbDecisiveKeypoints` (white on white, plain fabric), a pair ORB does not confirm needs a perfect thumbnail match:
    /// every informative block, gradients correlated at `strictStructure`, views within `strictHashDistance` bits.
    public var strictAgreeing = 1.0
    public var strictStructure = 0.95
    public var strictHashDistance = 8
    /// And a brightness map that is (almost) a gain alone, its offset within this: brightening scales, while an
    /// offset of 30 or more turns a black skirt into a charcoal one of the same cut.
    public var strictOffset = 16.0
    /// The share of blocks that must be informative for a check to prove anything.
    public var minimumInformative = 0.2
    /// Shifts tried, as shares of the window: -slack ... +slack in steps of `step`, on each axis.
    public var slack = 0.04
    public var step = 0.02
    /// View pairs tried per candidate (closest first) before the pair is called different.
    public var triesPerPair = 6
    /// Grouping leaves out of ORB the keypoints of a mark the folder shares (`SharedOverlay`): those recurring at one
    /// place of the frame in at least this many unrelated images; 0 keeps every keypoint. A pair checked alone
    /// (`lookalike verify`) has no folder to learn the mark from.
    public var overlayRecurrence = 3
    /// Where the folder has such a mark, pairs whose thumbnails agreed on this share of their blocks without passing
    /// are checked again without the mark's rows (a carrier ORB was never asked about).
    public var markedAgreeing = 0.8
    /// Such a pair needs `rescueInliers` inliers, or this share of the fewer keypoints.
    public var markedInlierShare = 0.4
    /// A mark's bands covering more than this share of the frame's height are not left out of single pairs.
    public var maximumMarkShare = 0.5
    /// A pair with one carrier that ORB joins is decided off the mark's bands when the carrier's keypoints on them
    /// alone find `orbConfidentInliers` inliers and this share of the pair's.
    public var markInlierShare = 0.75
    /// Of two verified copies, one whose mean horizontal luma step along the mark's rows exceeds the other's by this
    /// carries the mark too (its letters over a plain garment).
    public var markEdgeMargin = 1.5
    /// A pair of one frame size whose colours agree (`agreeingShare` of the thumbnail blocks) but that the keypoints
    /// do not confirm (a brightened white garment clipped bare, a watermark over a plain one) passes on its pixels
    /// aligned at full size (`AlignedPixels`) when this share of at least `pixelBlocks` informative blocks agree.
    /// Two garments of one cut on one mannequin agree at their silhouettes, at most 61% of the blocks on hm's packshots
    /// (68% under one watermark whose rows were not left out). Frames of two sizes are tried at up to `pixelSlack`
    /// px from where the thumbnails line them up.
    public var pixelShare = 0.85
    public var pixelBlocks = 6
    public var pixelSlack = 2
    /// Frames of two sizes are compared only when the map between them is within this of a scale of 1, and when
    /// this share of the thumbnail blocks agree: a crop's trimmed box is cut, so its views line up with the
    /// original's only roughly (a white tee's crop agreed on 81 to 86%), and the pixels, at whole-pixel shifts,
    /// decide. Two garments of one cut lined up so agreed on at most 63% of their pixel blocks on hm.
    public var maximumPixelScaleError = 0.02
    public var linedUpAgreeing = 0.8

    public init() {}

    /// One check of a pair: which views met, how close their hashes were, and what the thumbnails said.
    public struct Check: Sendable, Codable, Equatable {
        public enum Verdict: String, Sendable, Codable { case same, different, tooFlat = "too flat to compare" }
        public var verdict: Verdict
        public let hashDistance: Int
        /// "trimmed/untrimmed 80%", say: the view of the first image and of the second.
        public var views: String
        /// The brightness map from the darker image of the pair to the lighter.
        public let gain: Double
        public let offset: Double
        public var agreeing: Double
        /// Correlation of the two luma gradient maps at the thumbnails' resolution (0 when not reached).
        public var structure: Double = 0
        /// ORB on the trimmed contents: the fewer keypoints of the two, cross-checked matches and RANSAC inliers
        /// (nil when not reached).
        public var orbKeypoints: Int? = nil
        public var orbMatches: Int? = nil
        public var orbInliers: Int? = nil
        /// The frames compared pixel for pixel (`AlignedPixels`): informative blocks and the share that agree
        /// (nil when not reached).
        public var pixelBlocks: Int? = nil
        public var pixelAgreeing: Double? = nil
        /// How the second image's frame lines up with the first's by the views and shift that agreed best (nil
        /// for a mirrored pair, or when not reached).
        public var frameMap: FrameMap? = nil
        /// Which rule decided: "keypoints" (ORB), "strict thumbnails", "keypoints, warped thumbnails" (ORB's
        /// homography, then the thumbnails again), "thumbnails" (failed there), "faint" (a faint image's pair ORB
        /// could not confirm), "aligned pixels" (the frames lined up, compared gradient for gradient) or "flat".
        public var decidedBy: String = "thumbnails"
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

    /// Every candidate pair checked; the pairs that pass, with their check. Thumbnails first; `keypoints` is asked
    /// once for the ORB features of every image in a pair that passed them and whose probe has none (grouping
    /// decodes those images again; the rest of a folder never pays for ORB), and, where the folder shares a mark,
    /// once more for those of the pairs checked again without it, made off its bands. Deterministic for any `workers`.
    public func verifiedPairs(_ probes: [NearDuplicateProbe], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                              keypoints: (([Int], MarkBands?) -> [Int: NearDuplicateKeypoints])? = nil,
                              frames: (([Int]) -> [Int: GrayImage])? = nil)
        -> [(i: Int, j: Int, check: Check)]
    {
        verification(probes, workers: workers, keypoints: keypoints, frames: frames).pairs
    }

    /// The pairs that pass, and the images found carrying a mark the folder shares: by its recurring keypoints
    /// (`SharedOverlay`), or by their edges along its bands beside a verified copy.
    /// `frames`: the luma of the reduced frames (`ImageSample.smallRGB`) of the images asked, for pairs still
    /// different whose pixels are compared (probes made with keypoints carry theirs).
    public func verification(_ probes: [NearDuplicateProbe], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                             keypoints: (([Int], MarkBands?) -> [Int: NearDuplicateKeypoints])? = nil,
                             frames: (([Int]) -> [Int: GrayImage])? = nil)
        -> (pairs: [(i: Int, j: Int, check: Check)], carriers: Set<Int>)
    {
        let candidates = self.candidates(probes, workers: workers)
        let thumbnails = Parallel.mapChunks(count: candidates.count, workers: workers) { range in
            range.map { k in thumbnailChecks(probes[candidates[k].i], probes[candidates[k].j], views: candidates[k].views) }
        }.flatMap { $0 }
        // Keypoints for the images of pairs that pass, that ORB may rescue, or whose colours agree (a watermark's
        // letters may have failed only their gradients: SharedOverlay looks for the mark among images with keypoints).
        var all: [Int: NearDuplicateKeypoints] = [:]
        for (i, p) in probes.enumerated() { if let own = p.keypoints { all[i] = own } }
        var needed = Set<Int>()
        for (c, t) in zip(candidates, thumbnails) where !t.passed.isEmpty || rescuable(t) || t.best.agreeing >= agreeingShare {
            if all[c.i] == nil { needed.insert(c.i) }
            if all[c.j] == nil { needed.insert(c.j) }
        }
        if !needed.isEmpty, let keypoints { all.merge(keypoints(needed.sorted(), nil)) { $1 } }
        // A mark the folder shares (a shop's watermark): its carriers are known by their keypoints. The mark's
        // keypoints say two pictures carry one mark, not that they show one picture: between two carriers they are
        // left out (below, also where one carrier's letters find the other's).
        var carriers = Set<Int>()
        var bands: MarkBands?, letterRows: MarkBands?
        var withoutMark: [Int: NearDuplicateKeypoints] = [:], markOnly: [Int: ORBFeatures] = [:]
        if overlayRecurrence > 0 {
            var overlay = SharedOverlay()
            overlay.recurrence = overlayRecurrence
            overlay.unrelated = radius
            let found = overlay.find(probes, keypoints: all, workers: workers)
            // A mark found over most of the frame (letters spread over busy photos recur at many rows) leaves too
            // little to compare without it: its bands are then used only between two carriers, as keypoints.
            if let letters = found.letters, let found = found.bands,
               Double(found.rows.filter { $0 }.count) <= maximumMarkShare * Double(found.rows.count) {
                (bands, letterRows) = (found, letters)
            }
            carriers = Set(found.carriers.keys)
            for (i, drop) in found.carriers {
                withoutMark[i] = NearDuplicateKeypoints(plain: all[i]!.plain.dropping(drop), mirrored: all[i]!.mirrored)
                if bands != nil { markOnly[i] = all[i]!.plain.dropping(drop.map { !$0 }) }
            }
        }
        let (made, dropped, letters, narrow) = (all, withoutMark, markOnly, bands != nil)
        var checks = Parallel.mapChunks(count: candidates.count, workers: workers) { range in
            range.map { k -> Check in
                let (i, j) = (candidates[k].i, candidates[k].j)
                if let a = dropped[i], let b = dropped[j] { return confirm(thumbnails[k], probes[i], probes[j], a, b) }
                let full = confirm(thumbnails[k], probes[i], probes[j], made[i], made[j])
                // One carrier: the other may carry the mark unnoticed (its letters over a product recur nowhere), and
                // then the letters match. Where the carrier's keypoints on the mark's bands alone find nearly as many
                // inliers as all of them (a copy's agree all over the picture), only those off the bands decide.
                guard full.verdict == .same, narrow, let (carrier, other) = dropped[i] != nil ? (i, j) : dropped[j] != nil ? (j, i) : nil,
                      let theirs = made[other], let inliers = full.orbInliers,
                      Double(ORBCheck(letters[carrier]!, theirs.plain).inlierCount) >= max(Double(orbConfidentInliers), markInlierShare * Double(inliers))
                else { return full }
                return confirm(thumbnails[k], probes[i], probes[j], dropped[i] ?? made[i], dropped[j] ?? made[j])
            }
        }.flatMap { $0 }
        // Pairs that failed with a carrier, or whose colours came close (a carrier ORB was never asked about), are
        // checked again without the mark's rows in either image: its letters, blurred to grey, agree block by block
        // with a plain garment but are most of the copy's gradients, and they take ORB's budget and set its contrast
        // stretch. Keypoints are made again off the bands; such a pair stands on ORB, never on thumbnails alone.
        var bandedAgreeing: [Int: Double] = [:]
        if let bands {
            let marked = candidates.indices.filter { k in
                checks[k].verdict == .different && thumbnails[k].best.verdict != .tooFlat
                    && (carriers.contains(candidates[k].i) || carriers.contains(candidates[k].j)
                        || thumbnails[k].best.agreeing >= markedAgreeing)
            }
            let again = Parallel.mapChunks(count: marked.count, workers: workers) { range in
                range.map { n in
                    thumbnailChecks(probes[candidates[marked[n]].i], probes[candidates[marked[n]].j], views: candidates[marked[n]].views,
                                    bands: bands)
                }
            }.flatMap { $0 }
            var needed = Set<Int>()
            for (k, t) in zip(marked, again) { bandedAgreeing[k] = t.best.agreeing }
            for (k, t) in zip(marked, again) where !t.passed.isEmpty {
                needed.insert(candidates[k].i); needed.insert(candidates[k].j)
            }
            let banded = needed.isEmpty ? [:] : keypoints?(needed.sorted(), bands) ?? [:]
            let second = Parallel.mapChunks(count: marked.count, workers: workers) { range in
                range.map { n -> Check? in
                    let (i, j) = (candidates[marked[n]].i, candidates[marked[n]].j)
                    guard !again[n].passed.isEmpty else { return nil }
                    let check = confirm(again[n], probes[i], probes[j], banded[i], banded[j], strict: false)
                    // Off the bands two black leggings of one cut still share a handful of keypoints, a few of
                    // their thirty: strong agreement only, or most of the fewer keypoints.
                    let inliers = check.orbInliers ?? 0
                    let strong = inliers >= rescueInliers || Double(inliers) >= markedInlierShare * Double(check.orbKeypoints ?? .max)
                    return check.verdict == .same && strong ? check : nil
                }
            }.flatMap { $0 }
            for (k, check) in zip(marked, second) { if var check {
                check.decidedBy += ", without the mark"
                checks[k] = check
            } }
        }
        // Pairs still different whose colours agree (with or without the mark's rows) and whose frames line up (of
        // one size, or a copy that keeps its pixels): their frames, pixel for pixel, and off the mark's letters'
        // rows where a carrier is known or the pair fails with them.
        func carried(_ k: Int) -> Bool { carriers.contains(candidates[k].i) || carriers.contains(candidates[k].j) }
        let aligned = candidates.indices.filter { k in
            let agreeing = max(thumbnails[k].best.agreeing, carried(k) ? bandedAgreeing[k] ?? 0 : 0)
            return checks[k].verdict == .different
                && pixelCheckable(thumbnails[k].best, agreeing: agreeing, probes[candidates[k].i], probes[candidates[k].j])
        }
        if !aligned.isEmpty {
            var needed = Set<Int>()
            for k in aligned where probes[candidates[k].i].frame == nil || probes[candidates[k].j].frame == nil {
                needed.insert(candidates[k].i); needed.insert(candidates[k].j)
            }
            let fetched = needed.isEmpty ? [:] : frames?(needed.sorted()) ?? [:]
            let skipping = letterRows
            let again = Parallel.mapChunks(count: aligned.count, workers: workers) { range in
                range.map { n -> Check in
                    let k = aligned[n], (i, j) = (candidates[k].i, candidates[k].j)
                    guard let fa = probes[i].frame ?? fetched[i], let fb = probes[j].frame ?? fetched[j] else { return checks[k] }
                    return pixelCheck(checks[k], fa, fb, letters: skipping, carried: carried(k), map: thumbnails[k].best.frameMap)
                }
            }.flatMap { $0 }
            for (k, check) in zip(aligned, again) { checks[k] = check }
        }
        let pairs = zip(candidates, checks).filter { $0.1.verdict == .same }.map { ($0.0.i, $0.0.j, $0.1) }
        // A copy carrying the mark the search missed (its letters over the product recur nowhere): of two verified
        // copies, the one with far more edges along the mark's rows carries it (for the kept copy's choice).
        if let bands {
            let edges = Dictionary(uniqueKeysWithValues: Set(pairs.flatMap { [$0.0, $0.1] }).map { ($0, Self.edges(probes[$0].untrimmed, along: bands)) })
            for (i, j, _) in pairs {
                if edges[i]! > edges[j]! + markEdgeMargin { carriers.insert(i) }
                if edges[j]! > edges[i]! + markEdgeMargin { carriers.insert(j) }
            }
        }
        return (pairs, carriers)
    }

    /// Mean absolute horizontal luma step of a `thumbnailSide` square RGB thumbnail of the whole frame, over the
    /// rows `bands` covers (0 when none).
    static func edges(_ thumbnail: [UInt8], along bands: MarkBands) -> Double {
        let n = NearDuplicateProbe.thumbnailSide
        var sum = 0.0, count = 0
        let marked = bands.flags(height: n)
        for y in 0..<n where marked[y] {
            var previous = 0.0
            for x in 0..<n {
                let k = 3 * (y * n + x)
                let l = 0.299 * Double(thumbnail[k]) + 0.587 * Double(thumbnail[k + 1]) + 0.114 * Double(thumbnail[k + 2])
                if x > 0 { sum += abs(l - previous); count += 1 }
                previous = l
            }
        }
        return count > 0 ? sum / Double(count) : 0
    }

    /// Checks a pair on the view pairs that met (closest first, at most `triesPerPair`), with the probes' own
    /// keypoints (thumbnails only, and the strict rule, when they have none).
    public func verify(_ a: NearDuplicateProbe, _ b: NearDuplicateProbe, views: [(Int, Int, Int)]) -> Check {
        let thumbnails = thumbnailChecks(a, b, views: views)
        let check = confirm(thumbnails, a, b, a.keypoints, b.keypoints)
        guard check.verdict == .different, pixelCheckable(thumbnails.best, agreeing: thumbnails.best.agreeing, a, b),
              let fa = a.frame, let fb = b.frame else { return check }
        return pixelCheck(check, fa, fb, bands: nil, map: thumbnails.best.frameMap)
    }

    /// Whether a pair is worth comparing pixel for pixel, by its best thumbnail check and the share of blocks that
    /// agreed: neither flat; frames of one size whose colours agree, or frames the thumbnails lined up whose colours
    /// come close.
    func pixelCheckable(_ best: Check, agreeing: Double, _ a: NearDuplicateProbe, _ b: NearDuplicateProbe) -> Bool {
        guard best.verdict != .tooFlat else { return false }
        if a.reducedSize == b.reducedSize { return agreeing >= agreeingShare }
        return best.frameMap != nil && agreeing >= linedUpAgreeing
    }

    /// The pixel check of a pair where the folder's mark has `letters` rows: off them where a carrier is known (its
    /// letters agree with another carrier's and take blocks from the picture otherwise); else with them, and when
    /// that fails, off them, since a copy may carry the mark unnoticed (its letters over the garment recur nowhere)
    /// and leaving rows out only takes blocks away.
    func pixelCheck(_ base: Check, _ a: GrayImage, _ b: GrayImage, letters: MarkBands?, carried: Bool, map: FrameMap?) -> Check {
        if carried { return pixelCheck(base, a, b, bands: letters, map: map) }
        let whole = pixelCheck(base, a, b, bands: nil, map: map)
        guard whole.verdict != .same, let letters else { return whole }
        var off = pixelCheck(base, a, b, bands: letters, map: map)
        guard off.verdict == .same else { return whole }
        off.decidedBy += ", off the mark's letters"
        return off
    }

    /// `base` with the figures of the frames compared pixel for pixel (the rows `bands` covers left out), the
    /// same when enough of their informative blocks agree. Frames of one size are compared as they are; others
    /// (a crop or a padded copy) over `map` when it keeps the pixels' scale, the larger cut onto the smaller's
    /// pixels, at every shift of up to `pixelSlack` px (the thumbnails line up to a pixel or two at this size), the
    /// best counting.
    func pixelCheck(_ base: Check, _ a: GrayImage, _ b: GrayImage, bands: MarkBands?, map: FrameMap? = nil) -> Check {
        var found: AlignedPixels?
        if a.width == b.width && a.height == b.height {
            found = AlignedPixels(a, b, skipping: bands?.flags(height: a.height))
        } else if var map {
            // Cut out: `source` onto `grid`'s pixels; map goes from grid to source.
            var (source, grid) = (a, b)
            if a.width * a.height < b.width * b.height { (source, grid, map) = (b, a, map.inverse) }
            // Only a copy cut or padded without resizing (its pixels kept: whole-pixel shifts, no interpolation).
            // Resampled, a garment's interior loses the fine texture that tells two of one cut apart, and their
            // silhouettes agree (two leggings on one mannequin, one at half size: 16 wrong pairs on hm).
            guard abs(map.scaleX - 1) < maximumPixelScaleError, abs(map.scaleY - 1) < maximumPixelScaleError else { return base }
            let (dx0, dy0) = (Int(map.offsetX.rounded()), Int(map.offsetY.rounded()))
            // The mark's rows in either frame, as the map lines them up.
            let rows = bands.map { bands in (0..<grid.height).map { y in
                bands.covers((Double(y) + 0.5) / Double(grid.height)) || bands.covers((Double(y + dy0) + 0.5) / Double(source.height))
            } }
            for dy in (dy0 - pixelSlack)...(dy0 + pixelSlack) { for dx in (dx0 - pixelSlack)...(dx0 + pixelSlack) {
                let cut = AlignedPixels.cut(source, width: grid.width, height: grid.height, x: dx, y: dy)
                guard let pixels = AlignedPixels(cut.image, grid, skipping: rows, valid: cut.valid) else { continue }
                if found == nil || (pixels.share, pixels.informative) > (found!.share, found!.informative) { found = pixels }
            } }
        }
        guard let pixels = found else { return base }
        var check = base
        check.pixelBlocks = pixels.informative
        check.pixelAgreeing = pixels.share
        if pixels.informative >= pixelBlocks && pixels.share >= pixelShare {
            check.verdict = .same
            check.decidedBy = "aligned pixels"
        }
        return check
    }

    /// Whether a pair the thumbnails failed is worth ORB and the warped check.
    func rescuable(_ thumbnails: (passed: [(check: Check, mirrored: Bool)], best: Check, closest: Int)) -> Bool {
        thumbnails.passed.isEmpty && thumbnails.best.verdict == .different && thumbnails.closest <= rescueRadius
    }

    /// Whether ORB's figures say the two show one picture.
    func orbAgrees(_ result: ORBCheck, fewer: Int) -> Bool {
        result.inlierCount >= max(orbMinimumInliers, Int((orbInlierShare * Double(fewer)).rounded(.up)))
            && (Double(result.inlierCount) >= orbInlierRatio * Double(result.matches.count) || result.inlierCount >= orbConfidentInliers)
    }

    /// The thumbnail checks of a pair that pass (each with whether one view is mirrored against the other), in the
    /// order tried, the check with the most agreeing blocks (the answer when none passes), and the closest views' distance.
    public func thumbnailChecks(_ a: NearDuplicateProbe, _ b: NearDuplicateProbe, views: [(Int, Int, Int)],
                                bands: MarkBands? = nil)
        -> (passed: [(check: Check, mirrored: Bool)], best: Check, closest: Int)
    {
        if a.isFlat || b.isFlat {
            var flat = Check(verdict: .tooFlat, hashDistance: views.first?.2 ?? 64, views: "", gain: 1, offset: 0, agreeing: 0)
            flat.decidedBy = "flat"
            return ([], flat, views.first?.2 ?? 64)
        }
        var passed: [(check: Check, mirrored: Bool)] = []
        var best: Check?
        // Brightness is fitted from the darker image to the lighter: a brightened copy's clipped whites are
        // reached by clipping the map, never undone by it, so one direction holds for both orders of a pair.
        let darkerFirst = a.meanLuma <= b.meanLuma
        for (va, vb, distance) in views.prefix(triesPerPair) {
            var check = darkerFirst ? compare(a, a.views[va], b, b.views[vb], distance: distance, bands: bands)
                : compare(b, b.views[vb], a, a.views[va], distance: distance, bands: bands)
            if !darkerFirst {
                check.views = a.views[va].label + "/" + b.views[vb].label
                check.frameMap = check.frameMap?.inverse
            }
            if check.verdict == .same { passed.append((check, a.views[va].mirrored != b.views[vb].mirrored)) }
            if best == nil || check.agreeing > best!.agreeing { best = check }
        }
        return (passed, best ?? Check(verdict: .different, hashDistance: 64, views: "", gain: 1, offset: 0, agreeing: 0),
                views.map(\.2).min() ?? 64)
    }

    /// The keypoint stage over the thumbnail passes: the first the rule accepts wins (ORB is run at most once per
    /// orientation), else the pair is different, with the figures of its first pass.
    public func confirm(_ thumbnails: (passed: [(check: Check, mirrored: Bool)], best: Check, closest: Int),
                        _ a: NearDuplicateProbe, _ b: NearDuplicateProbe,
                        _ ka: NearDuplicateKeypoints?, _ kb: NearDuplicateKeypoints?, strict: Bool = true) -> Check {
        guard !thumbnails.passed.isEmpty else { return rescue(thumbnails, a, b, ka, kb) }
        // A faint image (a cream garment on white, a print brightened into its backdrop) passes thumbnails that
        // prove little: only ORB and the thumbnails warped by its homography confirm it (or, later, its aligned pixels).
        if a.isFaint || b.isFaint {
            var base = thumbnails.passed[0].check
            base.decidedBy = "faint"
            return warpedConfirmation(base, a, b, ka, kb)
        }
        var orb: [Bool: ORBCheck] = [:]
        var first: Check?
        for (candidate, mirrored) in thumbnails.passed {
            var check = candidate
            if let ka, let kb {
                let second = mirrored ? kb.mirrored ?? kb.plain : kb.plain
                if orb[mirrored] == nil { orb[mirrored] = ORBCheck(ka.plain, second) }
                let result = orb[mirrored]!
                let fewer = min(ka.plain.keypoints.count, second.keypoints.count)
                check.orbKeypoints = fewer
                check.orbMatches = result.matches.count
                check.orbInliers = result.inlierCount
                if orbAgrees(result, fewer: fewer) && (result.inlierCount >= rescueInliers || check.structure >= weakStructure) {
                    check.decidedBy = "keypoints"
                    return check
                }
                // A perfect thumbnail match that ORB confirms in part (a JPEG-30 copy of a fine knit: 13 of 32
                // matches on one plane) stands; two garments of one cut give ORB a handful at most.
                if fewer >= orbDecisiveKeypoints && !(strictlyAgrees(check) && result.inlierCount >= orbMinimumInliers) {
                    check.verdict = .different
                    check.decidedBy = "keypoints"
                    if first == nil { first = check }
                    continue
                }
            }
            // Too few keypoints to decide (white on white, plain fabric): only a perfect thumbnail match stands.
            check.decidedBy = "strict thumbnails"
            if strict && strictlyAgrees(check) { return check }
            check.verdict = .different
            if first == nil { first = check }
        }
        return first!
    }

    /// Whether a thumbnail check is perfect by the strict rule.
    func strictlyAgrees(_ check: Check) -> Bool {
        check.agreeing >= strictAgreeing && check.structure >= strictStructure && check.hashDistance <= strictHashDistance
            && abs(check.offset) <= strictOffset
    }

    /// A pair the thumbnails failed, checked over ORB's homography (plain, and mirrored when both have mirrored
    /// keypoints: the orientation with more inliers), or `best` unchanged.
    func rescue(_ thumbnails: (passed: [(check: Check, mirrored: Bool)], best: Check, closest: Int),
                _ a: NearDuplicateProbe, _ b: NearDuplicateProbe,
                _ ka: NearDuplicateKeypoints?, _ kb: NearDuplicateKeypoints?) -> Check {
        // A flat image's check is "too flat", never rescuable.
        guard rescuable(thumbnails) else { return thumbnails.best }
        return warpedConfirmation(thumbnails.best, a, b, ka, kb)
    }

    /// ORB (plain, and mirrored when both have mirrored keypoints: the orientation with more inliers) and, when it
    /// agrees with at least `rescueInliers` inliers, the thumbnails warped by its homography: `base` with their
    /// figures, the same only when both pass.
    func warpedConfirmation(_ base: Check, _ a: NearDuplicateProbe, _ b: NearDuplicateProbe,
                            _ ka: NearDuplicateKeypoints?, _ kb: NearDuplicateKeypoints?) -> Check {
        var check = base
        check.verdict = .different
        guard let ka, let kb else { return check }
        var found: (ORBCheck, Bool)?
        for mirrored in [false, true] {
            guard let second = mirrored ? kb.mirrored : kb.plain else { continue }
            let result = ORBCheck(ka.plain, second)
            if result.inlierCount > found?.0.inlierCount ?? -1 { found = (result, mirrored) }
        }
        guard let (result, mirrored) = found else { return check }
        let fewer = min(ka.plain.keypoints.count, result.second.keypoints.count)
        check.orbKeypoints = fewer
        check.orbMatches = result.matches.count
        check.orbInliers = result.inlierCount
        guard result.inlierCount >= rescueInliers, orbAgrees(result, fewer: fewer) else { return check }
        let warped = warpedCheck(a, b, result, mirrored: mirrored)
        check.decidedBy = "keypoints, warped thumbnails"
        check.views = mirrored ? "warped mirrored" : "warped"
        check.agreeing = warped.agreeing
        check.structure = warped.structure
        if warped.agreeing >= rescueAgreeing && warped.structure >= rescueStructure && warped.overlap >= rescueOverlap {
            check.verdict = .same
        }
        return check
    }

    /// The closest view pair of two probes by hash distance (for `lookalike verify`, whatever the radius).
    public func closestViews(_ a: NearDuplicateProbe, _ b: NearDuplicateProbe) -> [(Int, Int, Int)] {
        var all: [(Int, Int, Int)] = []
        for (va, x) in a.views.enumerated() { for (vb, y) in b.views.enumerated() {
            all.append((va, vb, x.hash.distance(to: y.hash)))
        } }
        return all.sorted { ($0.2, $0.0, $0.1) < ($1.2, $1.0, $1.1) }
    }

    /// With `bands`, the rows of both images' frames that a mark the folder shares covers (`SharedOverlay`) are left
    /// out of both checks: a watermark's letters over a plain white garment agree block by block (blurred to grey)
    /// but are most of the copy's gradients.
    public func compare(_ a: NearDuplicateProbe, _ va: NearDuplicateProbe.View, _ b: NearDuplicateProbe,
                        _ vb: NearDuplicateProbe.View, distance: Int,
                        bands: MarkBands? = nil) -> Check {
        // Per grid row at a vertical shift: whether the mark covers it in neither image.
        func rows(_ grid: Int, _ dy: Double) -> [Bool]? {
            guard let bands else { return nil }
            func marked(_ p: NearDuplicateProbe, _ v: NearDuplicateProbe.View, _ gy: Int, _ dy: Double) -> Bool {
                let t = v.window.y + ((Double(gy) + 0.5) / Double(grid) + dy) * v.window.height
                guard v.source == .trimmed else { return bands.covers(t) }
                return bands.covers(t, inBoxAt: p.box.y, height: p.box.height, frameHeight: p.reducedSize.height)
            }
            return (0..<grid).map { gy in !marked(a, va, gy, 0) && !marked(b, vb, gy, dy) }
        }
        func cells(_ rows: [Bool]?, _ grid: Int) -> [Bool]? { rows.map { r in (0..<(grid * grid)).map { r[$0 / grid] } } }
        let left = sample(a, va, dx: 0, dy: 0, grid: grid)
        var best = (share: -1.0, gain: 1.0, offset: 0.0, dx: 0.0, dy: 0.0)
        var bestRight: [Float] = []
        var bestValid: [Bool]?
        for dy in stride(from: -slack, through: slack + 1e-9, by: step) {
            let valid = cells(rows(grid, dy), grid)
            for dx in stride(from: -slack, through: slack + 1e-9, by: step) {
                let right = sample(b, vb, dx: dx, dy: dy, grid: grid)
                let scored = agreement(left, right, valid: valid)
                // Ties go to the smaller shift: a copy agrees on every block at several shifts when few blocks are
                // informative, and the structure check below starts from this one.
                if scored.share > best.share || scored.share == best.share && dx * dx + dy * dy < best.dx * best.dx + best.dy * best.dy {
                    best = (scored.share, scored.gain, scored.offset, dx, dy)
                    bestRight = right
                    bestValid = valid
                }
            }
        }
        // Structure at the thumbnails' full resolution, at the best shift: the correlation of the two luma gradient
        // maps. Two garments of one cut and colour agree block by block; their seams, prints and rips do not.
        var structure = 0.0
        if best.share >= agreeingShare {
            // Without the blocks the colour check left out as overlays: a watermark's letters over a plain garment
            // would be most of the gradients of the copy.
            let overlays = agreement(left, bestRight, valid: bestValid, marking: true).overlays
            let blocks = grid / block, scale = fineGrid / blocks
            // Refined around the coarse shift, at half its step: fine gradients need the finer alignment.
            let fine = gradientMagnitudes(sample(a, va, dx: 0, dy: 0, grid: fineGrid))
            for ddy in [-step / 2, 0, step / 2] {
                let marked = rows(fineGrid, best.dy + ddy)
                let valid = overlays.contains(true) || marked != nil
                    ? innerGradients { x, y in
                        !overlays[min(blocks - 1, y / scale) * blocks + min(blocks - 1, x / scale)]
                            && (marked.map { $0[y - 1] && $0[y] && $0[y + 1] } ?? true)
                    } : nil
                for ddx in [-step / 2, 0, step / 2] {
                    let shifted = gradientMagnitudes(sample(b, vb, dx: best.dx + ddx, dy: best.dy + ddy, grid: fineGrid))
                    structure = max(structure, correlation(fine, shifted, valid: valid))
                }
            }
        }
        let same = best.share >= agreeingShare && structure >= structureCorrelation
        var check = Check(verdict: same ? .same : .different, hashDistance: distance, views: va.label + "/" + vb.label,
                          gain: best.gain, offset: best.offset, agreeing: best.share, structure: structure)
        if !va.mirrored && !vb.mirrored {
            // A point u (0...1) across a's view lies at u + shift across b's: from b's frame pixels to a's.
            func axis(_ pa: (Double, Double), _ wa: (Double, Double), _ pb: (Double, Double), _ wb: (Double, Double), _ shift: Double)
                -> (scale: Double, offset: Double)
            {
                func map(_ x: Double) -> Double {
                    let u = ((x - pb.0) / pb.1 - wb.0) / wb.1 - shift
                    return pa.0 + pa.1 * (wa.0 + u * wa.1)
                }
                return (map(1) - map(0), map(0))
            }
            func placement(_ p: NearDuplicateProbe, _ v: NearDuplicateProbe.View) -> (x: (Double, Double), y: (Double, Double)) {
                v.source == .trimmed ? ((Double(p.box.x), Double(p.box.width)), (Double(p.box.y), Double(p.box.height)))
                    : ((0, Double(p.reducedSize.width)), (0, Double(p.reducedSize.height)))
            }
            let (ax, ay) = placement(a, va), (bx, by) = placement(b, vb)
            let x = axis(ax, (va.window.x, va.window.width), bx, (vb.window.x, vb.window.width), best.dx)
            let y = axis(ay, (va.window.y, va.window.height), by, (vb.window.y, vb.window.height), best.dy)
            check.frameMap = FrameMap(scaleX: x.scale, offsetX: x.offset, scaleY: y.scale, offsetY: y.offset)
        }
        return check
    }

    /// The colour and structure checks over the overlap ORB's homography says two contents share: the darker
    /// image's trimmed thumbnail on the grid, the other's sampled where each cell lands (cells landing outside it
    /// left out). What lets a crop, a letterbox or a shift the views do not line up be checked as closely as a
    /// copy they do: ORB alone would match two colourways of one garment.
    public func warpedCheck(_ a: NearDuplicateProbe, _ b: NearDuplicateProbe, _ orb: ORBCheck, mirrored: Bool)
        -> (agreeing: Double, structure: Double, overlap: Double)
    {
        guard let forward = orb.homography, let backward = forward.inverse else { return (0, 0, 0) }
        let (fw, fh) = (Double(orb.first.width), Double(orb.first.height))
        let (sw, sh) = (Double(orb.second.width), Double(orb.second.height))
        // In 0...1 content coordinates: a's to b's (unmirrored) and back.
        func aToB(_ u: Double, _ v: Double) -> (Double, Double)? {
            guard let q = forward.apply(SIMD2(u * fw, v * fh)) else { return nil }
            let x = q.x / sw
            return (mirrored ? 1 - x : x, q.y / sh)
        }
        func bToA(_ u: Double, _ v: Double) -> (Double, Double)? {
            guard let q = backward.apply(SIMD2((mirrored ? 1 - u : u) * sw, v * sh)) else { return nil }
            return (q.x / fw, q.y / fh)
        }
        let darkerFirst = a.meanLuma <= b.meanLuma
        let (left, right) = darkerFirst ? (a, b) : (b, a)
        let map = darkerFirst ? aToB : bToA
        func sampled(_ n: Int) -> (left: [Float], right: [Float], valid: [Bool]) {
            var l = [Float](repeating: 0, count: n * n * 3), r = l
            var valid = [Bool](repeating: false, count: n * n)
            for gy in 0..<n { for gx in 0..<n {
                let u = (Double(gx) + 0.5) / Double(n), v = (Double(gy) + 0.5) / Double(n)
                let k = gy * n + gx
                Self.bilinear(left.trimmed, u, v, into: &l, at: 3 * k)
                guard let (x, y) = map(u, v), x >= 0, x <= 1, y >= 0, y <= 1 else { continue }
                valid[k] = true
                Self.bilinear(right.trimmed, x, y, into: &r, at: 3 * k)
            } }
            return (l, r, valid)
        }
        let coarse = sampled(grid)
        // The share of the smaller picture the other covers (a crop lies wholly inside its original; two shots of
        // one shelf from a step apart overlap only partly): cells of each grid landing inside the other image.
        let back = darkerFirst ? bToA : aToB
        var covered = (forward: 0, backward: 0)
        for gy in 0..<grid { for gx in 0..<grid {
            let u = (Double(gx) + 0.5) / Double(grid), v = (Double(gy) + 0.5) / Double(grid)
            if coarse.valid[gy * grid + gx] { covered.forward += 1 }
            if let (x, y) = back(u, v), x >= 0, x <= 1, y >= 0, y <= 1 { covered.backward += 1 }
        } }
        let overlap = Double(max(covered.forward, covered.backward)) / Double(grid * grid)
        let agreeing = agreement(coarse.left, coarse.right, valid: coarse.valid, marking: false, textureShare: warpedTextureShare).share
        let fine = sampled(fineGrid)
        // Only gradients whose 3 x 3 neighbourhood of cells all landed inside the other image.
        let structure = correlation(gradientMagnitudes(fine.left), gradientMagnitudes(fine.right),
                                    valid: innerGradients { x, y in
                                        (-1...1).allSatisfy { dy in (-1...1).allSatisfy { dx in fine.valid[(y + dy) * fineGrid + x + dx] } }
                                    })
        return (agreeing, structure, overlap)
    }

    /// Which gradients of a `fineGrid` map (its inner pixels, as `gradientMagnitudes` lists them) to compare:
    /// those at (x, y) that `keep`.
    func innerGradients(_ keep: (Int, Int) -> Bool) -> [Bool] {
        var out: [Bool] = []
        out.reserveCapacity((fineGrid - 2) * (fineGrid - 2))
        for y in 1..<(fineGrid - 1) { for x in 1..<(fineGrid - 1) { out.append(keep(x, y)) } }
        return out
    }

    /// A `thumbnailSide` square RGB thumbnail sampled bilinearly at (u, v) in 0...1, into `out[at..<at + 3]`.
    static func bilinear(_ source: [UInt8], _ u: Double, _ v: Double, into out: inout [Float], at: Int) {
        let n = NearDuplicateProbe.thumbnailSide
        let x = u * Double(n) - 0.5, y = v * Double(n) - 0.5
        let x0 = max(0, min(n - 1, Int(x.rounded(.down)))), y0 = max(0, min(n - 1, Int(y.rounded(.down))))
        let x1 = min(n - 1, x0 + 1), y1 = min(n - 1, y0 + 1)
        let fx = Float(max(0, min(1, x - Double(x0)))), fy = Float(max(0, min(1, y - Double(y0))))
        for c in 0..<3 {
            let p00 = Float(source[3 * (y0 * n + x0) + c]), p10 = Float(source[3 * (y0 * n + x1) + c])
            let p01 = Float(source[3 * (y1 * n + x0) + c]), p11 = Float(source[3 * (y1 * n + x1) + c])
            let top = p00 * (1 - fx) + p10 * fx, bottom = p01 * (1 - fx) + p11 * fx
            out[at + c] = top * (1 - fy) + bottom * fy
        }
    }

    /// The view's window of its thumbnail, shifted by (dx, dy) of its size, bilinearly sampled onto the grid.
    func sample(_ p: NearDuplicateProbe, _ v: NearDuplicateProbe.View, dx: Double, dy: Double, grid: Int) -> [Float] {
        let n = NearDuplicateProbe.thumbnailSide
        // Bilinear taps per column and per row (the map is separable), then one pass over the grid: the thumbnail
        // check samples millions of grids on a folder of packshots.
        func taps(_ count: Int, _ position: (Int) -> Double) -> (first: [Int], second: [Int], weight: [Float]) {
            var first = [Int](repeating: 0, count: count), second = first, weight = [Float](repeating: 0, count: count)
            for k in 0..<count {
                let x = position(k) * Double(n) - 0.5
                let x0 = max(0, min(n - 1, Int(x.rounded(.down))))
                first[k] = x0; second[k] = min(n - 1, x0 + 1)
                weight[k] = Float(max(0, min(1, x - Double(x0))))
            }
            return (first, second, weight)
        }
        let columns = taps(grid) { gx in
            var u = (Double(gx) + 0.5) / Double(grid)
            if v.mirrored { u = 1 - u }
            return v.window.x + (u + dx) * v.window.width
        }
        let rows = taps(grid) { gy in v.window.y + ((Double(gy) + 0.5) / Double(grid) + dy) * v.window.height }
        var out = [Float](repeating: 0, count: grid * grid * 3)
        (v.source == .trimmed ? p.trimmed : p.untrimmed).withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { out in
                for gy in 0..<grid {
                    let r0 = 3 * n * rows.first[gy], r1 = 3 * n * rows.second[gy], fy = rows.weight[gy]
                    for gx in 0..<grid {
                        let c0 = 3 * columns.first[gx], c1 = 3 * columns.second[gx], fx = columns.weight[gx]
                        let o = 3 * (gy * grid + gx)
                        for c in 0..<3 {
                            let top = Float(source[r0 + c0 + c]) * (1 - fx) + Float(source[r0 + c1 + c]) * fx
                            let bottom = Float(source[r1 + c0 + c]) * (1 - fx) + Float(source[r1 + c1 + c]) * fx
                            out[o + c] = top * (1 - fy) + bottom * fy
                        }
                    }
                }
            }
        }
        return out
    }

    /// The share of informative blocks whose colour agrees after a brightness map b ~ gain * a + offset on luma:
    /// no change and two maps fitted on the cells (gain the ratio of luma spreads, or the least-squares slope; within `gainRange`, offset within `maximumOffset`;
    /// cells clipped at black or white in either image left out when enough remain, since a brightened white
    /// backdrop stays white) are tried, the best kept: a least-squares slope shrinks towards 0 on a garment of
    /// one plain colour and would fail a copy that needs no map at all; the spread ratio is pulled up by a watermark; a
    /// gain through black (no offset) fitted where no channel clips is a multiplying brightness edit. A block agrees when its mean absolute
    /// difference stays within `blockTolerance`, no channel's mean is off by more than `channelTolerance`, and the
    /// mapped block's luma spread (clipping included) is within `textureTolerance` of the other's (or, given a
    /// `textureShare`, that share of the larger spread). A block is
    /// informative unless it is flat in both images with the same colour: a white backdrop agrees with any other
    /// white backdrop and proves nothing. A block flat in one image and lightly marked in the other (thin text
    /// over a backdrop: its mean within `overlayTolerance`) is an overlay, left out while overlays are at most
    /// `overlayShare` of the informative blocks. Only blocks whose cells are all `valid` count. With under
    /// `minimumInformative` of the blocks informative, nothing is proved: share 0.
    func agreement(_ a: [Float], _ b: [Float], grid: Int? = nil, valid: [Bool]? = nil) -> (share: Double, gain: Double, offset: Double) {
        let scored = agreement(a, b, grid: grid, valid: valid, marking: false)
        return (scored.share, scored.gain, scored.offset)
    }

    /// The same, and with `marking` the blocks left out as overlays under the best map (row by row; all false when
    /// none were left out).
    func agreement(_ a: [Float], _ b: [Float], grid: Int? = nil, valid: [Bool]? = nil, marking: Bool, textureShare: Double = 0)
        -> (share: Double, gain: Double, offset: Double, overlays: [Bool])
    {
        let grid = grid ?? self.grid
        let count = grid * grid
        func luma(_ p: [Float], _ k: Int) -> Double { Double(0.299 * p[3 * k] + 0.587 * p[3 * k + 1] + 0.114 * p[3 * k + 2]) }
        var fit = (n: 0.0, sa: 0.0, sb: 0.0, saa: 0.0, sbb: 0.0, sab: 0.0), all = fit
        // A brightness edit that multiplies (PIL's Brightness, exposure) clips the lighter image's channels one by
        // one: its gain, fitted through black over the cells where no channel of either image is clipped, is what
        // the two affine fits miss on a bright print (clipped pinks pull their slope down and their offset up).
        var origin = (n: 0.0, saa: 0.0, sab: 0.0)
        for k in 0..<count where valid?[k] ?? true {
            let la = luma(a, k), lb = luma(b, k)
            all.n += 1; all.sa += la; all.sb += lb; all.saa += la * la; all.sbb += lb * lb; all.sab += la * lb
            if max(a[3 * k], a[3 * k + 1], a[3 * k + 2], b[3 * k], b[3 * k + 1], b[3 * k + 2]) < 250, la > 5 {
                origin.n += 1; origin.saa += la * la; origin.sab += la * lb
            }
            if la > 5, la < 250, lb > 5, lb < 250 {
                fit.n += 1; fit.sa += la; fit.sb += lb; fit.saa += la * la; fit.sbb += lb * lb; fit.sab += la * lb
            }
        }
        if fit.n < 0.1 * all.n || fit.n < 16 { fit = all }
        let blocks = grid / block
        guard fit.n > 0 else { return (0, 1, 0, [Bool](repeating: false, count: blocks * blocks)) }
        let n = fit.n
        let varA = fit.saa / n - (fit.sa / n) * (fit.sa / n), varB = fit.sbb / n - (fit.sb / n) * (fit.sb / n)
        let spread = varA > 1 && varB > 1 ? max(gainRange.lowerBound, min(gainRange.upperBound, (varB / varA).squareRoot())) : 1
        let slope = varA > 1 ? max(gainRange.lowerBound, min(gainRange.upperBound, (fit.sab / n - fit.sa / n * fit.sb / n) / varA)) : 1
        // Per block: the luma mean and variance of each image, and the valid flag, once.
        var stats: [(varA: Double, varB: Double, meanA: Double, meanB: Double)?] = []
        stats.reserveCapacity(blocks * blocks)
        for by in 0..<blocks {
            for bx in 0..<blocks {
                var s = (a: 0.0, aa: 0.0, b: 0.0, bb: 0.0)
                var inside = true
                for y in (by * block)..<((by + 1) * block) {
                    for x in (bx * block)..<((bx + 1) * block) {
                        if let valid, !valid[y * grid + x] { inside = false }
                        let la = luma(a, y * grid + x), lb = luma(b, y * grid + x)
                        s.a += la; s.aa += la * la; s.b += lb; s.bb += lb * lb
                    }
                }
                let m = Double(block * block)
                stats.append(inside ? (max(0, s.aa / m - (s.a / m) * (s.a / m)), max(0, s.bb / m - (s.b / m) * (s.b / m)), s.a / m, s.b / m) : nil)
            }
        }
        var marks = [Bool]()
        func score(_ gain: Double, _ offset: Double, marking: Bool = false) -> Double? {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in score(gain, offset, pa, pb, marking: marking) } }
        }
        func score(_ gain: Double, _ offset: Double, _ pa: UnsafeBufferPointer<Float>, _ pb: UnsafeBufferPointer<Float>,
                   marking: Bool) -> Double? {
            if marking { marks = [Bool](repeating: false, count: blocks * blocks) }
            var agreeing = 0, informative = 0, counted = 0, overlays = 0
            for by in 0..<blocks {
                for bx in 0..<blocks {
                    guard let st = stats[by * blocks + bx] else { continue }
                    counted += 1
                    var diff = 0.0, mapped = (sum: 0.0, squares: 0.0), shift = (r: 0.0, g: 0.0, b: 0.0)
                    for y in (by * block)..<((by + 1) * block) {
                        for x in (bx * block)..<((bx + 1) * block) {
                            let k = 3 * (y * grid + x)
                            let r = min(255, max(0, gain * Double(pa[k]) + offset))
                            let g = min(255, max(0, gain * Double(pa[k + 1]) + offset))
                            let b = min(255, max(0, gain * Double(pa[k + 2]) + offset))
                            diff += abs(Double(pb[k]) - r) + abs(Double(pb[k + 1]) - g) + abs(Double(pb[k + 2]) - b)
                            shift.r += Double(pb[k]) - r; shift.g += Double(pb[k + 1]) - g; shift.b += Double(pb[k + 2]) - b
                            let l = 0.299 * r + 0.587 * g + 0.114 * b
                            mapped.sum += l; mapped.squares += l * l
                        }
                    }
                    let mean = diff / Double(block * block * 3)
                    // The mapped block's own spread, clipping included: a brightened print loses texture where its
                    // channels clip, which gain x spread would count against it.
                    let cells = Double(block * block)
                    let spreadMapped = max(0, mapped.squares / cells - (mapped.sum / cells) * (mapped.sum / cells)).squareRoot()
                    // The same hue: a luma map lines a navy garment up with a black one, all but its blue.
                    let hue = max(abs(shift.r), abs(shift.g), abs(shift.b)) / cells <= channelTolerance
                    let flatA = st.varA < flatVariance, flatB = st.varB < flatVariance
                    if flatA && flatB && mean <= blockTolerance && hue { continue }
                    informative += 1
                    // Same colour and the same amount of texture: a plain patch against a ripped or printed one
                    // differs in its spread even where the means agree.
                    let spreadB = st.varB.squareRoot()
                    let texture = abs(spreadMapped - spreadB) <= max(textureTolerance, textureShare * max(spreadMapped, spreadB))
                    if mean <= blockTolerance && hue && texture {
                        agreeing += 1
                    } else if flatA != flatB && mean <= overlayTolerance && (flatA ? st.meanA : st.meanB) >= 200 {
                        overlays += 1
                        if marking { marks[by * blocks + bx] = true }
                    }
                }
            }
            if Double(overlays) <= overlayShare * Double(informative) { informative -= overlays } else if marking {
                marks = [Bool](repeating: false, count: blocks * blocks)
            }
            guard informative > 0, Double(informative) >= minimumInformative * Double(counted) else { return nil }
            return Double(agreeing) / Double(informative)
        }
        var best = (share: score(1, 0) ?? 0, gain: 1.0, offset: 0.0)
        for gain in [spread, slope] {
            let offset = max(-maximumOffset, min(maximumOffset, fit.sb / n - gain * fit.sa / n))
            if let share = score(gain, offset), share > best.share { best = (share, gain, offset) }
        }
        if origin.n >= 16, origin.saa > 0 {
            let gain = max(gainRange.lowerBound, min(gainRange.upperBound, origin.sab / origin.saa))
            if let share = score(gain, 0), share > best.share { best = (share, gain, 0) }
        }
        if marking { _ = score(best.gain, best.offset, marking: true) }
        return (best.share, best.gain, best.offset, marks.isEmpty ? [Bool](repeating: false, count: blocks * blocks) : marks)
    }

    /// Sobel gradient magnitudes of a `fineGrid` RGB sample's luma (the inner pixels).
    func gradientMagnitudes(_ rgb: [Float], grid: Int? = nil) -> [Double] {
        let n = grid ?? fineGrid
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

    /// Pearson correlation of two gradient maps over the `valid` entries (0 when either is flat or none is valid).
    func correlation(_ ga: [Double], _ gb: [Double], valid: [Bool]? = nil) -> Double {
        var m = 0.0, sa = 0.0, sb = 0.0
        for k in ga.indices where valid?[k] ?? true { m += 1; sa += ga[k]; sb += gb[k] }
        guard m > 1 else { return 0 }
        let ma = sa / m, mb = sb / m
        var cov = 0.0, va = 0.0, vb = 0.0
        for k in ga.indices where valid?[k] ?? true {
            cov += (ga[k] - ma) * (gb[k] - mb); va += (ga[k] - ma) * (ga[k] - ma); vb += (gb[k] - mb) * (gb[k] - mb)
        }
        return va > 0 && vb > 0 ? cov / (va * vb).squareRoot() : 0
    }
}
