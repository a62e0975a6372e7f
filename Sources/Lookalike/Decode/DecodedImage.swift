/// Pixels as a decoder produced them, before any orientation, in the layout that keeps Pillow's
/// conversion rules reproducible (so `Luminance` can match `Image.convert("L")` bit for bit).
public struct DecodedImage: Sendable {
    public enum Pixels: Sendable, Equatable {
        /// One byte per pixel.
        case gray8([UInt8])
        /// 16-bit gray (PNG), as Pillow's `I;16`.
        case gray16([UInt16])
        /// Interleaved RGB.
        case rgb8([UInt8])
        /// Interleaved CMYK in Pillow's polarity (Adobe JPEGs store it inverted; already undone here).
        case cmyk8([UInt8])
    }

    public let width: Int
    public let height: Int
    public let pixels: Pixels
    /// Alpha channel or palette transparency, one byte per pixel; hashing ignores it, as imagehash does.
    public let alpha: [UInt8]?
    /// EXIF orientation tag (1...8); 1 when the file has none.
    public let orientation: ExifOrientation
    public let format: ImageFormat
    /// Size of the full image when the decoder scaled it down (fast mode); equal to width/height otherwise.
    public let storedWidth: Int
    public let storedHeight: Int

    public init(width: Int, height: Int, pixels: Pixels, alpha: [UInt8]? = nil,
                orientation: ExifOrientation = .up, format: ImageFormat,
                storedWidth: Int? = nil, storedHeight: Int? = nil) {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.alpha = alpha
        self.orientation = orientation
        self.format = format
        self.storedWidth = storedWidth ?? width
        self.storedHeight = storedHeight ?? height
    }

    /// Width and height once the EXIF orientation is applied, at full (stored) scale.
    public var orientedSize: (width: Int, height: Int) {
        orientation.swapsAxes ? (storedHeight, storedWidth) : (storedWidth, storedHeight)
    }
}

/// Container formats Lookalike decodes, recognised by content, not by file name.
public enum ImageFormat: String, Sendable {
    case jpeg, png

    /// Sniffs the first bytes. Returns nil for anything else, with a short name of what it looks like.
    static func sniff(_ bytes: UnsafeRawBufferPointer) -> Result<ImageFormat, FileError.Cause> {
        let b = Array(bytes.prefix(12))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .success(.jpeg) }
        if b.count >= 8, b[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return .success(.png)
        }
        let known: [(String, [UInt8])] = [
            ("GIF", Array("GIF8".utf8)), ("BMP", Array("BM".utf8)), ("TIFF", [0x49, 0x49, 0x2A, 0x00]),
            ("TIFF", [0x4D, 0x4D, 0x00, 0x2A]), ("PDF", Array("%PDF".utf8)), ("HEIF/AVIF", []),
        ]
        for (name, magic) in known where !magic.isEmpty && b.starts(with: magic) {
            return .failure(.unsupportedFormat(name))
        }
        if b.count >= 12, b[0..<4].elementsEqual(Array("RIFF".utf8)), b[8..<12].elementsEqual(Array("WEBP".utf8)) {
            return .failure(.unsupportedFormat("WebP"))
        }
        if b.count >= 12, b[4..<8].elementsEqual(Array("ftyp".utf8)) {
            return .failure(.unsupportedFormat("HEIF/AVIF"))
        }
        return .failure(.notAnImage)
    }

    /// The format a file name's extension promises, if it is one of ours.
    static func fromExtension(_ path: String) -> ImageFormat? {
        switch path.split(separator: ".").last?.lowercased() {
        case "jpg", "jpeg", "jpe", "jfif": return .jpeg
        case "png": return .png
        default: return nil
        }
    }
}
