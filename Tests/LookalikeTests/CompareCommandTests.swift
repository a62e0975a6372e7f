import Foundation
import XCTest

/// `lookalike compare` end to end on the generated product set (`Fixtures/make_products.py`).
extension CommandLineTests {
    var productLabels: String { FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/labels.csv").path }

    func testCompareWritesEveryFigureAsJSON() throws {
        let result = try run(["compare", "--method", "phash", "--method", "colour", "--method", "phash,colour",
                              "--format", "json", productLabels])
        XCTAssertEqual(result.status, 0, result.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let comparison = doc["comparison"] as! [String: Any]
        XCTAssertEqual(comparison["products"] as? Int, 12)
        XCTAssertEqual(comparison["distractors"] as? Int, 5)
        let methods = comparison["methods"] as! [[String: Any]]
        XCTAssertEqual(methods.map { $0["name"] as! String }, ["phash", "colour", "phash+colour"])
        for m in methods {
            for key in ["atDefault", "best", "recallAt1", "recallAt5", "meanAveragePrecision", "curve", "viewPairs",
                        "seedRule", "ownRule", "secondsPerImage"] {
                XCTAssertNotNil(m[key], "\(m["name"]!): \(key)")
            }
            let pairs = m["viewPairs"] as! [[String: Any]]
            let catalogueModel = try XCTUnwrap(pairs.first { $0["views"] as? String == "catalogue/model" })
            XCTAssertEqual(catalogueModel["samePairs"] as? Int, 28)
        }
        // Where hashing fails: pHash at its default joins no packshot with a model shot.
        let phashPairs = methods[0]["viewPairs"] as! [[String: Any]]
        XCTAssertEqual(phashPairs.first { $0["views"] as? String == "catalogue/model" }?["joinedAtDefault"] as? Int, 0)
        XCTAssertEqual((comparison["galleries"] as! [[String: Any]]).count, 3)
    }

    func testCompareWritesOneSelfContainedPage() throws {
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-compare-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: page) }
        let result = try run(["compare", "--method", "dhash", "--method", "mask", "--output", page.path, productLabels])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("report: \(page.path)"), result.stdout)
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.contains("data:image/jpeg;base64,"), "thumbnails embedded")
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("file://"),
                       "nothing outside the page is requested")
        XCTAssertFalse(html.contains("<script"))
        for section in ["Every method on the same images", "pairs by view", "<polyline", "seed documents' rule",
                        "Same product, kept apart"] {
            XCTAssertTrue(html.contains(section), section)
        }
    }

    func testCompareRefusesBadLabelsWithTheReason() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-badlabels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("labels.csv")
        try "path,group\nmissing-1.jpg,a\nmissing-2.jpg,b\n".write(to: csv, atomically: true, encoding: .utf8)
        let missing = try run(["compare", "--method", "phash", csv.path])
        XCTAssertEqual(missing.status, 64, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("2 image(s) named in the labels do not exist"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("missing-1.jpg"), missing.stderr)
        let nothing = try run(["compare", "--method", "phash", folder.appendingPathComponent("nope.csv").path])
        XCTAssertEqual(nothing.status, 64, nothing.stderr)
    }
}

extension CommandLineTests {
    func testAttributesArePrintedAndExplainPairsInCompare() throws {
        let striped = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images/p01-catalogue-1.jpg").path
        let printed = try run(["attributes", "--format", "json", striped])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        let line = try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((line["pattern"] as? [String: Any])?["value"] as? String, "striped", printed.stdout)
        XCTAssertEqual((line["colour"] as? [String: Any])?["value"] as? String, "blue", printed.stdout)

        let compared = try run(["compare", "--method", "attributes", "--method", "phash", "--format", "json", productLabels])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(compared.stdout.utf8)) as! [String: Any]
        let images = (doc["comparison"] as! [String: Any])["images"] as! [[String: Any]]
        let first = try XCTUnwrap(images.first { ($0["path"] as! String).hasSuffix("p01-catalogue-1.jpg") })
        XCTAssertTrue((first["explanation"] as? String)?.contains("striped") ?? false, "\(first)")
    }
}

extension CommandLineTests {
    func testCompareGoesOnPastABrokenImageAndNamesIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-compare-broken-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fm = FileManager.default
        let images = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images")
        for (product, files) in [("p01", ["p01-catalogue-1.jpg", "p01-model-1.jpg"]), ("p03", ["p03-catalogue-1.jpg", "p03-model-1.jpg"])] {
            let sub = folder.appendingPathComponent(product)
            try fm.createDirectory(at: sub, withIntermediateDirectories: true)
            for f in files { try fm.copyItem(at: images.appendingPathComponent(f), to: sub.appendingPathComponent(f)) }
        }
        // A truncated JPEG sorted between good files of the same product, so one worker meets it mid-run.
        try fm.copyItem(atPath: FixturePaths.image("broken/truncated.jpg"), toPath: folder.appendingPathComponent("p01/p01-m.jpg").path)
        let result = try run(["compare", "--method", "phash", "--method", "colour", "--format", "json", "--jobs", "1", folder.path])
        XCTAssertEqual(result.status, 1, "some files failed: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("p01-m.jpg"), result.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(((doc["comparison"] as! [String: Any])["images"] as! [Any]).count, 4, "the four good images, every one compared")
        XCTAssertEqual((doc["failures"] as! [Any]).count, 1)
    }
}
