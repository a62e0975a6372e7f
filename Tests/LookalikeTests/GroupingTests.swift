import XCTest
@testable import Lookalike

final class GroupingTests: XCTestCase {
    /// A code with the given bits set (of 64).
    func code(_ bits: [Int]) -> Descriptor {
        var b = [Bool](repeating: false, count: 64)
        for i in bits { b[i] = true }
        return .bits(PerceptualHash(bits: b))
    }

    func clusters(_ descriptors: [Descriptor], _ rule: ClusteringRule, _ threshold: Float) -> [[Int]] {
        Clusterer(rule: rule, threshold: threshold).clusters(DescriptorSearch.index(descriptors))
    }

    /// A, B, C, D in a line, 4 bits apart each: A and D are 12 bits apart.
    var chain: [Descriptor] { [code([]), code([0, 1, 2, 3]), code(Array(0..<8)), code(Array(0..<12))] }

    func testComponentsChainThroughIntermediates() {
        XCTAssertEqual(clusters(chain, .components, 5), [[0, 1, 2, 3]])
    }

    func testAverageLinkageDoesNotChain() {
        // {A,B} to C averages (8 + 4) / 2 = 6 > 5: the chain splits into two pairs.
        XCTAssertEqual(clusters(chain, .linkage, 5), [[0, 1], [2, 3]])
        // {A,B} to {C,D}: (8 + 12 + 4 + 8) / 4 = 8, so 7 keeps two groups and 8 merges them.
        XCTAssertEqual(clusters(chain, .linkage, 7), [[0, 1], [2, 3]])
        XCTAssertEqual(clusters(chain, .linkage, 8), [[0, 1, 2, 3]])
    }

    func testPlantedGroupsAreRecoveredByEveryRule() {
        // Three products, three near copies each (<= 2 bits apart), products >= 20 bits apart.
        var descriptors: [Descriptor] = []
        var truth: [[Int]] = []
        for p in 0..<3 {
            let base = Array((p * 20)..<(p * 20 + 20))
            truth.append(Array(descriptors.count..<(descriptors.count + 3)))
            descriptors += [code(base), code(base + [60]), code(Array(base.dropFirst()) + [61])]
        }
        for rule in ClusteringRule.allCases {
            XCTAssertEqual(clusters(descriptors, rule, 4), truth, "\(rule)")
        }
    }

    func testSeedRuleAlwaysJoinsTheNearestOne() {
        // Two codes 30 bits apart: beyond the cutoff, yet the seed rule pairs each with its nearest.
        let far = [code([]), code(Array(0..<30))]
        XCTAssertEqual(clusters(far, .seed, 5), [[0, 1]])
        XCTAssertEqual(clusters(far, .components, 5), [[0], [1]])
    }

    func testKeepPolicyOrder() {
        let big = ImageFacts(path: "b.jpg", width: 200, height: 200, fileSize: 10, modified: 5)
        let heavy = ImageFacts(path: "a.jpg", width: 100, height: 100, fileSize: 99, modified: 1)
        XCTAssertTrue(KeepPolicy.standard.prefers(big, over: heavy))
        XCTAssertTrue(KeepPolicy(parsing: "size,resolution")!.prefers(heavy, over: big))
        XCTAssertTrue(KeepPolicy(parsing: "oldest")!.prefers(heavy, over: big))
        XCTAssertNil(KeepPolicy(parsing: "biggest"))
        let twin = ImageFacts(path: "a.jpg", width: 200, height: 200, fileSize: 10, modified: 5)
        XCTAssertTrue(KeepPolicy.standard.prefers(twin, over: big), "path decides the last tie")
    }

    func testReportPicksRepresentativeAndOrdersMembers() {
        let descriptors = [code([]), code([1]), code([1, 2, 3]), code(Array(30..<60))]
        let facts = [
            ImageFacts(path: "small.jpg", width: 10, height: 10, fileSize: 1, modified: 0),
            ImageFacts(path: "large.jpg", width: 50, height: 50, fileSize: 1, modified: 0),
            ImageFacts(path: "mid.jpg", width: 20, height: 20, fileSize: 1, modified: 0),
            ImageFacts(path: "other.jpg", width: 20, height: 20, fileSize: 1, modified: 0),
        ]
        let report = GroupingReport(method: "phash", images: facts, descriptors: descriptors, rule: .components, threshold: 4)
        XCTAssertEqual(report.groups.count, 1)
        XCTAssertEqual(report.groups[0].members.map(\.image), [1, 0, 2])
        XCTAssertEqual(report.groups[0].members.map(\.distance), [0, 1, 2])
        XCTAssertEqual(report.singletons, [3])
        let csv = GroupingWriter(format: .csv).render(report)
        XCTAssertEqual(csv.split(separator: "\n").count, 4)
        XCTAssertTrue(csv.contains("1,keep,0,50,50,large.jpg"))
        let html = GroupingWriter(format: .html, htmlBase: "/tmp/out").render(report)
        XCTAssertTrue(html.contains("class=\"keep\""))
    }

