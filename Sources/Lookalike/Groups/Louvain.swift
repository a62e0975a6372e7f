/// Louvain community detection (Blondel et al., "Fast unfolding of communities in large networks", 2008)
/// with a resolution parameter (Reichardt & Bornholdt): local moves that raise modularity, then aggregation
/// of communities into nodes, repeated until nothing moves. Single-threaded and seeded, so the same graph and
/// seed give the same communities on any machine and thread count.
struct Louvain {
    /// Undirected weighted graph: each edge listed from both ends; no self loops.
    var adjacency: [[(node: Int, weight: Double)]]
    var resolution: Double
    var seed: UInt64

    /// The community of each node, numbered 0..<communities in order of first appearance.
    func run() -> [Int] {
        let n = adjacency.count
        var membership = Array(0..<n)          // original node -> current aggregated node
        var adj = adjacency
        var degree = adj.map { $0.reduce(0) { $0 + $1.weight } }
        let twoM = degree.reduce(0, +)
        guard twoM > 0 else { return Array(0..<n) }
        var rng = SplitMix64(seed: seed)
        while true {
            let community = localMoves(adj: adj, degree: degree, twoM: twoM, rng: &rng)
            // Renumber communities densely.
            var renumber = [Int](repeating: -1, count: adj.count)
            var next = 0
            for c in community where renumber[c] < 0 { renumber[c] = next; next += 1 }
            if next == adj.count { break }  // no node moved: done
            membership = membership.map { renumber[community[$0]] }
            // Aggregate: one node per community, edge weights summed, internal weight kept in the degree.
            var merged = [[Int: Double]](repeating: [:], count: next)
            var newDegree = [Double](repeating: 0, count: next)
            for u in adj.indices {
                let cu = renumber[community[u]]
                newDegree[cu] += degree[u]
                for (v, w) in adj[u] {
                    let cv = renumber[community[v]]
                    if cu != cv { merged[cu][cv, default: 0] += w }
                }
            }
            adj = merged.map { $0.sorted { $0.key < $1.key }.map { (node: $0.key, weight: $0.value) } }
            degree = newDegree
        }
        // Dense numbering by first appearance in node order.
        var renumber: [Int: Int] = [:]
        return membership.map { c in
            if let r = renumber[c] { return r }
            renumber[c] = renumber.count
            return renumber.count - 1
        }
    }

    /// One level of local moves; returns each node's community (a node index of this level).
    private func localMoves(adj: [[(node: Int, weight: Double)]], degree: [Double], twoM: Double,
                            rng: inout SplitMix64) -> [Int] {
        let n = adj.count
        var community = Array(0..<n)
        var total = degree                      // sum of degrees per community
        var weightTo = [Double](repeating: 0, count: n)
        var touched: [Int] = []
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        var moved = true
        var passes = 0
        while moved && passes < 100 {
            moved = false
            passes += 1
            for u in order {
                let cu = community[u], ku = degree[u]
                for c in touched { weightTo[c] = 0 }
                touched.removeAll(keepingCapacity: true)
                for (v, w) in adj[u] {
                    let c = community[v]
                    if weightTo[c] == 0 { touched.append(c) }
                    weightTo[c] += w
                }
                total[cu] -= ku
                var best = cu
                var bestGain = weightTo[cu] - resolution * total[cu] * ku / twoM
                for c in touched where c != cu {
                    let gain = weightTo[c] - resolution * total[c] * ku / twoM
                    if gain > bestGain + 1e-12 || (abs(gain - bestGain) <= 1e-12 && c < best && best != cu) {
                        best = c
                        bestGain = gain
                    }
                }
                total[best] += ku
                if best != cu {
                    community[u] = best
                    moved = true
                }
            }
        }
        return community
    }
}
