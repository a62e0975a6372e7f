import HeapModule

/// Agglomerative average linkage over the candidate pairs within the threshold. Only clusters joined by at least
/// one candidate pair are considered for merging; their distance is the exact mean over all cross pairs, computed
/// with `distance`, so pairs beyond the threshold count with their true values.
struct AverageLinkage {
    let count: Int
    let pairs: [NeighbourPair]
    let threshold: Float
    let distance: (Int, Int) -> Float

    func run() -> [[Int]] {
        var members: [[Int]?] = (0..<count).map { [$0] }
        var version = [Int](repeating: 0, count: count)
        var adjacent: [Set<Int>] = Array(repeating: [], count: count)
        var heap = Heap<Candidate>()
        for p in pairs {
            adjacent[p.i].insert(p.j)
            adjacent[p.j].insert(p.i)
            heap.insert(Candidate(distance: p.distance, a: p.i, b: p.j, versionA: 0, versionB: 0))
        }
        while let best = heap.popMin(), best.distance <= threshold {
            guard members[best.a] != nil, members[best.b] != nil,
                  version[best.a] == best.versionA, version[best.b] == best.versionB else { continue }
            // Merge b into a.
            let a = best.a, b = best.b
            members[a]! += members[b]!
            members[b] = nil
            version[a] += 1
            let neighbours = adjacent[a].union(adjacent[b]).subtracting([a, b])
            for x in adjacent[b] { adjacent[x].remove(b) }
            adjacent[b] = []
            adjacent[a] = neighbours
            for x in neighbours {
                adjacent[x].insert(a)
                let d = meanDistance(members[a]!, members[x]!)
                if d <= threshold {
                    heap.insert(Candidate(distance: d, a: min(a, x), b: max(a, x),
                                          versionA: version[min(a, x)], versionB: version[max(a, x)]))
                }
            }
        }
        return members.compactMap { $0?.sorted() }.sorted { $0[0] < $1[0] }
    }

    private func meanDistance(_ a: [Int], _ b: [Int]) -> Float {
        var sum = 0.0
        for i in a { for j in b { sum += Double(distance(i, j)) } }
        return Float(sum / Double(a.count * b.count))
    }

    struct Candidate: Comparable {
        var distance: Float
        var a: Int
        var b: Int
        var versionA: Int
        var versionB: Int
        static func < (l: Candidate, r: Candidate) -> Bool {
            (l.distance, l.a, l.b) < (r.distance, r.a, r.b)
        }
    }
}
