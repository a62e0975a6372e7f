/// Decoding settings shared by every file of a run.
public struct DecodeOptions: Sendable {
    /// Files with more pixels than this are refused before decoding (decompression bombs).
    public var maxPixels: Int
    /// When set, JPEGs are decoded at the smallest TurboJPEG scale whose shorter side still has at least this
    /// many pixels, straight to luma (fast mode). PNGs are decoded at full size either way.
    public var reducedLumaMinSide: Int?

    public static let defaultMaxPixels = 100_000_000

    /// Decoded bytes allowed per byte of file, above `expansionFloor`. Real photos stay under 100; a flat
    /// white 8000x6000 JPEG reaches 510 and a flat PNG 950 (deflate's ceiling is about 1032). A header that
    /// claims more than this is damaged or hostile, and decoding it would allocate for nothing.
    public static let maxExpansion = 2048
    /// Images that decode to less than this are never refused for expansion.
    public static let expansionFloor = 64 << 20

    /// The most decoded bytes a file of `fileBytes` may produce.
    static func maxDecodedBytes(fileBytes: Int) -> Int {
        max(expansionFloor, fileBytes.multipliedReportingOverflow(by: maxExpansion).overflow ? Int.max : fileBytes * maxExpansion)
    }

    public init(maxPixels: Int = DecodeOptions.defaultMaxPixels, reducedLumaMinSide: Int? = nil) {
        self.maxPixels = maxPixels
        self.reducedLumaMinSide = reducedLumaMinSide
    }
}

/// What decoding a file gives: the image, and non-fatal notes (recoverable corruption, misleading extension).
public struct DecodeOutcome: Sendable {
    public let image: DecodedImage
    public let warnings: [String]
}

/// Turns files into `DecodedImage`s. Holds per-thread C state (a TurboJPEG handle): one per worker.
public final class ImageDecoder {
    public let options: DecodeOptions
    private let jpeg = NativeTurboJPEG()

    public init(options: DecodeOptions = DecodeOptions()) {
        self.options = options
    }

    public func decode(path: String) -> Result<DecodeOutcome, FileError> {
        switch FileBytes.read(path) {
        case .failure(let cause): return .failure(FileError(path: path, cause: cause))
        case .success(let bytes):
            return decode(bytes: bytes, path: path)
        }
    }

    public func decode(bytes: [UInt8], path: String) -> Result<DecodeOutcome, FileError> {
        if bytes.isEmpty { return .failure(FileError(path: path, cause: .empty)) }
        return bytes.withUnsafeBytes { raw in
            let format: ImageFormat
            switch ImageFormat.sniff(raw) {
            case .failure(let cause): return .failure(FileError(path: path, cause: cause))
            case .success(let f): format = f
            }
            var warnings: [String] = []
            if let promised = ImageFormat.fromExtension(path), promised != format {
                warnings.append("\(path): warning: content is \(format.rawValue.uppercased()) but the name says \(promised.rawValue.uppercased()); decoded by content")
            }
            let result = format == .jpeg ? decodeJPEG(raw) : decodePNG(raw)
            switch result {
            case .failure(let cause): return .failure(FileError(path: path, cause: cause))
            case .success(let (image, warning)):
                if let warning { warnings.append("\(path): warning: \(warning)") }
                return .success(DecodeOutcome(image: image, warnings: warnings))
            }
        }
    }

    private func decodeJPEG(_ raw: UnsafeRawBufferPointer) -> Result<(DecodedImage, String?), FileError.Cause> {
        let header: NativeTurboJPEG.Header
        switch jpeg.header(raw) {
        case .failure(let cause): return .failure(cause)
        case .success(let h): header = h
        }
        guard header.width > 0, header.height > 0 else { return .failure(.corrupt("JPEG: zero dimensions")) }
        if header.width * header.height > options.maxPixels {
            return .failure(.tooLarge(width: header.width, height: header.height, limit: options.maxPixels))
        }
        let cmyk = header.isCMYK, gray = header.isGray
        let decodedBytes = header.width * header.height * (gray ? 1 : (cmyk ? 4 : 3))
        if decodedBytes > DecodeOptions.maxDecodedBytes(fileBytes: raw.count) {
            return .failure(.implausibleSize(width: header.width, height: header.height, decodedBytes: decodedBytes,
                                             fileBytes: raw.count))
        }
        let orientation = ExifOrientation.parse(jpeg: raw)

        var width = header.width, height = header.height
        var format: NativeTurboJPEG.PixelFormat = gray ? .gray : (cmyk ? .cmyk : .rgb)
        if let minSide = options.reducedLumaMinSide {
            // Fast mode: the smallest scale that keeps enough pixels, and luma straight from the decoder.
            for f in NativeTurboJPEG.scalingFactors {
                let w = NativeTurboJPEG.scaled(header.width, f.num, f.denom)
                let h = NativeTurboJPEG.scaled(header.height, f.num, f.denom)
                if min(w, h) >= minSide || (f.num == f.denom) { width = w; height = h; break }
            }
            if !cmyk { format = .gray }
        }
        switch jpeg.decode(raw, width: width, height: height, format: format) {
        case .failure(let cause): return .failure(cause)
        case .success(let (bytes, warning)):
            let pixels: DecodedImage.Pixels
            switch format {
            case .gray: pixels = .gray8(bytes)
            case .rgb: pixels = .rgb8(bytes)
            case .cmyk: pixels = .cmyk8(bytes.map { 255 &- $0 })  // Pillow reads JPEG CMYK as Adobe-inverted
            }
            let image = DecodedImage(width: width, height: height, pixels: pixels, orientation: orientation,
                                     format: .jpeg, storedWidth: header.width, storedHeight: header.height)
            return .success((image, warning))
        }
    }

    private func decodePNG(_ raw: UnsafeRawBufferPointer) -> Result<(DecodedImage, String?), FileError.Cause> {
        switch NativePNG.decode(raw, maxPixels: options.maxPixels,
                                      maxBytes: DecodeOptions.maxDecodedBytes(fileBytes: raw.count)) {
        case .failure(let cause): return .failure(cause)
        case .success(let png):
            var orientation = ExifOrientation.up
            if let exif = png.exif {
                orientation = exif.withUnsafeBytes { e in
                    e.starts(with: Array("Exif\0\0".utf8))
                        ? ExifOrientation.parse(tiff: UnsafeRawBufferPointer(rebasing: e[6...]))
                        : ExifOrientation.parse(tiff: e)
                }
            }
            let image = DecodedImage(width: png.width, height: png.height, pixels: png.pixels, alpha: png.alpha,
                                     orientation: orientation, format: .png)
            return .success((image, nil))
        }
    }
}
