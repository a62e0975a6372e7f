import Foundation

/// Moves files without ever losing one: rename where possible, otherwise (another file system) copy to a
/// temporary name beside the target, fsync, rename into place, and only then remove the source.
/// Name collisions get " (1)", " (2)"... before the extension; the target's folders are created.
public struct FileMover: Sendable {
    /// Tests force the copy path on one file system.
    var forceCopy = false

    public init() {}

    public enum Failure: Error, CustomStringConvertible {
        case failed(String, String)
        public var description: String {
            switch self { case let .failed(path, why): "\(path): \(why)" }
        }
    }

    /// A path in `target`'s folder, equal to `target` unless that is taken.
    public static func freePath(for target: String) -> String {
        guard FileManager.default.fileExists(atPath: target) || isDanglingLink(target) else { return target }
        let url = URL(fileURLWithPath: target)
        let ext = url.pathExtension
        let stem = url.deletingPathExtension().lastPathComponent
        let dir = url.deletingLastPathComponent()
        var n = 1
        while true {
            let name = ext.isEmpty ? "\(stem) (\(n))" : "\(stem) (\(n)).\(ext)"
            let candidate = dir.appendingPathComponent(name).path
            if !FileManager.default.fileExists(atPath: candidate) && !isDanglingLink(candidate) { return candidate }
            n += 1
        }
    }

    static func isDanglingLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Moves `source` to exactly `target` (which must not exist).
    public func move(_ source: String, to target: String) throws {
        let folder = URL(fileURLWithPath: target).deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw Failure.failed(target, "cannot create the folder: \(error.localizedDescription)")
        }
        if !forceCopy {
            if rename(source, target) == 0 { syncFolder(of: target); syncFolder(of: source); return }
            guard errno == EXDEV else { throw Failure.failed(source, "cannot move: \(String(cString: strerror(errno)))") }
        }
        try copyThenRemove(source, to: target)
    }

    private func copyThenRemove(_ source: String, to target: String) throws {
        let temporary = target + ".lookalike-partial"
        unlink(temporary)  // a leftover of an interrupted earlier copy: never the user's file
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure.failed(source, "cannot read: \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var st = stat()
        fstat(input, &st)
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0o7777)
        guard output >= 0 else { throw Failure.failed(target, "cannot write: \(String(cString: strerror(errno)))") }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: String?
        while failure == nil {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 { if errno == EINTR { continue }; failure = "read failed: \(String(cString: strerror(errno)))"; break }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, n - offset) }
                if w < 0 { if errno == EINTR { continue }; failure = "write failed: \(String(cString: strerror(errno)))"; break }
                offset += w
            }
        }
        if failure == nil && fsync(output) != 0 { failure = "fsync failed: \(String(cString: strerror(errno)))" }
        // Keep the original's times, so "oldest" and change checks still see the same file.
        var times = [st.st_atim, st.st_mtim]
        futimens(output, &times)
        close(output)
        if let failure { unlink(temporary); throw Failure.failed(target, failure) }
        guard rename(temporary, target) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure.failed(target, "cannot move into place: \(why)")
        }
        syncFolder(of: target)
        guard unlink(source) == 0 else {
            throw Failure.failed(source, "copied to \(target) but cannot remove the original: \(String(cString: strerror(errno)))")
        }
        syncFolder(of: source)
    }

    private func syncFolder(of path: String) {
        let fd = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
