import Foundation
import XCTest
@testable import Lookalike

/// `lookalike train` end to end, and the learned methods in the other commands: `--method autoencoder=FILE`,
/// `--method triplet=FILE`, and the refusals of a missing file, a file of the wrong kind, a file for a method that
/// takes none.
extension CommandLineTests {
    func learnedTemporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-learned-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    var learnedImages: String { FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/images").path }
    var learnedLabels: String { FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/products/labels.csv").path }

    func testTrainAutoencoderNamesBrokenFilesAndItsModelGroupsAndSearches() throws {
        let folder = try learnedTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("shop.safetensors").path
        let previews = folder.appendingPathComponent("previews").path
        // Fixtures/images holds broken files: each is named, training goes on, exit 1 as other commands.
        let trained = try run(["train", "autoencoder", FixturePaths.images.path, "--size", "16", "--epochs", "2",
                               "--out", model, "--previews", previews])
        XCTAssertEqual(trained.status, 1, trained.stderr)
        XCTAssertTrue(trained.stderr.contains(FixturePaths.images.path + "/broken/corrupt.jpg: corrupt"), trained.stderr)
        XCTAssertTrue(trained.stderr.contains("epoch 2/2: train "), trained.stderr)
        XCTAssertTrue(trained.stderr.contains("validation"), trained.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: model))
        let written = try FileManager.default.contentsOfDirectory(atPath: previews).filter { $0.hasSuffix(".png") }
        XCTAssertFalse(written.isEmpty)

        let grouped = try run(["group", "--method", "autoencoder=\(model)", learnedImages])
        XCTAssertEqual(grouped.status, 0, grouped.stderr)
        XCTAssertTrue(grouped.stdout.contains("method autoencoder"), grouped.stdout)
        // A fusion with a method that needs no model.
        let fused = try run(["group", "--method", "autoencoder=\(model),colour", learnedImages])
        XCTAssertEqual(fused.status, 0, fused.stderr)
        XCTAssertTrue(fused.stdout.contains("method autoencoder+colour"), fused.stdout)

        let query = learnedImages + "/p01-catalogue-1.jpg"
        let searched = try run(["search", "--method", "autoencoder=\(model)", "-k", "2", "--format", "jsonl", query, "--in", learnedImages])
        XCTAssertEqual(searched.status, 0, searched.stderr)
        XCTAssertFalse(searched.stdout.isEmpty)
    }

    /// The sequence: a truncated JPEG read by the same worker between good files, the same files reached twice,
    /// and two runs at once onto one model file all give the model a clean run gives.
    func testTrainAutoencoderPastABrokenFileTheSameFileTwiceAndTwoRunsAtOnce() throws {
        let folder = try learnedTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = folder.appendingPathComponent("images")
        try FileManager.default.copyItem(atPath: learnedImages, toPath: images.path)
        func train(_ inputs: [String], _ name: String) throws -> (status: Int32, stderr: String, model: Data?) {
            let path = folder.appendingPathComponent(name).path
            let result = try run(["train", "autoencoder"] + inputs + ["--size", "16", "--epochs", "1", "--seed", "3",
                                                                     "--jobs", "1", "--out", path])
            return (result.status, result.stderr, try? Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let clean = try train([images.path], "clean.safetensors")
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertNotNil(clean.model)
        // Twice over: the folder named twice and one of its files named again.
        let twice = try train([images.path, images.path, images.appendingPathComponent("p01-catalogue-1.jpg").path], "twice.safetensors")
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertEqual(twice.model, clean.model)
        // Two runs at once onto one output: both finish, one complete model, no temporary file left.
        let shared = folder.appendingPathComponent("shared.safetensors").path
        XCTAssertEqual(try runAtOnce(["train", "autoencoder", images.path, "--size", "16", "--epochs", "1", "--seed", "3", "--jobs", "1", "--out", shared]), [0, 0])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: shared)), clean.model)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)),
                       ["images", "clean.safetensors", "twice.safetensors", "shared.safetensors"])
        // A truncated JPEG sorted between good files, on the one worker: named, skipped, the same model.
        try FileManager.default.copyItem(atPath: FixturePaths.image("broken/truncated.jpg"),
                                         toPath: images.appendingPathComponent("p05-broken.jpg").path)
        let past = try train([images.path], "past.safetensors")
        XCTAssertEqual(past.status, 1, past.stderr)
        XCTAssertTrue(past.stderr.contains("p05-broken.jpg"), past.stderr)
        XCTAssertEqual(past.model, clean.model)
    }

    func testTrainAutoencoderIsDeterministicForASeed() throws {
        let folder = try learnedTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func train(_ seed: Int, _ name: String) throws -> Data {
            let path = folder.appendingPathComponent(name).path
            let result = try run(["train", "autoencoder", learnedImages, "--size", "16", "--epochs", "1", "--seed", "\(seed)",
                                  "--jobs", "2", "--out", path])
            XCTAssertEqual(result.status, 0, result.stderr)
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        let first = try train(3, "a.safetensors"), again = try train(3, "b.safetensors"), other = try train(4, "c.safetensors")
        XCTAssertEqual(first, again, "the same images and seed give the same file")
        XCTAssertNotEqual(first, other, "another seed gives other weights")
    }

    func testLearnedMethodsRefuseMissingWrongAndUnwantedModelFiles() throws {
        let folder = try learnedTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.safetensors").path
        let absent = try run(["group", "--method", "autoencoder=\(missing)", learnedImages])
        XCTAssertEqual(absent.status, 69, absent.stderr)
        XCTAssertTrue(absent.stderr.contains("\(missing): no such model file"), absent.stderr)

        let head = folder.appendingPathComponent("head.safetensors").path
        let trained = try run(["train", "triplet", "--labels", learnedLabels, "--backbone", "colour", "--epochs", "2", "--out", head])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let wrong = try run(["search", "--method", "autoencoder=\(head)", learnedImages + "/p01-catalogue-1.jpg", "--in", learnedImages])
        XCTAssertEqual(wrong.status, 69, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("\(head): a triplet model, not an autoencoder model"), wrong.stderr)

        let junk = folder.appendingPathComponent("junk.safetensors").path
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: junk))
        let malformed = try run(["group", "--method", "triplet=\(junk)", learnedImages])
        XCTAssertEqual(malformed.status, 69, malformed.stderr)
        XCTAssertTrue(malformed.stderr.contains("\(junk): not a model file"), malformed.stderr)

        let noFile = try run(["group", "--method", "autoencoder", learnedImages])
        XCTAssertEqual(noFile.status, 69, noFile.stderr)
        XCTAssertTrue(noFile.stderr.contains("--method autoencoder=FILE"), noFile.stderr)

        let unwanted = try run(["group", "--method", "phash=\(head)", learnedImages])
        XCTAssertEqual(unwanted.status, 64, unwanted.stderr)
        XCTAssertTrue(unwanted.stderr.contains("phash takes no model file"), unwanted.stderr)
        let twice = try run(["evaluate", learnedLabels, "--method", "autoencoder=a.safetensors", "--method", "autoencoder=b.safetensors"])
        XCTAssertEqual(twice.status, 64, twice.stderr)
        XCTAssertTrue(twice.stderr.contains("autoencoder is given two model files"), twice.stderr)
    }

    func testTrainTripletOverColourIsAMethodEverywhere() throws {
        let folder = try learnedTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let head = folder.appendingPathComponent("head.safetensors").path
        let trained = try run(["train", "triplet", "--labels", learnedLabels, "--backbone", "colour", "--epochs", "20",
                               "--dim", "32", "--hidden", "64", "--out", head])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("triplet head over colour"), trained.stderr)
        // The head is trained on these very labels: on them it must beat its backbone (an in-sample check that the
        // method runs the recorded backbone, then the head; the product-disjoint figures are in the README).
        let evaluated = try run(["evaluate", learnedLabels, "--method", "triplet=\(head)", "--method", "colour"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        func recall(_ method: String) -> Double? {
            evaluated.stdout.split(separator: "\n").first { $0.hasPrefix(method + " ") }
                .flatMap { $0.split(separator: " ").compactMap { Double($0) }.last.map { $0 } }
        }
        let rows = evaluated.stdout.split(separator: "\n").filter { $0.hasPrefix("triplet ") || $0.hasPrefix("colour ") }
        XCTAssertEqual(rows.count, 2, evaluated.stdout)
        let tripletRecall = try XCTUnwrap(recall("triplet")), colourRecall = try XCTUnwrap(recall("colour"))
        XCTAssertGreaterThan(tripletRecall, colourRecall, evaluated.stdout)

        let unlabelled = folder.appendingPathComponent("unlabelled.safetensors").path
        let fromImages = try run(["train", "triplet", learnedImages, "--backbone", "colour", "--epochs", "2", "--out", unlabelled])
        XCTAssertEqual(fromImages.status, 0, fromImages.stderr)
        XCTAssertTrue(fromImages.stderr.contains("edited copies"), fromImages.stderr)
        let grouped = try run(["group", "--method", "triplet=\(unlabelled)", learnedImages])
        XCTAssertEqual(grouped.status, 0, grouped.stderr)

        let refused = try run(["train", "triplet", "--labels", learnedLabels, "--backbone", "phash", "--out", head])
        XCTAssertEqual(refused.status, 69, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cannot be a backbone"), refused.stderr)
    }

    func testTrainTripletOverEfficientNetLite0RecordsItsBackbone() throws {
        guard (try? MethodCatalog.entry(named: "effnet-lite0")!.make(MethodSettings())) != nil else {
            throw XCTSkip("EfficientNet-Lite0 weights not installed (bash Scripts/get-weights.sh)")
        }
        let folder = try learnedTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Eight images of three products keep the network's describing short in a debug build.
        let lines = try String(contentsOfFile: learnedLabels, encoding: .utf8).split(separator: "\n")
        let kept = lines.dropFirst().filter { $0.contains(",p01,") || $0.contains(",p02,") || $0.contains(",p03,") }.prefix(8)
        let labels = folder.appendingPathComponent("labels.csv")
        try ((["path,group,view"] + kept.map { line -> String in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            return ([learnedImages + "/" + String(f[0].dropFirst("images/".count))] + f.dropFirst().map(String.init)).joined(separator: ",")
        }).joined(separator: "\n") + "\n").write(to: labels, atomically: true, encoding: .utf8)
        let head = folder.appendingPathComponent("head.safetensors").path
        let trained = try run(["train", "triplet", "--labels", labels.path, "--backbone", "effnet-lite0", "--pooling", "gem",
                               "--epochs", "3", "--out", head])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("1280 → 1280 from the identity"), trained.stderr)
        let embedded = try run(["embed", "--method", "triplet=\(head)", learnedImages + "/p01-catalogue-1.jpg"])
        XCTAssertEqual(embedded.status, 0, embedded.stderr)
        let line = try JSONSerialization.jsonObject(with: Data(embedded.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((line["triplet"] as? [Double])?.count, 1280)
    }
}
