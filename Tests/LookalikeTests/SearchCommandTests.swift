import Foundation
import XCTest

/// `lookalike search` end to end: queries outside the folder, formats, bad queries and bad folder files in
/// sequence, large k, an empty folder.
extension CommandLineTests {
    /// A folder of the generated product photos (a few of them), and a query folder outside it holding a copy
    /// of one of them and a picture the folder does not have.
    func makeSearchFolders() throws -> (folder: URL, queries: URL) {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("lookalike-search-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("catalogue"), queries = root.appendingPathComponent("queries")
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try fm.createDirectory(at: queries, withIntermediateDirectories: true)
        let products = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images")
        for name in ["p01-catalogue-1", "p01-catalogue-2", "p08-catalogue-1", "p09-catalogue-1", "p11-catalogue-1",
                     "p11-catalogue-2", "p12-shelf-1"] {
            try fm.copyItem(at: products.appendingPathComponent(name + ".jpg"), to: folder.appendingPathComponent(name + ".jpg"))
        }
        try fm.copyItem(at: products.appendingPathComponent("p11-catalogue-1.jpg"), to: queries.appendingPathComponent("a-copy.jpg"))
        try fm.copyItem(atPath: FixturePaths.image("jpeg/photo-city.jpg"), toPath: queries.appendingPathComponent("b-city.jpg").path)
        return (folder, queries)
    }

    func testSearchFindsAQuerysCopyFirstAndWritesEveryFormat() throws {
        let (folder, queries) = try makeSearchFolders()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let copy = queries.appendingPathComponent("a-copy.jpg").path
        let json = try run(["search", "--method", "phash", "-k", "3", "--format", "json", copy,
                            queries.appendingPathComponent("b-city.jpg").path, "--in", folder.path])
        XCTAssertEqual(json.status, 0, json.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(doc["images"] as? Int, 7)
        XCTAssertEqual(doc["metric"] as? String, "hamming")
        let found = doc["queries"] as! [[String: Any]]
        XCTAssertEqual(found.map { $0["query"] as! String }, [copy, queries.appendingPathComponent("b-city.jpg").path])
        let first = found[0]["results"] as! [[String: Any]]
        XCTAssertEqual(first.count, 3)
        XCTAssertEqual(first[0]["path"] as? String, folder.appendingPathComponent("p11-catalogue-1.jpg").path)
        XCTAssertEqual(first[0]["distance"] as? Double, 0)
        let distances = first.map { $0["distance"] as! Double }
        XCTAssertEqual(distances, distances.sorted())

        // The same ranking in csv and jsonl; a fusion's distances are fused.
        let csv = try run(["search", "--method", "phash", "-k", "3", "--format", "csv", copy, "--in", folder.path])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let rows = csv.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows[0], "query,rank,distance,width,height,path,error")
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows[1].hasSuffix("p11-catalogue-1.jpg,"), rows[1])
        let jsonl = try run(["search", "--method", "phash,colour", "-k", "2", "--format", "jsonl", copy, "--in", folder.path])
        XCTAssertEqual(jsonl.status, 0, jsonl.stderr)
        let line = try JSONSerialization.jsonObject(with: Data(jsonl.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
        XCTAssertEqual((line["results"] as! [[String: Any]]).count, 2)

        // HTML: one self-contained page with the query and its results as thumbnails.
        let page = folder.deletingLastPathComponent().appendingPathComponent("search.html")
        let html = try run(["search", "--method", "dhash", "-k", "2", "--format", "html", "--output", page.path,
                            queries.path, "--in", folder.path])
        XCTAssertEqual(html.status, 0, html.stderr)
        let text = try String(contentsOf: page, encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: "<div class=\"query\">").count - 1, 2)
        XCTAssertEqual(text.components(separatedBy: "data:image/jpeg;base64,").count - 1, 6)
        XCTAssertFalse(text.contains("<script") || text.contains("http://") || text.contains("file://"))
    }

    func testAQueryInTheFolderIsLeftOutOfItsOwnResultsAndLargeKReturnsTheRest() throws {
        let (folder, _) = try makeSearchFolders()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let inside = folder.appendingPathComponent("p08-catalogue-1.jpg").path
        let result = try run(["search", "--method", "ahash", "-k", "100", "--format", "jsonl", inside, "--in", folder.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let paths = (line["results"] as! [[String: Any]]).map { $0["path"] as! String }
        XCTAssertEqual(paths.count, 6, "every other image of the 7")
        XCTAssertFalse(paths.contains(inside))
    }

    func testAnUnreadableQueryIsNamedAndTheOthersStillRun() throws {
        let (folder, queries) = try makeSearchFolders()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let truncated = FixturePaths.image("broken/truncated.jpg")
        let missing = queries.appendingPathComponent("gone.jpg").path
        let copy = queries.appendingPathComponent("a-copy.jpg").path
        // One worker: the good query after the truncated one is read by the same decoder.
        let result = try run(["search", "--method", "phash", "-k", "2", "--jobs", "1", "--format", "jsonl",
                              truncated, copy, missing, "--in", folder.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0]["category"] as? String, "truncated")
        XCTAssertEqual(((lines[1]["results"] as! [[String: Any]])[0])["path"] as? String,
                       folder.appendingPathComponent("p11-catalogue-1.jpg").path)
        XCTAssertNotNil(lines[2]["error"])
        XCTAssertTrue(result.stderr.contains(truncated) && result.stderr.contains(missing), result.stderr)

        // Every query unreadable: exit 2.
        let none = try run(["search", "--method", "phash", missing, "--in", folder.path])
        XCTAssertEqual(none.status, 2, none.stderr)
    }

    func testABrokenFolderImageIsNamedAndTheResultsAreThoseWithoutIt() throws {
        let (folder, queries) = try makeSearchFolders()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let copy = queries.appendingPathComponent("a-copy.jpg").path
        let clean = try run(["search", "--method", "dhash", "-k", "6", "--jobs", "1", "--format", "csv", copy, "--in", folder.path])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        // Sorted between good files, so one worker reads it mid-run and then the good files after it.
        try FileManager.default.copyItem(atPath: FixturePaths.image("broken/truncated.jpg"),
                                         toPath: folder.appendingPathComponent("p09-broken.jpg").path)
        let broken = try run(["search", "--method", "dhash", "-k", "6", "--jobs", "1", "--format", "csv", copy, "--in", folder.path])
        XCTAssertEqual(broken.status, 1, broken.stderr)
        XCTAssertTrue(broken.stderr.contains("p09-broken.jpg"), broken.stderr)
        XCTAssertEqual(broken.stdout, clean.stdout)
    }

    func testAnEmptyFolderIsAnErrorWithAMessage() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try run(["search", "--method", "phash", FixturePaths.image("jpeg/photo-city.jpg"), "--in", empty.path])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("no readable image to search in \(empty.path)"), result.stderr)
        let usage = try run(["search", "--method", "phash", FixturePaths.image("jpeg/photo-city.jpg")])
        XCTAssertEqual(usage.status, 64, usage.stderr)
        XCTAssertTrue(usage.stderr.contains("--in"), usage.stderr)
    }
}
