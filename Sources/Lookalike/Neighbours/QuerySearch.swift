import Foundation

/// Query by example: the k items of a collection nearest to images that need not be in it, under one method
/// or a fusion (`lookalike search`).
///
/// Exact: results are what a brute-force scan gives with `DescriptorSearch.distance` (fused: each method's
/// distance over its scale, weighted, summed in method order, as `FusedIndex.distance`), ordered by
/// (distance, index). Vectors are first scored for all items at once with a blocked `sgemm` of the unit
/// vectors (Float), whose error against the exact distance is bounded (`vectorErrorBound`); every item whose
/// approximate distance is within twice that bound of the k-th smallest is then scored exactly. The k-th exact
/// distance is at most the k-th approximate one plus the bound, so no item of the exact answer is left out.
public struct QuerySearch: Sendable {
    /// `sets[m][i]`: method m's descriptor of collection item i.
    let sets: [[Descriptor]]
    /// What each method's distance is divided by (1 for a single method).
    public let scales: [Float]
    /// Normalised to sum to 1 (a single method: [1]).
    let weights: [Float]
    /// Per vector method: the collection's unit vectors, row-major; nil for bit codes.
    let units: [[Float]?]
    let workers: Int

    public var count: Int { sets.first?.count ?? 0 }

    /// A fusion's scales are each method's median distance over the collection (`FusionScales`, falling back to
    /// `units[m]`), as `group` fuses them, so a query is ranked on the collection's own spread.
    public init(collection sets: [[Descriptor]], units fusionUnits: [Float], weights given: [Float]? = nil,
                workers: Int? = nil) {
        self.init(collection: sets, units: fusionUnits, weights: given, workers: workers, scales: nil)
    }

    private init(collection sets: [[Descriptor]], units fusionUnits: [Float], weights given: [Float]?, workers: Int?,
                 scales givenScales: [Float]?) {
        precondition(!sets.isEmpty && sets.allSatisfy { $0.count == sets[0].count }, "QuerySearch: one set per method, equal counts")
        let workers = max(1, workers ?? Parallel.defaultWorkers)
        self.sets = sets
        self.workers = workers
        if sets.count == 1 {
            scales = [1]
            self.weights = [1]
        } else {
            scales = givenScales ?? FusionScales.scales(sets, units: fusionUnits, workers: workers)
            let w = given ?? Array(repeating: 1, count: sets.count)
            precondition(w.count == sets.count && w.allSatisfy { $0 >= 0 } && w.contains { $0 > 0 })
            let total = w.reduce(0, +)
            // Given scales come with a fused index's weights, already divided by their sum: kept bit for bit.
            self.weights = givenScales != nil ? w : w.map { $0 / total }
        }
        units = sets.map { set in
            guard case .vector(let first)? = set.first else { return nil }
            let d = first.count
            var out = [Float](repeating: 0, count: max(1, set.count * d))
            for (row, descriptor) in set.enumerated() {
                guard case .vector(let v) = descriptor, v.count == d else {
                    preconditionFailure("QuerySearch: one method's vectors differ in dimension")
                }
                CosineIndex.normalise(v, into: &out, at: row * d)
            }
            return out
        }
    }

    /// Scales and weights as given (a `FusedIndex`'s own), for searching a collection by its own items.
    init(collection sets: [[Descriptor]], scales: [Float], normalisedWeights: [Float], workers: Int?) {
        self.init(collection: sets, units: scales, weights: normalisedWeights, workers: workers, scales: scales)
    }

    /// The exact distance of a query (one descriptor per method) to item `i`: the brute-force reference.
    public func distance(_ query: [Descriptor], _ i: Int) -> Float {
        if sets.count == 1 { return DescriptorSearch.distance(query[0], sets[0][i]) }
        var sum: Float = 0
        for m in sets.indices where weights[m] > 0 {
            sum += weights[m] * DescriptorSearch.distance(query[m], sets[m][i]) / scales[m]
        }
        return sum
    }

    /// For each query (one descriptor per method, of the collection's kinds) its min(k, count) nearest items,
    /// nearest first, ties by the smaller index; `excluding[q]`, when set, is an item never returned for query q
    /// (the query's own file in the collection).
    public func nearest(to queries: [[Descriptor]], k: Int, excluding: [Int?]? = nil,
                        progress: WorkProgress? = nil) -> [[Neighbour]] {
        precondition(excluding == nil || excluding!.count == queries.count)
        for query in queries {
            precondition(query.count == sets.count, "QuerySearch: one descriptor per method")
            for (m, d) in query.enumerated() where (units[m] == nil) != (d.metric == .hamming) {
                preconditionFailure("QuerySearch: a query descriptor of the wrong kind for method \(m)")
            }
        }
        let n = count
        guard n > 0, k > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        // Queries in blocks: one sgemm per block and vector method, then each query's row finished alone. A
        // block's rows stay near 16 MB whatever the collection's size.
        let block = max(1, min(64, (1 << 22) / n))
        let blocks = (queries.count + block - 1) / block
        progress?.start(total: queries.count)
        let chunks = Parallel.mapChunks(count: blocks, workers: workers, chunk: 1) { range -> [[Neighbour]] in
            range.flatMap { b -> [[Neighbour]] in
                let lower = b * block, upper = min(queries.count, lower + block)
                let found = self.nearest(block: Array(queries[lower..<upper]), k: k,
                                         excluding: excluding.map { Array($0[lower..<upper]) })
                progress?.advance(by: upper - lower)
                return found
            }
        }
        return chunks.flatMap { $0 }
    }

