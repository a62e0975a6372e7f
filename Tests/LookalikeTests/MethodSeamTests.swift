import Foundation
import XCTest
@testable import Lookalike

/// A method known only to this test: the mean colour of the image's four quadrants (a 12-d vector).
struct QuadrantColourMethod: DescriptorMethod {
    static let name = "quadrants"
    static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(12) }
    var kind: DescriptorKind { .vector(12) }
    init(settings: MethodSettings) {}

    func describe(_ sample: ImageSample) -> Descriptor {
        let image = sample.smallRGB
        var sums = [Float](repeating: 0, count: 12), counts = [Float](repeating: 0, count: 4)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let q = (y * 2 / image.height) * 2 + x * 2 / image.width
                for c in 0..<3 { sums[q * 3 + c] += Float(image.pixels[3 * (y * image.width + x) + c]) }
                counts[q] += 1
            }
        }
        return .vector((0..<12).map { sums[$0] / max(1, counts[$0 / 3]) })
    }
}

/// A method that breaks its promise: it declares 12 values and returns 3.
struct BrokenPromiseMethod: DescriptorMethod {
    static let name = "broken-promise"
    static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(12) }
    var kind: DescriptorKind { .vector(12) }
    init(settings: MethodSettings) {}
    func describe(_ sample: ImageSample) -> Descriptor { .vector([1, 2, 3]) }
}

/// Adding a method is one type plus one catalog entry: everything else (metric, defaults, grids, the index,
/// the plan) is derived, and no code outside Describe names it.
final class MethodSeamTests: XCTestCase {
    override func tearDown() {
        MethodCatalog.unregister(named: QuadrantColourMethod.name)
        MethodCatalog.unregister(named: BrokenPromiseMethod.name)
    }

    func testARegisteredMethodIsListedAndGroupsThroughThePlanLikeAnyOther() throws {
        MethodCatalog.register(MethodCatalog.Entry(QuadrantColourMethod.self, summary: "test: quadrant colours",
                                                   threshold: 0.001, unit: 0.05,
                                                   productGrouping: .init(cutoff: 0.01, k: 5, resolution: 1)))
        let entry = try XCTUnwrap(MethodCatalog.entry(named: "quadrants"))
        XCTAssertTrue(MethodCatalog.names.contains("quadrants"))
        XCTAssertEqual(entry.metric, .cosine)
        XCTAssertFalse(entry.isNearDuplicateMethod)
        XCTAssertEqual(entry.thresholdGrid(MethodSettings(), purpose: .sweep).first, 0.02)
        // The plan takes the vector family's rule and this entry's own cutoff.
        let plan = GroupingPlan(methods: [entry])
        XCTAssertEqual(plan.rule, .graph)
        XCTAssertEqual(plan.threshold, 0.01)
        // The eight EXIF orientations of two pictures: rotated copies have the same quadrant colours only
        // once oriented, which the sample does; so each picture's eight files group together.
        let files = FileCollector().collect([FixturePaths.image("orient")]).files
        let components = GroupingPlan(methods: [entry], rule: .components, threshold: 0.001)
        let outcome = try components.run(files: files, methods: try components.makeMethods(), reading: .init(workers: 2))
        XCTAssertEqual(outcome.processed, 16)
        XCTAssertEqual(outcome.report.groups.map(\.members.count).sorted(), [8, 8])
        XCTAssertEqual(outcome.report.metric, .cosine)
        // Fused with a built-in hash, as any method can be.
        let fused = GroupingPlan(methods: [entry, MethodCatalog.entry(named: "phash")!])
        XCTAssertEqual(fused.units, [0.05, 4])
        XCTAssertEqual(try fused.run(files: files, methods: try fused.makeMethods()).report.metric, .fused)
    }

    func testADescriptorThatIsNotTheDeclaredKindIsTheMethodsFailureNotTheFiles() throws {
        let image = FixturePaths.image("jpeg/photo-city.jpg")
        var outcomes: [FileOutcome] = []
        DescriptionRun(methods: [BrokenPromiseMethod(settings: MethodSettings())], workers: 1).run(paths: [image]) { outcomes.append($0) }
        guard case .failure(let failure) = outcomes.first?.result else { return XCTFail("accepted a 3-d vector from a 12-d method") }
        XCTAssertEqual(failure.category, "method-failed")
        XCTAssertEqual(failure.description, "\(image): method broken-promise failed: returned a descriptor that is not its declared 12-d vector")
    }

    func testBitThresholdsScaleWithTheCodeLengthTheMethodDeclares() {
        let phash = MethodCatalog.entry(named: "phash")!
        XCTAssertEqual(phash.kind(MethodSettings(hashSize: 16)), .bits(256))
        XCTAssertEqual(phash.defaultThreshold(MethodSettings(hashSize: 16)), phash.threshold * 4)
        XCTAssertEqual(phash.thresholdGrid(MethodSettings(hashSize: 16), purpose: .tuning).last, 96)
    }
}
