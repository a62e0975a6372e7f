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
        setenv("LOOKALIKE_EMBEDDINGS", "off", 1)  // deep methods whose weights are here must not write the user's cache
        let methods = MethodCatalog.all.compactMap { try? $0.make(MethodSettings()) }
        var outcomes: [FileOutcome] = []
        DescriptionRun(methods: methods, workers: 2).run(paths: collection.files) { outcomes.append($0) }
        XCTAssertEqual(outcomes.map(\.index), Array(0..<collection.files.count), "delivered in input order")
        let failed = outcomes.filter { if case .failure = $0.result { true } else { false } }
        XCTAssertEqual(failed.count, 10, "the ten broken files, and only those")
        for outcome in outcomes {
            if case .success(let record) = outcome.result { XCTAssertEqual(record.descriptors.count, methods.count) }
        }
    }

    /// Junk behind real signatures (every prefix of a valid file, random byte flips): each is either pixels or a
    /// `FileError` that names the given path with a known cause, and the same decoder still reads a good file.
    func testRandomGarbageGivesPixelsOrANamedCauseAndNeverSpoilsTheDecoder() throws {
        let jpeg = try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.image("jpeg/baseline-420.jpg"))))
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.image("png/interlaced-rgb.png"))))
        let decoder = ImageDecoder()
        let known: Set = ["truncated", "corrupt", "not-an-image", "unsupported-format", "implausible-size", "too-large",
                          "unsupported-variant", "too-complex", "empty"]
        var rng = SplitMix64(seed: 42)
        var failed = 0, decoded = 0
        func check(_ bytes: [UInt8], _ name: String) {
            switch decoder.decode(bytes: bytes, path: name) {
            case .success(let outcome):
                decoded += 1
                XCTAssertGreaterThan(outcome.image.width * outcome.image.height, 0, name)
            case .failure(let error):
                failed += 1
                XCTAssertEqual(error.path, name)
                XCTAssertTrue(known.contains(error.cause.category), "\(name): \(error)")
            }
        }
        for source in [jpeg, png] {
            for cut in stride(from: 1, to: source.count, by: max(1, source.count / 97)) {
                check(Array(source.prefix(cut)), "cut-\(cut).bin")
            }
            for n in 0..<60 {
                var bytes = source
                for _ in 0..<8 { bytes[Int(rng.next() % UInt64(bytes.count - 8)) + 8] = UInt8(truncatingIfNeeded: rng.next()) }
                check(bytes, "flipped-\(n).bin")
            }
        }
        XCTAssertGreaterThan(failed, 150, "prefixes of a file are truncated")
        XCTAssertGreaterThan(decoded, 0, "some flips land in pixel data and still decode (with a warning)")
        let good = try decoder.decode(bytes: jpeg, path: "good.jpg").get().image
        XCTAssertEqual(good.pixels, try ImageDecoder().decode(bytes: jpeg, path: "good.jpg").get().image.pixels)
    }
}

