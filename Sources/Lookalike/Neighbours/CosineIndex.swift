import Foundation

/// Exact cosine neighbour search over float vectors of one dimension; distance = 1 - cos, clamped to [0, 2].
///
/// Every cosine is computed (no approximation): the unit vectors sit in one row-major buffer, and the
/// similarity matrix is produced tile by tile with OpenBLAS's `sgemm` (row block of items times a column
/// block, transposed) and scanned as it comes, so memory stays bounded (the vectors, a tile and, for
/// `nearest`, N x k candidates per worker, plus the answer; never the N x N matrix). Only tiles on or above the diagonal are computed: each unordered pair is seen
/// once and fed to both items' neighbour lists, which halves the arithmetic and gives d(i, j) == d(j, i).
/// Results are those of a brute-force scan with Float dot products of the normalised vectors.
public struct CosineIndex: NeighbourIndex, Sendable {
    public let count: Int
    public let dimension: Int
    /// L2-normalised copies of the vectors, back to back; a zero vector stays zero (cosine 0, distance 1).
    /// At least one element, so the buffer always has an address to hand to BLAS.
    let units: [Float]
    let rowBlock: Int
    let columnBlock: Int
    /// Threads that each take whole tiles (product + scan); OpenBLAS runs `blasThreads` threads per product.
    /// Default: one worker per core, OpenBLAS on 1 thread. Measured on 2 cores (20,000 vectors, k 10, best of
    /// 4) against 1 worker + OpenBLAS on 2 threads with the scan serial: D 2048 3.27 s vs 3.32 s (both at the
    /// sgemm peak, ~260 GFLOPS), D 128 0.29 s vs 0.32 s. Workers also scan in parallel, which matters more as
    /// D shrinks, and leave no OpenBLAS threads spinning while a tile is scanned.
    let workers: Int
    let blasThreads: Int

    /// Indexes `vectors`, which must all have the same dimension and finite components.
    public init(vectors: [[Float]]) {
        self.init(vectors: vectors, rowBlock: 1024, columnBlock: 4096, workers: nil, blasThreads: nil)
    }

    /// Tile sizes and threading are open to tests (small tiles exercise the tile edges) and measurements.
    init(vectors: [[Float]], rowBlock: Int, columnBlock: Int, workers: Int?, blasThreads: Int?) {
        precondition(rowBlock > 0 && columnBlock > 0, "CosineIndex: tile sizes must be positive")
        let n = vectors.count
        let d = vectors.first?.count ?? 0
        precondition(vectors.allSatisfy { $0.count == d }, "CosineIndex: vectors of different dimensions")
        precondition(n < Int(Int32.max), "CosineIndex: neighbour indices are stored as Int32")
        var units = [Float](repeating: 0, count: max(1, n * d))
        for (row, v) in vectors.enumerated() {
            precondition(v.allSatisfy(\.isFinite), "CosineIndex: vector \(row) has a non-finite component")
            Self.normalise(v, into: &units, at: row * d)
        }
        count = n
        dimension = d
        self.units = units
        self.rowBlock = rowBlock
        self.columnBlock = columnBlock
        self.workers = max(1, workers ?? Parallel.defaultWorkers)
        self.blasThreads = max(1, blasThreads ?? 1)
    }

    public var metric: DistanceMetric { .cosine }

    /// `v` divided by its length, written at `out[offset...]`; a zero vector stays zero. The norm in Double, so
    /// long vectors of large or tiny values neither overflow nor lose bits (`QuerySearch` makes its units the same way).
    static func normalise(_ v: [Float], into out: inout [Float], at offset: Int) {
        var squares = 0.0
        for x in v { squares += Double(x) * Double(x) }
        guard squares > 0 else { return }
        let inverse = 1 / squares.squareRoot()
        for (k, x) in v.enumerated() { out[offset + k] = Float(Double(x) * inverse) }
    }

    /// 1 - cos from the normalised vectors (Float dot products, as the tiles compute them up to summation order).
    public func distance(_ i: Int, _ j: Int) -> Float {
        var dot: Float = 0
        for k in 0..<dimension { dot += units[i * dimension + k] * units[j * dimension + k] }
        return Self.distance(similarity: dot)
    }

