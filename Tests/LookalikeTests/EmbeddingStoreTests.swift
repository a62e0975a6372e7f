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
            XCTAssertNil(store.vector(path: image, oriented: true))
            store.add([0.5, -1, 2], path: image, oriented: true)
        }
        let reopened = try XCTUnwrap(EmbeddingStore(file: file))
        XCTAssertEqual(reopened.vector(path: image, oriented: true), [0.5, -1, 2])
        XCTAssertNil(reopened.vector(path: image, oriented: false), "orientation is part of the key")
        XCTAssertEqual(reopened.counts.reused, 1)
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: image))
        XCTAssertNil(reopened.vector(path: image, oriented: true), "the file changed since")
    }

    func testATornRecordIsDroppedAndLaterRecordsStayReadable() throws {
        let a = dir.appendingPathComponent("a.jpg").path, b = dir.appendingPathComponent("b.jpg").path
        try Data([1]).write(to: URL(fileURLWithPath: a))
        try Data([2]).write(to: URL(fileURLWithPath: b))
        let file = dir.appendingPathComponent("s.emb").path
        do { EmbeddingStore(file: file)!.add([1, 2], path: a, oriented: true) }
        // A run killed half-way through a record.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([9, 0, 0, 0, 47, 116]))
        try handle.close()
        do {
            let store = try XCTUnwrap(EmbeddingStore(file: file))
            XCTAssertEqual(store.vector(path: a, oriented: true), [1, 2])
            store.add([3, 4, 5], path: b, oriented: true)
        }
        let store = try XCTUnwrap(EmbeddingStore(file: file))
        XCTAssertEqual(store.vector(path: a, oriented: true), [1, 2])
        XCTAssertEqual(store.vector(path: b, oriented: true), [3, 4, 5])
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
        store.add(marker, path: image, oriented: true)
        let method = ResNet50Method(network: ResNet50Tests.network, store: store)
        let decoded = try ImageDecoder().decode(path: image).get().image
        XCTAssertEqual(method.embedding(ImageSample(path: image, decoded: decoded, applyOrientation: true)), marker)
    }
}
