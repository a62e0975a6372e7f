import XCTest
@testable import Lookalike

/// Fused distances divide each method's distance by its median pairwise distance over the collection.
final class FusionScalesTests: XCTestCase {
    /// Every pair's distance under one method, by brute force.
    func allDistances(_ descriptors: [Descriptor]) -> [Float] {
        var d: [Float] = []
        for i in descriptors.indices { for j in (i + 1)..<descriptors.count { d.append(DescriptorSearch.distance(descriptors[i], descriptors[j])) } }
        return d.sorted()
    }

    func testTheScalesAreEachMethodsMedianPairwiseDistance() throws {
        // 120 items: 7,140 pairs, all measured.
        let codes = HammingIndexTests.plantedCodes(count: 120, seed: 11).map(Descriptor.bits)
        let vectors = CosineIndexTests.plantedVectors(count: 120, dimension: 24, seed: 12).map(Descriptor.vector)
        let expected = [codes, vectors].map { set -> Float in
            let d = allDistances(set)
            return (d[d.count / 2 - 1] + d[d.count / 2]) / 2  // 7,140 pairs: the mean of the two middle ones
        }
        XCTAssertEqual(FusionScales.medians([codes, vectors]), expected)
        XCTAssertEqual(FusionScales.scales([codes, vectors], units: [4, 0.15]), expected)
        // The index every command builds divides by those medians.
        let fused = try XCTUnwrap(DescriptorSearch.index([codes, vectors], units: [4, 0.15]) as? FusedIndex)
        XCTAssertEqual(fused.scales, expected)
        let da = DescriptorSearch.distance(codes[3], codes[70]), db = DescriptorSearch.distance(vectors[3], vectors[70])
        XCTAssertEqual(fused.distance(3, 70), (da / expected[0] + db / expected[1]) / 2, accuracy: 1e-6)
        // An odd count takes the middle value.
        XCTAssertEqual(FusionScales.median([5, 1, 3]), 3)
        XCTAssertEqual(FusionScales.median([]), 0)
    }

    func testAZeroMedianFallsBackToTheUnitInsteadOfDividingByZero() throws {
        // A folder of copies: 9 identical codes and 2 others, so most pairs are at 0 bits.
        let copy = PerceptualHash(bits: (0..<64).map { $0 % 3 == 0 })
        let codes = (Array(repeating: copy, count: 9) + [PerceptualHash(bits: (0..<64).map { $0 % 2 == 0 }),
                                                          PerceptualHash(bits: (0..<64).map { $0 < 20 })]).map(Descriptor.bits)
        // The same for a vector method, whose copies differ only by rounding.
        let base: [Float] = (0..<16).map { Float($0 % 5) + 0.5 }
        let vectors = (0..<11).map { i -> Descriptor in .vector(i < 9 ? base.map { $0 * Float(1 + i) } : base.reversed()) }
        XCTAssertEqual(FusionScales.medians([codes])[0], 0)
        XCTAssertLessThan(FusionScales.medians([vectors])[0], 1e-6)
        XCTAssertEqual(FusionScales.scales([codes, vectors], units: [1, 0.15]), [1, 0.15])
        let fused = try XCTUnwrap(DescriptorSearch.index([codes, vectors], units: [1, 0.15]) as? FusedIndex)
        XCTAssertEqual(fused.scales, [1, 0.15])
        for i in 0..<11 { for j in 0..<11 where i != j { XCTAssertTrue(fused.distance(i, j).isFinite) } }
        XCTAssertEqual(fused.pairs(within: 0.01).count, 36, "the 9 copies: 36 pairs at 0")
        // One item, or none: no pairs, no median; the units stand.
        XCTAssertEqual(FusionScales.scales([[codes[0]], [vectors[0]]], units: [1, 0.15]), [1, 0.15])
    }

