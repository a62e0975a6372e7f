import Foundation

/// k-reciprocal re-ranking (Zhong, Zheng, Cao and Li, "Re-ranking person re-identification with k-reciprocal
/// encoding", CVPR 2017) over any exact index. Two images are close when their neighbourhoods agree, not only
/// when their descriptors do:
/// 1. each image's k-reciprocal neighbours (each within the other's k1 nearest), grown by the half-size
///    reciprocal sets of its members that mostly overlap it;
/// 2. a sparse vector over those neighbours (only those within 3 x the median neighbour distance), weights
///    exp(-d / median neighbour distance), normalised to sum 1,
///    then averaged over the image's k2 nearest (local query expansion);
/// 3. distance = Jaccard distance of the two vectors, 1 - sum(min) / sum(max), in [0, 1].
/// Pairs that share no neighbour are at distance 1. Exact for these definitions: nothing is approximated after
/// the k1-nearest lists, which come from the exact index. Every sum runs in index order (vectors are kept as
/// sorted lists, never summed in a dictionary's order), so the same input gives bit-identical distances in
/// every run.
public struct RerankedIndex: NeighbourIndex {
    public let count: Int
    /// Each image's vector: (image, weight) sorted by image.
    let vectors: [[(image: Int, weight: Float)]]
    let postings: [[(image: Int, weight: Float)]]

    public init(_ base: any NeighbourIndex, k1: Int = 20, k2: Int = 6) {
        let n = base.count
        count = n
        let lists = base.nearest(k: k1)
        let all = lists.flatMap { $0.map(\.distance) }.sorted()
        let scale = all.isEmpty ? 1 : max(all[all.count / 2], 1e-6)
        // Neighbours beyond three times the median neighbour distance are not neighbours: without this an image
        // unlike any other would still borrow a neighbourhood from whatever happened to be nearest.
        let nearest = lists.map { $0.filter { $0.distance <= 3 * scale } }
        func reciprocal(_ p: Int, _ k: Int) -> [Int] {
            nearest[p].prefix(k).map(\.index).filter { g in nearest[g].prefix(k).contains { $0.index == p } }
        }
        func sorted(_ v: [Int: Float]) -> [(image: Int, weight: Float)] { v.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        var vectors = [[(image: Int, weight: Float)]](repeating: [], count: n)
        for p in 0..<n {
            var expanded = Set(reciprocal(p, k1) + [p])
            for q in reciprocal(p, k1) {
                let half = Set(reciprocal(q, max(1, k1 / 2)) + [q])
                if Double(half.intersection(expanded).count) >= 2.0 / 3.0 * Double(half.count) { expanded.formUnion(half) }
            }
            var weights: [Int: Float] = [:]
            for g in expanded {
                let d: Float = g == p ? 0 : (nearest[p].first { $0.index == g }?.distance
                    ?? nearest[g].first { $0.index == p }?.distance ?? scale * 4)
                weights[g] = exp(-d / scale)
            }
            let ordered = sorted(weights)
            let total = ordered.reduce(0) { $0 + $1.weight }
            vectors[p] = ordered.map { ($0.image, $0.weight / total) }
        }
        // Local query expansion over the k2 nearest (and the image itself).
        var expandedVectors = vectors
        if k2 > 1 {
            for p in 0..<n {
                let members = [p] + nearest[p].prefix(k2 - 1).map(\.index)
                var sum: [Int: Float] = [:]
                for q in members { for (g, w) in vectors[q] { sum[g, default: 0] += w } }
                expandedVectors[p] = sorted(sum).map { ($0.image, $0.weight / Float(members.count)) }
            }
        }
        self.vectors = expandedVectors
        var postings = [[(image: Int, weight: Float)]](repeating: [], count: n)
        for (p, v) in expandedVectors.enumerated() { for (g, w) in v { postings[g].append((p, w)) } }
        self.postings = postings
    }

    /// Sum of min(V_p, V_q) for every q sharing support with p.
    func overlaps(_ p: Int) -> [Int: Float] {
        var m: [Int: Float] = [:]
        for (g, w) in vectors[p] { for (q, wq) in postings[g] where q != p { m[q, default: 0] += min(w, wq) } }
        return m
    }

    static func jaccard(_ overlap: Float) -> Float {
        // Both vectors sum to 1, so sum(max) = 2 - sum(min).
        max(0, min(1, 1 - overlap / (2 - overlap)))
    }

    public var metric: DistanceMetric { .jaccard }

    public func distance(_ p: Int, _ q: Int) -> Float {
        if p == q { return 0 }
        var overlap: Float = 0
        let a = vectors[p], b = vectors[q]
        var i = 0, j = 0
        while i < a.count && j < b.count {  // both sorted by image
            if a[i].image == b[j].image { overlap += min(a[i].weight, b[j].weight); i += 1; j += 1 }
            else if a[i].image < b[j].image { i += 1 } else { j += 1 }
        }
        return Self.jaccard(overlap)
    }

    public func pairs(within radius: Float) -> [NeighbourPair] {
        var out: [NeighbourPair] = []
        for p in 0..<count {
            for (q, overlap) in overlaps(p) where q > p {
                let d = Self.jaccard(overlap)
                if d <= radius { out.append(NeighbourPair(i: p, j: q, distance: d)) }
            }
        }
        if radius >= 1 {  // pairs with nothing in common sit at exactly 1
            var seen = Set(out.map { SIMD2($0.i, $0.j) })
            for p in 0..<count { for q in (p + 1)..<count where !seen.contains(SIMD2(p, q)) {
                out.append(NeighbourPair(i: p, j: q, distance: 1)); seen.insert(SIMD2(p, q))
            } }
        }
        return out.sorted { ($0.i, $0.j) < ($1.i, $1.j) }
    }

    public func nearest(k: Int) -> [[Neighbour]] {
        (0..<count).map { p in
            var list = overlaps(p).map { Neighbour(index: $0.key, distance: Self.jaccard($0.value)) }
            list.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
            if list.count < min(k, count - 1) {
                let have = Set(list.map(\.index))
                for q in 0..<count where q != p && !have.contains(q) && list.count < k { list.append(Neighbour(index: q, distance: 1)) }
            }
            return Array(list.prefix(k))
        }
    }
}
