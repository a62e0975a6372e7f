import Foundation

/// Where a mark the folder shares lies: bands across the frame (the mark is widened to whole rows, `SharedOverlay`).
public struct MarkBands: Sendable, Equatable {
    /// Whether each of `rows.count` equal rows of the frame's 0...1 height is marked.
    public let rows: [Bool]
    public init(rows: [Bool]) { self.rows = rows }
    public func covers(_ v: Double) -> Bool { !rows.isEmpty && rows[min(rows.count - 1, max(0, Int(v * Double(rows.count))))] }
    /// Per row of a frame `height` px tall: whether it covers the row's centre.
    func flags(height: Int) -> [Bool] { (0..<height).map { covers((Double($0) + 0.5) / Double(max(1, height))) } }
    /// Whether it covers the row at `v` (0...1) of a box `y`, `height` px in a frame `frameHeight` px tall.
    func covers(_ v: Double, inBoxAt y: Int, height: Int, frameHeight: Int) -> Bool {
        covers((Double(y) + v * Double(height)) / Double(max(1, frameHeight)))
    }
}

/// A mark the folder shares: a shop's watermark or logo, drawn at one place of the frame on many pictures that are
/// otherwise unrelated. Between two pictures that both carry it, its keypoints say they carry the same mark, not
/// that they show the same picture (two black leggings under one "SAMPLE" watermark matched on 192 letters and
/// nothing else), so the verifier checks such pairs on the keypoints off the mark.
///
/// Found in two steps. A keypoint recurs when at least `recurrence` other images whose trimmed contents are
/// unrelated to its own (pHashes more than `unrelated` bits apart: copies of one picture share every keypoint and
/// are no overlay) have a keypoint within `tolerance` of it in the frame (shares of the width and height) and a
/// descriptor within `descriptorDistance` bits: letters over a plain backdrop, drawn the same on every picture.
/// The mark is then the frame cells where `recurrence` images have such a keypoint, closed over `closing` of the
/// frame and widened to whole bands across it: letters over a product recur nowhere (their patches differ with
/// what lies under them), however many pictures carry them. An image with at least `carried` recurring keypoints
/// carries the mark. Only images with keypoints take part; a folder without a shared mark loses nothing.
///
/// The letters' rows are narrower: cells that `letterShare` of the carriers mark, grown by `letterMargin` cells (a
/// stroke reaches past the corners a keypoint sits on). Pixels are compared off those (on hm's watermarked set the
/// bands covered 46% of the rows, the letters' rows 20%); keypoints keep off the wider bands, since each reads a
/// patch 31 px across (narrowed to the letters' rows, two carriers matched on keypoints beside the letters: 16
/// wrong pairs).
struct SharedOverlay {
    var recurrence = 3
    var unrelated = 12
    var tolerance = 0.005
    var descriptorDistance = 12
    var carried = 8
    var closing = 0.05
    var letterShare = 0.05
    var letterMargin = 3

