import Foundation
import XCTest
@testable import Lookalike

final class EmbeddingStoreTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-store-\(getpid())-\(name.hashValue)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testVectorsSurviveAReopenAndAChangedImageIsDescribedAfresh() throws {
        let image = dir.appendingPathComponent("a.jpg").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: image))
        let file = dir.appendingPathComponent("store/resnet50-x.emb").path
        do {
            let store = try XCTUnwrap(EmbeddingStore(file: file))
            XCTAssertNil(store.entry(path: image, oriented: true)?.vector)
            store.add([0.5, -1, 2], path: image, oriented: true, width: 4, height: 3)
        }
        let reopened = try XCTUnwrap(EmbeddingStore(file: file))
        XCTAssertEqual(reopened.entry(path: image, oriented: true)?.vector, [0.5, -1, 2])
        XCTAssertNil(reopened.entry(path: image, oriented: false)?.vector, "orientation is part of the key")
        XCTAssertEqual(reopened.counts.reused, 1)
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: image))
        XCTAssertNil(reopened.entry(path: image, oriented: true)?.vector, "the file changed since")
    }

    func testATornRecordIsDroppedAndLaterRecordsStayReadable() throws {
        let a = dir.appendingPathComponent("a.jpg").path, b = dir.appendingPathComponent("b.jpg").path
        try Data([1]).write(to: URL(fileURLWithPath: a))
        try Data([2]).write(to: URL(fileURLWithPath: b))
        let file = dir.appendingPathComponent("s.emb").path
        do { EmbeddingStore(file: file)!.add([1, 2], path: a, oriented: true, width: 1, height: 1) }
        // A run killed half-way through a record.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([9, 0, 0, 0, 47, 116]))
        try handle.close()
        do {
            let store = try XCTUnwrap(EmbeddingStore(file: file))
            XCTAssertEqual(store.entry(path: a, oriented: true)?.vector, [1, 2])
            store.add([3, 4, 5], path: b, oriented: true, width: 1, height: 1)
        }
        let store = try XCTUnwrap(EmbeddingStore(file: file))
        XCTAssertEqual(store.entry(path: a, oriented: true)?.vector, [1, 2])
        XCTAssertEqual(store.entry(path: b, oriented: true)?.vector, [3, 4, 5])
    }

    func testAFileThatIsNotAStoreIsLeftAlone() throws {
        let file = dir.appendingPathComponent("photo.jpg").path
        try Data("not a store".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertNil(EmbeddingStore(file: file))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), Data("not a store".utf8))
    }

    func testTurnedOffOrPlacedByTheEnvironment() {
        XCTAssertNil(EmbeddingStore.forWeights("/w.pth", method: "resnet50", environment: ["LOOKALIKE_EMBEDDINGS": "off"]))
        let store = EmbeddingStore.forWeights("/w.pth", method: "resnet50", environment: ["LOOKALIKE_EMBEDDINGS": dir.path])
        XCTAssertEqual(store.map { URL(fileURLWithPath: $0.file).deletingLastPathComponent().path }, dir.path)
    }

    func testTheMethodReusesAStoredVectorInsteadOfRunningTheNetwork() throws {
        let image = FixturePaths.image("jpeg/photo-city.jpg")
        let store = try XCTUnwrap(EmbeddingStore(file: dir.appendingPathComponent("m.emb").path))
        let marker: [Float] = [1, 0, 0]
        store.add(marker, path: image, oriented: true, width: 7, height: 5)
        let method = ResNet50Method(network: ResNet50Tests.network, store: store)
        let decoded = try ImageDecoder().decode(path: image).get().image
        XCTAssertEqual(method.embedding(ImageSample(path: image, decoded: decoded, applyOrientation: true)), marker)
        // A run of stored methods only takes the record from the store, without decoding (the size shows it).
        var records: [ImageRecord] = []
        DescriptionRun(methods: [method], workers: 1).run(paths: [image]) { records.append(try! $0.result.get()) }
        XCTAssertEqual(records.map { [$0.width, $0.height] }, [[7, 5]])
        XCTAssertEqual(records.first?.descriptors.first, .vector(marker))
        // Beside a method with nothing stored, the image is decoded and described as usual.
        records = []
        DescriptionRun(methods: [method, DCTHashMethod(size: 8)], workers: 1).run(paths: [image]) { records.append(try! $0.result.get()) }
        XCTAssertNotEqual(records.first?.width, 7)
        XCTAssertEqual(records.first?.descriptors.first, .vector(marker))
    }

    func testTheNetworksVectorIsStoredWithTheImagesSize() throws {
        let image = FixturePaths.image("jpeg/photo-city.jpg")
        let store = try XCTUnwrap(EmbeddingStore(file: dir.appendingPathComponent("n.emb").path))
        let method = ResNet50Method(network: ResNet50Tests.network, store: store)
        var first: [ImageRecord] = []
        DescriptionRun(methods: [method], workers: 1).run(paths: [image]) { first.append(try! $0.result.get()) }
        let entry = try XCTUnwrap(store.entry(path: image, oriented: true))
        XCTAssertEqual([entry.width, entry.height], [first[0].width, first[0].height])
        XCTAssertEqual(first[0].descriptors.first, .vector(entry.vector))
    }
}
