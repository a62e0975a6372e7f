import Foundation

/// The journal of a dedupe run: one JSON object per line, appended and flushed to disk (fsync) around every
/// file operation, so that whatever happens to the process the manifest says what is on disk:
/// - `{"op":"move","state":"intent",...}` before a move, `"state":"done"` after it;
/// - `{"op":"delete",...,"state":"done"}` after a delete (deletes cannot be undone; the line is the record);
/// - `{"op":"undo",...}` when `lookalike undo` has moved a file back.
/// A move with an intent and no done line was interrupted: `undo` looks at the disk to see whether it happened.
public struct ManifestEntry: Codable, Sendable, Equatable {
    public enum Operation: String, Codable, Sendable { case move, delete, undo }
    public enum State: String, Codable, Sendable { case intent, done }

    public var op: Operation
    public var state: State
    public var from: String
    public var to: String?
    /// The representative kept for this file's group.
    public var kept: String?
    public var size: Int
    public var modified: Double
    public var distance: Float?

    public init(op: Operation, state: State, from: String, to: String? = nil, kept: String? = nil,
                size: Int, modified: Double, distance: Float? = nil) {
        self.op = op
        self.state = state
        self.from = from
        self.to = to
        self.kept = kept
        self.size = size
        self.modified = modified
        self.distance = distance
    }
}

/// Appends entries to a manifest file, durably: each line is written and fsync'ed before the call returns.
public final class ManifestWriter {
    public let path: String
    private let fd: Int32
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Opens an existing manifest to append to it (`undo` records what it put back).
    public convenience init(appendingTo path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw DedupeError.manifest(path, String(cString: strerror(errno))) }
        self.init(path: path, fd: fd)
    }

    /// Creates a new manifest. A manifest is never reused: with `renameIfTaken`, "-2", "-3"... are tried before
    /// the extension until a free name is created exclusively; without it an existing file is an error.
    public static func create(_ preferred: String, renameIfTaken: Bool) throws -> ManifestWriter {
        do { try FileMover.makeFolders(URL(fileURLWithPath: preferred).deletingLastPathComponent().path) } catch {
            throw DedupeError.manifest(preferred, "\(error)")
        }
        let url = URL(fileURLWithPath: preferred)
        let stem = url.deletingPathExtension().path, ext = url.pathExtension
        var n = 1
        while true {
            let path = n == 1 ? preferred : "\(stem)-\(n)" + (ext.isEmpty ? "" : ".\(ext)")
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 { return ManifestWriter(path: path, fd: fd) }
            guard errno == EEXIST else { throw DedupeError.manifest(path, String(cString: strerror(errno))) }
            guard renameIfTaken else {
                throw DedupeError.manifest(path, "exists already; a manifest is never reused: name a new file")
            }
            n += 1
        }
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
        // The folder entry must survive a crash too.
        let dir = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    deinit { close(fd) }

    public func append(_ entry: ManifestEntry) throws {
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        let ok = line.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        guard ok, fsync(fd) == 0 else { throw DedupeError.manifest(path, String(cString: strerror(errno))) }
    }

    /// Reads every entry; a torn last line (the process died while writing it) is ignored.
    public static func read(_ path: String) throws -> [ManifestEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DedupeError.manifest(path, "cannot read the manifest")
        }
        let decoder = JSONDecoder()
        var entries: [ManifestEntry] = []
        let lines = data.split(separator: UInt8(ascii: "\n"))
        for (n, line) in lines.enumerated() {
            do { entries.append(try decoder.decode(ManifestEntry.self, from: Data(line))) } catch {
                if n == lines.count - 1 && data.last != UInt8(ascii: "\n") { break }
                throw DedupeError.manifest(path, "line \(n + 1) is not a manifest entry")
            }
        }
        return entries
    }
}

public enum DedupeError: Error, CustomStringConvertible {
    case manifest(String, String)
    case destination(String, String)

    public var description: String {
        switch self {
        case let .manifest(path, why): "\(path): manifest: \(why)"
        case let .destination(path, why): "\(path): \(why)"
        }
    }
}
