import Foundation
import XCTest
@testable import Lookalike

/// VGG16's fc1 against torchvision on the same seeded weights (Scripts/make_vgg16_goldens.py): a narrow network of
/// the same layout here (8 channels in the first stage, fc 64 wide); the full-width golden is checked by
/// `LookalikeBenchmarks vgg16` in a release build.
final class VGG16Tests: XCTestCase {
    nonisolated(unsafe) static let goldens: [String: Any] = try! FixturePaths.json(FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/vgg16-goldens.json"))
    static var narrow: [String: Any] { (goldens["networks"] as! [String: Any])["narrow"] as! [String: Any] }
    static let network = try! VGG16(stateDict: VGG16.seededStateDict(width: 8, fc: 64), width: 8, fc: 64)

    func input(_ relative: String) throws -> [Float] {
        let path = FixturePaths.repositoryRoot.appendingPathComponent(relative).path
        return ImageNetInput.tensor(RGBImage(try ImageDecoder().decode(path: path).get().image))
    }

    func testSeededWeightsAreTheScriptsWeights() {
        let dict = VGG16.seededStateDict(width: 8, fc: 64)
        XCTAssertEqual(dict.values.reduce(0) { $0 + $1.values.count }, Self.narrow["generated_values"] as? Int)
        let full = VGG16.stateDictShapes().filter { !$0.name.hasPrefix("classifier.3") && !$0.name.hasPrefix("classifier.6") }
        let fullCount = full.reduce(0) { $0 + $1.shape.reduce(1, *) }
        XCTAssertEqual(fullCount, ((Self.goldens["networks"] as! [String: Any])["full"] as! [String: Any])["generated_values"] as? Int)
        // torchvision's VGG16: 138,357,544 parameters in all.
        XCTAssertEqual(VGG16.stateDictShapes().reduce(0) { $0 + $1.shape.reduce(1, *) }, 138_357_544)
    }

    func testFc1MatchesTorchvisionWithin1e4OfItsNorm() throws {
        for (relative, value) in Self.narrow["images"] as! [String: [String: Any]] {
            let expected = (value["fc1"] as! [Double]).map(Float.init)
            let norm = Float(value["norm"] as! Double)
            XCTAssertGreaterThan(expected.filter { $0 > 0 }.count, 8, "the golden has positive activations to compare")
            for threads in [1, 2] {
                let got = Self.network.embed(try input(relative), threads: threads)
                XCTAssertEqual(got.count, 64)
                let worst = zip(got, expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-4 * norm, "\(relative), \(threads) threads: max |difference| \(worst), norm \(norm)")
            }
        }
    }

    func testEveryKernelMatchesTorchvision() throws {
        defer { NativeConv.useKernel(nil) }
        for kernel in NativeConv.Kernel.allCases {
            guard NativeConv.useKernel(kernel) == kernel else { continue }
            for (relative, value) in Self.narrow["images"] as! [String: [String: Any]] {
                let expected = (value["fc1"] as! [Double]).map(Float.init)
                let norm = Float(value["norm"] as! Double)
                let worst = zip(Self.network.embed(try input(relative)), expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-4 * norm, "\(kernel) \(relative)")
            }
        }
    }

    func testABatchGivesEachImagesFeatures() throws {
        let inputs = try (Self.narrow["images"] as! [String: Any]).keys.sorted().map(input)
        let single = inputs.map { Self.network.embed($0, threads: 1) }
        let batch = Self.network.embedBatch(inputs + inputs + inputs, threads: 2)
        XCTAssertEqual(batch.count, 6)
        for (got, expected) in zip(batch, single + single + single) {
            let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max()!, 1e-5 * norm)
        }
        XCTAssertEqual(Self.network.embedBatch([]), [])
    }

    func testTheMethodGivesUnitVectorsAndMisshapenCheckpointsAreRefused() throws {
        let method = VGG16Method(network: Self.network)
        let path = FixturePaths.image("jpeg/photo-city.jpg")
        let sample = ImageSample(path: path, decoded: try ImageDecoder().decode(path: path).get().image, applyOrientation: true)
        guard case .vector(let v) = method.describe(sample) else { return XCTFail("a vector") }
        XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
        var dict = VGG16.seededStateDict(width: 8, fc: 64)
        dict["features.7.weight"] = Tensor(shape: [2, 2], values: [0, 0, 0, 0])
        dict["features.28.bias"] = nil
        dict["top.weight"] = Tensor(shape: [1], values: [0])
        XCTAssertThrowsError(try VGG16(stateDict: dict, width: 8, fc: 64)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("features.7.weight has shape [2, 2]"), text)
            XCTAssertTrue(text.contains("missing features.28.bias"), text)
            XCTAssertTrue(text.contains("top.weight"), text)
        }
        // The real layout is what the method loads: a narrow state dict is not torchvision's VGG16.
        XCTAssertThrowsError(try VGG16(stateDict: VGG16.seededStateDict(width: 8, fc: 64)))
    }

    /// With the real weights installed (`vgg16-397923af.pth` in the cache folder), the method starts and gives
    /// 4,096-d unit vectors; skipped otherwise (no machine here reaches the download).
    func testTheRealCheckpointWhenInstalled() throws {
        guard let method = try? VGG16Method(settings: MethodSettings()) else {
            throw XCTSkip("vgg16-397923af.pth is not installed")
        }
        let path = FixturePaths.image("jpeg/photo-city.jpg")
        let sample = ImageSample(path: path, decoded: try ImageDecoder().decode(path: path).get().image, applyOrientation: true)
        guard case .vector(let v) = method.describe(sample) else { return XCTFail("a vector") }
        XCTAssertEqual(v.count, 4096)
        XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
    }
}
