/// Colour alone: a hue x saturation x value histogram of the whole image and one of its centre (the middle half
/// of each side, where a product usually sits), compared by the Hellinger distance. No mask, no shape: it is
/// cheap (well under a millisecond an image on the 256 px `smallRGB` the mask method also reads) and meant to be
/// fused with a method that sees shape, such as `mask` or a deep feature.
///
/// Bins (`bin(r:g:b:)`): a pixel with saturation below 0.2 or value below 0.15 is grey and goes to one of 6 grey
/// levels by value, so greys never spread over hues; any other pixel goes to one of 24 hues (15 degrees each) x
/// 3 saturations (0.2 to 1 in equal thirds) x 3 values (0.15 to 1 in equal thirds): 222 bins. Finer than the
/// mask method's 52 bins because, measured on grocery-packages, they tell more products apart (README). Pixels
/// are looked up by their colour quantised to 5 bits a channel (the bin of that cell's centre), a 32 KiB table.
///
/// The descriptor is `[sqrt(whole); sqrt(centre)] / sqrt(2)`, each histogram normalised to sum 1 first. Each
/// block of square roots has unit norm, so the vector has unit norm and the cosine distance the index computes is
/// exactly `1 - (BC(whole) + BC(centre)) / 2`, where BC is the Bhattacharyya coefficient `sum sqrt(p q)`: the mean
/// squared Hellinger distance of the two histograms (0 for the same colours, 1 for no colour in common).
public struct ColourMethod: DescriptorMethod {
    public static let name = "colour"
    /// Bins of one histogram: 24 hues x 3 saturations x 3 values, and 6 grey levels.
    public static let hues = 24, saturations = 3, values = 3, greys = 6
    public static let bins = hues * saturations * values + greys
    /// Two histograms: whole image, then centre.
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(2 * bins) }
    public var kind: DescriptorKind { Self.kind(MethodSettings()) }
    /// `product` (`--focus product`): the histograms count only pixels the mask method does not take for backdrop,
    /// so a white packshot backdrop no longer outweighs the product.
    public let focus: MethodSettings.Focus
    public init(focus: MethodSettings.Focus = .image) { self.focus = focus }
    public init(settings: MethodSettings) { focus = settings.focus }

    public func describe(_ sample: ImageSample) -> Descriptor {
        guard focus == .product else { return .vector(Self.vector(sample.smallRGB)) }
        let mask = sample.productMask
        let kept = mask.labels.map { $0 != .background }
        // An image that is all backdrop to the mask keeps every pixel rather than none.
        return .vector(Self.vector(sample.smallRGB, counting: kept.contains(true) ? kept : nil))
    }

    /// The centre block: the middle half of each side (at least one pixel).
    static func centre(width: Int, height: Int) -> (x: Range<Int>, y: Range<Int>) {
        let x0 = width / 4, y0 = height / 4
        return (x0..<max(x0 + 1, width - width / 4), y0..<max(y0 + 1, height - height / 4))
    }

    /// `counting[i]`: whether pixel i is counted (all when nil).
    static func vector(_ image: RGBImage, counting: [Bool]? = nil) -> [Float] {
        let w = image.width, h = image.height
        let (cx, cy) = centre(width: w, height: h)
        var whole = [Int32](repeating: 0, count: bins), middle = [Int32](repeating: 0, count: bins)
        Self.table.withUnsafeBufferPointer { lut in
            image.pixels.withUnsafeBufferPointer { p in
                whole.withUnsafeMutableBufferPointer { whole in
                    middle.withUnsafeMutableBufferPointer { middle in
                        for y in 0..<h {
                            let inRows = cy.contains(y)
                            var i = 3 * y * w
                            for x in 0..<w {
                                if let counting, !counting[y * w + x] { i += 3; continue }
                                let cell = (Int(p[i]) >> 3) << 10 | (Int(p[i + 1]) >> 3) << 5 | Int(p[i + 2]) >> 3
                                let b = Int(lut[cell])
                                whole[b] &+= 1
                                if inRows && cx.contains(x) { middle[b] &+= 1 }
                                i += 3
                            }
                        }
                    }
                }
            }
        }
        // sqrt(count / total) / sqrt(2): each block has unit norm, the whole vector too.
        func block(_ counts: [Int32]) -> [Float] {
            let total = Float(max(1, counts.reduce(0) { $0 + Int($1) }))
            return counts.map { (Float($0) / total).squareRoot() * Float(0.5).squareRoot() }
        }
        return block(whole) + block(middle)
    }

    /// The bin of every colour quantised to 5 bits a channel (red, green, blue; 15 bits), at the cell's centre
    /// (222 bins fit a byte).
    static let table: [UInt8] = (0..<(1 << 15)).map { cell in
        func level(_ q: Int) -> UInt8 { UInt8(q * 8 + 4) }
        return UInt8(bin(r: level(cell >> 10), g: level((cell >> 5) & 31), b: level(cell & 31)))
    }

    /// 24 hues x 3 saturations x 3 values for coloured pixels (0..<216, hue-major), 6 grey levels by value for
    /// the rest (216..<222).
    static func bin(r: UInt8, g: UInt8, b: UInt8) -> Int {
        let rf = Float(r) / 255, gf = Float(g) / 255, bf = Float(b) / 255
        let mx = max(rf, gf, bf), mn = min(rf, gf, bf)
        let v = mx, s = mx > 0 ? (mx - mn) / mx : 0
        if s < 0.2 || v < 0.15 { return hues * saturations * values + min(greys - 1, Int(v * Float(greys))) }
        let d = mx - mn
        var h: Float
        if mx == rf { h = (gf - bf) / d } else if mx == gf { h = 2 + (bf - rf) / d } else { h = 4 + (rf - gf) / d }
        h = (h < 0 ? h + 6 : h) / 6
        let hb = min(hues - 1, Int(h * Float(hues)))
        let sb = min(saturations - 1, Int((s - 0.2) / 0.8 * Float(saturations)))
        let vb = min(values - 1, Int((v - 0.15) / 0.85 * Float(values)))
        return (hb * saturations + sb) * values + vb
    }
}
