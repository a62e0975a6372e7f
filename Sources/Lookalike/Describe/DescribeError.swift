/// A method that failed on an image that decoded fine: an error of the method (or its weights), not of the file.
public struct DescribeError: PathError, Sendable {
    public let path: String
    public let method: String
    public let message: String

    public init(path: String, method: String, message: String) {
        self.path = path
        self.method = method
        self.message = message
    }

    public var explanation: String { "method \(method) failed: \(message)" }
}
