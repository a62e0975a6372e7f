#if canImport(Glibc)
import Glibc
#endif

/// Why one file could not be read or turned into pixels (unreadable, not an image, corrupt, too large...).
public struct FileError: PathError, Sendable {
    public enum Cause: Error, Sendable, Equatable {
        case unreadable(String)
        case empty
        case notAnImage
        case unsupportedFormat(String)
        case truncated(String)
        case corrupt(String)
        case tooLarge(width: Int, height: Int, limit: Int)
        case unsupportedVariant(String)
        case outOfMemory
        /// The header claims far more pixels than the file's bytes can hold (a damaged header or a bomb).
        case implausibleSize(width: Int, height: Int, decodedBytes: Int, fileBytes: Int)
        /// Decodable in principle but too costly to be a real photo (thousands of progressive scans).
        case tooComplex(String)
        /// A FIFO, device or socket: reading it could block for ever, so it is refused before opening.
        case notRegularFile(String)
        /// A name that is not valid UTF-8: Lookalike keeps paths as text and could not name this file back.
        case nameNotUTF8(String)

        /// Short machine-readable category (used in JSON error records and tests).
        public var category: String {
            switch self {
            case .unreadable: "unreadable"
            case .empty: "empty"
            case .notAnImage: "not-an-image"
            case .unsupportedFormat: "unsupported-format"
            case .truncated: "truncated"
            case .corrupt: "corrupt"
            case .tooLarge: "too-large"
            case .unsupportedVariant: "unsupported-variant"
            case .outOfMemory: "out-of-memory"
            case .implausibleSize: "implausible-size"
            case .tooComplex: "too-complex"
            case .notRegularFile: "not-a-regular-file"
            case .nameNotUTF8: "name-not-utf8"
            }
        }

        public var explanation: String {
            switch self {
            case .unreadable(let why): "cannot read file: \(why)"
            case .empty: "file is empty (0 bytes)"
            case .notAnImage: "not an image (neither JPEG nor PNG content)"
            case .unsupportedFormat(let name): "unsupported format: \(name) (Lookalike reads JPEG and PNG)"
            case .truncated(let why): "truncated: \(why)"
            case .corrupt(let why): "corrupt: \(why)"
            case let .tooLarge(w, h, limit):
                "\(w)x\(h) = \(w * h) pixels is over the limit of \(limit) (raise it with --max-pixels)"
            case .unsupportedVariant(let why): "unsupported: \(why)"
            case .outOfMemory: "out of memory while decoding"
            case let .implausibleSize(w, h, decoded, file):
                "header claims \(w)x\(h) (\(decoded / 1_048_576) MiB of pixels) from \(file) bytes of file, "
                    + "\(decoded / max(file, 1)) bytes of pixels per byte: a damaged header or a decompression bomb; refused"
            case .tooComplex(let why): "refused: \(why)"
            case .notRegularFile(let kind): "not a regular file (\(kind)); Lookalike reads image files, not pipes or devices: save it to a file first"
            case .nameNotUTF8(let escaped): "file name is not valid UTF-8 (\(escaped)); rename it to include it"
            }
        }
    }

    public let path: String
    public let cause: Cause

    public init(path: String, cause: Cause) {
        self.path = path
        self.cause = cause
    }

    public var explanation: String { cause.explanation }
}

/// Names a file's kind for messages.
enum FileKind {
    static func name(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a pipe or FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}
