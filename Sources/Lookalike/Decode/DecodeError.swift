/// Why one file could not be turned into pixels. `description` is the one line a user sees.
public struct DecodeError: Error, CustomStringConvertible, Sendable {
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
            }
        }
    }

    public let path: String
    public let cause: Cause

    public init(path: String, cause: Cause) {
        self.path = path
        self.cause = cause
    }

    public var description: String { "\(path): \(cause.explanation)" }
}
