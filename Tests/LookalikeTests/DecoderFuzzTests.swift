import Foundation
import XCTest
@testable import Lookalike

/// Thousands of damaged JPEGs and PNGs (`Mutator`, seeded) among good copies of the fixtures, through the
/// worker pool: no crash, no hang, every failure a FileError naming its file, and every good file hashed
/// exactly as it is alone, whatever the broken files before it on the same worker did to the decoder.
final class DecoderFuzzTests: XCTestCase {
    static let mutantCount = 3000
    /// A good copy after every this many mutants.
    static let goodEvery = 8

    /// The small fixtures (the 640x480 one would only slow the test), and one EXIF-rotated file of each format.
    static func sources() throws -> [Mutator.Source] {
        var names: [String] = []
        for folder in ["jpeg", "png"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: FixturePaths.image(folder))
            names += files.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted().map { "\(folder)/\($0)" }
        }
        names.removeAll { $0 == "jpeg/large-640x480.jpg" }
        names += ["orient/jpeg-o6.jpg", "orient/png-o6.png"]
        return try names.map { name in
            Mutator.Source(name: name, bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.image(name)))))
        }
    }

    static func mutants(count: Int, sources: [Mutator.Source], seed: UInt64) -> [Mutant] {
        var mutator = Mutator(sources: sources, seed: seed)
        var mutants = mutator.systematic()
        while mutants.count < count { mutants.append(mutator.next()) }
        return mutants
    }

    static func fileName(_ index: Int, _ mutant: Mutant) -> String {
        let base = mutant.source.split(separator: "/").last!.split(separator: ".").first!
        let kind = mutant.kind.prefix(60).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" ? $0 : "_" }
        return String(format: "m%05d-", index) + String(kind) + "-" + base + (mutant.source.hasSuffix(".png") ? ".png" : ".jpg")
    }

    func testMutantsNeverCrashOrSpoilTheGoodFilesAroundThem() throws {
        let started = Date()
        let sources = try Self.sources()
        let mutants = Self.mutants(count: Self.mutantCount, sources: sources, seed: 0x15_02)
        XCTAssertGreaterThanOrEqual(mutants.count, Self.mutantCount)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var paths: [String] = []
        var goodSource: [Int: String] = [:]  // index in paths -> fixture name
        for (i, mutant) in mutants.enumerated() {
            if i % Self.goodEvery == 0 {
                let source = sources[(i / Self.goodEvery) % sources.count]
                let path = dir.appendingPathComponent(String(format: "g%05d-", i) + source.name.replacingOccurrences(of: "/", with: "-")).path
                try Data(source.bytes).write(to: URL(fileURLWithPath: path))
                goodSource[paths.count] = source.name
                paths.append(path)
            }
            let path = dir.appendingPathComponent(Self.fileName(i, mutant)).path
            try Data(mutant.bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }

        let methods = try ["ahash", "dhash", "phash"].map { try MethodCatalog.entry(named: $0)!.make(MethodSettings()) }
        // Each fixture alone, on a fresh decoder.
        var alone: [String: ImageRecord] = [:]
        for source in sources {
            let (result, warnings) = DescriptionRun(methods: methods, workers: 1)
                .describe(path: FixturePaths.image(source.name), decoder: ImageDecoder())
            alone[source.name] = try result.get()
            XCTAssertEqual(warnings, [], source.name)
        }

        var summaries: [[String]] = []
        for workers in [1, 2] {
            var outcomes: [FileOutcome] = []
            DescriptionRun(methods: methods, workers: workers).run(paths: paths) { outcomes.append($0) }
            XCTAssertEqual(outcomes.map(\.index), Array(paths.indices), "every file once, in input order")
            var failed: [String: Int] = [:]
            var warned = 0, clean = 0
            var summary: [String] = []
            for outcome in outcomes {
                let path = paths[outcome.index]
                for warning in outcome.warnings { XCTAssertTrue(warning.hasPrefix(path + ": "), "\(workers) workers: \(warning)") }
                if let name = goodSource[outcome.index] {
                    let want = alone[name]!
                    switch outcome.result {
                    case .failure(let error): XCTFail("\(workers) workers: good copy of \(name) failed: \(error)")
                    case .success(let record):
                        XCTAssertEqual(record.descriptors, want.descriptors, "\(workers) workers: good copy \(path)")
                        XCTAssertEqual([record.width, record.height], [want.width, want.height], path)
                        XCTAssertEqual(outcome.warnings, [], "\(workers) workers: good copy \(path)")
                    }
                    continue
                }
                switch outcome.result {
                case .failure(let error):
                    XCTAssertTrue(error.description.hasPrefix(path + ": "), "\(workers) workers: \(error)")
                    failed[error.category, default: 0] += 1
                    summary.append(error.description)
                case .success(let record):
                    XCTAssertEqual(record.descriptors.count, methods.count)
                    if outcome.warnings.isEmpty { clean += 1 } else { warned += 1 }
                    summary.append("\(record.width)x\(record.height) " + record.descriptors.map(\.text).joined(separator: " ")
                                   + " " + outcome.warnings.joined(separator: " | "))
                }
            }
            summaries.append(summary)
            let failures = failed.values.reduce(0, +)
            print("DecoderFuzzTests: \(workers) worker(s), \(mutants.count) mutants: \(failures) failed "
                  + "(\(failed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))), "
                  + "\(warned) decoded with warnings, \(clean) decoded cleanly; \(goodSource.count) good copies")
            // Not vacuous: the mutants reach every kind of outcome.
            XCTAssertGreaterThan(failures, mutants.count * 4 / 10, "a good share of the mutants must fail")
            XCTAssertGreaterThan(warned, 50, "some mutants decode with warnings (libjpeg's recoverable corruption)")
            XCTAssertGreaterThan(clean, 100, "some mutants still decode cleanly")
            for category in ["corrupt", "truncated", "implausible-size", "not-an-image"] {
                XCTAssertGreaterThan(failed[category, default: 0], 0, "no mutant failed as \(category)")
            }
        }
        // A mutant's outcome does not depend on what the same worker decoded before it.
        for (i, (one, two)) in zip(summaries[0], summaries[1]).enumerated() where one != two {
            XCTFail("mutant \(i) differs between 1 and 2 workers:\n  \(one)\n  \(two)")
        }
        print("DecoderFuzzTests: \(paths.count) files twice in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// Found by the test above: libjpeg keeps DQT and DHT tables in its decompressor from one image to the next
    /// (for abbreviated streams), so a JPEG missing its tables decoded with the last file's tables, or failed,
    /// depending on what the same worker had read before it. It must fail as it does alone.
    func testAJPEGMissingItsTablesDoesNotBorrowThePreviousFilesTables() throws {
        func bytes(_ name: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.image(name)))) }
        func without(_ marker: UInt8, _ b: [UInt8]) -> [UInt8] {
            var out = b
            for s in JPEGLayout.segments(b).reversed() where s.marker == marker { out.removeSubrange(s.start..<s.end) }
            return out
        }
        let baseline = try bytes("jpeg/baseline-420.jpg"), progressive = try bytes("jpeg/progressive-420.jpg")
        // A header claiming 10000x10000 from 1.5 KB: refused as implausible once its header (and tables) was read.
        var bomb = baseline
        let sof = try XCTUnwrap(JPEGLayout.segments(baseline).first { $0.marker == 0xC0 })
        bomb.put16(sof.start + 5, 10_000); bomb.put16(sof.start + 7, 10_000)
        for (name, mutant) in [("no DQT", without(0xDB, baseline)), ("progressive, no DHT", without(0xC4, progressive))] {
            let alone = ImageDecoder().decode(bytes: mutant, path: "m.jpg")
            let aloneText = try XCTUnwrap(alone.failureValue, "\(name) fails alone").description
            // After a good file decoded, and after a file refused for its size once its header (and tables) was read.
            for before in [baseline, progressive, bomb] {
                let decoder = ImageDecoder()
                _ = decoder.decode(bytes: before, path: "before.jpg")
                let after = decoder.decode(bytes: mutant, path: "m.jpg")
                XCTAssertEqual(after.failureValue?.description, aloneText, "\(name): \(after)")
            }
        }
    }

    /// Writes the libFuzzer seed corpus (Benchmarks/fuzz.sh): the fixtures themselves and a few hundred
    /// mutants of them. Only when LOOKALIKE_WRITE_FUZZ_CORPUS names a folder; skipped otherwise.
    func testWriteSeedCorpus() throws {
        guard let folder = ProcessInfo.processInfo.environment["LOOKALIKE_WRITE_FUZZ_CORPUS"], !folder.isEmpty else {
            throw XCTSkip("set LOOKALIKE_WRITE_FUZZ_CORPUS=DIR to write the fuzz seed corpus")
        }
        let dir = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let sources = try Self.sources()
        for source in sources {
            try Data(source.bytes).write(to: dir.appendingPathComponent(source.name.replacingOccurrences(of: "/", with: "-")))
        }
        var mutator = Mutator(sources: sources, seed: 0xF022)
        let mutants = (0..<600).map { _ in mutator.next() }
        for (i, mutant) in mutants.enumerated() {
            try Data(mutant.bytes).write(to: dir.appendingPathComponent(Self.fileName(i, mutant)))
        }
        print("DecoderFuzzTests: wrote \(sources.count) fixtures and \(mutants.count) mutants to \(dir.path)")
    }
}
