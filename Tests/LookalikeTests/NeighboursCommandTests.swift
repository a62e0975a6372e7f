import Foundation
import XCTest

/// `lookalike neighbours` end to end: the three formats agree, a restarted run reuses what the first one
/// described, a broken file mid-folder changes nothing else, an empty folder is an error.
extension CommandLineTests {
    func makeNeighbourFolder() throws -> URL {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("lookalike-neighbours-\(UUID().uuidString)")
        let products = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images")
        for (i, name) in try fm.contentsOfDirectory(atPath: products.path).sorted().prefix(24).enumerated() {
            // Two subfolders, so a first run can cover half the folder.
            let folder = root.appendingPathComponent(i < 12 ? "a" : "b")
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            try fm.copyItem(at: products.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return root
    }

    func testTheThreeFormatsHoldTheSameListsAndNpyLoads() throws {
        let root = try makeNeighbourFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for name in ["n.tsv", "n.jsonl", "n.npy"] {
            let result = try run(["neighbours", "-k", "4", "--method", "dhash", "--out", out.appendingPathComponent(name).path,
                                  root.appendingPathComponent("a").path, root.appendingPathComponent("b").path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        // TSV: a header, then 24 x 4 lines.
        let tsv = try String(contentsOf: out.appendingPathComponent("n.tsv"), encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        XCTAssertEqual(tsv[0], ["path", "rank", "neighbour", "distance"])
        XCTAssertEqual(tsv.count, 1 + 24 * 4)
        let paths = try String(contentsOf: out.appendingPathComponent("n.paths.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(paths.count, 24)
        // npy: int32 and float32, 24 x 4, the same neighbours and distances as the TSV.
        let indices = try Data(contentsOf: out.appendingPathComponent("n.indices.npy"))
        let distances = try Data(contentsOf: out.appendingPathComponent("n.distances.npy"))
        func body(_ data: Data, descr: String) -> Data {
            let headerLength = Int(data[8]) | Int(data[9]) << 8
            let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
            XCTAssertTrue(header.contains("'descr': '\(descr)'") && header.contains("'shape': (24, 4)"), header)
            XCTAssertEqual((10 + headerLength) % 64, 0)
            return data.subdata(in: (10 + headerLength)..<data.count)
        }
        let ints = body(indices, descr: "<i4").withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        let floats = body(distances, descr: "<f4").withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(ints.count, 96)
        let jsonl = try String(contentsOf: out.appendingPathComponent("n.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(jsonl.count, 24)
        for i in 0..<24 {
            let listed = jsonl[i]["neighbours"] as! [[String: Any]]
            XCTAssertEqual(jsonl[i]["path"] as? String, paths[i])
            for r in 0..<4 {
                let line = tsv[1 + i * 4 + r]
                XCTAssertEqual(line[0], paths[i])
                XCTAssertEqual(line[1], String(r + 1))
                XCTAssertEqual(line[2], paths[Int(ints[i * 4 + r])])
                XCTAssertEqual(line[3], String(Int(floats[i * 4 + r])))
                XCTAssertEqual(listed[r]["path"] as? String, line[2])
                XCTAssertEqual(listed[r]["distance"] as? Int, Int(line[3]))
                XCTAssertNotEqual(Int(ints[i * 4 + r]), i, "never itself")
            }
            let row = (0..<4).map { floats[i * 4 + $0] }
            XCTAssertEqual(row, row.sorted())
        }
        // Nothing but the outputs is left: no checkpoint, no partial file.
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out.path)),
                       ["n.tsv", "n.jsonl", "n.indices.npy", "n.distances.npy", "n.paths.txt"])
    }

    func testARestartedRunDescribesOnlyWhatTheFirstDidNotReach() throws {
        let root = try makeNeighbourFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let clean = root.appendingPathComponent("clean.tsv").path
        let restarted = root.appendingPathComponent("restarted.tsv").path
        let all = [root.appendingPathComponent("a").path, root.appendingPathComponent("b").path]
        let first = try run(["neighbours", "-k", "3", "--method", "phash,colour", "--out", clean] + all)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("0 described by an earlier run"), first.stderr)
        // A run that stopped after folder a: its checkpoints stay (as a killed run's do), with a torn record at
        // the end of one, as a kill in mid-write leaves it.
        let half = try run(["neighbours", "-k", "3", "--method", "phash,colour", "--keep-descriptors", "--out", restarted, all[0]])
        XCTAssertEqual(half.status, 0, half.stderr)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".ckpt") }
        XCTAssertEqual(checkpoints.count, 2, "one per method")
        let torn = try FileHandle(forWritingTo: root.appendingPathComponent(checkpoints.sorted()[0]))
        torn.seekToEndOfFile()
        torn.write(Data([0xF7, 0x4C, 0x4B, 0x52, 200, 1, 0, 0, 7, 7]))
        try torn.close()
        let again = try run(["neighbours", "-k", "3", "--method", "phash,colour", "--out", restarted] + all)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("12 described by an earlier run"), again.stderr)
        XCTAssertEqual(try String(contentsOfFile: restarted, encoding: .utf8), try String(contentsOfFile: clean, encoding: .utf8))
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".ckpt") }.isEmpty)
    }

