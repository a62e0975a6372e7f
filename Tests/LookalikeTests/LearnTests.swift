import Foundation
import XCTest
@testable import Lookalike

/// The training plans of Learn/: product-disjoint folds, the held-out split, the autoencoder's input, training
/// runs, and the triplet method's reading of its model file.
final class LearnTests: XCTestCase {
    func testFoldsKeepEveryProductOnOneSide() {
        let labels = (0..<40).map { "p\($0 % 7)" }
        for seed: UInt64 in [0, 1, 2] {
            let folds = HeldOutProducts.folds(labels: labels, seed: seed)
            XCTAssertEqual(folds.count, 2)
            var tested = Set<Int>()
            for (train, test) in folds {
                XCTAssertTrue(Set(train.map { labels[$0] }).isDisjoint(with: Set(test.map { labels[$0] })))
                XCTAssertEqual(Set(train).union(test), Set(labels.indices))
                XCTAssertFalse(test.isEmpty)
                tested.formUnion(test)
            }
            XCTAssertEqual(tested, Set(labels.indices), "every item is tested once")
            XCTAssertEqual(HeldOutProducts.folds(labels: labels, seed: seed).map(\.test), folds.map(\.test))
        }
        XCTAssertNotEqual(HeldOutProducts.folds(labels: labels, seed: 0).map(\.test), HeldOutProducts.folds(labels: labels, seed: 5).map(\.test))
    }

    func testHeldOutScoreOfPerfectAndUselessVectors() {
        let labels = ["a", "a", "b", "b", "c", "c"]
        let entry = MethodCatalog.entry(named: "colour")!
        let perfect = labels.map { l -> Descriptor in .vector(["a", "b", "c"].map { $0 == l ? Float(1) : 0 }) }
        let score = HeldOutProducts.score(perfect, labels: labels, entry: entry)
        XCTAssertEqual(score.recallAt1, 1)
        XCTAssertEqual(score.meanAveragePrecision, 1)
        XCTAssertEqual(score.bestF1, 1)
        // Each image's nearest is of another product.
        let wrong: [Descriptor] = [[1, 0], [0, 1], [0, 1], [1, 0.1], [1, 0.2], [0.2, 1]].map { .vector($0) }
        XCTAssertEqual(HeldOutProducts.score(wrong, labels: ["a", "a", "b", "b", "c", "c"], entry: entry).recallAt1, 0, accuracy: 0.34)
    }

    func testValidationSplitIsSeededAndLeavesTwoToTrain() {
        let a = LearnedImages.split(count: 50, share: 0.1, seed: 1)
        XCTAssertEqual(a.validation.count, 5)
        XCTAssertEqual(Set(a.train).union(a.validation), Set(0..<50))
        XCTAssertEqual(LearnedImages.split(count: 50, share: 0.1, seed: 1).validation, a.validation)
        XCTAssertNotEqual(LearnedImages.split(count: 50, share: 0.1, seed: 2).validation, a.validation)
        XCTAssertEqual(LearnedImages.split(count: 3, share: 0.5, seed: 1).train.count, 2)
    }

    func testAutoencoderInputSquashesAndKeepsColours() {
        // A 40 x 10 image, left half red, right half blue: squashed (not cropped), both colours stay.
        var pixels = [UInt8](repeating: 0, count: 40 * 10 * 3)
        for y in 0..<10 { for x in 0..<40 { pixels[3 * (y * 40 + x) + (x < 20 ? 0 : 2)] = 200 } }
        let bytes = AutoencoderInput.bytes(RGBImage(width: 40, height: 10, pixels: pixels), size: 8)
        XCTAssertEqual(bytes.count, 3 * 64)
        XCTAssertEqual(bytes[0], 200, "red plane, left column")
        XCTAssertEqual(bytes[7], 0, "red plane, right column")
        XCTAssertEqual(bytes[2 * 64 + 7], 200, "blue plane, right column")
        XCTAssertEqual(AutoencoderInput.image(bytes, size: 8).pixels[0], 200)
    }

    func testAutoencoderTrainingIsSeededAndLearns() {
        var rng = SplitMix64(seed: 9)
        // Sixteen flat-coloured images: easy to reconstruct, so the loss must fall.
        let pixels = (0..<16).map { _ -> [UInt8] in
            let colour = (0..<3).map { _ in UInt8(rng.next() % 256) }
            return (0..<3).flatMap { c in [UInt8](repeating: colour[c], count: 64) }
        }
        let images = LearnedImages(paths: (0..<16).map { "\($0).png" }, pixels: pixels, size: 8)
        var training = AutoencoderTraining()
        (training.size, training.epochs, training.batchSize, training.learningRate, training.validationShare) = (8, 12, 4, 0.01, 0.25)
        let first = training.run(images), second = training.run(images)
        XCTAssertEqual(first.validationImages.count, 4)
        XCTAssertEqual(first.epochs.map(\.trainLoss), second.epochs.map(\.trainLoss))
        XCTAssertEqual(first.model.stateTensors.map(\.parameter.value), second.model.stateTensors.map(\.parameter.value))
        XCTAssertLessThan(first.epochs.last!.trainLoss, first.epochs.first!.trainLoss * 0.8)
        XCTAssertNotNil(first.epochs.last!.validationLoss)
    }

    func testTripletMethodReadsItsBackboneFromTheModelFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("learn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let colourDimension: Int = { if case .vector(let d) = ColourMethod.kind(MethodSettings()) { d } else { 0 } }()
        let head = TripletHead(inputDimension: colourDimension, outputDimension: 8, hiddenDimension: 0)
        var training = TripletTraining()
        training.backbone = "colour"
        let good = folder.appendingPathComponent("good.safetensors").path
        try training.save(head, to: good)
        let method = try TripletMethod(settings: MethodSettings(modelPaths: ["triplet": good]))
        XCTAssertEqual(method.backbone.name, "colour")
        XCTAssertEqual(method.kind, .vector(8))
        XCTAssertEqual(TripletMethod.kind(MethodSettings(modelPaths: ["triplet": good])), .vector(8))

        // A head whose input does not match the recorded backbone's vectors is refused, naming the file.
        let mismatched = folder.appendingPathComponent("mismatched.safetensors").path
        try training.save(TripletHead(inputDimension: 5, outputDimension: 8, hiddenDimension: 0), to: mismatched)
        XCTAssertThrowsError(try TripletMethod(settings: MethodSettings(modelPaths: ["triplet": mismatched]))) { error in
            XCTAssertTrue("\(error)".hasPrefix(mismatched + ": the head takes 5 values"), "\(error)")
        }
        let badPooling = folder.appendingPathComponent("pooling.safetensors").path
        try head.save(to: badPooling, metadata: ["backbone": "colour", "pooling": "max"])
        XCTAssertThrowsError(try TripletMethod(settings: MethodSettings(modelPaths: ["triplet": badPooling]))) { error in
            XCTAssertTrue("\(error)".contains("metadata pooling \"max\""), "\(error)")
        }
        XCTAssertThrowsError(try AutoencoderMethod(settings: MethodSettings())) { error in
            XCTAssertTrue("\(error)".contains("--method autoencoder=FILE"), "\(error)")
        }
        // "all" leaves the learned methods out until they are given a file.
        XCTAssertFalse(MethodCatalog.all(for: MethodSettings()).contains { $0.name == "triplet" })
        XCTAssertTrue(MethodCatalog.all(for: MethodSettings(modelPaths: ["triplet": good])).contains { $0.name == "triplet" })
    }
}
