#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file with POSIX calls, so that failures carry errno's own words.
enum FileBytes {
    static func read(_ path: String) -> Result<[UInt8], DecodeError.Cause> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(.unreadable("is a directory")) }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: max(size, 0))
        var filled = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buf in
            while filled < size {
                let n = Glibc.read(fd, buf.baseAddress! + filled, size - filled)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                if n == 0 { break }  // file shrank while reading
                filled += n
            }
        }
        if failure != 0 { return .failure(.unreadable(String(cString: strerror(failure)))) }
        if filled < size { bytes.removeLast(size - filled) }
        return .success(bytes)
    }
}
