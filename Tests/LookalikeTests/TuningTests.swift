import Foundation
import XCTest
@testable import Lookalike

final class TuningTests: XCTestCase {
    /// 8 products x 4 copies: copies within 3 bits of their product, products 20+ bits apart.
    func planted(toggles: Int = 3, seed: UInt64 = 21) -> ([Descriptor], [String]) {
        var rng = SplitMix64(seed: seed)
        var descriptors: [Descriptor] = [], labels: [String] = []
        for p in 0..<8 {
            let base = (0..<64).map { _ in rng.next() & 1 == 1 }
            for _ in 0..<4 {
                var copy = base
                for _ in 0..<toggles { copy[Int(rng.next() % 64)].toggle() }
                descriptors.append(.bits(PerceptualHash(bits: copy)))
                labels.append("product-\(p)")
            }
        }
        return (descriptors, labels)
    }

    func testTunerFindsAThresholdThatSeparatesProductsAndScoresHeldOutProductsOnly() {
        let (descriptors, labels) = planted()
        let tuner = Tuner(descriptorSets: [descriptors], units: [1], labels: labels)
        let candidates = (0...30).map { GroupingSetting(rule: .components, threshold: Float($0)) }
        let outcome = tuner.tune(candidates: candidates, folds: 2, seed: 5)
        XCTAssertEqual(outcome.inSampleF1, 1)
        XCTAssertGreaterThanOrEqual(outcome.setting.threshold, 6)
        XCTAssertLessThan(outcome.setting.threshold, 15)
        XCTAssertEqual(outcome.folds.count, 2)
        XCTAssertEqual(outcome.crossValidatedF1, 1)
        // Choosing on a fold that never saw a copy pair within 0 bits still generalises here.
        XCTAssertTrue(outcome.folds.allSatisfy { $0.setting.threshold >= 6 })
    }

    func testSharedTuningPicksTheBestMeanAndScoresEachSetWithTheOthersChoice() {
        let candidates = (0..<3).map { GroupingSetting(rule: .components, threshold: Float($0)) }
        // Set 0 likes candidate 0, sets 1 and 2 like candidate 2; candidate 1 is the best compromise.
        let scores: [[Double]] = [[0.9, 0.7, 0.1], [0.2, 0.7, 0.8], [0.3, 0.6, 0.9]]
        let shared = SharedTuning(candidates: candidates, scores: scores)
        XCTAssertEqual(shared.setting.threshold, 1)
        XCTAssertEqual(shared.meanF1, (0.7 + 0.7 + 0.6) / 3, accuracy: 1e-12)
        XCTAssertEqual(shared.sets[0].own.threshold, 0)
        XCTAssertEqual(shared.sets[0].ownF1, 0.9)
        XCTAssertEqual(shared.sets[0].sharedF1, 0.7)
        // Left out: set 0 gets the best of sets 1 and 2 (candidate 2); set 1 gets the best of 0 and 2 (candidate 1).
        XCTAssertEqual(shared.sets[0].leftOut.threshold, 2)
        XCTAssertEqual(shared.sets[0].leftOutF1, 0.1)
        XCTAssertEqual(shared.sets[1].leftOut.threshold, 1)
        XCTAssertEqual(shared.sets[1].leftOutF1, 0.7)
    }

    func testSharedCrossValidationChoosesOnEverySetsTrainingFoldsAndScoresTheHeldOutOnes() {
        // Set 0's copies are within 3 bits of their product, set 1's within 6: a threshold chosen on set 0 alone
        // is too tight for set 1; one chosen on both sets' training folds fits both.
        let (a, aLabels) = planted(), (b, bLabels) = planted(toggles: 6, seed: 22)
        let tuners = [Tuner(descriptorSets: [a], units: [1], labels: aLabels),
                      Tuner(descriptorSets: [b], units: [1], labels: bLabels)]
        let candidates = (0...30).map { GroupingSetting(rule: .components, threshold: Float($0)) }
        let alone = tuners[0].tune(candidates: candidates, folds: 2, seed: 1).folds[0].setting
        let aloneOnSet1 = tuners[1].scores([alone])[0]
        XCTAssertLessThan(aloneOnSet1, 0.9, "set 0's own choice must not fit set 1, or this test shows nothing")
        let crossValidated = SharedTuning.crossValidated(tuners, candidates: candidates, folds: 2, repeats: 3)
        XCTAssertEqual(crossValidated[0], 1)
        // A held-out product's copies may sit a bit farther apart than any training product's: near 1, not always 1.
        XCTAssertGreaterThan(crossValidated[1], 0.95)
        // Folds hold whole products, and every image once.
        for tuner in tuners {
            let folds = tuner.folds(2, seed: 7)
            XCTAssertEqual(folds.flatMap { $0 }.sorted(), Array(tuner.labels.indices))
            XCTAssertTrue(Set(folds[0].map { tuner.labels[$0] }).isDisjoint(with: folds[1].map { tuner.labels[$0] }))
        }
    }

    func testEachMethodFamilyHasItsOwnDefaults() {
        let phash = MethodCatalog.entry(named: "phash")!, mask = MethodCatalog.entry(named: "mask")!
        XCTAssertEqual(GroupingPlan.defaultRule(for: [phash]), .components)
        XCTAssertEqual(GroupingPlan.defaultRule(for: [mask]), .graph)
        XCTAssertEqual(GroupingPlan.defaultRule(for: [phash, mask]), .graph)
        // Bit cutoffs scale with the code length, as thresholds do; vector cutoffs do not.
        let eight = MethodCatalog.productGrouping([phash], MethodSettings(hashSize: 8))
        let sixteen = MethodCatalog.productGrouping([phash], MethodSettings(hashSize: 16))
        XCTAssertEqual(eight.cutoff, phash.productGrouping.cutoff)
        XCTAssertEqual(sixteen.cutoff, (phash.productGrouping.cutoff * 4).rounded(.down))
        XCTAssertEqual(MethodCatalog.productGrouping([mask], MethodSettings(hashSize: 16)), mask.productGrouping)
        XCTAssertEqual(MethodCatalog.productGrouping([phash, mask], MethodSettings()), MethodCatalog.fusedProductGrouping)
        // Fused distances divide by the unit: never 0, even where the near-duplicate threshold is.
        for entry in MethodCatalog.all {
            XCTAssertGreaterThan(entry.fusionUnit(MethodSettings()), 0, entry.name)
            XCTAssertGreaterThanOrEqual(entry.unit, entry.threshold, entry.name)
        }
        XCTAssertEqual(MethodCatalog.entry(named: "ahash")!.defaultThreshold(MethodSettings()), 0)
    }

    func testProfileRoundTrip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let profile = GroupingProfile(methods: ["phash", "dhash"], weights: [1, 0.5], hashSize: 8,
                                      setting: GroupingSetting(rule: .graph, threshold: 1.25, graph: GraphSettings(k: 5, resolution: 2)),
                                      inSampleF1: 0.9, crossValidatedF1: 0.8, labels: "labels.csv")
        try profile.write(to: path)
        XCTAssertEqual(try GroupingProfile.read(path), profile)
        XCTAssertThrowsError(try GroupingProfile.read(FixturePaths.goldens.path))
    }
}
