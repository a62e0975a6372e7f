import Foundation
import XCTest
@testable import Lookalike

final class FileCollectorTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-collect-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("b/deeper"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        for name in ["a.JPG", "b/c.png", "b/deeper/d.jpeg", "notes.txt", "elsewhere/e.jpg"] {
            _ = fm.createFile(atPath: root.appendingPathComponent(name).path, contents: Data([1]))
        }
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("link").path,
                                  withDestinationPath: root.appendingPathComponent("elsewhere").path)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func relative(_ files: [String]) -> [String] { files.map { String($0.dropFirst(root.path.count + 1)) } }

    func testWalksRecursivelySortedByExtensionWithoutFollowingLinks() {
        let found = FileCollector().collect([root.path])
        XCTAssertEqual(relative(found.files), ["a.JPG", "b/c.png", "b/deeper/d.jpeg", "elsewhere/e.jpg"])
        XCTAssertTrue(found.errors.isEmpty)
    }

    func testFollowsLinksWhenAskedAndListsALinkedFileOnceByItsOwnPath() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-outside-\(getpid())")
        try? FileManager.default.removeItem(at: outside)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        _ = FileManager.default.createFile(atPath: outside.appendingPathComponent("f.jpg").path, contents: Data([2]))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("out").path, withDestinationPath: outside.path)
        let found = FileCollector(followSymlinks: true).collect([root.path])
        // link -> elsewhere (inside the walk): elsewhere/e.jpg once; out -> a folder outside: reached only by the link.
        XCTAssertEqual(relative(found.files), ["a.JPG", "b/c.png", "b/deeper/d.jpeg", "elsewhere/e.jpg", "out/f.jpg"])
        XCTAssertEqual(relative(found.repeats), ["link/e.jpg"])
    }

    func testTheSameFileReachedTwiceIsListedOnce() throws {
        let a = root.appendingPathComponent("a.JPG").path
        try FileManager.default.linkItem(atPath: a, toPath: root.appendingPathComponent("b/hard.jpg").path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a-link.jpg").path, withDestinationPath: a)
        // The folder twice (with a trailing slash and through ".."), the file by name, a hard link and a link to it.
        let inputs = [root.path, root.path + "/", root.path + "/b/..", a, root.appendingPathComponent("a-link.jpg").path]
        let found = FileCollector().collect(inputs)
        XCTAssertEqual(relative(found.files), ["a.JPG", "b/c.png", "b/deeper/d.jpeg", "elsewhere/e.jpg"])
        // The hard link in the first walk, all five files in each repeated walk, the file and the link to it.
        XCTAssertEqual(found.repeats.count, 1 + 5 + 5 + 1 + 1, "\(found.repeats)")
        XCTAssertTrue(found.errors.isEmpty)
    }

    func testALinkNamedBeforeItsTargetGivesWayToTheTarget() throws {
        let a = root.appendingPathComponent("a.JPG").path, link = root.appendingPathComponent("a-link.jpg").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: a)
        let found = FileCollector().collect([link, root.appendingPathComponent("notes.txt").path, a])
        XCTAssertEqual(relative(found.files), ["a.JPG", "notes.txt"], "the target takes the link's place")
        XCTAssertEqual(found.repeats, [link])
    }

    func testANameThatIsNotUTF8IsNamedAsSuch() throws {
        let bytes: [UInt8] = Array(root.path.utf8) + Array("/f".utf8) + [0xE9] + Array(".jpg".utf8) + [0]
        let fd = bytes.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        let found = FileCollector().collect([root.path])
        XCTAssertEqual(found.errors.map(\.cause.category), ["name-not-utf8"])
        XCTAssertTrue(found.errors[0].description.contains("f\\xE9.jpg"), found.errors[0].description)
        XCTAssertEqual(found.files.count, 4, "the other files are still listed")
    }

    func testDedupeDestinationsAndExcludedFoldersAreNotWalked() throws {
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("b/\(FileCollector.destinationMarker)").path, contents: Data())
        let found = FileCollector(excludedFolders: [root.appendingPathComponent("elsewhere").path]).collect([root.path])
        XCTAssertEqual(relative(found.files), ["a.JPG"])
        XCTAssertEqual(relative(found.skippedFolders), ["b", "elsewhere"])
        // Named as an input itself, a destination is read.
        XCTAssertEqual(FileCollector().collect([root.appendingPathComponent("b").path]).files.count, 2)
    }

    func testExplicitFilesAreAlwaysTakenAndMissingOnesReported() {
        let found = FileCollector().collect([root.appendingPathComponent("notes.txt").path, root.path + "/nope.jpg"])
        XCTAssertEqual(relative(found.files), ["notes.txt"])
        XCTAssertEqual(found.errors.map(\.cause.category), ["unreadable"])
    }

    func testExtensionFilter() {
        let found = FileCollector(extensions: [".png"]).collect([root.path])
        XCTAssertEqual(relative(found.files), ["b/c.png"])
    }
}
