import Foundation

/// A picture of a mask for a person to judge: background dimmed towards grey, skin tinted magenta, the product
/// left as it is, and the product's bounding box drawn in green.
public enum MaskOverlay {
    public static func render(_ image: RGBImage, mask: ProductMask) -> RGBImage {
        var out = image.pixels
        for i in 0..<(image.width * image.height) {
            switch mask.labels[i] {
            case .product: break
            case .background:
                for c in 0..<3 { out[3 * i + c] = UInt8((Int(out[3 * i + c]) * 30 + 128 * 70) / 100) }
            case .skin:
                let tint: [Int] = [255, 0, 255]
                for c in 0..<3 { out[3 * i + c] = UInt8((Int(out[3 * i + c]) * 45 + tint[c] * 55) / 100) }
            }
        }
        let box = mask.boundingBox, w = image.width
        func set(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < w, y < image.height else { return }
            out[3 * (y * w + x)] = 0; out[3 * (y * w + x) + 1] = 220; out[3 * (y * w + x) + 2] = 60
        }
        for x in box.x..<(box.x + box.width) { set(x, box.y); set(x, box.y + box.height - 1) }
        for y in box.y..<(box.y + box.height) { set(box.x, y); set(box.x + box.width - 1, y) }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }

    /// Writes an RGB image as PNG.
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        if let why = NativePNG.writeRGB(width: image.width, height: image.height, pixels: image.pixels, to: path) {
            throw WriteError(path: path, reason: "cannot write the PNG: \(why)")
        }
    }

    /// Where the overlay of `path` goes. FNV-1a of the path: the same name on every run, distinct for
    /// same-named files in other folders.
    public static func overlayPath(for path: String, in folder: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let digest = String(path.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 }, radix: 16)
        return URL(fileURLWithPath: folder).appendingPathComponent("\(stem)-\(digest)-mask.png").path
    }

    /// What an overlay shows, in numbers: the product's and the skin's share of the frame, and whether a backdrop
    /// was found (when not, only a margin was removed and the centre kept).
    public struct Summary: Sendable {
        public let productShare: Float
        public let skinShare: Float
        public let backdropFound: Bool
    }

    /// Renders the sample's overlay into `folder` (named by `overlayPath`) and says what it shows.
    @discardableResult
    public static func write(_ sample: ImageSample, into folder: String) throws -> Summary {
        let mask = sample.productMask
        try writePNG(render(sample.smallRGB, mask: mask), to: overlayPath(for: sample.path, in: folder))
        let n = Float(mask.labels.count)
        return Summary(productShare: Float(mask.productCount) / n,
                       skinShare: Float(mask.labels.filter { $0 == .skin }.count) / n, backdropFound: mask.backdropFound)
    }
}
