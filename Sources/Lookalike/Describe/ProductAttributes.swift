import Foundation

/// Approach 3 of the seed documents on its own: "identify the different attributes of a product and group them
/// according to their number of matching attributes". A few discrete attributes of the masked product, each
/// from one documented rule, each with a confidence in 0...1 (0: not known, as a length without a model).
public struct ProductAttributes: Sendable, Equatable {
    public enum Attribute: Int, CaseIterable, Sendable {
        case colour, secondColour, colourfulness, pattern, silhouette, fill, length

        /// The values, in descriptor order.
        public var values: [String] {
            switch self {
            case .colour: ColourTerm.allCases.map(\.rawValue)
            case .secondColour: ColourTerm.allCases.map(\.rawValue) + ["none"]
            case .colourfulness: ["not colourful", "slightly colourful", "colourful", "highly colourful"]
            case .pattern: ["solid", "striped", "checked", "printed"]
            case .silhouette: ["wide", "square", "tall", "very tall"]
            case .fill: ["open shape", "shaped", "block"]
            case .length: ["short", "mid-length", "long"]
            }
        }

        public var name: String {
            switch self {
            case .colour: "colour"
            case .secondColour: "second colour"
            case .colourfulness: "colourfulness"
            case .pattern: "pattern"
            case .silhouette: "silhouette"
            case .fill: "fill"
            case .length: "length"
            }
        }
    }

    /// The 11 basic colour terms of English (Berlin and Kay, 1969).
    public enum ColourTerm: String, CaseIterable, Sendable {
        case black, white, grey, red, orange, yellow, green, blue, purple, pink, brown
    }

    /// Per attribute (in `Attribute` order): the value's index and its confidence.
    public let values: [Int]
    public let confidences: [Float]

    public init(values: [Int], confidences: [Float]) {
        precondition(values.count == Attribute.allCases.count && confidences.count == values.count)
        self.values = values
        self.confidences = confidences
    }

    public func value(_ a: Attribute) -> String { a.values[values[a.rawValue]] }
    public func confidence(_ a: Attribute) -> Float { confidences[a.rawValue] }

    /// Confident attributes as a person says them: "black, solid, tall, long".
    public var summary: String {
        Attribute.allCases.filter { confidence($0) >= 0.5 && !($0 == .secondColour && value($0) == "none") }
            .map { $0 == .secondColour ? "with " + value($0) : value($0) }.joined(separator: ", ")
    }

    /// One-hot per attribute, scaled by its confidence: the cosine of two such vectors is the confidence-weighted
    /// number of matching attributes over the attributes each image is sure of, so 1 - cos is the share of
    /// attributes that disagree (exactly, when both are sure of the same attributes).
    public var vector: [Float] {
        var v: [Float] = []
        for a in Attribute.allCases {
            var block = [Float](repeating: 0, count: a.values.count)
            block[values[a.rawValue]] = confidences[a.rawValue]
            v += block
        }
        return v
    }

    public static var dimension: Int { Attribute.allCases.reduce(0) { $0 + $1.values.count } }

    /// Reads attributes back from `vector` (the descriptor a store or an index holds).
    public init?(vector v: [Float]) {
        guard v.count == Self.dimension else { return nil }
        var values: [Int] = [], confidences: [Float] = []
        var offset = 0
        for a in Attribute.allCases {
            let block = v[offset..<(offset + a.values.count)]
            let best = block.indices.max { block[$0] < block[$1] }!
            values.append(best - offset)
            confidences.append(block[best])
            offset += a.values.count
        }
        self.init(values: values, confidences: confidences)
    }
}

extension ProductAttributes {
    /// The attributes of the product that `mask` finds in `image` (the mask method's small RGB).
    public init(_ image: RGBImage, mask: ProductMask) {
        let n = image.width * image.height
        let product = mask.productCount
        // Too little product to say anything: every attribute unknown.
        guard product >= max(16, n / 50) else {
            self.init(values: Attribute.allCases.map { _ in 0 }, confidences: Attribute.allCases.map { _ in 0 })
            return
        }
        // Without a backdrop (a shelf, a street) the "product" is the centre of a scene: say so by halving.
        let trust: Float = mask.backdropFound ? 1 : 0.5
        let colours = Self.colourTerms(image, mask: mask)
        let pattern = Self.pattern(image, mask: mask)
        let shape = Self.silhouette(mask)
        let length = Self.length(mask)
        let colourfulness = Self.colourfulness(image, mask: mask)
        let values = [colours.first.value, colours.second.value, colourfulness.value, pattern.value, shape.aspect.value,
                      shape.fill.value, length.value]
        let confidences = [colours.first.confidence, colours.second.confidence, colourfulness.confidence,
                           pattern.confidence, shape.aspect.confidence, shape.fill.confidence, length.confidence]
        self.init(values: values, confidences: confidences.map { $0 * trust })
    }

