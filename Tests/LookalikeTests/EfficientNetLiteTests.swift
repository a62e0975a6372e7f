import Foundation
import XCTest
@testable import Lookalike

/// EfficientNet-Lite against the PyTorch definition on the same seeded weights (Scripts/make_effnet_goldens.py),
/// and the real checkpoints when `LOOKALIKE_TEST_EFFNET` names a folder holding them.
final class EfficientNetLiteTests: XCTestCase {
    func testTheBlockLayoutOfEachVariant() {
        XCTAssertEqual(EfficientNetLite.blocks(.lite0).count, 16)
        XCTAssertEqual(EfficientNetLite.blocks(.lite1).count, 21)
        XCTAssertEqual(EfficientNetLite.blocks(.lite2).count, 21)
        XCTAssertEqual(EfficientNetLite.blocks(.lite2).map(\.output).last, 352)
    }

    nonisolated(unsafe) static let goldens: [String: Any] = try! FixturePaths.json(FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/effnet-goldens.json"))

    /// Features of the fixture images, as the goldens hold them for `variant`, from a loaded network.
    func check(_ net: EfficientNetLite, against expected: [String: [Double]], pooling: EfficientNetLite.Pooling,
               _ what: String) throws {
        for (relative, values) in expected {
            let image = try ImageDecoder().decode(path: FixturePaths.repositoryRoot.appendingPathComponent(relative).path).get().image
            let input = EfficientNetInput.tensor(RGBImage(image).applying(image.orientation), size: net.variant.inputSize)
            let got = net.embed(input, pooling: pooling, threads: 2)
            XCTAssertEqual(got.count, values.count)
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let worst = zip(got, values).map { abs(Double($0) - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-4 * norm, "\(what) \(relative): worst difference \(worst), norm \(norm)")
        }
    }

    func testSeededWeightsMatchPyTorchForEveryVariantAndPooling() throws {
        let variants = Self.goldens["variants"] as! [String: [String: Any]]
        for variant in EfficientNetLite.Variant.allCases {
            let entry = variants[variant.rawValue]!
            XCTAssertEqual(entry["size"] as? Int, variant.inputSize)
            let net = try EfficientNetLite(variant: variant, stateDict: EfficientNetLite.seededStateDict(variant))
            let seeded = entry["seeded"] as! [String: [String: [Double]]]
            for pooling in EfficientNetLite.Pooling.allCases {
                try check(net, against: seeded[pooling.rawValue]!, pooling: pooling, "\(variant) seeded \(pooling)")
            }
        }
    }

    func testAStateDictOfAnotherShapeIsRefusedByName() {
        var dict = EfficientNetLite.seededStateDict(.lite0)
        dict["_blocks.3._depthwise_conv.weight"] = Tensor(shape: [144, 1, 3, 3], values: [Float](repeating: 0, count: 144 * 9))
        dict["_blocks.99._bn1.weight"] = Tensor(shape: [1], values: [0])
        XCTAssertThrowsError(try EfficientNetLite(variant: .lite0, stateDict: dict)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("_blocks.3._depthwise_conv.weight has shape [144, 1, 3, 3], expected [144, 1, 5, 5]"), text)
            XCTAssertTrue(text.contains("_blocks.99._bn1.weight"), text)
        }
        // lite1's weights are not lite0's.
        XCTAssertThrowsError(try EfficientNetLite(variant: .lite0, stateDict: EfficientNetLite.seededStateDict(.lite1)))
    }

    func testRealCheckpointsMatchPyTorchWhenGiven() throws {
        guard let folder = ProcessInfo.processInfo.environment["LOOKALIKE_TEST_EFFNET"] else {
            throw XCTSkip("set LOOKALIKE_TEST_EFFNET to a folder with efficientnet-lite{0,1,2}-*.pth")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        var checked: [String] = []
        defer { XCTAssertFalse(checked.isEmpty, "no checkpoint in \(folder) has goldens"); print("EfficientNetLiteTests: real checkpoints checked: \(checked)") }
        for variant in EfficientNetLite.Variant.allCases {
            guard let name = files.first(where: { $0.hasPrefix("efficientnet-\(variant.rawValue)-") }) else { continue }
            let net = try EfficientNetLite(variant: variant, checkpoint: folder + "/" + name)
            let entry = (Self.goldens["variants"] as! [String: [String: Any]])[variant.rawValue]!
            guard let real = entry["real"] as? [String: [String: [Double]]], entry["checkpoint"] as? String == name else {
                continue
            }
            try check(net, against: real["avg"]!, pooling: .avg, "\(variant) \(name)")
            checked.append(name)
        }
    }
}

/// What `--focus product` shows the networks, and how cross-view recall is counted.
final class ProductFocusTests: XCTestCase {
    func testTheBackdropIsPaintedGreyAndTheProductKept() throws {
        // A red square on a white backdrop, 300 x 200 (so the mask, made at 256 px, is read back at another scale).
        let (w, h) = (300, 200)
        var pixels = [UInt8](repeating: 255, count: 3 * w * h)
        for y in 60..<140 { for x in 110..<190 { let i = 3 * (y * w + x); pixels[i + 1] = 30; pixels[i + 2] = 30 } }
        let decoded = DecodedImage(width: w, height: h, pixels: .rgb8(pixels), orientation: .up, format: .png)
        let focused = ImageSample(path: "square.png", decoded: decoded, applyOrientation: true).productFocusedRGB()
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(focused.pixels[(3 * (y * w + x))..<(3 * (y * w + x) + 3)]) }
        XCTAssertEqual(pixel(5, 5), [127, 127, 127], "backdrop")
        XCTAssertEqual(pixel(290, 190), [127, 127, 127], "backdrop")
        XCTAssertEqual(pixel(150, 100), [255, 30, 30], "product")
    }

    func testCrossViewRecallCountsOnlyCatalogueAgainstOtherShotsOfOneProduct() {
        let labels = ["a", "a", "a", "b", "b"], views = ["catalogue", "shelf", "shelf", "catalogue", "shelf"]
        // a's catalogue shot joins one of its two shelf photos; b's joins none.
        let recall = CrossViewRecall(clusters: [[0, 1], [2], [3], [4]], labels: labels, views: views, view: "catalogue")
        XCTAssertEqual(recall.pairs, 3)
        XCTAssertEqual(recall.recall, 1.0 / 3.0, accuracy: 1e-12)
    }
}

extension ProductFocusTests {
    /// With `--focus product` the colour histograms skip the backdrop: a red square on white and the same square on
    /// grey are close, where the whole-image histograms (mostly backdrop) are far apart.
    func testColourOnTheProductIgnoresTheBackdrop() {
        func sample(backdrop: UInt8) -> ImageSample {
            let (w, h) = (120, 100)
            var pixels = [UInt8](repeating: backdrop, count: 3 * w * h)
            for y in 30..<70 { for x in 40..<80 { let i = 3 * (y * w + x); pixels[i] = 220; pixels[i + 1] = 20; pixels[i + 2] = 20 } }
            return ImageSample(path: "p.png", decoded: DecodedImage(width: w, height: h, pixels: .rgb8(pixels), orientation: .up, format: .png),
                               applyOrientation: true)
        }
        let white = sample(backdrop: 255), grey = sample(backdrop: 60)
        let whole = ColourMethod(focus: .image), product = ColourMethod(focus: .product)
        let far = DescriptorSearch.distance(whole.describe(white), whole.describe(grey))
        let near = DescriptorSearch.distance(product.describe(white), product.describe(grey))
        XCTAssertGreaterThan(far, 0.4)
        XCTAssertLessThan(near, 0.05)
    }
}
