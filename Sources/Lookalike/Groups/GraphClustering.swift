/// Communities of a k-nearest-neighbour graph: each image linked to its k nearest neighbours within the
/// distance cutoff, edges weighted by similarity exp(-d / median edge distance) (dividing by the collection's
/// own median lets one setting carry across sets with different distance scales), communities by Louvain at
/// the given resolution, and each community split into its connected parts (so no community holds images the
/// graph does not connect, as Leiden guarantees). An image with no neighbour within the cutoff stays alone.
public struct GraphClustering: Sendable {
    public var k: Int
    public var resolution: Double
    public var cutoff: Float
    public var seed: UInt64

    public init(k: Int = 10, resolution: Double = 1.0, cutoff: Float, seed: UInt64 = 1) {
        self.k = k
        self.resolution = resolution
        self.cutoff = cutoff
        self.seed = seed
    }

    public func clusters(_ index: any NeighbourIndex) -> [[Int]] {
        let n = index.count
        var edges: [SIMD2<Int>: Float] = [:]
        for (i, neighbours) in index.nearest(k: k).enumerated() {
            for nb in neighbours where nb.distance <= cutoff {
                edges[SIMD2(min(i, nb.index), max(i, nb.index))] = nb.distance
            }
        }
        let distances = edges.values.sorted()
        let median = distances.isEmpty ? 1 : max(distances[distances.count / 2], 1e-6)
        var adjacency = [[(node: Int, weight: Double)]](repeating: [], count: n)
        for (e, d) in edges.sorted(by: { ($0.key.x, $0.key.y) < ($1.key.x, $1.key.y) }) {
            let w = Double(exp(-d / median))
            adjacency[e.x].append((e.y, w))
            adjacency[e.y].append((e.x, w))
        }
        let community = Louvain(adjacency: adjacency, resolution: resolution, seed: seed).run()
        // Split communities into connected parts over the graph's edges.
        var sets = UnionFind(count: n)
        for (e, _) in edges where community[e.x] == community[e.y] { sets.union(e.x, e.y) }
        return sets.sets()
    }
}

#if canImport(Glibc)
import Glibc
#endif
