import XCTest
@testable import Lookalike

final class CosineIndexTests: XCTestCase {
    /// Uniform random vectors plus planted clusters: copies of a base vector with a little noise and a random
    /// scale (cosine ignores length), so small radii find pairs and nearest lists are dominated by clusters.
    static func plantedVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        func uniform() -> Float { Float(Double(rng.next() >> 11) / Double(1 << 53)) * 2 - 1 }
        var vectors: [[Float]] = []
        while vectors.count < count {
            let base = (0..<dimension).map { _ in uniform() }
            vectors.append(base)
            for _ in 0..<Int(rng.next() % 4) where vectors.count < count {
                let noise = Float(5 + rng.next() % 100) / 1000  // never 0: a bare rescaled copy would tie exactly
                let scale = 0.5 + Float(rng.next() % 100) / 50
                vectors.append(base.map { ($0 + noise * uniform()) * scale })
            }
        }
        return vectors
    }

    /// The naive reference, in Double: 1 - cos clamped to [0, 2], 1 against a zero vector.
    static func referenceDistances(_ vectors: [[Float]]) -> [[Double]] {
        let norms = vectors.map { v in v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        return vectors.indices.map { i in
            vectors.indices.map { j in
                guard norms[i] > 0, norms[j] > 0 else { return 1 }
                var dot = 0.0
                for k in vectors[i].indices { dot += Double(vectors[i][k]) * Double(vectors[j][k]) }
                return min(2, max(0, 1 - dot / (norms[i] * norms[j])))
            }
        }
    }

    /// Index configurations that cut 700 items into ragged tiles, serially and on two workers.
    static func indexes(_ vectors: [[Float]]) -> [(String, CosineIndex)] {
        [("default", CosineIndex(vectors: vectors)),
         ("64x96 tiles, 2 workers", CosineIndex(vectors: vectors, rowBlock: 64, columnBlock: 96, workers: 2, blasThreads: 1)),
         ("100x37 tiles, 1 worker, 2 BLAS threads",
          CosineIndex(vectors: vectors, rowBlock: 100, columnBlock: 37, workers: 1, blasThreads: 2))]
    }

    func testPairsMatchTheNaiveReference() {
        let vectors = Self.plantedVectors(count: 700, dimension: 37, seed: 11)
        let reference = Self.referenceDistances(vectors)
        for (name, index) in Self.indexes(vectors) {
            XCTAssertEqual(index.count, 700)
            for radius: Float in [0, 0.002, 0.01, 0.05, 0.6] {
                let pairs = index.pairs(within: radius)
                XCTAssertEqual(pairs, pairs.sorted { ($0.i, $0.j) < ($1.i, $1.j) }, "\(name) r \(radius): sorted")
                var found = Set<[Int]>()
                for p in pairs {
                    found.insert([p.i, p.j])
                    let expected = reference[p.i][p.j]
                    XCTAssertEqual(Double(p.distance), expected, accuracy: 1e-5, "\(name) r \(radius): (\(p.i), \(p.j))")
                    if expected > Double(radius) + 1e-5 { XCTFail("\(name) r \(radius): extra pair (\(p.i), \(p.j)) at \(expected)") }
                }
                var expectedCount = 0
                for i in 0..<700 {
                    for j in (i + 1)..<700 where reference[i][j] <= Double(radius) {
                        expectedCount += 1
                        if !found.contains([i, j]) && reference[i][j] < Double(radius) - 1e-5 {
                            XCTFail("\(name) r \(radius): missing pair (\(i), \(j)) at \(reference[i][j])")
                        }
                    }
                }
                if radius >= 0.002 { XCTAssertGreaterThan(expectedCount, 0, "planted clusters give pairs at \(radius)") }
            }
        }
    }

    func testNearestMatchesTheNaiveReference() {
        let vectors = Self.plantedVectors(count: 700, dimension: 37, seed: 12)
        let reference = Self.referenceDistances(vectors)
        let expected = (0..<700).map { i in
            (0..<700).filter { $0 != i }.sorted { (reference[i][$0], $0) < (reference[i][$1], $1) }
        }
        for (name, index) in Self.indexes(vectors) {
            for k in [1, 5] {
                let nearest = index.nearest(k: k)
                XCTAssertEqual(nearest.count, 700)
                var nearTies = 0
                for i in 0..<700 {
                    let got = nearest[i].map(\.index), want = Array(expected[i].prefix(k))
                    if got != want {
                        // Float products cannot order two candidates whose true distances differ by less than
                        // their rounding; those may swap, nothing else may differ.
                        nearTies += 1
                        XCTAssertEqual(got.count, k)
                        XCTAssertEqual(Set(got).count, got.count, "\(name) k \(k) item \(i): repeated neighbour")
                        XCTAssertFalse(got.contains(i), "\(name) k \(k) item \(i): itself")
                        for (g, w) in zip(got, want) {
                            XCTAssertEqual(reference[i][g], reference[i][w], accuracy: 1e-6, "\(name) k \(k) item \(i): \(got) vs \(want)")
                        }
                    }
                    for n in nearest[i] {
                        XCTAssertEqual(Double(n.distance), reference[i][n.index], accuracy: 1e-5, "\(name) k \(k) item \(i)")
                    }
                }
                XCTAssertLessThanOrEqual(nearTies, 4, "\(name) k \(k): near ties are rare in random data")
            }
        }
    }

    func testZeroVectorIsAtDistanceOneFromEverything() {
        var vectors = Self.plantedVectors(count: 40, dimension: 9, seed: 3)
        vectors[7] = Array(repeating: 0, count: 9)
        vectors[20] = Array(repeating: 0, count: 9)
        let index = CosineIndex(vectors: vectors, rowBlock: 8, columnBlock: 16, workers: 2, blasThreads: 1)
        let nearest = index.nearest(k: 39)
        // All distances tie at 1, so the order is by index.
        XCTAssertEqual(nearest[7].map(\.index), (0..<40).filter { $0 != 7 })
        XCTAssertTrue(nearest[7].allSatisfy { $0.distance == 1 })
        XCTAssertTrue(nearest[3].contains(Neighbour(index: 7, distance: 1)))
        XCTAssertTrue(nearest[20].contains(Neighbour(index: 7, distance: 1)))
        let pairs = index.pairs(within: 2)
        XCTAssertEqual(pairs.count, 40 * 39 / 2)
        XCTAssertTrue(pairs.filter { $0.i == 7 || $0.j == 7 }.allSatisfy { $0.distance == 1 })
        XCTAssertFalse(index.pairs(within: 0.999).contains { $0.i == 7 || $0.j == 7 || $0.i == 20 || $0.j == 20 })
    }

    func testNearestWithKBeyondTheOthersReturnsAllOthersSorted() {
        let vectors = Self.plantedVectors(count: 30, dimension: 5, seed: 4)
        let reference = Self.referenceDistances(vectors)
        let nearest = CosineIndex(vectors: vectors, rowBlock: 7, columnBlock: 11, workers: 2, blasThreads: 1).nearest(k: 100)
        for i in 0..<30 {
            XCTAssertEqual(nearest[i].count, 29)
            XCTAssertEqual(Set(nearest[i].map(\.index)), Set((0..<30).filter { $0 != i }))
            XCTAssertEqual(nearest[i].map(\.distance), nearest[i].map(\.distance).sorted())
            for n in nearest[i] { XCTAssertEqual(Double(n.distance), reference[i][n.index], accuracy: 1e-5) }
        }
        XCTAssertEqual(CosineIndex(vectors: vectors).nearest(k: 0), Array(repeating: [], count: 30))
    }

    func testTinyIndexes() {
        let one = CosineIndex(vectors: [[1, 2, 3]])
        XCTAssertEqual(one.count, 1)
        XCTAssertEqual(one.pairs(within: 2), [])
        XCTAssertEqual(one.nearest(k: 3), [[]])
        let none = CosineIndex(vectors: [])
        XCTAssertEqual(none.count, 0)
        XCTAssertEqual(none.pairs(within: 2), [])
        XCTAssertEqual(none.nearest(k: 3), [])
        let two = CosineIndex(vectors: [[1, 0], [-2, 0]])
        XCTAssertEqual(two.pairs(within: 2), [NeighbourPair(i: 0, j: 1, distance: 2)])
        XCTAssertEqual(two.pairs(within: 1.9), [])
        XCTAssertEqual(two.nearest(k: 1), [[Neighbour(index: 1, distance: 2)], [Neighbour(index: 0, distance: 2)]])
        let empty = CosineIndex(vectors: [[], []])
        XCTAssertEqual(empty.nearest(k: 1), [[Neighbour(index: 1, distance: 1)], [Neighbour(index: 0, distance: 1)]])
    }
}
