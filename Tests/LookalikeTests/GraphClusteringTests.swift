import XCTest
@testable import Lookalike

/// A neighbour index over an explicit distance matrix (test double).
struct MatrixIndex: NeighbourIndex {
    let d: [[Float]]
    var count: Int { d.count }
    var metric: DistanceMetric { .cosine }
    func distance(_ i: Int, _ j: Int) -> Float { d[i][j] }
    func pairs(within radius: Float) -> [NeighbourPair] {
        (0..<count).flatMap { i in ((i + 1)..<count).filter { d[i][$0] <= radius }.map { NeighbourPair(i: i, j: $0, distance: d[i][$0]) } }
    }
    func nearest(k: Int) -> [[Neighbour]] {
        (0..<count).map { i in
            (0..<count).filter { $0 != i }.map { Neighbour(index: $0, distance: d[i][$0]) }
                .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(k).map { $0 }
        }
    }
}

final class GraphClusteringTests: XCTestCase {
    /// Four planted communities of 6 (distances 0.1-0.3 inside), a few weak bridges (0.8) between them,
    /// everything else far (2.0), and one isolated image.
    func planted() -> (MatrixIndex, [[Int]]) {
        var rng = SplitMix64(seed: 11)
        let size = 6, groups = 4, n = size * groups + 1
        var d = [[Float]](repeating: [Float](repeating: 2, count: n), count: n)
        for i in 0..<n { d[i][i] = 0 }
        for g in 0..<groups {
            for a in 0..<size { for b in 0..<size where a < b {
                let v = 0.1 + Float(rng.next() % 200) / 1000
                d[g * size + a][g * size + b] = v
                d[g * size + b][g * size + a] = v
            } }
        }
        for (a, b) in [(0, 6), (7, 13), (14, 20), (5, 23)] { d[a][b] = 0.8; d[b][a] = 0.8 }
        let truth = (0..<groups).map { g in Array((g * size)..<(g * size + size)) } + [[n - 1]]
        return (MatrixIndex(d: d), truth)
    }

    func testPlantedCommunitiesJoinedByWeakEdgesAreRecovered() {
        let (index, truth) = planted()
        XCTAssertEqual(Clusterer(rule: .components, threshold: 1).clusters(index).count, 2,
                       "components chain everything through the bridges (plus the isolated image)")
        let graph = GraphClustering(k: 6, resolution: 1, cutoff: 1, seed: 7).clusters(index)
        XCTAssertEqual(graph, truth)
    }

    func testSameSeedSameGroupsWhateverTheThreadCount() {
        let codes = HammingIndexTests.plantedCodes(count: 3000, seed: 5)
        let one = GraphClustering(k: 8, resolution: 1, cutoff: 10, seed: 3).clusters(HammingIndex(hashes: codes, workers: 1))
        let two = GraphClustering(k: 8, resolution: 1, cutoff: 10, seed: 3).clusters(HammingIndex(hashes: codes, workers: 2))
        XCTAssertEqual(one, two)
        XCTAssertGreaterThan(one.filter { $0.count > 1 }.count, 100)
    }

    func testIsolatedImageStaysAlone() {
        let (index, _) = planted()
        let clusters = GraphClustering(k: 10, resolution: 0.5, cutoff: 1, seed: 1).clusters(index)
        XCTAssertTrue(clusters.contains([24]))
    }

    func testLouvainOnTwoTrianglesWithABridge() {
        // Triangles {0,1,2} and {3,4,5}, bridge 2-3.
        var adj = [[(node: Int, weight: Double)]](repeating: [], count: 6)
        for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)] {
            adj[a].append((b, 1)); adj[b].append((a, 1))
        }
        let c = Louvain(adjacency: adj, resolution: 1, seed: 1).run()
        XCTAssertEqual(Set(c[0...2]).count, 1)
        XCTAssertEqual(Set(c[3...5]).count, 1)
        XCTAssertNotEqual(c[0], c[3])
    }
}

extension GraphClusteringTests {
    func testRerankedPairsMatchTheirOwnDistanceAndNeighbourhoodsAgree() {
        let (index, truth) = planted()
        let reranked = RerankedIndex(index, k1: 6, k2: 3)
        for radius: Float in [0.3, 0.6, 0.9] {
            var expected: [NeighbourPair] = []
            for i in 0..<index.count { for j in (i + 1)..<index.count where reranked.distance(i, j) <= radius {
                expected.append(NeighbourPair(i: i, j: j, distance: reranked.distance(i, j)))
            } }
            XCTAssertEqual(reranked.pairs(within: radius), expected, "radius \(radius)")
        }
        // Within a planted community neighbourhoods overlap; across, they barely do.
        XCTAssertLessThan(reranked.distance(0, 1), reranked.distance(0, 6))
        XCTAssertEqual(reranked.distance(3, 3), 0)
        XCTAssertEqual(reranked.nearest(k: 3).count, index.count)
        let clusters = Clusterer(rule: .components, threshold: 0.7).clusters(reranked)
        XCTAssertEqual(clusters, truth)
    }

    /// Sums once ran in a dictionary's order, which differs between instances: the same input gave distances a
    /// bit apart, and `group --rerank` gave other groups from run to run.
    func testRerankingTheSameInputTwiceGivesBitIdenticalDistances() {
        var rng = SplitMix64(seed: 9)
        let vectors = (0..<120).map { _ in (0..<16).map { _ in Float(rng.next() % 1000) / 1000 } }
        let base = CosineIndex(vectors: vectors)
        let first = RerankedIndex(base), second = RerankedIndex(base)
        for i in 0..<vectors.count {
            for j in 0..<vectors.count where first.distance(i, j).bitPattern != second.distance(i, j).bitPattern {
                return XCTFail("distance(\(i), \(j)): \(first.distance(i, j)) then \(second.distance(i, j))")
            }
        }
        XCTAssertEqual(first.nearest(k: 5), second.nearest(k: 5))
        XCTAssertEqual(first.pairs(within: 0.9), second.pairs(within: 0.9))
    }
}