    /// All pairs i < j with 1 - cos <= radius, sorted by (i, j); distances as in `nearest`.
    public func pairs(within radius: Float) -> [NeighbourPair] {
        guard count > 1, radius >= 0 else { return [] }  // also rejects a NaN radius
        let tiles = upperTiles()
        let found = UnsafeMutableBufferPointer<[NeighbourPair]>.allocate(capacity: tiles.count)
        found.initialize(repeating: [])
        defer { found.deinitialize(); found.deallocate() }
        let slots = UncheckedBox(found)
        // Unclamped 1 - s <= bound whenever the clamped distance <= radius (only clamping to 2 could break it).
        let bound = radius < 2 ? radius : .infinity
        forEachProduct(of: tiles) { t, product, _ in
            let tile = tiles[t]
            var out: [NeighbourPair] = []
            for r in 0..<tile.rows {
                let i = tile.row0 + r
                let line = product + r * tile.columns
                var c = tile.firstColumn(forRow: i)
                while c < tile.columns {
                    // Sixteen at a time, down to the scalar check only where one might pass: most never do.
                    let end = min(c + 16, tile.columns)
                    if end - c == 16 {
                        var hits: UInt32 = 0
                        for q in c..<end { hits |= 1 - line[q] <= bound ? 1 : 0 }
                        if hits == 0 { c = end; continue }
                    }
                    for c in c..<end {
                        let d = Self.distance(similarity: line[c])
                        if d <= radius { out.append(NeighbourPair(i: i, j: tile.column0 + c, distance: d)) }
                    }
                    c = end
                }
            }
            slots.value[t] = out
        }
        // Tiles come row block by row block; within a block one row's pairs are spread over its column tiles.
        var result: [NeighbourPair] = []
        var t = 0
        while t < tiles.count {
            var end = t
            var block: [NeighbourPair] = []
            while end < tiles.count && tiles[end].row0 == tiles[t].row0 { block += found[end]; end += 1 }
            if end - t > 1 { block.sort { ($0.i, $0.j) < ($1.i, $1.j) } }
            result += block
            t = end
        }
        return result
    }

    /// For each item its k nearest other items (never itself), nearest first, ties broken by the smaller
    /// index; min(k, count - 1) of them. A zero vector is at distance 1 from everything.
    public func nearest(k: Int) -> [[Neighbour]] { nearest(k: k, progress: nil) }

    /// As `nearest(k:)`, advancing `progress` by one per tile computed.
    public func nearest(k: Int, progress: WorkProgress?) -> [[Neighbour]] {
        let n = count
        let k = min(k, max(n - 1, 0))
        guard k > 0 else { return Array(repeating: [], count: n) }
        let tiles = upperTiles()
        progress?.start(total: tiles.count)
        let used = min(workers, tiles.count)
        // One set of lists per worker: a tile updates the lists of its rows and of its columns, which another
        // worker's tile may share; private lists merged at the end need no locks.
        let lists = (0..<used).map { _ in NearestLists(count: n, k: k) }
        forEachProduct(of: tiles) { t, product, worker in
            lists[worker].scan(tiles[t], product)
            progress?.advance()
        }
        let chunks = Parallel.mapChunks(count: n, workers: used) { range in
            range.map { item in
                if used == 1 { return lists[0].neighbours(of: item) }
                var all = lists.flatMap { $0.neighbours(of: item) }
                all.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
                return Array(all.prefix(k))
            }
        }
        return chunks.flatMap { $0 }
    }

    /// 1 - cos clamped to [0, 2]; rounding can put a unit vector's dot product slightly outside [-1, 1].
    @inline(__always)
    static func distance(similarity s: Float) -> Float { min(2, max(0, 1 - s)) }

    /// Rows row0..<row0+rows against columns column0..<column0+columns of the similarity matrix.
    struct Tile: Sendable {
        var row0: Int, rows: Int, column0: Int, columns: Int

        /// The first column c of the tile whose item lies above the diagonal for row item i (j > i).
        @inline(__always)
        func firstColumn(forRow i: Int) -> Int { min(columns, max(0, i + 1 - column0)) }
    }

    /// Row blocks in order; each one's column blocks start at its own first row, so tiles wholly below the
    /// diagonal are never computed and every pair i < j falls in exactly one tile.
    func upperTiles() -> [Tile] {
        var tiles: [Tile] = []
        for row0 in stride(from: 0, to: count, by: rowBlock) {
            let rows = min(rowBlock, count - row0)
            for column0 in stride(from: row0, to: count, by: columnBlock) {
                let columns = min(columnBlock, count - column0)
                if column0 + columns - 1 > row0 { tiles.append(Tile(row0: row0, rows: rows, column0: column0, columns: columns)) }
            }
        }
        return tiles
    }

