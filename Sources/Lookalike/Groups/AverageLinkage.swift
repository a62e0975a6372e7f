import HeapModule

/// Agglomerative average linkage over the candidate pairs within the threshold. Only clusters joined by at least
/// one candidate pair are considered for merging, and their distance is the exact mean over all their cross
/// pairs. Cross sums are kept per adjacent cluster pair and added on merge (exact for the mean), so each image
/// pair's distance is computed at most once: O(n^2) distance calls in the worst case, far fewer in practice.
struct AverageLinkage {
    let count: Int
    let pairs: [NeighbourPair]
    let threshold: Float
    let distance: (Int, Int) -> Float

    func run() -> [[Int]] {
        var members: [[Int]?] = (0..<count).map { [$0] }
        var version = [Int](repeating: 0, count: count)
        // sums[a][x]: total distance over all cross pairs of clusters a and x, for adjacent clusters.
        var sums: [[Int: Double]] = Array(repeating: [:], count: count)
        var heap = Heap<Candidate>()
        for p in pairs {
            sums[p.i][p.j] = Double(p.distance)
            sums[p.j][p.i] = Double(p.distance)
            heap.insert(Candidate(distance: p.distance, a: p.i, b: p.j, versionA: 0, versionB: 0))
        }
        while let best = heap.popMin(), best.distance <= threshold {
            guard members[best.a] != nil, members[best.b] != nil,
                  version[best.a] == best.versionA, version[best.b] == best.versionB else { continue }
            let a = best.a, b = best.b  // merge b into a
            let neighbours = Set(sums[a].keys).union(sums[b].keys).subtracting([a, b])
            var merged: [Int: Double] = [:]
            for x in neighbours {
                let sa = sums[a][x] ?? crossSum(members[a]!, members[x]!)
                let sb = sums[b][x] ?? crossSum(members[b]!, members[x]!)
                merged[x] = sa + sb
                sums[x][a] = sa + sb
                sums[x][b] = nil
            }
            members[a]! += members[b]!
            members[b] = nil
            sums[a] = merged
            sums[b] = [:]
            version[a] += 1
            for (x, sum) in merged {
                let mean = Float(sum / Double(members[a]!.count * members[x]!.count))
                if mean <= threshold {
                    let (lo, hi) = (min(a, x), max(a, x))
                    heap.insert(Candidate(distance: mean, a: lo, b: hi, versionA: version[lo], versionB: version[hi]))
                }
            }
        }
        return members.compactMap { $0?.sorted() }.sorted { $0[0] < $1[0] }
    }

    private func crossSum(_ a: [Int], _ b: [Int]) -> Double {
        var sum = 0.0
        for i in a { for j in b { sum += Double(distance(i, j)) } }
        return sum
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
