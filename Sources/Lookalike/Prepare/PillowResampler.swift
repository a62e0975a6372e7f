import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The filters of Pillow's resampling that Lookalike reproduces.
public enum ResamplingFilter: Int, Sendable {
    case lanczos, bilinear, bicubic

    var support: Double {
        switch self {
        case .lanczos: 3
        case .bilinear: 1
        case .bicubic: 2
        }
    }

    func weight(_ x: Double) -> Double {
        switch self {
        case .lanczos: return PillowResampler.lanczos(x)
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .bicubic:
            // Keys' cubic with a = -0.5, as Pillow's bicubic_filter.
            let a = -0.5, t = abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        }
    }
}

/// Pillow's `Image.resize(size, filter)` for 8-bit images, bit for bit (`libImaging/Resample.c`), for the two
/// filters Lookalike needs: LANCZOS (imagehash), BILINEAR (torchvision's Resize on PIL images) and BICUBIC
/// (EfficientNet-Lite's evaluation preprocessing).
/// Coefficients in double, normalised, rounded to 22-bit fixed point; a horizontal pass over the rows the
/// vertical pass needs, rounded to 8 bits, then a vertical pass. Passes whose size does not change are skipped.
/// An RGB image is resampled band by band with the same arithmetic, as Pillow does.
public enum PillowResampler {
    static let precisionBits = 22

    static func lanczos(_ x: Double) -> Double {
        func sinc(_ x: Double) -> Double {
            if x == 0 { return 1 }
            let px = x * Double.pi
            return sin(px) / px
        }
        if -3.0 <= x && x < 3.0 { return sinc(x) * sinc(x / 3) }
        return 0
    }

    /// Per-output-pixel source window (first index, count) and fixed-point weights, `ksize` per pixel.
    struct Coefficients: Sendable {
        var ksize: Int
        var bounds: [Int32]
        var weights: [Int32]
    }

    /// Weights depend only on the two sizes, and folders tend to repeat sizes: computing them (thousands of
    /// sin calls) cost as much as the resampling itself, so they are kept, a bounded number of them.
    private static let cache = Mutex<[SIMD3<Int>: Coefficients]>([:])

    static func coefficients(inSize: Int, outSize: Int, filter: ResamplingFilter = .lanczos) -> Coefficients {
        let key = SIMD3(inSize, outSize, filter.rawValue)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let made = computeCoefficients(inSize: inSize, outSize: outSize, filter: filter)
        cache.withLock { table in
            if table.count >= 512 { table.removeAll(keepingCapacity: true) }
            table[key] = made
        }
        return made
    }

    static func computeCoefficients(inSize: Int, outSize: Int, filter: ResamplingFilter = .lanczos) -> Coefficients {
        let in0 = 0.0, in1 = Double(Float(inSize))
        let scale = (in1 - in0) / Double(outSize)
        let filterscale = max(scale, 1.0)
        let support = filter.support * filterscale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int32](repeating: 0, count: outSize * 2)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        let fixedOne = Double(1 << precisionBits)
        for xx in 0..<outSize {
            let center = in0 + (Double(xx) + 0.5) * scale
            var ww = 0.0
            let ss = 1.0 / filterscale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            for x in 0..<max(xmax, 0) {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<max(xmax, 0) where ww != 0 { k[x] /= ww }
            for x in 0..<max(xmax, 0) {
                let v = k[x]
                weights[xx * ksize + x] = v < 0 ? Int32(-0.5 + v * fixedOne) : Int32(0.5 + v * fixedOne)
            }
            bounds[2 * xx] = Int32(xmin)
            bounds[2 * xx + 1] = Int32(max(xmax, 0))
        }
        return Coefficients(ksize: ksize, bounds: bounds, weights: weights)
    }

    public static func resize(_ image: GrayImage, width outW: Int, height outH: Int,
                              filter: ResamplingFilter = .lanczos) -> GrayImage {
        precondition(outW > 0 && outH > 0)
        let needHorizontal = outW != image.width
        let needVertical = outH != image.height
        if !needHorizontal && !needVertical { return image }
        // Pillow 13 (python-pillow#9549) runs the vertical pass first when the height shrinks by more than
        // twice as many pixels as the width; the 8-bit rounding between passes makes the order visible.
        let verticalFirst = image.height - outH > 0 && image.height - outH > (image.width - outW) * 2
        if verticalFirst {
            let tall = needVertical ? verticalPass(image, height: outH, skippingRows: false, filter: filter) : image
            return needHorizontal ? horizontalPass(tall, width: outW, rows: 0..<tall.height, filter: filter) : tall
        }
        guard needHorizontal else { return verticalPass(image, height: outH, skippingRows: false, filter: filter) }
        // Horizontal first over only the rows the vertical pass reads.
        let vertical = coefficients(inSize: image.height, outSize: outH, filter: filter)
        let first = Int(vertical.bounds[0])
        let last = Int(vertical.bounds[2 * outH - 2] + vertical.bounds[2 * outH - 1])
        let wide = horizontalPass(image, width: outW, rows: first..<last, filter: filter)
        return needVertical ? verticalPass(wide, height: outH, skippingRows: true, filter: filter, coefficients: vertical) : wide
    }

    static func horizontalPass(_ image: GrayImage, width outW: Int, rows: Range<Int>, filter: ResamplingFilter) -> GrayImage {
        let c = coefficients(inSize: image.width, outSize: outW, filter: filter)
        var out = [UInt8](repeating: 0, count: outW * rows.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                NativeKernels.resampleHorizontal(src, stride: image.width, rows: rows, into: dst, width: outW,
                                                 weights: c.weights, ksize: c.ksize, bounds: c.bounds)
            }
        }
        return GrayImage(width: outW, height: rows.count, pixels: out)
    }

    /// `skippingRows`: the input holds only rows [bounds[0], ...) of the original, so windows shift by bounds[0].
    static func verticalPass(_ image: GrayImage, height outH: Int, skippingRows: Bool, filter: ResamplingFilter,
                             coefficients given: Coefficients? = nil) -> GrayImage {
        var c = given ?? coefficients(inSize: image.height, outSize: outH, filter: filter)
        if skippingRows {
            let first = c.bounds[0]
            for i in 0..<outH { c.bounds[2 * i] -= first }
        }
        var out = [UInt8](repeating: 0, count: image.width * outH)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                NativeKernels.resampleVertical(src, stride: image.width, width: image.width, into: dst, height: outH,
                                               weights: c.weights, ksize: c.ksize, bounds: c.bounds)
            }
        }
        return GrayImage(width: image.width, height: outH, pixels: out)
    }
}
