import Foundation
import XCTest
@testable import Lookalike

/// The `lookalike` binary end to end: exit codes, stdout records, stderr messages.
/// Needs the executable built first (`swift build`), as the README's test command does.
final class CommandLineTests: XCTestCase {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let binary = FixturePaths.repositoryRoot.appendingPathComponent(".build/debug/lookalike")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("build the CLI first: swift build (looked for \(binary.path))")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// `copies` runs of the same command started together, their output discarded: each one's exit status.
    func runAtOnce(_ arguments: [String], copies: Int = 2) throws -> [Int32] {
        let binary = FixturePaths.repositoryRoot.appendingPathComponent(".build/debug/lookalike")
        let processes = try (0..<copies).map { _ -> Process in
            let p = Process()
            p.executableURL = binary
            p.arguments = arguments
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        return processes.map { $0.waitUntilExit(); return $0.terminationStatus }
    }

    func testFolderWithBrokenFilesHashesTheRestAndExitsOne() throws {
        let result = try run(["hash", "--format", "jsonl", FixturePaths.images.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 57, "every decodable fixture, one JSON line each")
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(Set(first.keys), ["path", "width", "height", "ahash", "dhash", "phash"])
        let errors = result.stderr.split(separator: "\n").filter { !$0.contains("warning") && !$0.contains("file(s)") }
        XCTAssertEqual(errors.count, 8, result.stderr)  // folder walk skips .gif/.bmp by extension
        for line in errors { XCTAssertTrue(line.hasPrefix(FixturePaths.images.path + "/broken/"), String(line)) }
    }

    func testAllGoodExitsZeroAndAllBadExitsTwo() throws {
        let good = try run(["hash", "-a", "phash", "-f", "csv", FixturePaths.image("jpeg/photo-city.jpg")])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertEqual(good.stdout.split(separator: "\n").first, "path,width,height,phash")
        XCTAssertTrue(good.stderr.isEmpty, "quiet when all is well and stderr is not a terminal: \(good.stderr)")
        let bad = try run(["hash", FixturePaths.image("broken/empty.jpg"), FixturePaths.image("broken/unsupported.gif")])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("empty.jpg: file is empty"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("unsupported.gif: unsupported format: GIF"), bad.stderr)
    }

    func testUsageErrors() throws {
        XCTAssertEqual(try run(["hash", "--size", "1", "x.jpg"]).status, 64)
        XCTAssertEqual(try run(["hash", "--algorithm", "nope", "x.jpg"]).status, 64)
    }
}

extension CommandLineTests {
    func testGroupFindsTheEightOrientationsOfEachPicture() throws {
        let result = try run(["group", "--method", "phash", "-f", "csv", FixturePaths.image("orient")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = result.stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 16)
        XCTAssertEqual(Set(rows.map { $0.split(separator: ",")[0] }), ["1", "2"])
        XCTAssertEqual(rows.filter { $0.contains(",keep,") }.count, 2)
        // Without applying EXIF orientation, the rotated copies no longer match.
        let raw = try run(["group", "--method", "phash", "-f", "csv", "--ignore-orientation", FixturePaths.image("orient")])
        XCTAssertLessThan(raw.stdout.split(separator: "\n").count - 1, 16)
    }

    func testEvaluateScoresALabelledFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-eval-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "path,group,view\n"
        for o in 1...8 { csv += "\(FixturePaths.image("orient/jpeg-o\(o).jpg")),jpeg,catalogue\n" }
        for o in 1...8 { csv += "\(FixturePaths.image("orient/png-o\(o).png")),png,catalogue\n" }
        try csv.write(to: dir.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let result = try run(["evaluate", "-m", "phash", dir.appendingPathComponent("labels.csv").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("16 images, 2 products"), result.stdout)
        XCTAssertTrue(result.stdout.contains("1.000 (1.000 / 1.000)"), result.stdout)
        let fused = try run(["evaluate", "-m", "phash,dhash", "--fuse", "--cluster", "components,graph",
                             dir.appendingPathComponent("labels.csv").path])
        XCTAssertEqual(fused.status, 0, fused.stderr)
        let rows = fused.stdout.split(separator: "\n").filter { $0.hasPrefix("phash+dhash") }
        XCTAssertEqual(rows.count, 2, fused.stdout)
        XCTAssertTrue(rows.allSatisfy { $0.contains("1.000 (1.000 / 1.000)") }, fused.stdout)
        XCTAssertEqual(try run(["evaluate", "-m", "phash", "--fuse", dir.appendingPathComponent("labels.csv").path]).status, 64)
    }
}

extension CommandLineTests {
    func makeDuplicates() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-cli-dedupe-\(getpid())-\(name.hashValue)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("photos/deep/er"), withIntermediateDirectories: true)
        let source = FixturePaths.image("jpeg/photo-product.jpg")
        for name in ["keep.jpg", "c1.jpg", "deep/c2.jpg", "deep/er/c3.jpg", "deep/er/c4.jpg"] {
            try FileManager.default.copyItem(atPath: source, toPath: dir.appendingPathComponent("photos/" + name).path)
        }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
                                              ofItemAtPath: dir.appendingPathComponent("photos/keep.jpg").path)
        return dir
    }

    func files(_ dir: URL) -> Set<String> {
        Set((FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".jpg") })
    }

