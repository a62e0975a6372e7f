import Foundation
import XCTest
@testable import Lookalike

/// ResNet50 against torchvision on the same seeded weights (Scripts/make_resnet50_goldens.py).
final class ResNet50Tests: XCTestCase {
    nonisolated(unsafe) static let goldens: [String: Any] = try! FixturePaths.json(FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/resnet50-goldens.json"))
    static let network = try! ResNet50(stateDict: ResNet50.seededStateDict(seed: 2026))

    func testSeededWeightsAreTheScriptsWeights() {
        let dict = ResNet50.seededStateDict(seed: 2026)
        XCTAssertEqual(dict.values.reduce(0) { $0 + $1.values.count }, Self.goldens["generated_values"] as? Int)
        let first5 = (Self.goldens["conv1_first5"] as! [Double]).map(Float.init)
        XCTAssertEqual(Array(dict["conv1.weight"]!.values.prefix(5)), first5)
    }

    func input(_ relative: String) throws -> [Float] {
        let path = FixturePaths.repositoryRoot.appendingPathComponent(relative).path
        let decoded = try ImageDecoder().decode(path: path).get().image
        return ImageNetInput.tensor(RGBImage(decoded))
    }

    func testPreprocessingMatchesTorchvision() throws {
        for (relative, value) in Self.goldens["images"] as! [String: [String: Any]] {
            let x = try input(relative)
            let checksum = x.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(checksum, value["input_checksum"] as! Double, accuracy: 1e-2, relative)
            let corner = (value["input_corner"] as! [Double]).map(Float.init)
            for (a, b) in zip(x.prefix(5), corner) { XCTAssertEqual(a, b, accuracy: 1e-6, relative) }
        }
    }

    func testPooledFeaturesMatchTorchvisionWithin1e4OfTheirNorm() throws {
        for (relative, value) in Self.goldens["images"] as! [String: [String: Any]] {
            let expected = (value["pooled"] as! [Double]).map(Float.init)
            let norm = Float(value["norm"] as! Double)
            let got = Self.network.embed(try input(relative))
            XCTAssertEqual(got.count, 2048)
            let worst = zip(got, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4 * norm, "\(relative): max |difference| \(worst), norm \(norm)")
        }
    }

    /// The AVX2 and portable micro-kernels (the fallbacks for CPUs without AVX-512) against the same goldens.
    func testEveryKernelMatchesTorchvision() throws {
        defer { NativeConv.useKernel(nil) }
        for kernel in NativeConv.Kernel.allCases {
            guard NativeConv.useKernel(kernel) == kernel else { continue }  // not on this CPU
            for (relative, value) in Self.goldens["images"] as! [String: [String: Any]] {
                let expected = (value["pooled"] as! [Double]).map(Float.init)
                let norm = Float(value["norm"] as! Double)
                let got = Self.network.embed(try input(relative), threads: 2)
                let worst = zip(got, expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-4 * norm, "\(kernel) \(relative): max |difference| \(worst), norm \(norm)")
            }
        }
    }

    /// Batches and thread counts change which tiles a pixel lands in, never the order of any sum.
    func testBatchesAndThreadCountsGiveTheSingleImageFeatures() throws {
        let inputs = try (Self.goldens["images"] as! [String: Any]).keys.sorted().map(input)
        let single = inputs.map { Self.network.embed($0, threads: 1) }
        for threads in [1, 2, 3] {
            let batch = Self.network.embedBatch(inputs + inputs, threads: threads)
            XCTAssertEqual(batch, single + single, "\(threads) threads")
        }
        XCTAssertEqual(Self.network.embed(inputs[0], threads: 2), single[0])
        XCTAssertEqual(Self.network.embedBatch([]), [])
    }

    func testMisshapenOrIncompleteCheckpointsAreRefusedWithNames() {
        var dict = ResNet50.seededStateDict(seed: 1)
        dict["layer2.0.conv2.weight"] = Tensor(shape: [1, 2, 3], values: [0, 0, 0, 0, 0, 0])
        dict["layer1.0.bn1.running_var"] = nil
        dict["head.weight"] = Tensor(shape: [1], values: [0])
        XCTAssertThrowsError(try ResNet50(stateDict: dict)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("layer2.0.conv2.weight has shape [1, 2, 3]"), text)
            XCTAssertTrue(text.contains("missing layer1.0.bn1.running_var"), text)
            XCTAssertTrue(text.contains("head.weight"), text)
        }
    }
}