    /// The images carrying the mark (each with its plain keypoints' flags, true on the mark), the mark's bands and
    /// its letters' rows (nil when no image carries it).
    func find(_ probes: [NearDuplicateProbe], keypoints: [Int: NearDuplicateKeypoints], workers: Int)
        -> (carriers: [Int: [Bool]], bands: MarkBands?, letters: MarkBands?)
    {
        let images = keypoints.keys.sorted()
        guard images.count > recurrence else { return ([:], nil, nil) }
        let cells = max(1, Int((1 / tolerance).rounded(.down)))
        func cell(_ u: Double, _ v: Double) -> Int {
            min(cells - 1, max(0, Int(v * Double(cells)))) * cells + min(cells - 1, max(0, Int(u * Double(cells))))
        }
        // Every keypoint in the frame's 0...1 coordinates, in flat arrays ordered by cell (the search's inner loop
        // reads them contiguously).
        var entries: [(cell: Int, image: Int32, u: Double, v: Double, descriptor: ORBDescriptor)] = []
        var first = [Int](repeating: 0, count: images.count + 1)
        for (r, i) in images.enumerated() {
            let p = probes[i], f = keypoints[i]!.plain
            let sx = Double(p.box.width) / Double(max(1, f.width)), sy = Double(p.box.height) / Double(max(1, f.height))
            for (k, d) in zip(f.keypoints, f.descriptors) {
                let u = (Double(p.box.x) + (k.x + 0.5) * sx) / Double(max(1, p.reducedSize.width))
                let v = (Double(p.box.y) + (k.y + 0.5) * sy) / Double(max(1, p.reducedSize.height))
                entries.append((cell(u, v), Int32(r), u, v, d))
            }
            first[r + 1] = entries.count
        }
        let byCell = entries.indices.sorted { (entries[$0].cell, $0) < (entries[$1].cell, $1) }
        var start = [Int](repeating: 0, count: cells * cells + 1)
        for e in entries { start[e.cell + 1] += 1 }
        for c in 0..<(cells * cells) { start[c + 1] += start[c] }
        let sorted = byCell.map { entries[$0] }
        let content: [UInt64?] = images.map { i in
            probes[i].views.first { $0.source == .trimmed && $0.window.width == 1 && !$0.mirrored }.map { $0.hash.words[0] }
        }
        let (all, limit, distance, tolerance, unrelated) = (entries, recurrence, descriptorDistance, self.tolerance, self.unrelated)

        // Step 1: which keypoints recur, per image.
        let recurring: [[Bool]] = Parallel.mapChunks(count: images.count, workers: workers) { range in
            range.map { r -> [Bool] in
                var flags = [Bool](repeating: false, count: first[r + 1] - first[r])
                var seen: [Int32] = []
                for e in first[r]..<first[r + 1] {
                    let q = all[e]
                    let (cx, cy) = (q.cell % cells, q.cell / cells)
                    seen.removeAll(keepingCapacity: true)
                    search: for y in max(0, cy - 1)...min(cells - 1, cy + 1) {
                        for x in max(0, cx - 1)...min(cells - 1, cx + 1) {
                            for o in start[y * cells + x]..<start[y * cells + x + 1] {
                                let other = sorted[o]
                                guard other.image != Int32(r), abs(other.u - q.u) <= tolerance, abs(other.v - q.v) <= tolerance,
                                      q.descriptor.distance(to: other.descriptor) <= distance, !seen.contains(other.image),
                                      let a = content[r], let b = content[Int(other.image)], (a ^ b).nonzeroBitCount > unrelated
                                else { continue }
                                seen.append(other.image)
                                if seen.count >= limit { break search }
                            }
                        }
                    }
                    flags[e - first[r]] = seen.count >= limit
                }
                return flags
            }
        }.flatMap { $0 }

        // Step 2: the mark's cells (where `recurrence` images have a recurring keypoint), and the images carrying it.
        var imagesPerCell = [Int](repeating: 0, count: cells * cells)
        for r in images.indices {
            var marked = Set<Int>()
            for (n, flag) in recurring[r].enumerated() where flag { marked.insert(all[first[r] + n].cell) }
            for c in marked { imagesPerCell[c] += 1 }
        }
        let carrying = images.indices.filter { recurring[$0].filter { $0 }.count >= carried }
        guard !carrying.isEmpty else { return ([:], nil, nil) }
        // Closed (dilated, then eroded) over `closing` of the frame: a letter recurs only where its whole patch
        // lies on the backdrop, so the mark found has holes wherever products usually stand; the letters there
        // belong to it all the same.
        let closeBy = Int((closing / tolerance).rounded())
        // Dilation (grow) or erosion over a square of `reach` cells each way, separable.
        func spread(_ grid: [Bool], grow: Bool, reach: Int) -> [Bool] {
            var rows = grid, out = grid
            for y in 0..<cells { for x in 0..<cells {
                var any = !grow
                for xx in max(0, x - reach)...min(cells - 1, x + reach) where grid[y * cells + xx] == grow { any = grow; break }
                rows[y * cells + x] = any
            } }
            for y in 0..<cells { for x in 0..<cells {
                var any = !grow
                for yy in max(0, y - reach)...min(cells - 1, y + reach) where rows[yy * cells + x] == grow { any = grow; break }
                out[y * cells + x] = any
            } }
            return out
        }
        // The cells at least `least` images mark, closed, grown by `margin` cells and widened to whole rows.
        func marked(byAtLeast least: Int, margin: Int) -> [Bool] {
            var mark = imagesPerCell.map { $0 >= least }
            if closeBy > 0 { mark = spread(spread(mark, grow: true, reach: closeBy), grow: false, reach: closeBy) }
            mark = spread(mark, grow: true, reach: margin)
            // Whole bands across the frame: a caption's letters over a product recur nowhere (their patches differ
            // with what lies under them), however many pictures carry it.
            for y in 0..<cells where (0..<cells).contains(where: { mark[y * cells + $0] }) {
                for x in 0..<cells { mark[y * cells + x] = true }
            }
            return mark
        }
        // The bands: every cell where `recurrence` images recur, one cell around (the same letter lands a pixel
        // either way on pictures of other sizes).
        let mark = marked(byAtLeast: recurrence, margin: 1)
        // The letters' rows: only cells that a share of the carriers mark (a mark drawn on 200 pictures recurs in
        // 50 to 130 of them per cell; two garments of one cut share a keypoint in 3 to 6), grown by the strokes'
        // reach past their corners.
        let letters = marked(byAtLeast: max(recurrence, Int((letterShare * Double(carrying.count)).rounded(.up))), margin: letterMargin)
        var out: [Int: [Bool]] = [:]
        for r in carrying { out[images[r]] = (first[r]..<first[r + 1]).map { mark[all[$0].cell] } }
        func rows(_ grid: [Bool]) -> MarkBands { MarkBands(rows: (0..<cells).map { grid[$0 * cells] }) }
        return (out, rows(mark), rows(letters))
    }
}
