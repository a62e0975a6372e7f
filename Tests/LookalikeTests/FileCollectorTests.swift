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

    func testFollowsLinksWhenAsked() {
        let found = FileCollector(followSymlinks: true).collect([root.path])
        XCTAssertTrue(relative(found.files).contains("link/e.jpg"))
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
