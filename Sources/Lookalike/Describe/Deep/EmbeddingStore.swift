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
/// setting (an image changed since is described afresh) and holds the image's reported size and the vector.
///
/// Several runs may share a file: each record is appended with one `write` to an `O_APPEND` descriptor under
/// `flock`, so records never interleave. A record is a sync marker, its length, its body and a CRC-32 of length
/// and body. One that fails the check, or whose vector is not finite or not of the store's dimension, is never
/// trusted: it is dropped and counted (`damagedRecords`), its image described afresh, and reading resumes at the
/// next marker. At open, under the lock, a torn record at the end (a killed run) is cut off, and a file with
/// damaged records is rewritten without them.
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
        var hits = 0, added = 0
    }

    public let file: String
    /// The length every vector must have (nil: any).
    public let dimension: Int?
    /// Records found damaged when the store was opened; dropped, and the file rewritten without them.
    public let damagedRecords: Int
    private let descriptor: Int32
    private let state: Mutex<State>
    static let magic = Array("LKEMB3\n".utf8)
    /// Starts every record, so that reading can find the record after a damaged one.
    static let sync: [UInt8] = [0xF7, 0x4C, 0x4B, 0x52]

    /// Opens (or creates) the store file; nil when it cannot be created (the run goes on without a store).
    public init?(file: String, dimension: Int? = nil) {
        self.file = file
        self.dimension = dimension
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else {
            return nil
        }
        let fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        // Under the lock no other run is half-way through a record: a torn tail is truly torn.
        Self.lock(fd)
        var parsed: Parsed?
        if var bytes = Self.contents(fd) {
            if bytes.isEmpty, Self.writeAll(fd, Self.magic) { bytes = Self.magic }
            parsed = Self.parse(bytes, dimension: dimension)  // nil: not a store, left alone
            if let p = parsed, p.damaged > 0 {
                // Rewritten so that the next run does not meet the damage again.
                ftruncate(fd, off_t(Self.magic.count))
                _ = Self.writeAll(fd, p.vectors.flatMap { Self.record($0.key, $0.value) })
            } else if let p = parsed, p.end < bytes.count {
                ftruncate(fd, off_t(p.end))
            }
        }
        flock(fd, LOCK_UN)
        guard let parsed else { close(fd); return nil }
        descriptor = fd
        damagedRecords = parsed.damaged
        state = Mutex(State(vectors: parsed.vectors))
    }

    deinit { close(descriptor) }

    /// The store for one method and one weights file, or nil when turned off or unwritable.
    public static func forWeights(_ weightsPath: String, method: String, dimension: Int? = nil,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) -> EmbeddingStore? {
        let setting = environment["LOOKALIKE_EMBEDDINGS"]
        if setting == "off" { return nil }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let folder = setting ?? ((environment["XDG_CACHE_HOME"] ?? home + "/.cache") + "/lookalike/embeddings")
        // The weights file's identity without hashing 100 MB: absolute path, size, modification time.
        let id = key(path: URL(fileURLWithPath: weightsPath).standardizedFileURL.path, oriented: true)
        let identity = "\(id?.path ?? weightsPath)|\(id?.size ?? 0)|\(id?.modified ?? 0)"
        let digest = String(identity.utf8.reduce(UInt64(14695981039346656037)) { ($0 ^ UInt64($1)) &* 1099511628211 }, radix: 16)
        // `.emb3`: files of the earlier format (`.emb`) are never opened, so never misread.
        return EmbeddingStore(file: folder + "/\(method)-\(digest).emb3", dimension: dimension)
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
    /// what it finished). A vector that reading would refuse (not finite, wrong dimension) is not kept.
    public func add(_ vector: [Float], path: String, oriented: Bool, width: Int, height: Int) {
        guard let key = Self.key(path: path, oriented: oriented), Self.valid(vector, dimension: dimension) else { return }
        let entry = Entry(vector: vector, width: width, height: height)
        let record = Self.record(key, entry)
        state.withLock { s in
            s.vectors[key] = entry
            s.added += 1
            Self.lock(descriptor)
            _ = Self.writeAll(descriptor, record)
            flock(descriptor, LOCK_UN)
        }
    }

    /// Vectors found in the store and vectors added, since it was opened.
    public var counts: (reused: Int, added: Int) { state.withLock { ($0.hits, $0.added) } }

    /// One line for the user when the store was found damaged, else nil (the library does not print).
    public var damageWarning: String? {
        damagedRecords == 0 ? nil
            : "\(file): warning: \(damagedRecords) damaged record(s) dropped; their images are described afresh"
    }

    static func valid(_ vector: [Float], dimension: Int?) -> Bool {
        (dimension == nil || vector.count == dimension) && vector.allSatisfy(\.isFinite)
    }

    // MARK: format

    struct Parsed {
        var vectors: [Key: Entry] = [:]
        var damaged = 0
        /// The end of the last whole record: what follows is a torn or damaged tail.
        var end = 0
    }

    /// The records of a store file; nil when it is not one.
    static func parse(_ bytes: [UInt8], dimension: Int?) -> Parsed? {
        guard bytes.starts(with: magic) else { return nil }
        var parsed = Parsed(end: magic.count)
        var at = magic.count
        while at < bytes.count {
            if let record = frame(bytes, at: at) {
                if let found = decode(bytes[record.body], dimension: dimension) {
                    parsed.vectors[found.key] = found.entry
                    parsed.end = record.next
                } else {
                    parsed.damaged += 1  // whole, but not a valid vector: never trusted
                }
                at = record.next
            } else if let next = nextSync(bytes, after: at) {
                parsed.damaged += 1
                at = next
            } else {
                // The last bytes: a record a killed run did not finish, or damage.
                if !torn(bytes, at: at) { parsed.damaged += 1 }
                break
            }
        }
        return parsed
    }

    /// The body's range and the next record's offset, when a record with a correct checksum starts at `at`.
    static func frame(_ bytes: [UInt8], at: Int) -> (body: Range<Int>, next: Int)? {
        guard at + 8 <= bytes.count, bytes[at..<(at + 4)].elementsEqual(sync) else { return nil }
        let end = at + 8 + Int(uint32(bytes, at + 4))
        guard end + 4 <= bytes.count, crc32(bytes[(at + 4)..<end]) == uint32(bytes, end) else { return nil }
        return (at + 8..<end, end + 4)
    }

    /// True when the bytes from `at` are the start of a record, cut short.
    static func torn(_ bytes: [UInt8], at: Int) -> Bool {
        let rest = bytes[at...]
        guard rest.count >= 8 else { return sync.starts(with: rest.prefix(4)) }
        return rest.starts(with: sync) && at + 12 + Int(uint32(bytes, at + 4)) > bytes.count
    }

    static func nextSync(_ bytes: [UInt8], after at: Int) -> Int? {
        var i = at + 1
        while i + sync.count <= bytes.count {
            if bytes[i] == sync[0], bytes[i..<(i + sync.count)].elementsEqual(sync) { return i }
            i += 1
        }
        return nil
    }

    /// A record's body: path length, path, size, modification time, orientation, width, height, vector length,
    /// vector; nil unless it is exactly that and the vector is valid.
    static func decode(_ body: ArraySlice<UInt8>, dimension: Int?) -> (key: Key, entry: Entry)? {
        var at = body.startIndex
        func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard at + size <= body.endIndex else { return nil }
            var v: T = 0
            for i in 0..<size { v |= T(truncatingIfNeeded: body[at + i]) << (8 * i) }
            at += size
            return v
        }
        guard let length = read(UInt32.self), at + Int(length) <= body.endIndex else { return nil }
        let path = String(decoding: body[at..<(at + Int(length))], as: UTF8.self)
        at += Int(length)
        guard let size = read(Int64.self), let modified = read(Int64.self), let oriented = read(UInt8.self), oriented <= 1,
              let width = read(UInt32.self), let height = read(UInt32.self),
              let count = read(UInt32.self), body.endIndex - at == 4 * Int(count) else { return nil }
        let vector = (0..<Int(count)).map { _ in Float(bitPattern: read(UInt32.self)!) }
        guard valid(vector, dimension: dimension) else { return nil }
        return (Key(path: path, size: size, modified: modified, oriented: oriented == 1),
                Entry(vector: vector, width: Int(width), height: Int(height)))
    }

    /// Sync marker, body length, body, CRC-32 of length and body.
    static func record(_ key: Key, _ entry: Entry) -> [UInt8] {
        var body: [UInt8] = []
        let pathBytes = Array(key.path.utf8)
        put(UInt32(pathBytes.count), &body)
        body.append(contentsOf: pathBytes)
        put(key.size, &body)
        put(key.modified, &body)
        body.append(key.oriented ? 1 : 0)
        put(UInt32(clamping: entry.width), &body)
        put(UInt32(clamping: entry.height), &body)
        put(UInt32(entry.vector.count), &body)
        for v in entry.vector { put(v.bitPattern, &body) }
        var out = sync
        put(UInt32(body.count), &out)
        out.append(contentsOf: body)
        put(crc32(out[sync.count...]), &out)
        return out
    }

    static func put<T: FixedWidthInteger>(_ v: T, _ bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }

    /// CRC-32 as in zlib and PNG.
    static let crcTable: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        crcTable.withUnsafeBufferPointer { table in
            ~bytes.reduce(~UInt32(0)) { c, b in table[Int(UInt8(truncatingIfNeeded: c) ^ b)] ^ (c >> 8) }
        }
    }

    // MARK: file

    /// Waits for the lock every run takes around its writes (a signal does not end the wait).
    static func lock(_ fd: Int32) {
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
    }

    /// The whole file, read from the start whatever the descriptor's offset; nil on a read error.
    static func contents(_ fd: Int32) -> [UInt8]? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let complete = bytes.withUnsafeMutableBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pread(fd, raw.baseAddress! + done, raw.count - done, off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        return complete ? bytes : nil
    }

    /// Writes everything, resuming after short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
    }
}

extension EmbeddingStore: DescriptorStore {
    public func stored(path: String, oriented: Bool) -> StoredDescriptor? {
        entry(path: path, oriented: oriented).map { StoredDescriptor(descriptor: .vector($0.vector), width: $0.width, height: $0.height) }
    }

    public var location: String { file }
    public var reusedCount: Int { counts.reused }
}