    typealias Rated = (value: Int, confidence: Float)

    /// Each product pixel named by `colourTerm`; the most common term, and the second when it covers 15% or more.
    /// Confidence: the first term's share over 50% (capped at 1); the second's margin over the 15% line.
    static func colourTerms(_ image: RGBImage, mask: ProductMask) -> (first: Rated, second: Rated) {
        var counts = [Int](repeating: 0, count: ColourTerm.allCases.count)
        var total = 0
        for i in 0..<(image.width * image.height) where mask.labels[i] == .product {
            counts[colourTerm(r: image.pixels[3 * i], g: image.pixels[3 * i + 1], b: image.pixels[3 * i + 2]).index] += 1
            total += 1
        }
        let order = counts.indices.sorted { (counts[$0], -$0) > (counts[$1], -$1) }
        let first = Float(counts[order[0]]) / Float(total), second = Float(counts[order[1]]) / Float(total)
        let secondRated: Rated = second >= 0.15 ? (order[1], min(1, (second - 0.15) / 0.1 + 0.5))
                                                : (ColourTerm.allCases.count, min(1, (0.15 - second) / 0.1 + 0.5))
        return ((order[0], min(1, first / 0.5)), secondRated)
    }

    /// A basic colour term from CIE L*C*h (D65). Our rule, not a published mapping: achromatic below chroma 12
    /// (black under L* 25, white over 80, grey between); otherwise hue sectors whose edges lie halfway between
    /// the hue angles of the sRGB primaries and secondaries as L*a*b* sees them (red 40, orange 73, yellow 103,
    /// green 136, blue 306, purple 328 degrees), with brown for dark oranges and yellows and dull dark reds (L*
    /// under 45; a red's chroma under 45) and pink for light reds and purples (L* over 68).
    public static func colourTerm(r: UInt8, g: UInt8, b: UInt8) -> ColourTerm {
        let lab = ColourSpace.lab(r: r, g: g, b: b)
        let l = lab.x, chroma = (lab.y * lab.y + lab.z * lab.z).squareRoot()
        if chroma < 12 { return l < 25 ? .black : l > 80 ? .white : .grey }
        var h = atan2(lab.z, lab.y) * 180 / .pi
        if h < 0 { h += 360 }
        // Brown is dark orange and yellow, and dull dark red; a saturated dark red stays red.
        if h >= 4 && h < 120 && l < 45 && (h >= 56 || chroma < 45) { return l < 15 ? .black : .brown }
        switch h {
        case 4..<56: return l > 68 ? .pink : .red
        case 56..<88: return .orange
        case 88..<120: return .yellow
        case 120..<200: return .green
        case 200..<317: return .blue
        default: return l > 68 ? .pink : .purple  // 317 to 4: purple and the reds leaning to it
        }
    }

    /// Hasler and Süsstrunk's colourfulness (2003: "Measuring colourfulness in natural images"): the spread and
    /// mean of the opponent channels rg = R - G, yb = (R + G) / 2 - B over the product pixels, in their 4 classes
    /// joined pairwise (edges 15, 45, 82). Confidence: distance to the nearest edge over 10.
    static func colourfulness(_ image: RGBImage, mask: ProductMask) -> Rated {
        var srg = 0.0, syb = 0.0, srg2 = 0.0, syb2 = 0.0, n = 0.0
        for i in 0..<(image.width * image.height) where mask.labels[i] == .product {
            let r = Double(image.pixels[3 * i]), g = Double(image.pixels[3 * i + 1]), b = Double(image.pixels[3 * i + 2])
            let rg = r - g, yb = (r + g) / 2 - b
            srg += rg; syb += yb; srg2 += rg * rg; syb2 += yb * yb; n += 1
        }
        let mrg = srg / n, myb = syb / n
        let sd = (max(0, srg2 / n - mrg * mrg) + max(0, syb2 / n - myb * myb)).squareRoot()
        let m = sd + 0.3 * (mrg * mrg + myb * myb).squareRoot()
        return classify(m, edges: [15, 45, 82], scale: 10)
    }