    private func nearest(block queries: [[Descriptor]], k: Int, excluding: [Int?]?) -> [[Neighbour]] {
        let n = count
        // Approximate fused rows, queries.count x n.
        var rows = [Float](repeating: 0, count: queries.count * n)
        var errorBound: Float = 0
        for m in sets.indices where weights[m] > 0 {
            let factor = weights[m] / scales[m]
            if let collection = units[m], case .vector(let first) = queries[0][m] {
                let d = first.count
                var q = [Float](repeating: 0, count: max(1, queries.count * d))
                for (r, query) in queries.enumerated() {
                    guard case .vector(let v) = query[m], v.count == d else {
                        preconditionFailure("QuerySearch: a query vector of another dimension")
                    }
                    CosineIndex.normalise(v, into: &q, at: r * d)
                }
                var product = [Float](repeating: 0, count: queries.count * n)
                NativeBLAS.setThreads(1)
                q.withUnsafeBufferPointer { a in
                    collection.withUnsafeBufferPointer { b in
                        product.withUnsafeMutableBufferPointer { c in
                            NativeBLAS.productWithTranspose(m: queries.count, n: n, depth: d, a: a.baseAddress!,
                                                            b: b.baseAddress!, c: c.baseAddress!)
                        }
                    }
                }
                for x in rows.indices { rows[x] += factor * CosineIndex.distance(similarity: product[x]) }
                errorBound += factor * Self.vectorErrorBound(dimension: d)
            } else {
                for (r, query) in queries.enumerated() {
                    guard case .bits(let h) = query[m] else { preconditionFailure() }
                    for i in 0..<n {
                        guard case .bits(let other) = sets[m][i] else { preconditionFailure() }
                        rows[r * n + i] += factor * Float(h.distance(to: other))
                    }
                }
            }
        }
        return queries.indices.map { r in
            let row = rows[(r * n)..<((r + 1) * n)]
            let skip = excluding?[r]
            let wanted = min(k, n - (skip == nil ? 0 : 1))
            guard wanted > 0 else { return [] }
            // The k-th smallest approximate distance (ignoring the excluded item), then every item near enough.
            var values = [Float]()
            values.reserveCapacity(n)
            for (i, v) in row.enumerated() where i != skip { values.append(v) }
            let kth = Self.select(&values, wanted - 1)
            // Float rounding of the fused sums themselves, on top of the vectors' bound.
            let limit = kth + 2 * errorBound + 1e-5 * max(1, abs(kth))
            var candidates: [Neighbour] = []
            for (i, v) in row.enumerated() where i != skip && v <= limit {
                candidates.append(Neighbour(index: i, distance: distance(queries[r], i)))
            }
            candidates.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
            return Array(candidates.prefix(wanted))
        }
    }

    /// How far `CosineIndex.distance` of two Float unit vectors (any summation order) can be from
    /// `DescriptorSearch.distance` of the original vectors: each unit component carries a relative error of at
    /// most u = 2^-24 (2u on a product), a dot product of d terms at most d·u over sum |a_i b_i| <= 1, and the
    /// exact distance is rounded to Float once (u relative, at most 2). Clamping to [0, 2] only shrinks gaps.
    static func vectorErrorBound(dimension d: Int) -> Float {
        let u = 1.0 / Double(1 << 24)
        return Float((Double(d) + 6) * u * 1.01)
    }

    /// The i-th smallest value (0-based) of `values`, which are reordered (quickselect, median of three).
    static func select(_ values: inout [Float], _ i: Int) -> Float {
        var lower = 0, upper = values.count - 1
        while lower < upper {
            let mid = (lower + upper) / 2
            let a = values[lower], b = values[mid], c = values[upper]
            let pivot = max(min(a, b), min(max(a, b), c))
            var l = lower, u = upper
            while l <= u {
                while values[l] < pivot { l += 1 }
                while values[u] > pivot { u -= 1 }
                if l <= u { values.swapAt(l, u); l += 1; u -= 1 }
            }
            if i <= u { upper = u } else if i >= l { lower = l } else { return values[i] }
        }
        return values[i]
    }
}
