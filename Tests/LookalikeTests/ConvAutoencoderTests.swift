import Foundation
import XCTest
@testable import Lookalike

/// The convolutional autoencoder: it learns (its loss falls), 256-pixel inputs work, and its files reload to the same
/// outputs bit for bit while damaged or mismatched files are refused with the file and the cause.
final class ConvAutoencoderTests: XCTestCase {
    /// `count` smooth 3 x side x side images in [0, 1]: a colour ramp of seeded direction per image.
    static func images(_ count: Int, side: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        func u() -> Float { Float(Double(rng.next() >> 11) * 0x1p-53) }
        return (0..<count).map { _ in
            let (a, b, base) = (u(), u(), (0..<3).map { _ in u() })
            var image = [Float](repeating: 0, count: 3 * side * side)
            for c in 0..<3 { for y in 0..<side { for x in 0..<side {
                image[(c * side + y) * side + x] = (base[c] + a * Float(x) / Float(side) + b * Float(y) / Float(side)) / 3
            } } }
            return image
        }
    }

    static func batch(_ images: [[Float]], side: Int) -> Train.Batch {
        Train.Batch(shape: [images.count, 3, side, side], values: images.flatMap { $0 })
    }

    func temporaryPath(_ name: String) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-ae-\(getpid())-\(name)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.appendingPathComponent("model.safetensors").path
    }

    func testTheLayoutIsTheIssuesAndTrainingLowersTheLoss() {
        let model = ConvAutoencoder(inputSize: 16, latent: 4, seed: 1)
        XCTAssertEqual(model.stateTensors.first { $0.name == "encoder.0.weight" }?.parameter.shape, [32, 3, 3, 3])
        XCTAssertEqual(model.stateTensors.first { $0.name == "encoder.6.weight" }?.parameter.shape, [64, 64, 3, 3])
        XCTAssertEqual(model.stateTensors.first { $0.name == "encoder.10.weight" }?.parameter.shape, [4, 64 * 2 * 2])
        XCTAssertEqual(model.stateTensors.first { $0.name == "decoder.9.weight" }?.parameter.shape, [32, 3, 3, 3])
        let images = Self.images(12, side: 16, seed: 2)
        let losses = model.train(images: images, epochs: 6, batchSize: 6, optimiser: model.makeOptimiser(learningRate: 3e-3), seed: 3)
        XCTAssertLessThan(losses.last!, losses.first! * 0.7, "epoch losses \(losses)")
        let codes = model.encode(Self.batch(Array(images.prefix(3)), side: 16))
        XCTAssertEqual(codes.count, 3)
        XCTAssertEqual(codes[0].count, 4)
        let inSmallBatches = model.encode(images, batchSize: 5)
        XCTAssertEqual(inSmallBatches.count, 12)
        for (a, b) in zip(inSmallBatches, model.encode(Self.batch(images, side: 16))) {
            XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-6, "codes do not depend on the batching")
        }
        // Training is deterministic for a seed.
        let again = ConvAutoencoder(inputSize: 16, latent: 4, seed: 1)
        XCTAssertEqual(again.train(images: images, epochs: 6, batchSize: 6, optimiser: again.makeOptimiser(learningRate: 3e-3), seed: 3), losses)
    }

    func testA256PixelInputTrainsAStepAndEncodesTo16Values() {
        let model = ConvAutoencoder(inputSize: 256)
        let images = Self.batch(Self.images(2, side: 256, seed: 4), side: 256)
        let optimiser = model.makeOptimiser()
        let loss = model.trainingStep(images, optimiser: optimiser)
        XCTAssertTrue(loss.isFinite && loss > 0)
        XCTAssertEqual(model.reconstruct(images).shape, [2, 3, 256, 256])
        XCTAssertEqual(model.encode(images).map(\.count), [16, 16])
    }

    func testTrainingGivesTheSameWeightsOnOneOrTwoBLASThreads() {
        let images = Self.images(4, side: 32, seed: 7)
        let weights = [1, 2].map { threads -> [[Float]] in
            NativeBLAS.setThreads(threads)
            let model = ConvAutoencoder(inputSize: 32, latent: 4, seed: 8)
            _ = model.train(images: images, epochs: 2, batchSize: 4, optimiser: model.makeOptimiser(), seed: 9)
            return model.stateTensors.map(\.parameter.value)
        }
        NativeBLAS.setThreads(1)
        XCTAssertTrue(weights[0] == weights[1], "weights differ between one and two OpenBLAS threads")
    }

    func testASavedModelReloadsToIdenticalOutputs() throws {
        let model = ConvAutoencoder(inputSize: 16, latent: 5, seed: 5)
        let images = Self.batch(Self.images(4, side: 16, seed: 6), side: 16)
        let optimiser = model.makeOptimiser()
        for _ in 0..<2 { model.trainingStep(images, optimiser: optimiser) }
        let path = temporaryPath("roundtrip")
        try model.save(to: path)
        let loaded = try ConvAutoencoder(contentsOf: path)
        XCTAssertEqual([loaded.inputSize, loaded.latent], [16, 5])
        XCTAssertEqual(loaded.encode(images), model.encode(images))
        XCTAssertEqual(loaded.reconstruct(images), model.reconstruct(images))
        for ((name, a), (_, b)) in zip(loaded.stateTensors, model.stateTensors) { XCTAssertEqual(a.value, b.value, name) }
        // The file is plain safetensors: the project's reader sees every tensor under its torch name.
        XCTAssertEqual(Set(try TensorArchive.load(path: path).keys), Set(model.stateTensors.map(\.name)))
    }

    func assertRefused(_ path: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ConvAutoencoder(contentsOf: path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path + ": "), "names the file: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains(expected), "\(text) should say \(expected)", file: file, line: line)
        }
    }

    func testMalformedOrMismatchedFilesAreRefusedWithTheCause() throws {
        let model = ConvAutoencoder(inputSize: 16, latent: 4)
        let path = temporaryPath("refused")
        try model.save(to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        let garbage = path + ".garbage"
        try Data("this is not a model at all".utf8).write(to: URL(fileURLWithPath: garbage))
        assertRefused(garbage, "not a model file: not a checkpoint")

        let cut = path + ".cut"
        try good.prefix(good.count - 100).write(to: URL(fileURLWithPath: cut))
        assertRefused(cut, "truncated")

        assertRefused(path + ".absent", "no such file")

        func rewrite(_ name: String, kind: String = "autoencoder", metadata: [String: String] = ["input_size": "16", "latent": "4"],
                     tensors: [(name: String, parameter: Train.Parameter)] = model.stateTensors) throws -> String {
            let other = path + "." + name
            try Train.ModelFile.write(path: other, kind: kind, metadata: metadata, tensors: tensors)
            return other
        }
        assertRefused(try rewrite("triplet", kind: "triplet"), "a triplet model, not an autoencoder model")
        assertRefused(try rewrite("latent", metadata: ["input_size": "16", "latent": "8"]),
                      "encoder.10.weight has shape [4, 256], expected [8, 256]")
        assertRefused(try rewrite("size", metadata: ["input_size": "sixteen", "latent": "4"]), "metadata input_size is \"sixteen\"")
        assertRefused(try rewrite("missing", tensors: model.stateTensors.filter { $0.name != "decoder.4.running_var" }),
                      "missing decoder.4.running_var")
        var misshapen = model.stateTensors
        misshapen[0] = (misshapen[0].name, Train.Parameter(shape: [2, 2], value: [1, 2, 3, 4]))
        misshapen.append(("decoder.99.weight", Train.Parameter(shape: [1], value: [0])))
        assertRefused(try rewrite("misshapen", tensors: misshapen),
                      "encoder.0.weight has shape [2, 2], expected [32, 3, 3, 3]; unexpected tensors: decoder.99.weight")

        // Safetensors without Lookalike's metadata (as another tool would write them) and a later format version.
        var header = try JSONSerialization.jsonObject(with: good[8..<(8 + Int(good[0]) + Int(good[1]) << 8)]) as! [String: Any]
        header["__metadata__"] = nil
        let plain = path + ".plain"
        var json = try JSONSerialization.data(withJSONObject: header)
        json.append(contentsOf: [UInt8](repeating: 32, count: (8 - json.count % 8) % 8))
        var bytes = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(json)
        bytes.append(good[(8 + Int(good[0]) + Int(good[1]) << 8)...])
        try bytes.write(to: URL(fileURLWithPath: plain))
        XCTAssertEqual(try TensorArchive.load(path: plain).count, model.stateTensors.count, "the tensors themselves are readable")
        assertRefused(plain, "not a Lookalike model")
        let future = try String(contentsOfFile: path, encoding: .isoLatin1).replacingOccurrences(of: "\"version\":\"1\"", with: "\"version\":\"2\"")
        try future.write(toFile: path + ".v2", atomically: true, encoding: .isoLatin1)
        assertRefused(path + ".v2", "model format version 2; this build reads version 1")
    }
}