    func testABrokenImageMidFolderIsNamedAndTheOtherListsAreThoseWithoutIt() throws {
        let root = try makeNeighbourFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let a = root.appendingPathComponent("a")
        let clean = try run(["neighbours", "-k", "3", "--jobs", "1", "--method", "ahash", "--out", root.appendingPathComponent("1.tsv").path, a.path])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        // Sorted between good files: one worker reads it, then the good files after it.
        let brokenName = String(names[5].dropLast(4)) + "-broken.jpg"
        try FileManager.default.copyItem(atPath: FixturePaths.image("broken/truncated.jpg"), toPath: a.appendingPathComponent(brokenName).path)
        let broken = try run(["neighbours", "-k", "3", "--jobs", "1", "--method", "ahash", "--out", root.appendingPathComponent("2.tsv").path, a.path])
        XCTAssertEqual(broken.status, 1, broken.stderr)
        XCTAssertTrue(broken.stderr.contains(brokenName), broken.stderr)
        XCTAssertEqual(try String(contentsOfFile: root.appendingPathComponent("1.tsv").path, encoding: .utf8),
                       try String(contentsOfFile: root.appendingPathComponent("2.tsv").path, encoding: .utf8))
    }

    func testNeighboursOfAnEmptyFolderIsAnError() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try run(["neighbours", "--method", "phash", "--out", empty.appendingPathComponent("n.tsv").path, empty.path])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("no image files found"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty.appendingPathComponent("n.tsv").path))
    }
}

extension CommandLineTests {
    /// Two runs at once onto the same output: both finish, share the checkpoint safely, and the file left is a
    /// complete one, the same as a single run's.
    func testTwoNeighbourRunsAtOnceLeaveOneCompleteOutput() throws {
        let root = try makeNeighbourFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let single = root.appendingPathComponent("single.tsv").path
        let shared = root.appendingPathComponent("shared.tsv").path
        let folders = [root.appendingPathComponent("a").path, root.appendingPathComponent("b").path]
        XCTAssertEqual(try run(["neighbours", "-k", "3", "--method", "dhash,colour", "--out", single] + folders).status, 0)
        XCTAssertEqual(try runAtOnce(["neighbours", "-k", "3", "--method", "dhash,colour", "--jobs", "1", "--out", shared] + folders), [0, 0])
        XCTAssertEqual(try String(contentsOfFile: shared, encoding: .utf8), try String(contentsOfFile: single, encoding: .utf8))
        let left = try FileManager.default.contentsOfDirectory(atPath: root.path)
        XCTAssertFalse(left.contains { $0.contains(".partial-") }, "\(left)")
    }
}

extension CommandLineTests {
    /// A real kill half-way (SIGKILL once the checkpoint holds records): the next run finishes, reuses what the
    /// killed one described, and writes what a clean run writes; no partial output is left.
    func testNeighboursKilledHalfWayRestartsFromItsCheckpoint() throws {
        let root = try makeNeighbourFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let folders = [root.appendingPathComponent("a").path, root.appendingPathComponent("b").path]
        let clean = root.appendingPathComponent("clean.tsv").path, out = root.appendingPathComponent("out.tsv").path
        // The mask method is slow enough in a debug build to be caught half-way.
        XCTAssertEqual(try run(["neighbours", "-k", "3", "--method", "mask", "--out", clean] + folders).status, 0)
        let p = Process()
        p.executableURL = FixturePaths.repositoryRoot.appendingPathComponent(".build/debug/lookalike")
        p.arguments = ["neighbours", "-k", "3", "--method", "mask", "--jobs", "1", "--out", out] + folders
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoint = out + ".lookalike-mask-0.ckpt"
        let deadline = Date().addingTimeInterval(20)
        var size = 0
        while p.isRunning && Date() < deadline {
            size = ((try? FileManager.default.attributesOfItem(atPath: checkpoint))?[.size] as? Int) ?? 0
            if size > 2_000 { break }
            usleep(5_000)
        }
        let killed = p.isRunning
        XCTAssertTrue(killed, "the run should still be describing when its checkpoint holds its first records")
        if killed { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        if killed { XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output from a killed run") }
        let again = try run(["neighbours", "-k", "3", "--method", "mask", "--out", out] + folders)
        XCTAssertEqual(again.status, 0, again.stderr)
        if killed {
            let reused = again.stderr.split(separator: ";").last.flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
            XCTAssertGreaterThan(reused, 0, again.stderr)
            XCTAssertLessThan(reused, 24, again.stderr)
        }
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), try String(contentsOfFile: clean, encoding: .utf8))
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: root.path).contains { $0.contains(".partial-") })
    }

    /// The same file reached twice (a folder named twice, a file inside it, a symbolic link to it) is listed once.
    func testNeighboursListEachFileOnceHoweverItIsReached() throws {
        let root = try makeNeighbourFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let a = root.appendingPathComponent("a")
        let first = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()[0]
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("link.jpg").path,
                                                   withDestinationPath: a.appendingPathComponent(first).path)
        let once = try run(["neighbours", "-k", "2", "--method", "dhash", "--out", root.appendingPathComponent("1.tsv").path, a.path])
        let twice = try run(["neighbours", "-k", "2", "--method", "dhash", "--out", root.appendingPathComponent("2.tsv").path,
                             a.path, a.path, a.appendingPathComponent(first).path, root.appendingPathComponent("link.jpg").path])
        XCTAssertEqual(once.status, 0, once.stderr)
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertTrue(twice.stderr.contains("reach a file already listed"), twice.stderr)
        XCTAssertEqual(try String(contentsOfFile: root.appendingPathComponent("2.tsv").path, encoding: .utf8),
                       try String(contentsOfFile: root.appendingPathComponent("1.tsv").path, encoding: .utf8))
    }
}