    /// Computes each tile's similarities into a per-worker buffer and hands it to `body(tile, product,
    /// worker)` on that worker's thread; tiles are taken in order from a shared counter.
    private func forEachProduct(of tiles: [Tile],
                                _ body: (Int, UnsafePointer<Float>, Int) -> Void) {
        guard !tiles.isEmpty else { return }
        let used = min(workers, tiles.count)
        let capacity = min(rowBlock, count) * min(columnBlock, count)
        let next = ChunkCounter()
        let d = dimension
        NativeBLAS.setThreads(blasThreads)
        units.withUnsafeBufferPointer { unitBuffer in
            let base = unitBuffer.baseAddress!
            withoutActuallyEscaping(body) { body in
                let shared = UncheckedBox((body, base))
                DispatchQueue.concurrentPerform(iterations: used) { worker in
                    let product = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
                    defer { product.deallocate() }
                    let (body, base) = shared.value
                    while let t = next.take(below: tiles.count) {
                        let tile = tiles[t]
                        NativeBLAS.productWithTranspose(m: tile.rows, n: tile.columns, depth: d,
                                                        a: base + tile.row0 * d, b: base + tile.column0 * d,
                                                        c: product)
                        body(t, product, worker)
                    }
                }
            }
        }
    }
}

/// Each item's k nearest candidates so far, as a sorted array per item (insertion is cheap for small k and
/// rare once the lists are full, since most candidates fail the `worst` check). Owned by one worker.
final class NearestLists: @unchecked Sendable {
    let count: Int
    let k: Int
    /// count * k entries; item x's list is at x * k, nearest first, ties by smaller index.
    let distances: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int32>
    let filled: UnsafeMutablePointer<Int32>
    /// Each item's k-th distance once it has k and it is below 2, +infinity otherwise: no candidate whose
    /// unclamped 1 - s exceeds it can enter (at 2 a clamped candidate still could, so no bound is kept there).
    let worst: UnsafeMutablePointer<Float>

    init(count: Int, k: Int) {
        self.count = count
        self.k = k
        distances = .allocate(capacity: count * k)
        indices = .allocate(capacity: count * k)
        filled = .allocate(capacity: count)
        filled.initialize(repeating: 0, count: count)
        worst = .allocate(capacity: count)
        worst.initialize(repeating: .infinity, count: count)
    }

    deinit {
        distances.deallocate()
        indices.deallocate()
        filled.deallocate()
        worst.deallocate()
    }

    /// Feeds every pair i < j of a computed tile to both i's and j's lists.
    func scan(_ tile: CosineIndex.Tile, _ product: UnsafePointer<Float>) {
        for r in 0..<tile.rows {
            let i = tile.row0 + r
            let line = product + r * tile.columns
            let columnWorst = worst + tile.column0
            var rowWorst = worst[i]
            var c = tile.firstColumn(forRow: i)
            while c < tile.columns {
                // Sixteen at a time against the current bounds; bounds only shrink, so a block that enters
                // neither list now never would, and only blocks with a possible entry take the scalar path.
                let end = min(c + 16, tile.columns)
                if end - c == 16 {
                    var hits: UInt32 = 0
                    for q in c..<end {
                        let d = 1 - line[q]  // unclamped: see `worst`
                        hits |= (d <= rowWorst ? 1 : 0) | (d <= columnWorst[q] ? 1 : 0)
                    }
                    if hits == 0 { c = end; continue }
                }
                for c in c..<end {
                    let d = CosineIndex.distance(similarity: line[c])
                    let j = tile.column0 + c
                    if d <= rowWorst {
                        offer(d, Int32(truncatingIfNeeded: j), to: i)
                        rowWorst = worst[i]
                    }
                    if d <= worst[j] { offer(d, Int32(truncatingIfNeeded: i), to: j) }
                }
                c = end
            }
        }
    }

    @inline(__always)
    func offer(_ d: Float, _ candidate: Int32, to item: Int) {
        let base = item * k
        var position = Int(filled[item])
        if position == k {
            let last = base + k - 1
            guard d < distances[last] || (d == distances[last] && candidate < indices[last]) else { return }
            position = k - 1
        } else {
            filled[item] = Int32(position + 1)
        }
        while position > 0 {
            let before = base + position - 1
            guard d < distances[before] || (d == distances[before] && candidate < indices[before]) else { break }
            distances[before + 1] = distances[before]
            indices[before + 1] = indices[before]
            position -= 1
        }
        distances[base + position] = d
        indices[base + position] = candidate
        if Int(filled[item]) == k { worst[item] = distances[base + k - 1] < 2 ? distances[base + k - 1] : .infinity }
    }

    func neighbours(of item: Int) -> [Neighbour] {
        let base = item * k
        return (0..<Int(filled[item])).map { Neighbour(index: Int(indices[base + $0]), distance: distances[base + $0]) }
    }
}
