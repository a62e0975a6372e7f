/// A cascade: a cheap method groups everything first; an expensive method then runs only where it is
/// needed, on one image per cheap group (the copy that group keeps) and on the images left alone, and its
/// matches join whole cheap groups. On a folder full of near-identical copies, the expensive method sees each
/// product once instead of once per copy.
public struct Cascade {
    /// The images the expensive method must describe: each first-stage group's kept copy and every singleton.
    public static func imagesNeedingSecondStage(_ first: GroupingReport) -> [Int] {
        (first.groups.map(\.representative) + first.singletons).sorted()
    }

    /// Final clusters: first-stage groups joined where the second stage links their kept copies (or singletons).
    /// `secondStage` maps an image index to its expensive descriptor; images missing from it (failed to decode)
    /// keep their first-stage group. `distance` is in units of each stage's threshold (1 = at threshold).
    public static func merge(first: GroupingReport, secondStage: [Int: Descriptor], threshold: Float,
                             rule: ClusteringRule = .components)
        -> (clusters: [[Int]], distance: (Int, Int) -> Float)
    {
        let n = first.images.count
        var sets = UnionFind(count: n)
        var stageOneGroup = [Int](repeating: -1, count: n)
        var representativeOf = Array(0..<n)
        for (g, group) in first.groups.enumerated() {
            for m in group.members {
                sets.union(group.representative, m.image)
                stageOneGroup[m.image] = g
                representativeOf[m.image] = group.representative
            }
        }
        let subset = secondStage.keys.sorted()
        let descriptors = subset.map { secondStage[$0]! }
        if subset.count > 1 {
            let clusters = Clusterer(rule: rule, threshold: threshold).clusters(DescriptorSearch.index(descriptors))
            for cluster in clusters where cluster.count > 1 {
                for member in cluster.dropFirst() { sets.union(subset[cluster[0]], subset[member]) }
            }
        }
        let firstThreshold = max(first.threshold, 1e-6), secondThreshold = max(threshold, 1e-6)
        let firstDistance: [SIMD2<Int>: Float] = Dictionary(
            first.groups.flatMap { g in g.members.map { (SIMD2(g.representative, $0.image), $0.distance) } },
            uniquingKeysWith: { a, _ in a })
        let distance: (Int, Int) -> Float = { a, b in
            if stageOneGroup[a] >= 0 && stageOneGroup[a] == stageOneGroup[b] {
                // Within a first-stage group: distances to its kept copy are known.
                let r = representativeOf[a]
                let da = a == r ? 0 : firstDistance[SIMD2(r, a)] ?? 0
                let db = b == r ? 0 : firstDistance[SIMD2(r, b)] ?? 0
                return max(da, db) / firstThreshold
            }
            let ra = representativeOf[a], rb = representativeOf[b]
            guard let x = secondStage[ra], let y = secondStage[rb] else { return .infinity }
            return DescriptorSearch.distance(x, y) / secondThreshold
        }
        return (sets.sets(), distance)
    }
}
