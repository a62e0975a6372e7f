import CLookalikeNative

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
        var message = [CChar](repeating: 0, count: 200)
        let ok = image.pixels.withUnsafeBufferPointer {
            lk_png_write_rgb(path, Int32(image.width), Int32(image.height), $0.baseAddress, &message, message.count)
        }
        guard ok != 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DecodeError(path: path, cause: .unreadable("cannot write PNG: \(text)"))
        }
    }
}
