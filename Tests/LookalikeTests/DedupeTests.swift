import Foundation
import XCTest
@testable import Lookalike

/// Moving and deleting users' files: every path that could lose data.
final class DedupeTests: XCTestCase {
    var root: URL!
    let fm = FileManager.default

    override func setUpWithError() throws {
        root = fm.temporaryDirectory.appendingPathComponent("lookalike-dedupe-\(getpid())-\(name.hashValue)")
        try? fm.removeItem(at: root)
        try fm.createDirectory(at: root.appendingPathComponent("photos/sub"), withIntermediateDirectories: true)
        let city = FixturePaths.image("jpeg/photo-city.jpg"), other = FixturePaths.image("jpeg/photo-sunset.jpg")
        for name in ["photos/a.jpg", "photos/sub/a-copy.jpg", "photos/sub/a-copy2.jpg", "photos/a-copy3.jpg"] {
            try fm.copyItem(atPath: city, toPath: root.appendingPathComponent(name).path)
        }
        try fm.copyItem(atPath: other, toPath: root.appendingPathComponent("photos/unique.jpg").path)
        // Make "a.jpg" the one to keep under the `oldest` rule.
        try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
                             ofItemAtPath: root.appendingPathComponent("photos/a.jpg").path)
    }

    override func tearDownWithError() throws {
        try? fm.removeItem(at: root)
    }

    var photos: String { root.appendingPathComponent("photos").path }

    /// Every file under `photos` with its bytes.
    func snapshot(_ folder: String? = nil) -> [String: Data] {
        let base = folder ?? photos
        var out: [String: Data] = [:]
        for case let path as String in fm.enumerator(atPath: base) ?? FileManager.DirectoryEnumerator() {
            var isDir: ObjCBool = false
            let full = base + "/" + path
            if fm.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue { out[path] = fm.contents(atPath: full) }
        }
        return out
    }

    func plan(moveTo: String?) throws -> DedupePlan {
        let files = FileCollector().collect([photos]).files
        let decoder = ImageDecoder()
        let method = DCTHashMethod(size: 8)
        var facts: [ImageFacts] = [], descriptors: [Descriptor] = []
        for f in files {
            let image = try decoder.decode(path: f).get().image
            facts.append(ImageFacts(path: f, width: image.width, height: image.height))
            descriptors.append(method.describe(ImageSample(path: f, decoded: image, applyOrientation: true)))
        }
        let report = GroupingReport(method: "phash", images: facts, descriptors: descriptors, rule: .components,
                                    threshold: 4, keep: KeepPolicy(parsing: "oldest")!)
        return DedupePlan(report: report, roots: [photos], moveTo: moveTo)
    }

    func testMoveThenUndoRestoresTheTreeExactly() throws {
        let before = snapshot()
        let target = root.appendingPathComponent("dups").path
        let p = try plan(moveTo: target)
        XCTAssertEqual(p.actions.count, 3)
        XCTAssertTrue(p.actions.allSatisfy { $0.kept.path.hasSuffix("photos/a.jpg") })
        let manifest = root.appendingPathComponent("dups/manifest.jsonl").path
        let summary = try DedupeExecutor().execute(p, manifest: ManifestWriter(path: manifest)) { _ in }
        XCTAssertEqual(summary.done, 3)
        XCTAssertEqual(Set(snapshot().keys), ["a.jpg", "unique.jpg"])
        XCTAssertNotNil(fm.contents(atPath: target + "/sub/a-copy.jpg"), "relative paths are kept")
        let undo = try UndoRun().run(manifestPath: manifest) { _ in }
        XCTAssertEqual(undo.restored, 3)
        XCTAssertEqual(snapshot(), before)
        let again = try UndoRun().run(manifestPath: manifest) { _ in }
        XCTAssertEqual(again, UndoRun.Summary(), "a second undo does nothing")
    }

    func testNameCollisionsGetANumberedName() throws {
        let target = root.appendingPathComponent("dups").path
        try fm.createDirectory(atPath: target + "/sub", withIntermediateDirectories: true)
        XCTAssertTrue(fm.createFile(atPath: target + "/sub/a-copy.jpg", contents: Data("someone else's".utf8)))
        let manifest = target + "/m.jsonl"
        _ = try DedupeExecutor().execute(try plan(moveTo: target), manifest: ManifestWriter(path: manifest)) { _ in }
        XCTAssertEqual(fm.contents(atPath: target + "/sub/a-copy.jpg"), Data("someone else's".utf8), "never overwritten")
        XCTAssertNotNil(fm.contents(atPath: target + "/sub/a-copy (1).jpg"))
        XCTAssertEqual(try UndoRun().run(manifestPath: manifest) { _ in }.restored, 3)
    }

    func testReadOnlyFilesMoveWithTheirPermissions() throws {
        let file = photos + "/sub/a-copy.jpg"
        try fm.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file)
        let target = root.appendingPathComponent("dups").path
        _ = try DedupeExecutor().execute(try plan(moveTo: target), manifest: ManifestWriter(path: target + "/m.jsonl")) { _ in }
        let moved = try fm.attributesOfItem(atPath: target + "/sub/a-copy.jpg")
        XCTAssertEqual((moved[.posixPermissions] as? NSNumber)?.intValue, 0o444)
        _ = try UndoRun().run(manifestPath: target + "/m.jsonl") { _ in }
        XCTAssertEqual((try fm.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue, 0o444)
    }

    func testCopyPathForOtherFileSystemsKeepsBytesAndTimes() throws {
        let before = snapshot()
        let target = root.appendingPathComponent("dups").path
        var executor = DedupeExecutor()
        executor.mover.forceCopy = true
        let manifest = target + "/m.jsonl"
        let summary = try executor.execute(try plan(moveTo: target), manifest: ManifestWriter(path: manifest)) { _ in }
        XCTAssertEqual(summary.done, 3)
        XCTAssertEqual(fm.contents(atPath: target + "/a-copy3.jpg"), before["a-copy3.jpg"])
        var undo = UndoRun()
        undo.mover.forceCopy = true
        _ = try undo.run(manifestPath: manifest) { _ in }
        XCTAssertEqual(snapshot(), before)
    }

    func testRealCrossDeviceMoveWhenATmpfsIsAvailable() throws {
        var a = stat(), b = stat()
        guard stat("/dev/shm", &a) == 0, stat(photos, &b) == 0, a.st_dev != b.st_dev else {
            throw XCTSkip("no second file system (/dev/shm) here")
        }
        let before = snapshot()
        let target = "/dev/shm/lookalike-dups-\(getpid())"
        defer { try? fm.removeItem(atPath: target) }
        let manifest = root.appendingPathComponent("m.jsonl").path
        XCTAssertEqual(try DedupeExecutor().execute(try plan(moveTo: target), manifest: ManifestWriter(path: manifest)) { _ in }.done, 3)
        XCTAssertNotNil(fm.contents(atPath: target + "/sub/a-copy2.jpg"))
        _ = try UndoRun().run(manifestPath: manifest) { _ in }
        XCTAssertEqual(snapshot(), before)
    }

    func testFilesChangedSinceReadingAreLeftAlone() throws {
        let p = try plan(moveTo: root.appendingPathComponent("dups").path)
        // One duplicate edited after hashing; the kept copy untouched.
        let edited = photos + "/sub/a-copy2.jpg"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: edited))
        handle.seekToEndOfFile(); handle.write(Data([0])); handle.closeFile()
        var events: [String] = []
        let summary = try DedupeExecutor().execute(p, manifest: ManifestWriter(path: root.appendingPathComponent("m.jsonl").path)) {
            if case let .skipped(path, reason) = $0 { events.append("\(path): \(reason)") }
        }
        XCTAssertEqual(summary.done, 2)
        XCTAssertEqual(summary.skipped, 1)
        XCTAssertTrue(events[0].contains("a-copy2.jpg: changed since it was read"), events[0])
        XCTAssertTrue(fm.fileExists(atPath: edited))
    }

    func testNothingMovesWhenTheKeptCopyVanished() throws {
        let p = try plan(moveTo: root.appendingPathComponent("dups").path)
        try fm.removeItem(atPath: photos + "/a.jpg")
        let summary = try DedupeExecutor().execute(p, manifest: ManifestWriter(path: root.appendingPathComponent("m.jsonl").path)) { _ in }
        XCTAssertEqual(summary.done, 0)
        XCTAssertEqual(summary.skipped, 3, "the duplicates are now the only copies")
    }

    func testTornManifestLineIsIgnored() throws {
        let path = root.appendingPathComponent("m.jsonl").path
        let writer = try ManifestWriter(path: path)
        try writer.append(ManifestEntry(op: .move, state: .intent, from: "/x", to: "/y", size: 1, modified: 0))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile(); h.write(Data("{\"op\":\"mo".utf8)); h.closeFile()
        XCTAssertEqual(try ManifestWriter.read(path).count, 1)
    }
}