    func testKilledHalfWayTheManifestStillMatchesTheDiskAndUndoRestores() throws {
        let dir = try makeDuplicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = dir.appendingPathComponent("photos").path, dups = dir.appendingPathComponent("dups").path
        let before = files(dir.appendingPathComponent("photos"))
        let manifest = dups + "/m.jsonl"
        let crashed = try run(["dedupe", "--keep", "oldest", "--move-to", dups, "--manifest", manifest, photos],
                              environment: ["LOOKALIKE_TEST_CRASH_AFTER": "2"])
        XCTAssertEqual(crashed.status, 137, crashed.stderr)
        let lines = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("\"intent\"") }.count, 2)
        XCTAssertEqual(lines.filter { $0.contains("\"done\"") }.count, 1, "the second move happened but was not recorded")
        XCTAssertEqual(files(URL(fileURLWithPath: dups)).count, 2, "two files really moved")
        let undo = try run(["undo", manifest])
        XCTAssertEqual(undo.status, 0, undo.stderr)
        XCTAssertEqual(files(dir.appendingPathComponent("photos")), before)
        XCTAssertTrue(files(URL(fileURLWithPath: dups)).isEmpty)
    }

    func testDryRunByDefaultAndDeleteNeedsConfirmation() throws {
        let dir = try makeDuplicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = dir.appendingPathComponent("photos").path
        let before = files(dir.appendingPathComponent("photos"))
        let dry = try run(["dedupe", photos])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(dry.stdout.split(separator: "\n").count, 4)
        XCTAssertTrue(dry.stderr.contains("dry run"))
        let refused = try run(["dedupe", "--delete", photos])
        XCTAssertEqual(refused.status, 64)
        XCTAssertEqual(files(dir.appendingPathComponent("photos")), before, "nothing deleted without --yes off a terminal")
        let manifest = dir.appendingPathComponent("deleted.jsonl").path
        let deleted = try run(["dedupe", "--delete", "--yes", "--keep", "oldest", "--manifest", manifest, photos])
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        XCTAssertEqual(files(dir.appendingPathComponent("photos")), ["keep.jpg"])
        XCTAssertEqual(try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n").count, 4)
    }
}

