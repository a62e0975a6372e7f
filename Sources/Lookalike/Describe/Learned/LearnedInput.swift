import Foundation

/// What the autoencoder sees, in training and in describing alike: the oriented image squashed to size x size
/// (aspect not kept: a product at the edge of a wide shot is not cut off, and training and describing distort
/// alike), by Pillow's antialiased bilinear resize of each channel, as bytes, channel-major (CHW). Bytes, not
/// floats: 1,000 training images at 256 px are 197 MB, not 786.
public enum AutoencoderInput {
    /// The image's 3 x size x size bytes. Sizes up to 128 start from the shared ≤256 px reduction (area-averaged,
    /// made once per image for the colour methods too); larger ones from the full image.
    public static func bytes(_ sample: ImageSample, size: Int) -> [UInt8] {
        bytes(size <= 128 ? sample.smallRGB : sample.orientedRGB, size: size)
    }

    public static func bytes(_ image: RGBImage, size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 3 * size * size)
        for c in 0..<3 {
            let plane = GrayImage(width: image.width, height: image.height,
                                  pixels: stride(from: c, to: image.pixels.count, by: 3).map { image.pixels[$0] })
            let resized = PillowResampler.resize(plane, width: size, height: size, filter: .bilinear)
            out.replaceSubrange((c * size * size)..<((c + 1) * size * size), with: resized.pixels)
        }
        return out
    }

    /// Pixels scaled to [0, 1], the range the decoder's sigmoid reconstructs.
    public static func floats(_ bytes: [UInt8]) -> [Float] { bytes.map { Float($0) / 255 } }

    /// CHW bytes back to an interleaved image (previews).
    public static func image(_ chw: [UInt8], size: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: 3 * size * size)
        for c in 0..<3 { for i in 0..<(size * size) { pixels[3 * i + c] = chw[c * size * size + i] } }
        return RGBImage(width: size, height: size, pixels: pixels)
    }
}

/// A model's layers keep what `backward` needs on every `forward`, so one model serves one thread at a time;
/// the learned methods' workers share it under a lock (a 64 px encoding takes well under a millisecond next to
/// decoding the image).
final class LockedModel<Model>: @unchecked Sendable {
    private let lock = NSLock()
    private let model: Model
    init(_ model: Model) { self.model = model }
    func with<T>(_ body: (Model) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(model)
    }
}

/// The model file a learned method was given (`--method name=FILE`), or a message saying how to give one.
func modelPath(_ settings: MethodSettings, method: String, madeBy command: String) throws -> String {
    guard let path = settings.modelPaths[method] else {
        throw LearnedMethodError(description: "\(method) needs a trained model: --method \(method)=FILE (made by lookalike train \(command))")
    }
    guard FileManager.default.fileExists(atPath: path) else {
        throw Train.ModelFileError(path: path, reason: "no such model file")
    }
    return path
}

/// Why a learned method cannot start without saying which file (none was given).
struct LearnedMethodError: Error, CustomStringConvertible {
    let description: String
}