/// A file never spoils the next: every decode starts from clean C state, whatever the previous file did.
final class DecoderStateTests: XCTestCase {
    static func bytes(_ relative: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.image(relative))))
    }

    /// libjpeg-turbo 2.1 left its handle mid-header after these, and failed every later file with the same text.
    func testAGoodJPEGAfterEachKindOfBrokenHeaderDecodesAsAlone() throws {
        let good = try Self.bytes("jpeg/photo-city.jpg")
        let alone = try ImageDecoder().decode(bytes: good, path: "good.jpg").get().image
        let source = try Self.bytes("jpeg/baseline-420.jpg")
        func segment(_ marker: UInt8) -> Int { (0..<(source.count - 1)).first { source[$0] == 0xFF && source[$0 + 1] == marker }! }
        var mutants: [(String, [UInt8])] = []
        var dqt = source; dqt[segment(0xDB) + 4] = 0x0F; mutants.append(("DQT index 15", dqt))
        var dht = source; dht[segment(0xC4) + 4] = 0x1F; mutants.append(("DHT index", dht))
        let sof = segment(0xC0), sos = segment(0xDA)
        let sofSegment = Array(source[sof..<(sof + 2 + Int(source[sof + 2]) << 8 + Int(source[sof + 3]))])
        mutants.append(("two SOF", Array(source[..<sof]) + sofSegment + Array(source[sof...])))
        mutants.append(("SOS before SOF", Array(source[..<sof]) + Array(source[sos...])))
        var length = source; length[segment(0xDB) + 2] = 0xFF; mutants.append(("bad marker length", length))
        let decoder = ImageDecoder()
        for (name, mutant) in mutants {
            _ = decoder.decode(bytes: mutant, path: "mutant.jpg")
            let after = decoder.decode(bytes: good, path: "good.jpg")
            guard case .success(let outcome) = after else { return XCTFail("good file after '\(name)': \(after)") }
            XCTAssertEqual(outcome.image.pixels, alone.pixels, "after '\(name)'")
            XCTAssertTrue(outcome.warnings.isEmpty, "no warning carried over from '\(name)': \(outcome.warnings)")
        }
    }

    func testAHeaderClaimingFarMorePixelsThanTheFileHoldsIsRefusedBeforeDecoding() throws {
        var source = try Self.bytes("jpeg/baseline-420.jpg")
        let sof = (0..<(source.count - 1)).first { source[$0] == 0xFF && source[$0 + 1] == 0xC0 }!
        for (offset, value) in [(5, 10_000), (7, 10_000)] {  // height, width
            source[sof + offset] = UInt8(value >> 8); source[sof + offset + 1] = UInt8(value & 0xFF)
        }
        let error = try XCTUnwrap(ImageDecoder().decode(bytes: source, path: "bomb.jpg").failureValue)
        XCTAssertEqual(error.cause.category, "implausible-size", "\(error)")
        XCTAssertTrue(error.description.hasPrefix("bomb.jpg: header claims 10000x10000"), error.description)
        // The same dimensions over a file big enough to hold them are only limited by --max-pixels.
        XCTAssertLessThan(10_000 * 10_000 * 3, DecodeOptions.maxDecodedBytes(fileBytes: 200_000))
    }

    func testAPNGWhoseHeaderClaimsMoreThanItsDataCanInflateToIsRefused() throws {
        // A 1x1 PNG rewritten to claim 20000x20000 RGB: 1.2 GB of samples from under 100 bytes.
        var png = try Self.bytes("png/rgb-8bit.png")
        func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        png.replaceSubrange(16..<24, with: be32(20_000) + be32(20_000))
        var crc = UInt32(0xFFFF_FFFF)  // IHDR's CRC over type + data, so libpng reads on to our check
        for byte in png[12..<29] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        png.replaceSubrange(29..<33, with: be32(~crc))
        let error = try XCTUnwrap(ImageDecoder(options: DecodeOptions(maxPixels: Int.max / 8)).decode(bytes: png, path: "bomb.png").failureValue)
        XCTAssertEqual(error.cause.category, "implausible-size", "\(error)")
    }

    func testPipesAndDevicesAreRefusedWithoutBlocking() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-fifo-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.jpg").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // Named on the command line: refused by the collector, before anything opens it.
        let collection = FileCollector().collect([fifo, "/dev/null"])
        XCTAssertEqual(collection.files, [])
        XCTAssertEqual(collection.errors.map(\.cause.category), ["not-a-regular-file", "not-a-regular-file"])
        // Reached some other way (a file swapped for a pipe): the decoder refuses it without waiting for a writer.
        let error = try XCTUnwrap(ImageDecoder().decode(path: fifo).failureValue)
        XCTAssertEqual(error.cause, .notRegularFile("a pipe or FIFO"))
    }
}

extension Result {
    var failureValue: Failure? { if case .failure(let e) = self { e } else { nil } }
}
