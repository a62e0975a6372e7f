import Foundation
import XCTest
@testable import Lookalike

/// `compare`'s figures on hand-made descriptors (every number checkable by hand), its labels input, the page,
/// and the command end to end on the generated product set.
final class ComparisonTests: XCTestCase {
    /// 6 images: products A (a0 a1 a2) and B (b0 b1), one distractor. Views: a0, b0 catalogue; the rest model.
    func described(_ codes: [UInt64]) -> LabelledDescriptors {
        LabelledDescriptors(descriptorSets: [codes.map { code in .bits(PerceptualHash(bits: (0..<64).map { code >> $0 & 1 == 1 })) }],
                            labels: ["A", "A", "A", "B", "B", "\u{1}distractor:x"],
                            views: ["catalogue", "model", "model", "catalogue", "model", LabelSet.distractorView],
                            paths: (0..<6).map { "/nowhere/\($0).jpg" }, failures: [])
    }

    func contender(_ name: String) -> Contender {
        Contender(plan: GroupingPlan(methods: [MethodCatalog.entry(named: name)!], settings: MethodSettings(),
                                     rule: .components, threshold: 4))
    }

    func testPerfectCodesScoreOneEverywhere() {
        // A within 2 bits, B within 2 bits, groups and the distractor 40+ bits apart.
        let codes: [UInt64] = [0, 0b1, 0b11, ~0, ~0 ^ 0b1, 0xFFFF_0000]
        let c = Comparison(described: described(codes), contenders: [contender("phash")], descriptorSets: [[described(codes).descriptorSets[0]]],
                           seconds: [0.001], decodeSeconds: 0.002)
        let r = c.methods[0]
        XCTAssertEqual(c.products, 2)
        XCTAssertEqual(c.distractors, 1)
        XCTAssertEqual(r.atDefault.f1, 1)
        XCTAssertEqual(r.atDefault.groups, 2)
        XCTAssertEqual(r.recallAt1, 1)
        XCTAssertEqual(r.recallAt5, 1)
        XCTAssertEqual(r.meanAveragePrecision, 1, accuracy: 1e-12)
        XCTAssertEqual(r.seedRule.groups, 2)
        XCTAssertEqual(r.ownRule.productsSplit, 0)
        XCTAssertEqual(c.galleries[0].missedTotal, 0)
        XCTAssertEqual(c.galleries[0].mergedTotal, 0)
        let catalogueModel = r.viewPairs.first { $0.views == "catalogue/model" }!
        XCTAssertEqual(catalogueModel.samePairs, 3)  // a0-a1, a0-a2, b0-b1
        XCTAssertEqual(catalogueModel.joinedAtDefault, 3)
        XCTAssertEqual(catalogueModel.otherPairs, 3)  // a0-b1, b0-a1, b0-a2
    }

    func testACatalogueShotFarFromItsModelShotsIsMissedAndShownWithTheOtherMethodsDistance() {
        // a0 (catalogue) 30 bits from a1, a2; everything else as before. A second contender sees them close.
        let far: [UInt64] = [0x3FFF_FFFF << 20, 0b1, 0b11, ~0, ~0 ^ 0b1, 0xFFFF_0000]
        let near: [UInt64] = [0, 0b1, 0b11, ~0, ~0 ^ 0b1, 0xFFFF_0000]
        let d = described(far)
        let c = Comparison(described: d, contenders: [contender("phash"), contender("dhash")],
                           descriptorSets: [[d.descriptorSets[0]], [described(near).descriptorSets[0]]],
                           seconds: [nil, nil], decodeSeconds: nil)
        let r = c.methods[0]
        let catalogueModel = r.viewPairs.first { $0.views == "catalogue/model" }!
        XCTAssertEqual(catalogueModel.joinedAtDefault, 1, "only b0-b1 joined")
        XCTAssertEqual(r.viewPairs.first { $0.views == "model/model" }!.joinedAtDefault, 1, "a1-a2")
        XCTAssertEqual(r.recallAt1, 0.8, accuracy: 1e-12, "a0's nearest is not an A")
        let g = c.galleries[0]
        XCTAssertEqual(g.missedTotal, 2)
        XCTAssertEqual(Set(g.missed.map { [$0.a, $0.b] }), [[0, 1], [0, 2]])
        for p in g.missed {
            XCTAssertEqual(p.joined, [false, true], "the second contender joins what the first misses")
            XCTAssertGreaterThan(p.distances[0], 4)
            XCTAssertLessThanOrEqual(p.distances[1], 4)
        }
        XCTAssertEqual(c.galleries[1].missedTotal, 0)
        // Time: nil where not measured, and the whole thing encodes (the JSON report).
        XCTAssertNil(r.secondsPerImage)
        XCTAssertNoThrow(try JSONEncoder().encode(c))
    }