extension CommandLineTests {
    func testTuneWritesAProfileThatGroupUses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-tune-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "path,group\n"
        for o in 1...8 { csv += "\(FixturePaths.image("orient/jpeg-o\(o).jpg")),jpeg\n\(FixturePaths.image("orient/png-o\(o).png")),png\n" }
        for name in ["photo-city", "photo-sunset", "photo-portrait", "photo-product"] { csv += "\(FixturePaths.image("jpeg/\(name).jpg")),\(name)\n" }
        try csv.write(to: dir.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let profile = dir.appendingPathComponent("p.json").path
        let tune = try run(["tune", "--cluster", "components", dir.appendingPathComponent("labels.csv").path, "-o", profile])
        XCTAssertEqual(tune.status, 0, tune.stderr)
        XCTAssertTrue(tune.stdout.contains("components"), tune.stdout)
        let grouped = try run(["group", "--profile", profile, "-f", "csv", FixturePaths.image("orient")])
        XCTAssertEqual(grouped.status, 0, grouped.stderr)
        XCTAssertEqual(grouped.stdout.split(separator: "\n").count, 17)
        let wrongSize = try run(["group", "--profile", profile, "--size", "16", FixturePaths.image("orient")])
        XCTAssertNotEqual(wrongSize.status, 0)
        XCTAssertTrue(wrongSize.stderr.contains("--size 8"), wrongSize.stderr)
    }

    func testTuneOnSeveralSetsChoosesOneSettingAndScoresEachSetLeftOut() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-tune-sets-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        for (n, format) in [("jpeg", "jpg"), ("png", "png")].enumerated() {
            let folder = dir.appendingPathComponent("set\(n)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var csv = "path,group\n"
            for o in 1...8 { csv += "\(FixturePaths.image("orient/\(format.0)-o\(o).\(format.1)")),picture\n" }
            for name in ["photo-city", "photo-sunset", "photo-portrait"] { csv += "\(FixturePaths.image("jpeg/\(name).jpg")),\(name)\n" }
            try csv.write(to: folder.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
            files.append(folder.appendingPathComponent("labels.csv").path)
        }
        let profile = dir.appendingPathComponent("shared.json").path
        let tune = try run(["tune", "--cluster", "components,graph"] + files + ["-o", profile])
        XCTAssertEqual(tune.status, 0, tune.stderr)
        for expected in ["set0", "set1", "left out", "shared setting"] { XCTAssertTrue(tune.stdout.contains(expected), tune.stdout) }
        let saved = try GroupingProfile.read(profile)
        XCTAssertEqual(saved.labels, files.joined(separator: ","))
        XCTAssertEqual(saved.crossValidatedF1, 1, "the eight orientations group alone on either set")
        XCTAssertTrue(tune.stdout.contains("cross-validated"), tune.stdout)
        // ORB re-scoring as group --verify-orb: the eight orientations share every keypoint.
        let orb = try run(["tune", "--cluster", "graph", "--verify-orb", "--method", "colour"] + files)
        XCTAssertEqual(orb.status, 0, orb.stderr)
        XCTAssertTrue(orb.stdout.contains("graph"), orb.stdout)
        let refused = try run(["tune", "--cluster", "components", "--verify-orb", files[0]])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("--verify-orb"), refused.stderr)
    }
}

extension CommandLineTests {
    func testMaskWritesOneOverlayPerImage() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-masks-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try run(["mask", FixturePaths.image("orient"), "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 16)
        let written = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix("-mask.png") }
        XCTAssertEqual(written.count, 16)
        // The overlays are real PNGs that the decoder reads back.
        let first = try ImageDecoder().decode(path: out + "/" + written[0]).get()
        XCTAssertEqual(first.image.format, .png)
    }

    func testHTMLGalleryShowsEachGroupedImagesMaskBesideIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-gallery-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report/groups.html").path
        let result = try run(["group", "--method", "phash", "-f", "html", "--masks", "-o", page, FixturePaths.image("orient")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let masks = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("report/groups-masks").path)
        XCTAssertEqual(masks.count, 16, "one overlay per grouped image")
        XCTAssertEqual(html.components(separatedBy: "<img class=\"mask\"").count - 1, 16)
        for name in masks { XCTAssertTrue(html.contains("src=\"groups-masks/\(name)\""), "relative link to \(name)") }
        // Masks only make sense in the gallery, which needs a folder to put them in.
        XCTAssertEqual(try run(["group", "--masks", FixturePaths.image("orient")]).status, 64)
    }
}

