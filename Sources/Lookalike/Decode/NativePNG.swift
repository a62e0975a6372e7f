import CLookalikeNative

/// libpng behind the C shim in CLookalikeNative (libpng reports errors by longjmp, which stays in C).
enum NativePNG {
    struct Header { var width: Int; var height: Int }

    static func decode(_ data: UnsafeRawBufferPointer, maxPixels: Int, maxBytes: Int)
        -> Result<(pixels: DecodedImage.Pixels, width: Int, height: Int, alpha: [UInt8]?, exif: [UInt8]?), FileError.Cause>
    {
        var image = lk_png_image()
        let base = data.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let status = lk_png_decode(base, data.count, Int64(maxPixels), Int64(maxBytes), &image)
        defer { lk_png_release(&image) }
        let message = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch Int32(status) {
        case Int32(LK_PNG_OK.rawValue): break
        case Int32(LK_PNG_TOO_LARGE.rawValue):
            return .failure(.tooLarge(width: Int(image.width), height: Int(image.height), limit: maxPixels))
        case Int32(LK_PNG_NO_MEMORY.rawValue): return .failure(.outOfMemory)
        case Int32(LK_PNG_IMPLAUSIBLE.rawValue):
            return .failure(.implausibleSize(width: Int(image.width), height: Int(image.height),
                                             decodedBytes: Int(message) ?? 0, fileBytes: data.count))
        case Int32(LK_PNG_NOT_PNG.rawValue): return .failure(.notAnImage)
        default:
            if message.contains("truncated") || message.contains("Not enough image data")
                || message.contains("Read Error")
            {
                return .failure(.truncated("PNG data ends early (\(message))"))
            }
            return .failure(.corrupt("PNG: \(message)"))
        }
        let w = Int(image.width), h = Int(image.height), n = w * h
        let pixels: DecodedImage.Pixels
        switch Int32(image.layout) {
        case Int32(LK_PNG_GRAY16.rawValue):
            pixels = .gray16(Array(UnsafeBufferPointer(
                start: UnsafeRawPointer(image.pixels!).assumingMemoryBound(to: UInt16.self), count: n)))
        case Int32(LK_PNG_RGB8.rawValue):
            pixels = .rgb8(Array(UnsafeBufferPointer(start: image.pixels, count: 3 * n)))
        default:
            pixels = .gray8(Array(UnsafeBufferPointer(start: image.pixels, count: n)))
        }
        let alpha = image.alpha.map { Array(UnsafeBufferPointer(start: $0, count: n)) }
        let exif = image.exif.map { Array(UnsafeBufferPointer(start: $0, count: image.exif_size)) }
        return .success((pixels, w, h, alpha, exif))
    }

    /// Writes 8-bit RGB as a PNG; the cause in words on failure.
    static func writeRGB(width: Int, height: Int, pixels: [UInt8], to path: String) -> String? {
        var message = [CChar](repeating: 0, count: 200)
        let ok = pixels.withUnsafeBufferPointer {
            lk_png_write_rgb(path, Int32(width), Int32(height), $0.baseAddress, &message, message.count)
        }
        guard ok == 0 else { return nil }
        return String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
