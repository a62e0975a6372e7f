import XCTest
@testable import Lookalike

final class HammingIndexTests: XCTestCase {
    /// Random 64-bit codes plus planted clusters: copies of a seed with a few bits flipped.
    static func plantedCodes(count: Int, bits: Int = 64, seed: UInt64) -> [PerceptualHash] {
        var rng = SplitMix64(seed: seed)
        var hashes: [PerceptualHash] = []
        while hashes.count < count {
            let base = (0..<bits).map { _ in rng.next() & 1 == 1 }
            hashes.append(PerceptualHash(bits: base))
            for _ in 0..<Int(rng.next() % 4) where hashes.count < count {
                var copy = base
                for _ in 0..<Int(rng.next() % 12) { copy[Int(rng.next() % UInt64(bits))].toggle() }
                hashes.append(PerceptualHash(bits: copy))
            }
        }
        return hashes
    }

    func naivePairs(_ hashes: [PerceptualHash], radius: Int) -> [NeighbourPair] {
        var out: [NeighbourPair] = []
        for i in 0..<hashes.count {
            for j in (i + 1)..<hashes.count {
                let d = hashes[i].distance(to: hashes[j])
                if d <= radius { out.append(NeighbourPair(i: i, j: j, distance: Float(d))) }
            }
        }
        return out
    }

    func testMultiIndexHashingReturnsExactlyTheBruteForcePairs() {
        let hashes = Self.plantedCodes(count: 5000, seed: 1)
        let index = HammingIndex(hashes: hashes, workers: 2)
        for r in [0, 1, 3, 6, 10, 13] {
            let brute = index.bruteForcePairs(within: r)
            let mih = index.multiIndexPairs(within: r)
            XCTAssertEqual(mih, brute, "radius \(r)")
            XCTAssertFalse(brute.isEmpty, "planted clusters give pairs at radius \(r)")
        }
        XCTAssertEqual(index.pairs(within: 10), index.bruteForcePairs(within: 10))
    }

    func testBruteForceMatchesNaiveForLongAndShortCodes() {
        for bits in [25, 64, 256] {
            let hashes = Self.plantedCodes(count: 300, bits: bits, seed: UInt64(bits))
            let index = HammingIndex(hashes: hashes, workers: 2)
            XCTAssertEqual(index.pairs(within: Float(bits / 8)), naivePairs(hashes, radius: bits / 8), "\(bits) bits")
        }
    }

    func testNearestIsSortedWithTiesBrokenByIndex() {
        let hashes = Self.plantedCodes(count: 400, seed: 9)
        let index = HammingIndex(hashes: hashes, workers: 2)
        let nearest = index.nearest(k: 5)
        for i in 0..<hashes.count {
            let expected = (0..<hashes.count).filter { $0 != i }
                .map { Neighbour(index: $0, distance: Float(hashes[i].distance(to: hashes[$0]))) }
                .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }
                .prefix(5)
            XCTAssertEqual(nearest[i], Array(expected), "item \(i)")
        }
        XCTAssertEqual(HammingIndex(hashes: Array(hashes.prefix(3))).nearest(k: 10).map(\.count), [2, 2, 2])
        XCTAssertEqual(HammingIndex(hashes: []).pairs(within: 5), [])
    }

    /// Codes longer than 255 bits can be more than 255 bits apart (a 16x16 dHash of a gradient and of its
    /// mirror differ in all 256): nearest lists must hold those distances, not trap on them.
    func testNearestOfLongCodesFarApartKeepsTheirFullDistances() {
        let ones = PerceptualHash(bits: Array(repeating: true, count: 256))
        let zeros = PerceptualHash(bits: Array(repeating: false, count: 256))
        let half = PerceptualHash(bits: (0..<256).map { $0 < 200 })
        let nearest = HammingIndex(hashes: [ones, zeros, half], workers: 1).nearest(k: 2)
        XCTAssertEqual(nearest[0], [Neighbour(index: 2, distance: 56), Neighbour(index: 1, distance: 256)])
        XCTAssertEqual(nearest[1], [Neighbour(index: 2, distance: 200), Neighbour(index: 0, distance: 256)])
        let long = Self.plantedCodes(count: 200, bits: 1024, seed: 4)
        let lists = HammingIndex(hashes: long, workers: 2).nearest(k: 3)
        for i in long.indices {
            let expected = long.indices.filter { $0 != i }
                .map { Neighbour(index: $0, distance: Float(long[i].distance(to: long[$0]))) }
                .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(3)
            XCTAssertEqual(lists[i], Array(expected))
        }
    }

    func testFlipPatternsAreAllLightPatternsOnce() {
        let p = HammingIndex.patterns(bits: 16, maxWeight: 2)
        XCTAssertEqual(p.count, 1 + 16 + 120)
        XCTAssertEqual(Set(p).count, p.count)
        XCTAssertTrue(p.allSatisfy { $0.nonzeroBitCount <= 2 && $0 < 1 << 16 })
    }
}
