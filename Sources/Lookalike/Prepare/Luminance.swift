
/// Pillow's `Image.convert("L")` for every layout the decoders produce (`libImaging/Convert.c`):
/// RGB uses ITU-R 601-2 weights in 16-bit fixed point with rounding; alpha is dropped; 16-bit gray is
/// clipped to 255 (Pillow's I;16 -> L), and CMYK goes through Pillow's cmyk2rgb first.
public enum Luminance {
    public static func pillowL(_ image: DecodedImage) -> GrayImage {
        let n = image.width * image.height
        let out: [UInt8]
        switch image.pixels {
        case .gray8(let p):
            out = p
        case .gray16(let p):
            out = p.map { $0 > 255 ? 255 : UInt8($0) }
        case .rgb8(let p):
            out = [UInt8](unsafeUninitializedCapacity: n) { buf, count in
                p.withUnsafeBufferPointer { NativeKernels.rgbToLuma($0, into: UnsafeMutableBufferPointer(rebasing: buf[0..<n])) }
                count = n
            }
        case .cmyk8(let p):
            out = (0..<n).map { i in
                let nk = 255 - Int(p[4 * i + 3])
                func channel(_ v: UInt8) -> Int {
                    let t = Int(v) * nk + 128  // MULDIV255
                    return max(0, min(255, nk - (((t >> 8) + t) >> 8)))
                }
                let r = channel(p[4 * i]), g = channel(p[4 * i + 1]), b = channel(p[4 * i + 2])
                return UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
        }
        return GrayImage(width: image.width, height: image.height, pixels: out)
    }
}
