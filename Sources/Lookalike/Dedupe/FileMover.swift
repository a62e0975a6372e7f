import Foundation

/// Moves files without ever losing or overwriting one.
///
/// A target name is first *claimed*: created empty with `O_EXCL`, so two runs moving into one folder can never
/// pick the same name, and a name taken by anyone else is never written over. The source then replaces the
/// claim by `rename` (same file system), or is copied to a private temporary name beside it, fsync'ed, renamed
/// over the claim, and only then removed (another file system). Name collisions get " (1)", " (2)"... before
/// the extension; the target's folders are created.
public struct FileMover: Sendable {
    /// Tests force the copy path on one file system.
    var forceCopy = false

    public init() {}

    public enum Failure: Error, CustomStringConvertible {
        /// `path` could not be moved; `why` is errno's words or the step that failed.
        case failed(String, String)
        /// Nothing more can be written at the destination (disk full, read-only, permission): the run stops.
        case destinationUnwritable(String, String)

        public var description: String {
            switch self {
            case let .failed(path, why): "\(path): could not move: \(why)"
            case let .destinationUnwritable(path, why): "\(path): cannot write at the destination: \(why)"
            }
        }
    }

    /// Temporary copies are named after their target plus this and a per-process suffix.
    static let partialSuffix = ".lookalike-partial-"

    /// Claims a free name in `target`'s folder: `target` itself unless taken, else " (1)", " (2)"...
    /// The name is created empty and exclusively, so it is this caller's alone until replaced.
    public static func claim(_ target: String, renameIfTaken: Bool = true) throws -> String {
        let url = URL(fileURLWithPath: target)
        try makeFolders(url.deletingLastPathComponent().path)
        let ext = url.pathExtension
        let stem = url.deletingPathExtension().lastPathComponent
        let dir = url.deletingLastPathComponent()
        var n = 0
        while true {
            let name = n == 0 ? url.lastPathComponent : (ext.isEmpty ? "\(stem) (\(n))" : "\(stem) (\(n)).\(ext)")
            let candidate = n == 0 ? target : dir.appendingPathComponent(name).path
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd); return candidate }
            guard errno == EEXIST else { throw unwritable(candidate, errno) }
            guard renameIfTaken else { throw Failure.failed(candidate, "a file of that name exists; not overwritten") }
            n += 1
        }
    }

    /// Marks `folder` as a dedupe destination (see `FileCollector.destinationMarker`), creating it if needed.
    public static func markDestination(_ folder: String) throws {
        try makeFolders(folder)
        let marker = folder + "/" + FileCollector.destinationMarker
        let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw unwritable(marker, errno) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0 && st.st_size == 0 {
            let text = "Lookalike moved duplicates here (see the lookalike-manifest-*.jsonl files). Folder walks skip this\n"
                + "folder so the duplicates are not read again; name it as an input to read it anyway.\n"
            _ = text.withCString { write(fd, $0, strlen($0)) }
        }
    }

    /// Folders up to `path`, created as needed, with errno's words on failure.
    static func makeFolders(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw Failure.destinationUnwritable(path, "exists and is not a folder") }
            return
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if parent != path { try makeFolders(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw unwritable(path, errno) }
    }

    static func unwritable(_ path: String, _ code: Int32) -> Failure {
        .destinationUnwritable(path, String(cString: strerror(code)))
    }

    /// Errors that mean the destination takes nothing more.
    static func isDestinationError(_ code: Int32) -> Bool {
        [ENOSPC, EDQUOT, EROFS, EACCES, EPERM].contains(code)
    }

    /// Moves `source` onto `claimed`, a name this process claimed (empty) with `claim`. On failure the claim
    /// is removed again and the source is where it was.
    public func move(_ source: String, to claimed: String) throws {
        if !forceCopy {
            if rename(source, claimed) == 0 { syncFolder(of: claimed); syncFolder(of: source); return }
            let code = errno
            guard code == EXDEV else {
                unlink(claimed)
                throw Failure.failed(source, String(cString: strerror(code)))
            }
        }
        do { try copyThenRemove(source, to: claimed) } catch {
            // The claim is ours and still empty unless the copy was renamed into place (then the source stays too).
            var st = stat()
            if stat(claimed, &st) == 0 && st.st_size == 0 { unlink(claimed) }
            throw error
        }
    }

    private func copyThenRemove(_ source: String, to target: String) throws {
        let temporary = target + Self.partialSuffix + "\(getpid())"
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure.failed(source, "cannot read it: \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var st = stat()
        fstat(input, &st)
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0o7777)
        guard output >= 0 else { throw Self.unwritable(temporary, errno) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: Failure?
        while failure == nil {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                failure = .failed(source, "read failed: \(String(cString: strerror(errno)))"); break
            }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, n - offset) }
                if w < 0 { if errno == EINTR { continue }; failure = Self.unwritable(target, errno); break }
                offset += w
            }
        }
        if failure == nil && fsync(output) != 0 { failure = Self.unwritable(target, errno) }
        // Keep the original's times, so "oldest" and change checks still see the same file.
        var times = [st.st_atim, st.st_mtim]
        futimens(output, &times)
        if close(output) != 0 && failure == nil { failure = Self.unwritable(target, errno) }
        if let failure { unlink(temporary); throw failure }
        guard rename(temporary, target) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure.failed(source, "cannot rename the copy into place: \(String(cString: strerror(code)))")
        }
        syncFolder(of: target)
        guard unlink(source) == 0 else {
            throw Failure.failed(source, "copied to \(target) but cannot remove the original: \(String(cString: strerror(errno)))")
        }
        syncFolder(of: source)
    }

    /// Leftover temporary copies of `target` from an interrupted cross-device move (ours: the name was claimed).
    static func removePartials(of target: String) {
        let url = URL(fileURLWithPath: target)
        let prefix = url.lastPathComponent + partialSuffix
        let folder = url.deletingLastPathComponent().path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
            unlink(folder + "/" + name)
        }
    }

    private func syncFolder(of path: String) {
        let fd = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
