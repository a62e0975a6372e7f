#if canImport(Glibc)
import Glibc
#endif

/// Expands the paths a user gave into image files: files as given, folders walked recursively in sorted
/// order, keeping names whose extension is in `extensions`. Symbolic links are skipped unless followed.
public struct FileCollector: Sendable {
    public var extensions: Set<String>
    public var followSymlinks: Bool

    public static let defaultExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png"]

    public init(extensions: Set<String> = FileCollector.defaultExtensions, followSymlinks: Bool = false) {
        self.extensions = Set(extensions.map { $0.lowercased().trimmingPrefix(".") }.map(String.init))
        self.followSymlinks = followSymlinks
    }

    public struct Collection: Sendable {
        public var files: [String] = []
        /// Paths that could not be read (missing, permission denied), with the cause.
        public var errors: [DecodeError] = []
    }

    public func collect(_ inputs: [String]) -> Collection {
        var result = Collection()
        var visited = Set<String>()  // device:inode of the folders being walked (ancestors), against link loops
        for input in inputs {
            var st = stat()
            guard stat(input, &st) == 0 else {
                result.errors.append(DecodeError(path: input, cause: .unreadable(String(cString: strerror(errno)))))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: walk(input, into: &result, visited: &visited)
            case S_IFREG: result.files.append(input)  // named explicitly: always tried, whatever its extension
            default:
                // A FIFO or device would block or never end: refused before anything opens it.
                result.errors.append(DecodeError(path: input, cause: .notRegularFile(FileKind.name(of: st.st_mode))))
            }
        }
        return result
    }

    private func walk(_ folder: String, into result: inout Collection, visited: inout Set<String>) {
        var st = stat()
        var key: String?
        if stat(folder, &st) == 0 {
            key = "\(st.st_dev):\(st.st_ino)"
            if visited.contains(key!) { return }
            visited.insert(key!)
        }
        defer { if let key { visited.remove(key) } }
        guard let dir = opendir(folder) else {
            result.errors.append(DecodeError(path: folder, cause: .unreadable(String(cString: strerror(errno)))))
            return
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        names.sort()
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        for name in names {
            let path = prefix + name
            var lst = stat()
            guard lstat(path, &lst) == 0 else {
                result.errors.append(DecodeError(path: path, cause: .unreadable(String(cString: strerror(errno)))))
                continue
            }
            var mode = lst.st_mode & S_IFMT
            if mode == S_IFLNK {
                guard followSymlinks else { continue }
                var target = stat()
                guard stat(path, &target) == 0 else { continue }  // dangling link: nothing to hash
                mode = target.st_mode & S_IFMT
            }
            if mode == S_IFDIR {
                walk(path, into: &result, visited: &visited)
            } else if mode == S_IFREG, let ext = name.split(separator: ".").last, name.contains("."),
                      extensions.contains(ext.lowercased()) {
                result.files.append(path)
            }
        }
    }
}