extension CommandLineTests {
    func testGroupTakesEachMethodFamilysOwnRuleAndThreshold() throws {
        func header(_ arguments: [String]) throws -> [String: Any] {
            let result = try run(["group", "-f", "json"] + arguments + [FixturePaths.image("orient")])
            XCTAssertEqual(result.status, 0, result.stderr)
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        }
        let hash = try header(["--method", "dhash"])
        XCTAssertEqual(hash["cluster"] as? String, "components")
        XCTAssertEqual(hash["threshold"] as? Double ?? -1, Double(MethodCatalog.entry(named: "dhash")!.threshold), accuracy: 1e-6)
        let vector = try header(["--method", "mask"])
        XCTAssertEqual(vector["cluster"] as? String, "graph")
        XCTAssertEqual(vector["threshold"] as? Double ?? -1, Double(MethodCatalog.entry(named: "mask")!.productGrouping.cutoff), accuracy: 1e-6)
        let asked = try header(["--method", "mask", "--cluster", "components"])
        XCTAssertEqual(asked["threshold"] as? Double ?? -1, Double(MethodCatalog.entry(named: "mask")!.threshold), accuracy: 1e-6)
        XCTAssertEqual(try header(["--method", "mask", "--cutoff", "0.5"])["threshold"] as? Double ?? -1, 0.5, accuracy: 1e-6)
    }

