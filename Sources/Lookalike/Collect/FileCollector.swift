#if canImport(Glibc)
import Glibc
#endif

/// Expands the paths a user gave into image files: files as given, folders walked recursively in sorted
/// order, keeping names whose extension is in `extensions`. Symbolic links are skipped unless followed.
///
/// Each file is listed once, however often it is reached (overlapping arguments, `.` and `..`, links, hard
/// links): files are told apart by device and inode. When a file is reached both through a symbolic link and
/// without one, the path without a link is kept, so nothing downstream ever acts on a link instead of its target.
public struct FileCollector: Sendable {
    public var extensions: Set<String>
    public var followSymlinks: Bool
    /// Folders never walked into (a dedupe destination): compared by device and inode.
    public var excludedFolders: [String]

    public static let defaultExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png"]

    /// A folder holding this file is a dedupe destination: walks skip it unless it is named as an input itself,
    /// so moved duplicates are not read again as inputs by a later run over the source.
    public static let destinationMarker = ".lookalike-destination"

    public init(extensions: Set<String> = FileCollector.defaultExtensions, followSymlinks: Bool = false,
                excludedFolders: [String] = []) {
        self.extensions = Set(extensions.map { $0.lowercased().trimmingPrefix(".") }.map(String.init))
        self.followSymlinks = followSymlinks
        self.excludedFolders = excludedFolders
    }

    public struct Collection: Sendable {
        public var files: [String] = []
        /// Paths that could not be read (missing, permission denied, not a regular file, name not UTF-8).
        public var errors: [FileError] = []
        /// Paths left out because they are a file already listed (same device and inode).
        public var repeats: [String] = []
        /// Folders not walked: excluded, or dedupe destinations found inside an input folder.
        public var skippedFolders: [String] = []
    }

    struct FileID: Hashable { let device: UInt64; let inode: UInt64 }

    /// Walk state: the listing, where each file is in it, and whether it was reached through a link.
    private struct Walk {
        var result = Collection()
        var index: [FileID: (position: Int, viaLink: Bool)] = [:]
        var visited = Set<FileID>()  // the folders being walked (ancestors), against link loops
        var excluded = Set<FileID>()

        mutating func add(_ path: String, _ st: stat, viaLink: Bool) {
            let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            guard let seen = index[id] else {
                index[id] = (result.files.count, viaLink)
                result.files.append(path)
                return
            }
            if seen.viaLink && !viaLink {
                // The file itself after a link to it: list the file, in the link's place.
                result.repeats.append(result.files[seen.position])
                result.files[seen.position] = path
                index[id] = (seen.position, false)
            } else {
                result.repeats.append(path)
            }
        }
    }

    public func collect(_ inputs: [String]) -> Collection {
        var state = Walk()
        for folder in excludedFolders {
            var st = stat()
            if stat(folder, &st) == 0 { state.excluded.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))) }
        }
        for input in inputs {
            var st = stat()
            guard stat(input, &st) == 0 else {
                state.result.errors.append(FileError(path: input, cause: .unreadable(String(cString: strerror(errno)))))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: walk(input, into: &state, viaLink: Self.throughLink(input), isRoot: true)
            case S_IFREG: state.add(input, st, viaLink: Self.throughLink(input))  // named: tried whatever its extension
            default:
                // A FIFO or device would block or never end: refused before anything opens it.
                state.result.errors.append(FileError(path: input, cause: .notRegularFile(FileKind.name(of: st.st_mode))))
            }
        }
        return state.result
    }

    /// Whether `path` reaches its file through a symbolic link anywhere along it.
    static func throughLink(_ path: String) -> Bool {
        guard let resolved = realpath(path, nil) else { return false }
        defer { free(resolved) }
        return String(cString: resolved) != absolute(path)
    }

    /// `path` made absolute and normalised (`.`, `..`, repeated slashes) without resolving links.
    static func absolute(_ path: String) -> String {
        var parts: [Substring] = []
        var base = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                base = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
            }
        }
        for part in base.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    private func walk(_ folder: String, into state: inout Walk, viaLink: Bool, isRoot: Bool) {
        var st = stat()
        var key: FileID?
        if stat(folder, &st) == 0 {
            let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            if state.visited.contains(id) { return }
            if state.excluded.contains(id) { state.result.skippedFolders.append(folder); return }
            key = id
            state.visited.insert(id)
        }
        defer { if let key { state.visited.remove(key) } }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        if !isRoot && access(prefix + Self.destinationMarker, F_OK) == 0 {
            state.result.skippedFolders.append(folder)
            return
        }
        guard let dir = opendir(folder) else {
            state.result.errors.append(FileError(path: folder, cause: .unreadable(String(cString: strerror(errno)))))
            return
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                // Paths are kept as text: a name that is not UTF-8 could not be opened again from it.
                let shown = String(decoding: bytes, as: UTF8.self)
                let escaped = bytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }.joined()
                state.result.errors.append(FileError(path: prefix + shown, cause: .nameNotUTF8(escaped)))
                continue
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        names.sort()
        for name in names {
            let path = prefix + name
            var lst = stat()
            guard lstat(path, &lst) == 0 else {
                state.result.errors.append(FileError(path: path, cause: .unreadable(String(cString: strerror(errno)))))
                continue
            }
            var info = lst
            let isLink = (lst.st_mode & S_IFMT) == S_IFLNK
            if isLink {
                guard followSymlinks else { continue }
                guard stat(path, &info) == 0 else { continue }  // dangling link: nothing to hash
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(path, into: &state, viaLink: viaLink || isLink, isRoot: false)
            case S_IFREG:
                if let ext = name.split(separator: ".").last, name.contains("."), extensions.contains(ext.lowercased()) {
                    state.add(path, info, viaLink: viaLink || isLink)
                }
            default: continue  // FIFOs, sockets and devices inside folders are not images
            }
        }
    }
}
