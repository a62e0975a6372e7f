import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Embeddings kept between runs, so a second `group`, `embed` or `evaluate` over the same photos skips the
/// network, and the decoding too when every method has its answer stored. One append-only file per method and
/// weights file, in
/// `$XDG_CACHE_HOME/lookalike/embeddings/` (`LOOKALIKE_EMBEDDINGS=DIR` moves it, `LOOKALIKE_EMBEDDINGS=off`
/// turns it off). A record is keyed by the image's absolute path, size, modification time and orientation
/// setting (an image changed since is described afresh) and holds the image's reported size and the vector. A torn record at the end (a killed run) is dropped and
/// the file cut back to the last whole record before anything is appended.
public final class EmbeddingStore: Sendable {
    struct Key: Hashable {
        let path: String
        let size: Int64
        let modified: Int64
        let oriented: Bool
    }

    public struct Entry: Sendable, Equatable {
        public let vector: [Float]
        public let width: Int
        public let height: Int
    }

    struct State {
        var vectors: [Key: Entry] = [:]
        var handle: FileHandle?
        var hits = 0, added = 0
    }

    public let file: String
    private let state: Mutex<State>
    static let magic = Array("LKEMB2\n".utf8)

    /// Opens (or creates) the store file; nil when it cannot be created (the run goes on without a store).
    public init?(file: String) {
        self.file = file
        var loaded = State()
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else {
            return nil
        }
        if !FileManager.default.fileExists(atPath: file) {
            guard FileManager.default.createFile(atPath: file, contents: Data(Self.magic)) else { return nil }
        }
        guard let data = FileManager.default.contents(atPath: file), let handle = FileHandle(forUpdatingAtPath: file) else {
            return nil
        }
        let (vectors, goodLength) = Self.parse(data)
        guard let vectors else { return nil }  // not a store file: leave it alone
        loaded.vectors = vectors
        do {
            try handle.truncate(atOffset: UInt64(goodLength))
            try handle.seekToEnd()
        } catch { return nil }
        loaded.handle = handle
        state = Mutex(loaded)
    }

    deinit { state.withLock { try? $0.handle?.close() } }

    /// The store for one method and one weights file, or nil when turned off or unwritable.
    public static func forWeights(_ weightsPath: String, method: String,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) -> EmbeddingStore? {
        let setting = environment["LOOKALIKE_EMBEDDINGS"]
        if setting == "off" { return nil }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let folder = setting ?? ((environment["XDG_CACHE_HOME"] ?? home + "/.cache") + "/lookalike/embeddings")
        // The weights file's identity without hashing 100 MB: absolute path, size, modification time.
        let id = key(path: URL(fileURLWithPath: weightsPath).standardizedFileURL.path, oriented: true)
        let identity = "\(id?.path ?? weightsPath)|\(id?.size ?? 0)|\(id?.modified ?? 0)"
        let digest = String(identity.utf8.reduce(UInt64(14695981039346656037)) { ($0 ^ UInt64($1)) &* 1099511628211 }, radix: 16)
        return EmbeddingStore(file: folder + "/\(method)-\(digest).emb")
    }

    static func key(path: String, oriented: Bool) -> Key? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var info = stat()
        guard stat(absolute, &info) == 0 else { return nil }
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return Key(path: absolute, size: Int64(info.st_size), modified: modified, oriented: oriented)
    }

    /// The stored entry for this image as it is on disk now, if any.
    public func entry(path: String, oriented: Bool) -> Entry? {
        guard let key = Self.key(path: path, oriented: oriented) else { return nil }
        return state.withLock { s in
            let found = s.vectors[key]
            if found != nil { s.hits += 1 }
            return found
        }
    }

    /// Records a vector and the image's reported size (appended to the file at once, so a killed run keeps
    /// what it finished).
    public func add(_ vector: [Float], path: String, oriented: Bool, width: Int, height: Int) {
        guard let key = Self.key(path: path, oriented: oriented) else { return }
        var record: [UInt8] = []
        let pathBytes = Array(key.path.utf8)
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { record.append(contentsOf: $0) } }
        append(UInt32(pathBytes.count))
        record.append(contentsOf: pathBytes)
        append(key.size)
        append(key.modified)
        record.append(key.oriented ? 1 : 0)
        append(UInt32(clamping: width))
        append(UInt32(clamping: height))
        append(UInt32(vector.count))
        for v in vector { append(v.bitPattern) }
        state.withLock { s in
            s.vectors[key] = Entry(vector: vector, width: width, height: height)
            s.added += 1
            try? s.handle?.write(contentsOf: record)
        }
    }

    /// Vectors found in the store and vectors added, since it was opened.
    public var counts: (reused: Int, added: Int) { state.withLock { ($0.hits, $0.added) } }

    /// Records and the length of the whole ones; nil vectors when the file is not a store.
    static func parse(_ data: Data) -> ([Key: Entry]?, Int) {
        let bytes = [UInt8](data)
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { return (nil, 0) }
        var vectors: [Key: Entry] = [:]
        var at = magic.count, good = at
        func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard at + size <= bytes.count else { return nil }
            var v: T = 0
            for i in 0..<size { v |= T(truncatingIfNeeded: bytes[at + i]) << (8 * i) }
            at += size
            return v
        }
        while true {
            guard let length = read(UInt32.self), at + Int(length) <= bytes.count else { break }
            let path = String(decoding: bytes[at..<(at + Int(length))], as: UTF8.self)
            at += Int(length)
            guard let size = read(Int64.self), let modified = read(Int64.self), let oriented = read(UInt8.self),
                  let width = read(UInt32.self), let height = read(UInt32.self),
                  let count = read(UInt32.self), at + 4 * Int(count) <= bytes.count else { break }
            var vector = [Float](repeating: 0, count: Int(count))
            for i in 0..<Int(count) { vector[i] = Float(bitPattern: read(UInt32.self)!) }
            vectors[Key(path: path, size: size, modified: modified, oriented: oriented == 1)] =
                Entry(vector: vector, width: Int(width), height: Int(height))
            good = at
        }
        return (vectors, good)
    }
}