    func testDeepMethodWithoutWeightsSaysWhereItLookedAndExits69() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-home-\(getpid())").path
        let result = try run(["embed", FixturePaths.image("orient")],
                             environment: ["HOME": home, "XDG_CACHE_HOME": home + "/cache", "LOOKALIKE_WEIGHTS": "", "TORCH_HOME": home + "/torch"])
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertTrue(result.stderr.contains("resnet50-0676ba61.pth"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--weights"), result.stderr)
    }

    func testNpyHeaderIsNumpyFormat1() {
        let data = VectorWriter.npy([[1, 2], [3, 4], [5, 6]], dimension: 2)
        XCTAssertEqual(Array(data.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("'shape': (3, 2)"), header)
        XCTAssertEqual(data.count, 10 + headerLength + 24)
    }
}

/// Misuse that once lost or spoiled files: overlapping inputs, two runs at once, pipes, reused manifests.
extension CommandLineTests {
    func sha256s(_ dir: URL) -> [String: Int] {
        var out: [String: Int] = [:]
        for name in files(dir) {
            let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) ?? Data()
            out[SHA256.hex(of: [UInt8](data)), default: 0] += 1
        }
        return out
    }

    func testTheSameFolderTwiceDeletesOnlyRealDuplicates() throws {
        let dir = try makeDuplicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = dir.appendingPathComponent("photos").path
        let deleted = try run(["dedupe", "--delete", "--yes", "--keep", "oldest", "--manifest", dir.path + "/m.jsonl",
                               photos, photos + "/", photos + "/deep/.."])
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        XCTAssertEqual(files(dir.appendingPathComponent("photos")), ["keep.jpg"], deleted.stderr)
        XCTAssertTrue(deleted.stderr.contains("each file is read once"), deleted.stderr)
    }

    func testTwoRunsAtOnceIntoOneDestinationOverwriteNothing() throws {
        let dir = try makeDuplicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        // A second source with the same relative names and other pictures; every file's bytes made its own.
        try fm.copyItem(at: dir.appendingPathComponent("photos"), to: dir.appendingPathComponent("other"))
        for name in files(dir.appendingPathComponent("other")) {
            try fm.removeItem(at: dir.appendingPathComponent("other/" + name))
            try fm.copyItem(atPath: FixturePaths.image("jpeg/photo-sunset.jpg"), toPath: dir.appendingPathComponent("other/" + name).path)
        }
        for folder in ["photos", "other"] {
            for name in files(dir.appendingPathComponent(folder)) {
                let h = try FileHandle(forWritingTo: dir.appendingPathComponent("\(folder)/\(name)"))
                h.seekToEndOfFile(); h.write(Data((folder + name).utf8)); h.closeFile()
            }
        }
        let before = sha256s(dir)
        let binary = FixturePaths.repositoryRoot.appendingPathComponent(".build/debug/lookalike")
        guard fm.isExecutableFile(atPath: binary.path) else { throw XCTSkip("build the CLI first: swift build") }
        let runs = ["photos", "other"].map { folder -> Process in
            let p = Process()
            p.executableURL = binary
            p.arguments = ["dedupe", "--move-to", dir.path + "/dups", dir.appendingPathComponent(folder).path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in runs { try p.run() }
        for p in runs { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0) }
        XCTAssertEqual(files(dir.appendingPathComponent("dups")).count, 8)
        XCTAssertEqual(sha256s(dir), before, "every file's bytes are still there, once")
        let manifests = try fm.contentsOfDirectory(atPath: dir.path + "/dups").filter { $0.hasSuffix(".jsonl") }
        XCTAssertEqual(manifests.count, 2, "each run has its own manifest: \(manifests)")
        for m in manifests { XCTAssertEqual(try run(["undo", dir.path + "/dups/" + m]).status, 0) }
        XCTAssertTrue(files(dir.appendingPathComponent("dups")).isEmpty)
        XCTAssertEqual(sha256s(dir), before)
    }

    func testDestinationIsLeftOutOfThisRunAndLaterOnesAndCannotBeTheSource() throws {
        let dir = try makeDuplicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = dir.appendingPathComponent("photos").path
        let itself = try run(["dedupe", "--move-to", photos + "/.", photos])
        XCTAssertEqual(itself.status, 64, itself.stderr)
        XCTAssertTrue(itself.stderr.contains("is the source folder"), itself.stderr)
        let moved = try run(["dedupe", "--keep", "oldest", "--move-to", photos + "/dups", photos])
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertEqual(files(URL(fileURLWithPath: photos + "/dups")).count, 4)
        let again = try run(["dedupe", photos])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.isEmpty, "the moved copies are not read again: \(again.stdout)")
        XCTAssertTrue(again.stderr.contains("dups: skipped: a dedupe destination"), again.stderr)
        let reused = try run(["dedupe", "--move-to", dir.path + "/d2", "--manifest", dir.path + "/m.jsonl", photos + "/dups"])
        XCTAssertEqual(reused.status, 0, "a destination named as input is read: \(reused.stderr)")
        let twice = try run(["dedupe", "--move-to", dir.path + "/d3", "--manifest", dir.path + "/m.jsonl", photos])
        XCTAssertEqual(twice.status, 64, "a manifest is never reused: \(twice.stderr)")
    }

    func testPipesAreRefusedAndTheSummaryAndErrorListSayWhatWasSkipped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-cli-fifo-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.jpg").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let errors = dir.appendingPathComponent("errors.jsonl").path
        let result = try run(["hash", "--errors", errors, fifo, FixturePaths.image("jpeg/photo-city.jpg"),
                              FixturePaths.image("broken/truncated.jpg"), FixturePaths.image("broken/corrupt.png")])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "the good file is hashed")
        XCTAssertTrue(result.stderr.contains("pipe.jpg: not a regular file (a pipe or FIFO)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("3 file(s) could not be hashed (1 corrupt, 1 not-a-regular-file, 1 truncated); 1 hashed"),
                      result.stderr)
        let lines = try String(contentsOfFile: errors, encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String] }
        XCTAssertEqual(records.map { $0["category"]! }, ["not-a-regular-file", "truncated", "corrupt"])
        XCTAssertEqual(records[0]["path"], fifo)
    }
}

