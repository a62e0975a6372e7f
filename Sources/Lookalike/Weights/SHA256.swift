import Crypto
import Foundation

/// SHA-256, for checking weights files against the hash prefix in their names and listing their digests.
///
/// swift-crypto's (BoringSSL, with the CPU's SHA instructions) rather than a hand-written one: measured on a
/// 100 MiB buffer, 1,750-1,810 MB/s against 233-239 MB/s for the Swift implementation this replaced, so a
/// ResNet50 checkpoint (98 MB) is checked in 0.06 s instead of 0.41 s on every run, and VGG16's 528 MB in 0.3 s.
public struct SHA256 {
    private var hash = Crypto.SHA256()

    public init() {}

    public mutating func update(_ bytes: [UInt8]) { hash.update(data: bytes) }

    public mutating func update(buffer: UnsafeRawBufferPointer) { hash.update(bufferPointer: buffer) }

    /// Lowercase hex of the digest of what was given so far (the value can go on being updated).
    public func hexDigest() -> String { hash.finalize().map { String(format: "%02x", $0) }.joined() }

    /// Lowercase hex SHA-256 of `bytes`.
    public static func hex(of bytes: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(bytes)
        return hash.hexDigest()
    }

    /// Lowercase hex SHA-256 of a file, read in 1 MiB blocks so a large checkpoint is never held whole.
    public static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hash = SHA256()
        while true {
            guard let block = try handle.read(upToCount: 1 << 20), !block.isEmpty else { break }
            block.withUnsafeBytes { hash.update(buffer: $0) }
        }
        return hash.hexDigest()
    }
}