    func testSampledScalesAreTheSameOnEveryRunAndThreadCount() {
        // 400 items: 79,800 pairs, so a seeded sample of 20,000 is measured.
        let codes = HammingIndexTests.plantedCodes(count: 400, seed: 21).map(Descriptor.bits)
        let vectors = CosineIndexTests.plantedVectors(count: 400, dimension: 32, seed: 22).map(Descriptor.vector)
        let pairs = FusionScales.pairs(count: 400, limit: FusionScales.samplePairs)
        XCTAssertEqual(pairs.count, FusionScales.samplePairs)
        XCTAssertTrue(pairs.allSatisfy { $0.x < $0.y && $0.y < 400 })
        XCTAssertEqual(pairs, FusionScales.pairs(count: 400, limit: FusionScales.samplePairs))
        let one = FusionScales.scales([codes, vectors], units: [4, 0.15], workers: 1)
        let two = FusionScales.scales([codes, vectors], units: [4, 0.15], workers: 2)
        XCTAssertEqual(one, two)
        // The sample's median is close to the full median.
        for (m, set) in [codes, vectors].enumerated() {
            let d = allDistances(set)
            let full = (d[d.count / 2 - 1] + d[d.count / 2]) / 2
            XCTAssertEqual(one[m], full, accuracy: full * 0.05)
        }
        // Whole indexes built on 1 and 2 workers answer alike.
        let a = DescriptorSearch.index([codes, vectors], units: [4, 0.15], weights: [1, 2], workers: 1)
        let b = DescriptorSearch.index([codes, vectors], units: [4, 0.15], weights: [1, 2], workers: 2)
        XCTAssertEqual(a.pairs(within: 0.6), b.pairs(within: 0.6))
        XCTAssertEqual(a.nearest(k: 7), b.nearest(k: 7))
    }

    func testTheFusedIndexReturnsWhatABruteForceScanOverFusedDistancesReturns() throws {
        let n = 300
        let codes = HammingIndexTests.plantedCodes(count: n, seed: 31).map(Descriptor.bits)
        let vectors = CosineIndexTests.plantedVectors(count: n, dimension: 20, seed: 32).map(Descriptor.vector)
        for weights in [nil, [Float(0.3), 1]] as [[Float]?] {
            let fused = try XCTUnwrap(DescriptorSearch.index([codes, vectors], units: [4, 0.15], weights: weights) as? FusedIndex)
            let w = weights ?? [1, 1]
            func brute(_ i: Int, _ j: Int) -> Float {
                let terms = [DescriptorSearch.distance(codes[i], codes[j]) / fused.scales[0],
                             DescriptorSearch.distance(vectors[i], vectors[j]) / fused.scales[1]]
                return (w[0] * terms[0] + w[1] * terms[1]) / (w[0] + w[1])
            }
            for radius: Float in [0.2, 0.5, 0.8] {
                var expected: [NeighbourPair] = []
                for i in 0..<n { for j in (i + 1)..<n where brute(i, j) <= radius {
                    XCTAssertEqual(fused.distance(i, j), brute(i, j), accuracy: 1e-5)
                    expected.append(NeighbourPair(i: i, j: j, distance: fused.distance(i, j)))
                } }
                XCTAssertFalse(expected.isEmpty)
                XCTAssertEqual(fused.pairs(within: radius), expected, "radius \(radius)")
            }
            // Nearest lists: the longest are kept, and shorter ones are their prefixes.
            for k in [20, 5, 1, 20] {
                let expected = (0..<n).map { i in
                    (0..<n).filter { $0 != i }.map { Neighbour(index: $0, distance: fused.distance(i, $0)) }
                        .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(k).map { $0 }
                }
                XCTAssertEqual(fused.nearest(k: k), expected, "k \(k)")
            }
        }
    }

    func testAFusionsDefaultsAreTheCatalogsFusedOnes() {
        let phash = MethodCatalog.entry(named: "phash")!, dhash = MethodCatalog.entry(named: "dhash")!
        let colour = MethodCatalog.entry(named: "colour")!
        XCTAssertEqual(GroupingPlan(methods: [phash, dhash]).threshold, MethodCatalog.fusedNearDuplicateThreshold)
        XCTAssertEqual(GroupingPlan(methods: [phash, dhash], purpose: .dedupe).rule, .components)
        let plan = GroupingPlan(methods: [colour, phash])
        XCTAssertEqual(plan.rule, .graph)
        XCTAssertEqual(plan.threshold, MethodCatalog.fusedProductGrouping.cutoff)
        XCTAssertEqual(plan.graph.k, MethodCatalog.fusedProductGrouping.k)
        XCTAssertEqual(plan.units, [colour.unit, phash.unit])
    }
}