extension CommandLineTests {
    /// The seeded ResNet50 as a safetensors file, for runs of the binary (`fc.*` left out: unused).
    static func writeSeededCheckpoint(to url: URL) throws {
        var header: [String: Any] = [:]
        var data = Data()
        for (name, tensor) in ResNet50.seededStateDict(seed: 2026).sorted(by: { $0.key < $1.key })
            where !name.hasPrefix("fc.") && !name.hasSuffix("num_batches_tracked") {
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [data.count, data.count + 4 * tensor.values.count]]
            tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let json = try JSONSerialization.data(withJSONObject: header)
        var file = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Data($0) }
        file.append(json)
        file.append(data)
        try file.write(to: url)
    }

    /// Two `embed` runs at once, then a record whose length field is damaged (which crashed `embed --format npy`).
    /// Every run exits 0, the damage is said once, and the vectors are those of a clean run.
    func testTwoEmbedRunsAtOnceAndADamagedRecordLeaveTheVectorsRight() throws {
        let binary = FixturePaths.repositoryRoot.appendingPathComponent(".build/debug/lookalike")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("build the CLI first: swift build") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-embed-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["photo-city", "photo-portrait", "photo-product", "photo-still-life", "photo-sunset", "baseline-420"] {
            try FileManager.default.copyItem(atPath: FixturePaths.image("jpeg/\(name).jpg"), toPath: photos.appendingPathComponent("\(name).jpg").path)
        }
        let weights = dir.appendingPathComponent("seeded.safetensors")
        try Self.writeSeededCheckpoint(to: weights)
        let environment = ProcessInfo.processInfo.environment.merging(["LOOKALIKE_EMBEDDINGS": dir.appendingPathComponent("store").path]) { $1 }
        func embed(_ output: String) throws -> Process {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["embed", "--weights", weights.path, "--format", "npy", "--output", dir.appendingPathComponent(output).path, photos.path]
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: { try Data().write(to: $0); return $0 }(dir.appendingPathComponent("\(output).log")))
            try process.run()
            return process
        }
        func finished(_ process: Process, _ output: String) throws -> (npy: Data, log: String) {
            process.waitUntilExit()
            let log = try String(contentsOf: dir.appendingPathComponent("\(output).log"), encoding: .utf8)
            XCTAssertEqual(process.terminationStatus, 0, log)
            return (try Data(contentsOf: dir.appendingPathComponent("\(output).npy")), log)
        }
        let (a, b) = (try embed("a"), try embed("b"))
        let first = try finished(a, "a"), second = try finished(b, "b")
        XCTAssertEqual(first.npy, second.npy)
        let stores = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("store").path)
        XCTAssertEqual(stores.count, 1, "\(stores)")
        let file = dir.appendingPathComponent("store/\(try XCTUnwrap(stores.first))").path
        XCTAssertEqual(EmbeddingStore(file: file, dimension: 2048)?.damagedRecords, 0)
        // The second record's length field (after its 4-byte marker), 4 too small.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let start = try XCTUnwrap(EmbeddingStore.frame(bytes, at: EmbeddingStore.magic.count)).next
        bytes[start + 4] &-= 4
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let damaged = try finished(try embed("c"), "c")
        XCTAssertEqual(damaged.npy, first.npy, "the damaged record's image described afresh")
        XCTAssertEqual(damaged.log.components(separatedBy: "damaged record(s) dropped").count, 2, damaged.log)
        let healed = try XCTUnwrap(EmbeddingStore(file: file, dimension: 2048))
        XCTAssertEqual(healed.damagedRecords, 0, "rewritten without the damage, so later runs say nothing")
    }
}

extension CommandLineTests {
    /// Without --method, group groups products with the measured default fusion; when its network cannot start it
    /// says so, names the command that gets the weights, and groups with the mask method instead.
    func testGroupWithoutAMethodFallsBackToTheMaskMethodAndSaysHowToGetTheWeights() throws {
        let result = try run(["group", "-f", "json", "--weights", "/nonexistent/efficientnet-lite0.pth", FixturePaths.image("orient")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("grouping with mask instead"), result.stderr)
        XCTAssertTrue(result.stderr.contains("bash Scripts/get-weights.sh"), result.stderr)
        let header = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(header["method"] as? String, "mask")
        XCTAssertEqual(header["cluster"] as? String, "graph")
    }
}