    func testLabelsInputChecksAndDistractors() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-labels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for folder in ["shirt", "shoe"] { try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true) }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.image("jpeg/photo-city.jpg")))
        for name in ["shirt/1.jpg", "shirt/2.jpg", "shoe/1.jpg", "loose.jpg"] { try jpeg.write(to: root.appendingPathComponent(name)) }

        // One subfolder per product; the loose image is a distractor.
        let folder = try LabelSet.load(root.path).labels
        XCTAssertEqual(folder.groups.filter { !$0.hasPrefix("\u{1}") }, ["shirt", "shirt", "shoe"])
        XCTAssertEqual(folder.paths.count, 4)
        XCTAssertTrue(folder.isDistractor(3))

        // A CSV: missing images listed, empty groups named, a single product refused.
        func csv(_ text: String) -> String {
            let path = root.appendingPathComponent("labels.csv").path
            try! text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        XCTAssertThrowsError(try LabelSet.load(csv("path,group\nshirt/1.jpg,a\nshirt/9.jpg,a\nnope.jpg,b\n"))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("2 image(s) named in the labels do not exist"), message)
            XCTAssertTrue(message.contains("shirt/9.jpg") && message.contains("nope.jpg"), message)
        }
        XCTAssertThrowsError(try LabelSet.load(csv("path,group\nshirt/1.jpg,a\nshirt/2.jpg,\nshoe/1.jpg,b\n"))) { error in
            XCTAssertTrue("\(error)".contains("1 row(s) have an empty group column: 2.jpg"), "\(error)")
        }
        XCTAssertThrowsError(try LabelSet.load(csv("path,group\nshirt/1.jpg,a\nshirt/2.jpg,a\n"))) { error in
            XCTAssertTrue("\(error)".contains("needs two products or more"), "\(error)")
        }
        // Every unlabelled image under the CSV's folder is a distractor, however it is spelled in the CSV.
        let set = try LabelSet.load(csv("path,group,view\n./shirt/1.jpg,a,catalogue\nshoe/1.jpg,b,model\n")).labels
        XCTAssertEqual(set.paths.count, 4)
        XCTAssertEqual(set.views.filter { $0 == LabelSet.distractorView }.count, 2)
    }

    func testJPEGEncoderRoundTrip() throws {
        var pixels = [UInt8](repeating: 0, count: 64 * 48 * 3)
        for y in 0..<48 { for x in 0..<64 { pixels[3 * (y * 64 + x)] = UInt8(x * 4); pixels[3 * (y * 64 + x) + 2] = UInt8(y * 5) } }
        let jpeg = try XCTUnwrap(JPEGEncoder.encode(rgb: pixels, width: 64, height: 48, quality: 90))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-\(UUID().uuidString).jpg")
        defer { try? FileManager.default.removeItem(at: path) }
        try Data(jpeg).write(to: path)
        guard case .success(let decoded) = ImageDecoder().decode(path: path.path) else { return XCTFail("did not decode") }
        let rgb = RGBImage(decoded.image)
        XCTAssertEqual([rgb.width, rgb.height], [64, 48])
        let worst = zip(rgb.pixels, pixels).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThan(worst, 24, "a smooth gradient survives quality 90")
    }
}

/// The robustness suite's edits: sizes, determinism, and the command end to end.
final class RobustnessTests: XCTestCase {
    func gradient(_ w: Int, _ h: Int) -> RGBImage {
        RGBImage(width: w, height: h, pixels: (0..<(w * h)).flatMap { i in [UInt8(i % w * 5), UInt8(i / w * 7), 90] })
    }

    func testEveryTransformMakesTheSizeItSaysAndTheSameBytesTwice() {
        let image = gradient(40, 30)
        let sizes: [String: (Int, Int)] = ["jpeg-q30": (40, 30), "downscale-0.5": (20, 15), "crop-10%": (36, 27),
                                           "border": (46, 36), "letterbox": (54, 30), "rotate-5": (40, 30),
                                           "rotate-90": (30, 40), "flip": (40, 30), "aspect-1.3": (52, 30), "text": (40, 30)]
        XCTAssertEqual(ImageTransform.standard.count, 22)
        for t in ImageTransform.standard {
            let a = t(image, seed: 7), b = t(image, seed: 7)
            XCTAssertEqual(a, b, "\(t.name) is deterministic")
            if let size = sizes[t.name] { XCTAssertEqual([a.width, a.height], [size.0, size.1], t.name) }
        }
        let noise = ImageTransform.standard.first { $0.name == "noise" }!
        XCTAssertNotEqual(noise(image, seed: 1), noise(image, seed: 2), "the seed moves the noise")
        let flip = ImageTransform.standard.first { $0.name == "flip" }!
        XCTAssertEqual(flip(image).pixels[0..<3], image.pixels[3 * 39..<3 * 40], "mirrored left to right")
    }
}

extension CommandLineTests {
    func testRobustnessFindsReencodedCopiesAndKeepsCopiesOnlyWhenAsked() throws {
        let keep = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-copies-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: keep) }
        let images = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images").path
        let result = try run(["robustness", "--method", "phash", "--limit", "6", "--format", "json",
                              "--keep-copies", keep.path, images])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((report["originals"] as! [String]).count, 6)
        let phash = (report["methods"] as! [[String: Any]])[0]
        XCTAssertEqual(phash["negatives"] as? Int, 6 * 22 * 5)
        let scores = phash["transforms"] as! [[String: Any]]
        XCTAssertEqual(scores.count, 22)
        let q90 = scores.first { $0["transform"] as? String == "jpeg-q90" }!
        XCTAssertEqual(q90["found"] as? Int, 6, "a re-encoded copy is found")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: keep.path).count, 6 * 22)
        let again = try run(["robustness", "--method", "phash", "--limit", "6", "--keep-copies", keep.path, images])
        XCTAssertEqual(again.status, 64, "a folder with copies in it is not written over")
    }
}
