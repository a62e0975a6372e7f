import Foundation
import XCTest
@testable import Lookalike

/// Broken, hostile and unreadable inputs: a clear cause for each, no crash, the run goes on.
final class BadInputTests: XCTestCase {
    func testEachBrokenFixtureGetsItsCause() throws {
        let goldens = try FixturePaths.json(FixturePaths.goldens)
        let broken = goldens["broken"] as! [String: String]
        XCTAssertGreaterThanOrEqual(broken.count, 10)
        let decoder = ImageDecoder()
        for (name, category) in broken {
            let path = FixturePaths.image("broken/\(name)")
            switch decoder.decode(path: path) {
            case .success: XCTFail("\(name) decoded, expected \(category)")
            case .failure(let error):
                XCTAssertEqual(error.cause.category, category, "\(name): \(error)")
                XCTAssertTrue(error.description.hasPrefix(path), "message names the file: \(error)")
            }
        }
    }

    func testMisnamedFileIsDecodedByContentWithAWarning() throws {
        let outcome = try ImageDecoder().decode(path: FixturePaths.image("broken/misnamed-png.jpg")).get()
        XCTAssertEqual(outcome.image.format, .png)
        XCTAssertEqual(outcome.warnings.count, 1)
        XCTAssertTrue(outcome.warnings[0].contains("content is PNG"))
    }

    func testPixelLimitRefusesBeforeDecoding() throws {
        let decoder = ImageDecoder(options: DecodeOptions(maxPixels: 1000))
        let error = try XCTUnwrap(decoder.decode(path: FixturePaths.image("jpeg/large-640x480.jpg")).failureValue)
        XCTAssertEqual(error.cause, .tooLarge(width: 640, height: 480, limit: 1000))
    }

    func testUnreadablePathsAreReportedNotFatal() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-bad-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.jpg"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let decoder = ImageDecoder()
        let missing = decoder.decode(path: dir.appendingPathComponent("missing.jpg").path).failureValue
        XCTAssertEqual(missing?.cause.category, "unreadable")
        XCTAssertTrue(missing?.description.contains("No such file") ?? false, "\(String(describing: missing))")
        let folder = decoder.decode(path: dir.appendingPathComponent("folder.jpg").path).failureValue
        XCTAssertEqual(folder?.cause.category, "unreadable")
    }

    /// The whole fixture tree, broken files included, through the parallel run: every file accounted for.
    func testRunOverEveryFixtureAccountsForEveryFile() throws {
        let collection = FileCollector(extensions: ["jpg", "png", "gif", "bmp"]).collect([FixturePaths.images.path])
        XCTAssertTrue(collection.errors.isEmpty)
        let methods = MethodCatalog.all.compactMap { try? $0.make(MethodOptions()) }
        var outcomes: [FileOutcome] = []
        DescriptionRun(methods: methods, workers: 2).run(paths: collection.files) { outcomes.append($0) }
        XCTAssertEqual(outcomes.map(\.index), Array(0..<collection.files.count), "delivered in input order")
        let failed = outcomes.filter { if case .failure = $0.result { true } else { false } }
        XCTAssertEqual(failed.count, 10, "the ten broken files, and only those")
        for outcome in outcomes {
            if case .success(let record) = outcome.result { XCTAssertEqual(record.descriptors.count, methods.count) }
        }
    }

    func testRandomGarbageNeverCrashesTheDecoders() throws {
        // Deterministic junk behind real signatures: every prefix of a valid file and random bytes.
        let jpeg = try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.image("jpeg/baseline-420.jpg"))))
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.image("png/interlaced-rgb.png"))))
        let decoder = ImageDecoder()
        var rng = SplitMix64(seed: 42)
        for source in [jpeg, png] {
            for cut in stride(from: 1, to: source.count, by: max(1, source.count / 97)) {
                _ = decoder.decode(bytes: Array(source.prefix(cut)), path: "cut.bin")
            }
            for _ in 0..<60 {
                var bytes = source
                for _ in 0..<8 { bytes[Int(rng.next() % UInt64(bytes.count - 8)) + 8] = UInt8(truncatingIfNeeded: rng.next()) }
                _ = decoder.decode(bytes: bytes, path: "flipped.bin")
            }
        }
    }
}

extension Result {
    var failureValue: Failure? { if case .failure(let e) = self { e } else { nil } }
}
