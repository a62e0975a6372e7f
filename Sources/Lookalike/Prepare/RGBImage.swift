/// An 8-bit RGB image, interleaved, row-major: what colour-based methods (masking) read.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage: \(pixels.count) bytes for \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Pillow's `convert("RGB")` for the decoders' layouts: gray replicated (16-bit clipped), CMYK through cmyk2rgb.
    public init(_ image: DecodedImage) {
        let n = image.width * image.height
        // RGB is taken as it is: no zero-filled copy of a full-size image made and thrown away.
        if case .rgb8(let p) = image.pixels {
            self.init(width: image.width, height: image.height, pixels: p)
            return
        }
        var out = [UInt8](repeating: 0, count: 3 * n)
        switch image.pixels {
        case .rgb8: break  // taken as it is, above
        case .gray8(let p): for i in 0..<n { out[3 * i] = p[i]; out[3 * i + 1] = p[i]; out[3 * i + 2] = p[i] }
        case .gray16(let p):
            for i in 0..<n { let v = p[i] > 255 ? 255 : UInt8(p[i]); out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v }
        case .cmyk8(let p):
            for i in 0..<n {
                let nk = 255 - Int(p[4 * i + 3])
                for c in 0..<3 {
                    let t = Int(p[4 * i + c]) * nk + 128
                    out[3 * i + c] = UInt8(max(0, min(255, nk - (((t >> 8) + t) >> 8))))
                }
            }
        }
        self.init(width: image.width, height: image.height, pixels: out)
    }

    /// Area-averaged reduction so that the longer side is at most `maxSide` (no enlargement). Masks and colour
    /// statistics need no more, and averaging suppresses JPEG noise.
    public func reduced(maxSide: Int) -> RGBImage {
        let scale = Double(max(width, height)) / Double(maxSide)
        guard scale > 1 else { return self }
        let w = max(1, Int((Double(width) / scale).rounded())), h = max(1, Int((Double(height) / scale).rounded()))
        // In C: its row sums widen to the CPU's vectors (Swift's stayed at SSE2), and it is the largest part of
        // what `--verify` adds to a folder of photos.
        return RGBImage(width: w, height: h, pixels: NativeKernels.boxReduceRGB(pixels, width: width, height: height, w: w, h: h))
    }

    /// The image as EXIF orientation shows it (same mapping as `GrayImage.applying`).
    public func applying(_ orientation: ExifOrientation) -> RGBImage {
        if orientation == .up { return self }
        let planes = (0..<3).map { c in GrayImage(width: width, height: height, pixels: stride(from: c, to: pixels.count, by: 3).map { pixels[$0] }) }
        let turned = planes.map { $0.applying(orientation) }
        var out = [UInt8](repeating: 0, count: pixels.count)
        for c in 0..<3 { for i in 0..<turned[c].pixels.count { out[3 * i + c] = turned[c].pixels[i] } }
        return RGBImage(width: turned[0].width, height: turned[0].height, pixels: out)
    }

    /// The `width` x `height` window at (x0, y0); outside the image, `fill` (crops, frames, trimmed boxes).
    public func window(x0: Int, y0: Int, width: Int, height: Int, fill: UInt8) -> RGBImage {
        let i = self
        var out = [UInt8](repeating: fill, count: width * height * 3)
        for y in 0..<height where y + y0 >= 0 && y + y0 < i.height {
            for x in 0..<width where x + x0 >= 0 && x + x0 < i.width {
                let s = 3 * ((y + y0) * i.width + x + x0), d = 3 * (y * width + x)
                out[d] = i.pixels[s]; out[d + 1] = i.pixels[s + 1]; out[d + 2] = i.pixels[s + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Rec. 601 luma, rounded: for checks that need no Pillow exactness (near-duplicates, attributes, ORB).
    public var luma: GrayImage {
        var out = [UInt8](repeating: 0, count: width * height)
        for i in out.indices {
            let r = Int(pixels[3 * i]), g = Int(pixels[3 * i + 1]), b = Int(pixels[3 * i + 2])
            out[i] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
        }
        return GrayImage(width: width, height: height, pixels: out)
    }
}
