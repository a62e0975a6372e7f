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
        // A run killed half-way through a record: its marker, its length, two bytes of its body.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(EmbeddingStore.sync + [90, 0, 0, 0, 47, 116]))
        try handle.close()
        do {
            let store = try XCTUnwrap(EmbeddingStore(file: file))
            XCTAssertEqual(store.entry(path: a, oriented: true)?.vector, [1, 2])
            XCTAssertEqual(store.damagedRecords, 0, "a torn tail is a killed run, not damage")
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
        // Nor is a file of the earlier format misread (and its name is not the new one's).
        let old = dir.appendingPathComponent("old.emb").path
        try Data("LKEMB2\n\u{3}\0\0\0abc".utf8).write(to: URL(fileURLWithPath: old))
        XCTAssertNil(EmbeddingStore(file: old))
    }

    func testTurnedOffOrPlacedByTheEnvironment() {
        XCTAssertNil(EmbeddingStore.forWeights("/w.pth", method: "resnet50", environment: ["LOOKALIKE_EMBEDDINGS": "off"]))
        let store = EmbeddingStore.forWeights("/w.pth", method: "resnet50", environment: ["LOOKALIKE_EMBEDDINGS": dir.path])
        XCTAssertEqual(store.map { URL(fileURLWithPath: $0.file).deletingLastPathComponent().path }, dir.path)
        XCTAssertEqual(store?.file.hasSuffix(".emb3"), true)
    }

    func testTheMethodReusesAStoredVectorInsteadOfRunningTheNetwork() throws {
        let image = FixturePaths.image("jpeg/photo-city.jpg")
        let store = try XCTUnwrap(EmbeddingStore(file: dir.appendingPathComponent("m.emb").path))
        // A vector of resnet50's own dimension (anything else is never taken for its descriptor).
        let marker: [Float] = [1] + Array(repeating: 0, count: 2047)
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

    // MARK: damage and two writers

    /// Small files to key records by (the store keys by path, size and modification time).
    func images(_ names: [String]) throws -> [String] {
        try names.map { name in
            let path = dir.appendingPathComponent(name).path
            try Data(name.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    func size(_ file: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
    }

    func patch(_ file: String, at offset: Int, _ change: (inout UInt8) -> Void) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        change(&bytes[offset])
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }

    /// Three records a, b, c; returns where each starts.
    func threeRecords(_ file: String, _ paths: [String]) throws -> [Int] {
        let store = try XCTUnwrap(EmbeddingStore(file: file, dimension: 3))
        return try paths.enumerated().map { i, path in
            let start = try size(file)
            store.add([Float(i), 1, 2], path: path, oriented: true, width: 1, height: 1)
            return start
        }
    }

    func testADamagedLengthFieldLosesThatRecordOnlyWithOneWarningAndIsRewrittenAway() throws {
        let paths = try images(["a.jpg", "b.jpg", "c.jpg"])
        // b's length field (after its 4-byte marker) 4 too small (read as written, the old format misaligned the
        // vector and crashed), then too large to fit in the file.
        let damages: [(Int, (inout UInt8) -> Void)] = [(4, { $0 &-= 4 }), (6, { $0 = 0x7F })]
        for (n, (field, damage)) in damages.enumerated() {
            let file = dir.appendingPathComponent("s\(n).emb3").path
            let starts = try threeRecords(file, paths)
            try patch(file, at: starts[1] + field, damage)
            let store = try XCTUnwrap(EmbeddingStore(file: file, dimension: 3))
            XCTAssertEqual(store.damagedRecords, 1)
            XCTAssertEqual(store.damageWarning?.contains("1 damaged record(s) dropped"), true)
            XCTAssertEqual(store.entry(path: paths[0], oriented: true)?.vector, [0, 1, 2])
            XCTAssertNil(store.entry(path: paths[1], oriented: true), "described afresh, never trusted")
            XCTAssertEqual(store.entry(path: paths[2], oriented: true)?.vector, [2, 1, 2], "the record after it is kept")
            store.add([9, 9, 9], path: paths[1], oriented: true, width: 1, height: 1)
            let reopened = try XCTUnwrap(EmbeddingStore(file: file, dimension: 3))
            XCTAssertEqual(reopened.damagedRecords, 0, "the file was rewritten without the damage")
            XCTAssertNil(reopened.damageWarning)
            XCTAssertEqual(paths.map { reopened.entry(path: $0, oriented: true)?.vector }, [[0, 1, 2], [9, 9, 9], [2, 1, 2]])
        }
    }

    func testAFlippedByteInAVectorFailsTheChecksum() throws {
        XCTAssertEqual(EmbeddingStore.crc32(ArraySlice("123456789".utf8)), 0xCBF4_3926, "the standard CRC-32")
        let paths = try images(["a.jpg", "b.jpg", "c.jpg"])
        let file = dir.appendingPathComponent("s.emb3").path
        let starts = try threeRecords(file, paths)
        try patch(file, at: starts[2] - 5) { $0 ^= 0x40 }  // b's last vector byte, before its 4-byte checksum
        let store = try XCTUnwrap(EmbeddingStore(file: file, dimension: 3))
        XCTAssertEqual(store.damagedRecords, 1)
        XCTAssertEqual(paths.map { store.entry(path: $0, oriented: true)?.vector }, [[0, 1, 2], nil, [2, 1, 2]])
    }

    func testOnlyFiniteVectorsOfTheStoresDimensionAreKeptOrReturned() throws {
        let paths = try images(["a.jpg", "b.jpg", "c.jpg"])
        let file = dir.appendingPathComponent("s.emb3").path
        do {
            let any = try XCTUnwrap(EmbeddingStore(file: file))
            any.add([1, 2], path: paths[0], oriented: true, width: 1, height: 1)
            any.add([1, .nan, 3], path: paths[1], oriented: true, width: 1, height: 1)
            any.add([1, 2, 3], path: paths[2], oriented: true, width: 1, height: 1)
            XCTAssertNil(any.entry(path: paths[1], oriented: true), "not finite: not kept")
        }
        let store = try XCTUnwrap(EmbeddingStore(file: file, dimension: 3))
        XCTAssertEqual(store.damagedRecords, 1, "a whole record of the wrong dimension is dropped too")
        XCTAssertEqual(paths.map { store.entry(path: $0, oriented: true)?.vector }, [nil, nil, [1, 2, 3]])
        store.add([1, 2], path: paths[0], oriented: true, width: 1, height: 1)
        XCTAssertNil(store.entry(path: paths[0], oriented: true))
    }

    static let writerRecords = 300
    static let writerEnvironment = "LOOKALIKE_TEST_STORE_WRITER"

    static func writerVector(_ role: String, _ i: Int) -> [Float] {
        (0..<2048).map { Float($0) * (role == "a" ? 1 : -1) + Float(i) / 1024 }
    }

    /// Two processes append to one store at once: this test binary, started twice more, each copy running this
    /// test as a writer. Every record must come back whole: none lost, overlapped or damaged.
    func testTwoWriterProcessesAppendWholeRecordsOnly() throws {
        let environment = ProcessInfo.processInfo.environment
        if let role = environment[Self.writerEnvironment], let folder = environment["LOOKALIKE_TEST_STORE_DIR"] {
            return try writeAsOneOfTwo(role: role, folder: URL(fileURLWithPath: folder))
        }
        let n = Self.writerRecords
        let names = ["a", "b"].flatMap { role in (0..<n).map { "\(role)\($0).jpg" } }
        let paths = Dictionary(uniqueKeysWithValues: zip(names, try images(names)))
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let writers = try ["a", "b"].map { role in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["LookalikeTests.EmbeddingStoreTests/testTwoWriterProcessesAppendWholeRecordsOnly"]
            process.environment = environment.merging([Self.writerEnvironment: role, "LOOKALIKE_TEST_STORE_DIR": dir.path]) { $1 }
            let log = dir.appendingPathComponent("\(role).log")
            try Data().write(to: log)
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = process.standardOutput
            try process.run()
            return (process, log)
        }
        // Both have opened the store before either writes.
        guard waitFor(["ready-a", "ready-b"], in: dir, while: { writers.allSatisfy { $0.0.isRunning } }) else {
            for (process, _) in writers where process.isRunning { process.terminate() }
            let logs = writers.map { (try? String(contentsOf: $0.1, encoding: .utf8)) ?? "" }
            return XCTFail("the writers did not both start: \(logs.joined(separator: "\n"))")
        }
        try Data().write(to: dir.appendingPathComponent("go"))
        for (process, log) in writers {
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }
        let file = dir.appendingPathComponent("s.emb3").path
        let store = try XCTUnwrap(EmbeddingStore(file: file, dimension: 2048))
        XCTAssertEqual(store.damagedRecords, 0)
        var expectedSize = EmbeddingStore.magic.count
        for role in ["a", "b"] {
            for i in 0..<n {
                let path = paths["\(role)\(i).jpg"]!
                let entry = store.entry(path: path, oriented: true)
                XCTAssertEqual(entry, EmbeddingStore.Entry(vector: Self.writerVector(role, i), width: i, height: 1), "\(role)\(i)")
                let key = try XCTUnwrap(EmbeddingStore.key(path: path, oriented: true))
                expectedSize += EmbeddingStore.record(key, try XCTUnwrap(entry)).count
            }
        }
        XCTAssertEqual(try size(file), expectedSize, "every record once, none overlapping another")
    }

    func writeAsOneOfTwo(role: String, folder: URL) throws {
        let store = try XCTUnwrap(EmbeddingStore(file: folder.appendingPathComponent("s.emb3").path, dimension: 2048))
        try Data().write(to: folder.appendingPathComponent("ready-\(role)"))
        guard waitFor(["go"], in: folder, while: { true }) else { return XCTFail("no go within 60 s") }
        for i in 0..<Self.writerRecords {
            store.add(Self.writerVector(role, i), path: folder.appendingPathComponent("\(role)\(i).jpg").path,
                      oriented: true, width: i, height: 1)
        }
    }

    /// Waits up to 60 s for files to appear in `folder` while `alive` holds; false if they did not.
    func waitFor(_ names: [String], in folder: URL, while alive: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while !names.allSatisfy({ FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }) {
            guard alive(), Date() < deadline else { return false }
            usleep(1000)
        }
        return true
    }
}
