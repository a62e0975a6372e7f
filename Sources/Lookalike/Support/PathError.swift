/// An error about one file: its path and why, shown as one line "PATH: why".
public protocol PathError: Error, CustomStringConvertible {
    var path: String { get }
    /// The cause in words, without the path.
    var explanation: String { get }
}

extension PathError {
    public var description: String { "\(path): \(explanation)" }
}

/// An output file (report, overlay, list) that could not be written.
public struct WriteError: PathError, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var explanation: String { reason }
}
