/// What a fusion divides each method's distance by: that method's median pairwise distance over the collection
/// being fused, so that 1.0 means "as far apart as a typical pair of this collection" for every method alike, and
/// a fused cutoff carries from one collection to another without retuning (a fixed unit does not: a hash's bits
/// and a vector's 1 - cos spread differently on white packshots than on shelf photos).
///
/// - Up to `samplePairs` pairs, every pair is measured; above, a fixed number of pairs drawn by a seeded
///   generator from the item count alone (the same pairs for every method, every run, any thread count).
/// - A median at or below `floorFraction` of the method's catalog unit (0, in practice: more than half the pairs
///   are identical under that method, as for aHash on a folder of copies) says nothing about the method's spread:
///   the catalog unit is used instead, so nothing is ever divided by 0.
public enum FusionScales {
    /// Pairs measured at most per method (a collection of 200 items has 19,900 pairs, all measured).
    public static let samplePairs = 20_000
    /// The sampler's seed: fixed, so a collection always gets the same scales.
    public static let seed: UInt64 = 0x6D65_6469_616E_2121
    /// Medians at or below this fraction of the unit count as 0 (a vector method's copies differ by rounding).
    public static let floorFraction: Float = 1e-3

    /// One scale per method: its median pairwise distance, or `units[m]` where that median is (nearly) 0.
    public static func scales(_ sets: [[Descriptor]], units: [Float], samplePairs: Int = samplePairs,
                              workers: Int? = nil) -> [Float] {
        precondition(sets.count == units.count && units.allSatisfy { $0 > 0 }, "one positive unit per method")
        let found = medians(sets, samplePairs: samplePairs, workers: workers)
        return zip(found, units).map { median, unit in
            median.isFinite && median > unit * floorFraction ? median : unit
        }
    }

    /// Each method's median pairwise distance (`DescriptorSearch.distance`) over the same pairs; 0 for fewer
    /// than two items.
    public static func medians(_ sets: [[Descriptor]], samplePairs: Int = samplePairs, workers: Int? = nil) -> [Float] {
        let n = sets.first?.count ?? 0
        let pairs = self.pairs(count: n, limit: samplePairs)
        guard !pairs.isEmpty else { return sets.map { _ in 0 } }
        return sets.map { descriptors in
            let chunks = Parallel.mapChunks(count: pairs.count, workers: workers ?? Parallel.defaultWorkers) { range in
                range.map { DescriptorSearch.distance(descriptors[pairs[$0].x], descriptors[pairs[$0].y]) }
            }
            return median(chunks.flatMap { $0 })
        }
    }

    /// The pairs measured for `count` items: all (i < j) when there are at most `limit`, otherwise `limit` pairs
    /// of distinct items drawn with replacement by SplitMix64 from `seed`.
    static func pairs(count n: Int, limit: Int) -> [SIMD2<Int>] {
        guard n > 1 else { return [] }
        let all = n * (n - 1) / 2
        if all <= limit {
            var pairs: [SIMD2<Int>] = []
            pairs.reserveCapacity(all)
            for i in 0..<n { for j in (i + 1)..<n { pairs.append(SIMD2(i, j)) } }
            return pairs
        }
        var rng = SplitMix64(seed: seed)
        return (0..<limit).map { _ in
            let i = Int(rng.next() % UInt64(n))
            var j = Int(rng.next() % UInt64(n - 1))
            if j >= i { j += 1 }
            return SIMD2(min(i, j), max(i, j))
        }
    }

    /// The middle value (the mean of the two middle values for an even count).
    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let m = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2
    }
}
