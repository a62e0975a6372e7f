import Foundation
import Synchronization
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

    func plan(moveTo: String?, inputs: [String]? = nil, followSymlinks: Bool = false) throws -> DedupePlan {
        let files = FileCollector(followSymlinks: followSymlinks).collect(inputs ?? [photos]).files
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
        return DedupePlan(report: report, roots: inputs ?? [photos], moveTo: moveTo)
    }

    /// The contents of every file under `folders`, as a multiset of SHA-256 digests.
    func contents(_ folders: [String]) -> [String: Int] {
        var out: [String: Int] = [:]
        for folder in folders {
            for path in snapshot(folder).keys where !path.hasPrefix(".lookalike") && !path.hasSuffix(".jsonl") {
                let data = fm.contents(atPath: folder + "/" + path) ?? Data()
                out[SHA256.hex(of: [UInt8](data)), default: 0] += 1
            }
        }
        return out
    }

    func testMoveThenUndoRestoresTheTreeExactly() throws {
        let before = snapshot()
        let target = root.appendingPathComponent("dups").path
        let p = try plan(moveTo: target)
        XCTAssertEqual(p.actions.count, 3)
        XCTAssertTrue(p.actions.allSatisfy { $0.kept.path.hasSuffix("photos/a.jpg") })
        let manifest = root.appendingPathComponent("dups/manifest.jsonl").path
        let summary = try DedupeExecutor().execute(p, manifest: ManifestWriter.create(manifest, renameIfTaken: false)) { _ in }
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
        _ = try DedupeExecutor().execute(try plan(moveTo: target), manifest: ManifestWriter.create(manifest, renameIfTaken: false)) { _ in }
        XCTAssertEqual(fm.contents(atPath: target + "/sub/a-copy.jpg"), Data("someone else's".utf8), "never overwritten")
        XCTAssertNotNil(fm.contents(atPath: target + "/sub/a-copy (1).jpg"))
        XCTAssertEqual(try UndoRun().run(manifestPath: manifest) { _ in }.restored, 3)
    }

    func testReadOnlyFilesMoveWithTheirPermissions() throws {
        let file = photos + "/sub/a-copy.jpg"
        try fm.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file)
        let target = root.appendingPathComponent("dups").path
        _ = try DedupeExecutor().execute(try plan(moveTo: target), manifest: ManifestWriter.create(target + "/m.jsonl", renameIfTaken: false)) { _ in }
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
        let summary = try executor.execute(try plan(moveTo: target), manifest: ManifestWriter.create(manifest, renameIfTaken: false)) { _ in }
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
        XCTAssertEqual(try DedupeExecutor().execute(try plan(moveTo: target), manifest: ManifestWriter.create(manifest, renameIfTaken: false)) { _ in }.done, 3)
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
        let summary = try DedupeExecutor().execute(p, manifest: ManifestWriter.create(root.appendingPathComponent("m.jsonl").path, renameIfTaken: false)) {
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
        let summary = try DedupeExecutor().execute(p, manifest: ManifestWriter.create(root.appendingPathComponent("m.jsonl").path, renameIfTaken: false)) { _ in }
        XCTAssertEqual(summary.done, 0)
        XCTAssertEqual(summary.skipped, 3, "the duplicates are now the only copies")
    }

    func testTornManifestLineIsIgnored() throws {
        let path = root.appendingPathComponent("m.jsonl").path
        let writer = try ManifestWriter.create(path, renameIfTaken: false)
        try writer.append(ManifestEntry(op: .move, state: .intent, from: "/x", to: "/y", size: 1, modified: 0))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile(); h.write(Data("{\"op\":\"mo".utf8)); h.closeFile()
        XCTAssertEqual(try ManifestWriter.read(path).count, 1)
    }

    // MARK: never the last copy

    func testTheSameFolderGivenTwiceLosesNothing() throws {
        let distinct = Set(contents([photos]).keys)
        let p = try plan(moveTo: nil, inputs: [photos, photos + "/", photos + "/sub/.."])
        XCTAssertEqual(p.actions.count, 3, "each file once: three copies of a.jpg go, a.jpg and unique.jpg stay")
        XCTAssertTrue(p.actions.allSatisfy { $0.path != $0.kept.path })
        let summary = DedupeExecutor().execute(p, manifest: try ManifestWriter.create(root.appendingPathComponent("m.jsonl").path, renameIfTaken: false)) { _ in }
        XCTAssertEqual(summary.done, 3)
        XCTAssertEqual(Set(contents([photos]).keys), distinct, "one copy of every picture is left")
    }

    func testALinkIsNeverKeptInPlaceOfItsTarget() throws {
        // A linked folder and a link to a file, both followed: the real files are the ones listed and kept.
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("linked").path, withDestinationPath: photos)
        try fm.createSymbolicLink(atPath: photos + "/0-link.jpg", withDestinationPath: photos + "/a.jpg")
        let p = try plan(moveTo: nil, inputs: [root.appendingPathComponent("linked").path, photos], followSymlinks: true)
        XCTAssertFalse(p.actions.contains { $0.path.contains("link") || $0.kept.path.contains("link") }, "\(p.actions.map(\.path))")
        _ = DedupeExecutor().execute(p, manifest: try ManifestWriter.create(root.appendingPathComponent("m.jsonl").path, renameIfTaken: false)) { _ in }
        XCTAssertNotNil(fm.contents(atPath: photos + "/0-link.jpg"), "the link still reaches a picture")
        XCTAssertNotNil(fm.contents(atPath: photos + "/a.jpg"))
    }

    /// The executor's own guard, whatever the plan says: a file is never removed as a duplicate of itself.
    func testAPlanThatPairsAFileWithItselfOrWithALinkIsRefusedAtExecution() throws {
        let a = photos + "/a.jpg", link = photos + "/l.jpg"
        try fm.createSymbolicLink(atPath: link, withDestinationPath: a)
        let facts = [a, a, link, photos + "/sub/a-copy.jpg"].map { ImageFacts(path: $0, width: 1, height: 1) }
        let same = GroupingReport(method: "phash", images: facts,
                                  descriptors: Array(repeating: .bits(PerceptualHash(bits: Array(repeating: true, count: 64))), count: 4),
                                  rule: .components, threshold: 0, keep: KeepPolicy(parsing: "shortest")!)
        var p = DedupePlan(report: same, roots: [photos], moveTo: nil)
        var reasons: [String] = []
        let summary = DedupeExecutor().execute(p, manifest: try ManifestWriter.create(root.appendingPathComponent("m.jsonl").path, renameIfTaken: false)) {
            if case let .skipped(_, reason) = $0 { reasons.append(reason) }
        }
        XCTAssertTrue(fm.fileExists(atPath: a))
        XCTAssertEqual(summary.skipped, 2, "\(reasons)")
        XCTAssertTrue(reasons.allSatisfy { $0.contains("same file as its kept copy") }, "\(reasons)")
        // A link chosen as the kept copy: nothing is removed in its favour.
        let linkKept = GroupingReport(method: "phash", images: [link, photos + "/unique.jpg"].map { ImageFacts(path: $0, width: 1, height: 1) },
                                      descriptors: Array(repeating: .bits(PerceptualHash(bits: Array(repeating: true, count: 64))), count: 2),
                                      rule: .components, threshold: 0, keep: KeepPolicy(parsing: "shortest")!)
        p = DedupePlan(report: linkKept, roots: [photos], moveTo: nil)
        XCTAssertEqual(p.actions.first?.kept.path, link)
        let second = DedupeExecutor().execute(p, manifest: try ManifestWriter.create(root.appendingPathComponent("m2.jsonl").path, renameIfTaken: false)) { _ in }
        XCTAssertEqual(second.skipped, 1)
        XCTAssertTrue(fm.fileExists(atPath: photos + "/unique.jpg"))
    }

    func testTheSourceFolderItselfIsRefusedAsDestination() throws {
        XCTAssertThrowsError(try DedupePlan.checkDestination(photos + "/.", roots: [photos]))
        XCTAssertThrowsError(try DedupePlan.checkDestination(photos, roots: [root.path, photos + "/"]))
        XCTAssertNoThrow(try DedupePlan.checkDestination(photos + "/dups", roots: [photos]))
        XCTAssertNoThrow(try DedupePlan.checkDestination(root.path, roots: [photos]))
    }

    func testManifestsAreNeverReused() throws {
        let path = root.appendingPathComponent("m.jsonl").path
        let first = try ManifestWriter.create(path, renameIfTaken: true)
        let second = try ManifestWriter.create(path, renameIfTaken: true)
        XCTAssertEqual(first.path, path)
        XCTAssertEqual(second.path, root.appendingPathComponent("m-2.jsonl").path)
        XCTAssertThrowsError(try ManifestWriter.create(path, renameIfTaken: false))
    }

    /// Two runs moving same-named files into one folder at once: names are claimed exclusively, nothing is
    /// overwritten, and both undo completely.
    func testTwoConcurrentRunsIntoOneDestinationLoseNothing() throws {
        let city = FixturePaths.image("jpeg/photo-city.jpg"), sunset = FixturePaths.image("jpeg/photo-sunset.jpg")
        var sources: [String] = []
        for (n, picture) in [(1, city), (2, sunset)] {
            let source = root.appendingPathComponent("s\(n)").path
            try fm.createDirectory(atPath: source, withIntermediateDirectories: true)
            for i in 0..<30 { try fm.copyItem(atPath: picture, toPath: source + "/dup-\(i).jpg") }
            // A distinct byte at the end (after EOI, ignored by decoders) makes each copy's content its own.
            for i in 0..<30 {
                let h = try FileHandle(forWritingTo: URL(fileURLWithPath: source + "/dup-\(i).jpg"))
                h.seekToEndOfFile(); h.write(Data([UInt8(n), UInt8(i)])); h.closeFile()
            }
            sources.append(source)
        }
        let target = root.appendingPathComponent("dups").path
        let before = contents(sources)
        let plans = try sources.map { try plan(moveTo: target, inputs: [$0]) }
        XCTAssertEqual(plans.map(\.actions.count), [29, 29])
        let manifests = sources.indices.map { root.appendingPathComponent("m\($0).jsonl").path }
        nonisolated(unsafe) let writers = try manifests.map { try ManifestWriter.create($0, renameIfTaken: false) }
        let done = Mutex([0, 0])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let n = DedupeExecutor().execute(plans[i], manifest: writers[i]) { _ in }.done
            done.withLock { $0[i] = n }
        }
        XCTAssertEqual(done.withLock { $0 }, [29, 29])
        XCTAssertEqual(contents(sources + [target]), before, "every file's bytes are still somewhere, once")
        for manifest in manifests { XCTAssertEqual(try UndoRun().run(manifestPath: manifest) { _ in }.restored, 29) }
        XCTAssertEqual(contents(sources), before)
    }

    /// A run killed after claiming a name and writing its intent, before the move: undo drops the empty claim.
    func testUndoDropsTheEmptyClaimOfAMoveThatNeverHappened() throws {
        let target = root.appendingPathComponent("dups").path
        let claimed = try FileMover.claim(target + "/sub/a-copy.jpg")
        let manifest = root.appendingPathComponent("m.jsonl").path
        let writer = try ManifestWriter.create(manifest, renameIfTaken: false)
        let facts = ImageFacts(path: photos + "/sub/a-copy.jpg", width: 1, height: 1)
        try writer.append(ManifestEntry(op: .move, state: .intent, from: facts.path, to: claimed, size: facts.fileSize, modified: facts.modified))
        let summary = try UndoRun().run(manifestPath: manifest) { _ in }
        XCTAssertEqual(summary.alreadyInPlace, 1)
        XCTAssertEqual(summary.problems, 0)
        XCTAssertFalse(fm.fileExists(atPath: claimed))
        XCTAssertTrue(fm.fileExists(atPath: facts.path))
    }

    func testAnUnwritableDestinationStopsTheRunWithOneLine() throws {
        let blocker = root.appendingPathComponent("not-a-folder").path
        XCTAssertTrue(fm.createFile(atPath: blocker, contents: Data([1])))
        let before = snapshot()
        let summary = DedupeExecutor().execute(try plan(moveTo: blocker + "/dups"),
                                               manifest: try ManifestWriter.create(root.appendingPathComponent("m.jsonl").path, renameIfTaken: false)) { _ in }
        XCTAssertEqual(summary.done, 0)
        let stopped = try XCTUnwrap(summary.stopped)
        XCTAssertTrue(stopped.contains("not-a-folder") && stopped.contains("not a folder"), stopped)
        XCTAssertEqual(snapshot(), before)
    }
}
