import XCTest
@testable import Lookalike

/// `QuerySearch` against the brute-force scan it promises to equal: every item's exact distance, sorted by
/// (distance, index), for one vector method, one hash and a fusion of both, with ties, exact copies and zero
/// vectors among the items.
final class QuerySearchTests: XCTestCase {
    func bruteForce(_ search: QuerySearch, _ query: [Descriptor], k: Int, excluding: Int? = nil) -> [Neighbour] {
        (0..<search.count).filter { $0 != excluding }.map { Neighbour(index: $0, distance: search.distance(query, $0)) }
            .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(k).map { $0 }
    }

    /// Clustered vectors with exact copies (ties) and a zero vector; hashes with many equal distances.
    func collection(count: Int, dimension: Int, seed: UInt64) -> (vectors: [Descriptor], hashes: [Descriptor]) {
        var vectors = CosineIndexTests.plantedVectors(count: count, dimension: dimension, seed: seed)
        vectors[3] = vectors[1]
        vectors[7] = [Float](repeating: 0, count: dimension)
        var rng = SplitMix64(seed: seed ^ 0x55)
        let hashes = (0..<count).map { i -> Descriptor in
            // 16-bit codes: few distinct distances, so ties everywhere.
            let word = i % 5 == 0 ? 0xBEEF : rng.next() & 0xFFFF
            return .bits(PerceptualHash(bits: (0..<16).map { (word >> UInt64($0)) & 1 == 1 }))
        }
        return (vectors.map { .vector($0) }, hashes)
    }

    func testEveryMethodAndAFusionEqualABruteForceScan() {
        let (vectors, hashes) = collection(count: 300, dimension: 96, seed: 11)
        let (queryVectors, queryHashes) = collection(count: 40, dimension: 96, seed: 12)
        // Queries: fresh images, an exact copy of item 1 and the zero vector.
        var queries = zip(queryVectors, queryHashes).map { [$0, $1] }
        queries[0] = [vectors[1], hashes[1]]
        queries[1] = [vectors[7], hashes[7]]
        for (sets, pick) in [([vectors], [0]), ([hashes], [1]), ([vectors, hashes], [0, 1])] {
            for weights in sets.count > 1 ? [nil, [Float(3), 1]] : [nil] {
                let search = QuerySearch(collection: sets, units: sets.map { _ in 1 }, weights: weights, workers: 2)
                let asked = queries.map { q in pick.map { q[$0] } }
                for k in [1, 10, 299, 300, 1000] {
                    let found = search.nearest(to: asked, k: k)
                    for (q, query) in asked.enumerated() {
                        XCTAssertEqual(found[q], bruteForce(search, query, k: k), "methods \(pick), k \(k), query \(q)")
                    }
                }
            }
        }
    }

    func testTheQuerysOwnItemIsLeftOutAndLargeKReturnsEverythingElse() {
        let (vectors, _) = collection(count: 50, dimension: 16, seed: 3)
        let search = QuerySearch(collection: [vectors], units: [1])
        let found = search.nearest(to: [[vectors[5]], [vectors[1]]], k: 100, excluding: [5, nil])
        XCTAssertEqual(found[0].count, 49)
        XCTAssertFalse(found[0].contains { $0.index == 5 })
        XCTAssertEqual(found[0], bruteForce(search, [vectors[5]], k: 100, excluding: 5))
        XCTAssertEqual(found[1].count, 50)
        // Items 1 and 3 are the same vector: both at distance 0, the smaller index first.
        XCTAssertEqual(found[1].prefix(2).map(\.index), [1, 3])
        XCTAssertEqual(found[1][0].distance, 0)
    }

    func testManyQueriesSpanSeveralBlocksInQueryOrder() {
        // More queries than one block holds, on a single worker and on several.
        let (vectors, _) = collection(count: 120, dimension: 8, seed: 5)
        let (queries, _) = collection(count: 150, dimension: 8, seed: 6)
        let one = QuerySearch(collection: [vectors], units: [1], workers: 1).nearest(to: queries.map { [$0] }, k: 4)
        let many = QuerySearch(collection: [vectors], units: [1], workers: 3).nearest(to: queries.map { [$0] }, k: 4)
        XCTAssertEqual(one, many)
        let search = QuerySearch(collection: [vectors], units: [1])
        for (q, query) in queries.enumerated() { XCTAssertEqual(one[q], bruteForce(search, [query], k: 4)) }
    }

    func testSelectFindsTheIthSmallest() {
        var rng = SplitMix64(seed: 9)
        for n in [1, 2, 3, 10, 101] {
            let values = (0..<n).map { _ in Float(rng.next() % 7) }
            for i in 0..<n {
                var copy = values
                XCTAssertEqual(QuerySearch.select(&copy, i), values.sorted()[i])
            }
        }
    }
}