    /// Solid, striped, checked or printed, from the orientations of strong luma gradients inside the product (away
    /// from its outline, which every shape has). Few strong gradients: solid. Otherwise, over 4 orientation bins:
    /// two perpendicular bins with three quarters or more, each a quarter or more: checked; else one bin with half
    /// or more: striped; else printed. Confidence: the margin past the deciding line.
    static func pattern(_ image: RGBImage, mask: ProductMask) -> Rated {
        let w = image.width, h = image.height
        // Luma once per pixel (each is read by nine Sobel taps), unrounded.
        var gray = [Float](repeating: 0, count: w * h)
        for i in gray.indices {
            let r = Float(image.pixels[3 * i]), g = Float(image.pixels[3 * i + 1]), b = Float(image.pixels[3 * i + 2])
            gray[i] = 0.299 * r + 0.587 * g + 0.114 * b
        }
        func luma(_ i: Int) -> Float { gray[i] }
        var bins = [Float](repeating: 0, count: 4)
        var interior = 0, strong = 0
        guard w > 4, h > 4 else { return (0, 0) }
        for y in 2..<(h - 2) {
            for x in 2..<(w - 2) {
                let i = y * w + x
                // Interior: the product two pixels out in every direction, so the outline's edges are left out.
                guard mask.labels[i] == .product, mask.labels[i - 2] == .product, mask.labels[i + 2] == .product,
                      mask.labels[i - 2 * w] == .product, mask.labels[i + 2 * w] == .product else { continue }
                interior += 1
                let gx = luma(i + 1 - w) + 2 * luma(i + 1) + luma(i + 1 + w) - luma(i - 1 - w) - 2 * luma(i - 1) - luma(i - 1 + w)
                let gy = luma(i + w - 1) + 2 * luma(i + w) + luma(i + w + 1) - luma(i - w - 1) - 2 * luma(i - w) - luma(i - w + 1)
                let magnitude = (gx * gx + gy * gy).squareRoot()
                guard magnitude > 80 else { continue }
                strong += 1
                var angle = atan2(gy, gx) * 180 / .pi
                if angle < 0 { angle += 180 }
                bins[Int(((angle + 22.5) / 45).rounded(.down)) % 4] += magnitude
            }
        }
        guard interior >= 50 else { return (0, 0) }
        let density = Float(strong) / Float(interior)
        if density < 0.08 { return (0, min(1, (0.08 - density) / 0.04 + 0.5)) }
        let total = bins.reduce(0, +)
        let shares = bins.map { $0 / total }
        let sure = min(1, density / 0.16)
        // Checks first: a check's two perpendicular bins each hold about half, which would also pass for stripes.
        let pairs = [(shares[0], shares[2]), (shares[1], shares[3])]
        for (a, b) in pairs where a + b >= 0.75 && min(a, b) >= 0.25 {
            return (2, sure * min(1, (min(a, b) - 0.25) / 0.1 + 0.5))
        }
        let top = shares.max()!
        if top >= 0.5 { return (1, sure * min(1, (top - 0.5) / 0.15 + 0.5)) }
        return (3, sure * min(1, (0.5 - top) / 0.1 + 0.5))
    }

    /// The product's box: height over width in 4 classes (edges 0.75, 1.33, 2.2), and the share of the box the
    /// product fills in 3 (edges 0.5, 0.8). Confidence: distance to the nearest edge (log ratio over 0.15; share
    /// over 0.1).
    static func silhouette(_ mask: ProductMask) -> (aspect: Rated, fill: Rated) {
        let box = mask.boundingBox
        let aspect = log(Double(box.height) / Double(max(1, box.width)))
        let fill = Double(mask.productCount) / Double(max(1, box.width * box.height))
        return (classify(aspect, edges: [log(0.75), log(1.33), log(2.2)], scale: 0.15), classify(fill, edges: [0.5, 0.8], scale: 0.1))
    }

    /// Worn garments only: the product's height over the figure's (product and skin together), in 3 classes
    /// (edges 0.4, 0.7). Without skin (a packshot, a package) the length is unknown: confidence 0.
    static func length(_ mask: ProductMask) -> Rated {
        var skinTop = Int.max, skinBottom = -1, skin = 0
        for (i, label) in mask.labels.enumerated() where label == .skin {
            let y = i / mask.width
            skinTop = min(skinTop, y); skinBottom = max(skinBottom, y); skin += 1
        }
        let box = mask.boundingBox
        // A figure reaches past the garment (a head, arms, legs); skin-coloured pixels only inside the product's
        // box are the product's own colour (an orange box), not a person.
        guard skin >= mask.labels.count / 100, skinTop < box.y - 2 || skinBottom > box.y + box.height + 1 else { return (0, 0) }
        let top = min(skinTop, box.y), bottom = max(skinBottom, box.y + box.height - 1)
        return classify(Double(box.height) / Double(max(1, bottom - top + 1)), edges: [0.4, 0.7], scale: 0.1)
    }

    /// The class of `x` among `edges` (ascending), with confidence 0.5 at an edge rising to 1 at `scale` from it.
    static func classify(_ x: Double, edges: [Double], scale: Double) -> Rated {
        let value = edges.filter { x >= $0 }.count
        let distance = edges.map { abs(x - $0) }.min() ?? scale
        return (value, Float(min(1, 0.5 + 0.5 * distance / scale)))
    }
}

extension ProductAttributes.ColourTerm {
    var index: Int { Self.allCases.firstIndex(of: self)! }
}