    func testScores() {
        let labels = ["a", "a", "a", "b", "b", "c"]
        let perfect = PairwiseScore(clusters: [[0, 1, 2], [3, 4], [5]], labels: labels)
        XCTAssertEqual(perfect.f1, 1)
        // One cluster of everything: 4 true pairs of 15 predicted.
        let lumped = PairwiseScore(clusters: [[0, 1, 2, 3, 4, 5]], labels: labels)
        XCTAssertEqual(lumped.precision, 4.0 / 15.0, accuracy: 1e-12)
        XCTAssertEqual(lumped.recall, 1)
        let split = BCubedScore(clusters: (0..<6).map { [$0] }, labels: labels)
        XCTAssertEqual(split.precision, 1)
        XCTAssertEqual(split.recall, (3 * (1.0 / 3) + 2 * 0.5 + 1) / 6, accuracy: 1e-12)
    }
}

extension GroupingTests {
    func testFusedPairsAreExactlyThePairsWhoseMeanIsWithinTheRadius() {
        let a = HammingIndexTests.plantedCodes(count: 600, seed: 3).map(Descriptor.bits)
        let b = HammingIndexTests.plantedCodes(count: 600, seed: 4).map(Descriptor.bits)
        for weights in [nil, [Float(1), 3]] as [[Float]?] {
            let fused = FusedIndex(descriptors: [a, b], scales: [4, 10], weights: weights, workers: 2)
            for radius: Float in [0.5, 1, 1.7] {
                var expected: [NeighbourPair] = []
                for i in 0..<600 {
                    for j in (i + 1)..<600 where fused.distance(i, j) <= radius {
                        expected.append(NeighbourPair(i: i, j: j, distance: fused.distance(i, j)))
                    }
                }
                XCTAssertEqual(fused.pairs(within: radius), expected, "radius \(radius), weights \(String(describing: weights))")
            }
        }
        // Equal weights: mean of d_a / 4 and d_b / 10.
        let fused = FusedIndex(descriptors: [a, b], scales: [4, 10])
        let da = DescriptorSearch.distance(a[0], a[1]), db = DescriptorSearch.distance(b[0], b[1])
        XCTAssertEqual(fused.distance(0, 1), (da / 4 + db / 10) / 2, accuracy: 1e-6)
    }
}

extension GroupingTests {
    func testCascadeRunsTheSecondMethodOncePerGroupAndJoinsWholeGroups() {
        let facts = (0..<6).map { ImageFacts(path: "i\($0).jpg", width: 10, height: 10, fileSize: 1, modified: 0) }
        // First stage: {0,1} and {2,3} are copies; 4 and 5 alone.
        let cheap = [code([]), code([]), code(Array(0..<20)), code(Array(0..<20)), code(Array(20..<40)), code(Array(40..<64))]
        let first = GroupingReport(method: "cheap", images: facts, descriptors: cheap, rule: .components, threshold: 2)
        XCTAssertEqual(first.groups.count, 2)
        let needed = Cascade.imagesNeedingSecondStage(first)
        XCTAssertEqual(needed, [0, 2, 4, 5], "one per group (the kept copy) plus the singletons")
        // Second stage: 0, 2 and 4 alike; 5 different.
        let expensive: [Int: Descriptor] = [0: code([1]), 2: code([1, 2]), 4: code([2, 3]), 5: code(Array(10..<50))]
        let merged = Cascade.merge(first: first, secondStage: expensive, threshold: 3)
        XCTAssertEqual(merged.clusters, [[0, 1, 2, 3, 4], [5]])
        XCTAssertEqual(merged.distance(0, 1), 0, "same first-stage group: first-stage distance")
        XCTAssertEqual(merged.distance(0, 2), 1.0 / 3.0, accuracy: 1e-6, "across groups: second-stage distance / threshold")
        XCTAssertEqual(merged.distance(1, 4), 1, accuracy: 1e-6, "a copy is measured through its kept copy")
    }
}
