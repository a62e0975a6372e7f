import Foundation

/// Approaches 2 and 3 of the seed documents: remove the backdrop and the model's skin, then describe what is
/// left, the product, by its attributes. The vector concatenates, each block L2-normalised and weighted:
/// - colour: a hue x saturation x value histogram of the product pixels (48 chromatic bins, 4 grey levels),
///   square-rooted (Hellinger), so cosine compares distributions;
/// - shape: the product's occupancy of a 6 x 6 grid over its bounding box;
/// - texture: gradient orientations (8 bins) in 2 x 2 cells of the box, weighted by magnitude.
public struct MaskedProductMethod: DescriptorMethod {
    public static let name = "mask"
    /// 52 colour bins, 36 shape cells, 32 texture bins.
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(52 + 36 + 32) }
    public var kind: DescriptorKind { Self.kind(MethodSettings()) }
    public init() {}
    public init(settings: MethodSettings) {}

    static let colourWeight: Float = 1.0, shapeWeight: Float = 0.5, textureWeight: Float = 0.5

    public func describe(_ sample: ImageSample) -> Descriptor {
        .vector(Self.vector(sample.smallRGB, mask: sample.productMask))
    }

    static func vector(_ image: RGBImage, mask: ProductMask) -> [Float] {
        let box = mask.boundingBox
        let w = image.width
        var colour = [Float](repeating: 0, count: 52)
        var shape = [Float](repeating: 0, count: 36)
        var texture = [Float](repeating: 0, count: 32)
        image.pixels.withUnsafeBufferPointer { p in
            for y in box.y..<(box.y + box.height) {
                for x in box.x..<(box.x + box.width) {
                    let i = y * w + x
                    guard mask.labels[i] == .product else { continue }
                    colour[colourBin(r: p[3 * i], g: p[3 * i + 1], b: p[3 * i + 2])] += 1
                    let gx = min(5, (x - box.x) * 6 / box.width), gy = min(5, (y - box.y) * 6 / box.height)
                    shape[gy * 6 + gx] += 1
                    // Central differences on luma, inside the image.
                    guard x > 0, y > 0, x < w - 1, y < image.height - 1 else { continue }
                    func luma(_ j: Int) -> Float { 0.299 * Float(p[3 * j]) + 0.587 * Float(p[3 * j + 1]) + 0.114 * Float(p[3 * j + 2]) }
                    let dx = luma(i + 1) - luma(i - 1), dy = luma(i + w) - luma(i - w)
                    let magnitude = (dx * dx + dy * dy).squareRoot()
                    guard magnitude > 8 else { continue }
                    var angle = atan2(dy, dx)  // orientation, not direction: fold to [0, pi)
                    if angle < 0 { angle += .pi }
                    let bin = min(7, Int(angle / .pi * 8))
                    let cx = min(1, (x - box.x) * 2 / box.width), cy = min(1, (y - box.y) * 2 / box.height)
                    texture[(cy * 2 + cx) * 8 + bin] += magnitude
                }
            }
        }
        let cells = Float(max(1, box.width * box.height)) / 36
        shape = shape.map { $0 / cells }
        colour = colour.map { $0.squareRoot() }
        return unitLength(unitLength(colour).map { $0 * colourWeight } + unitLength(shape).map { $0 * shapeWeight }
            + unitLength(texture).map { $0 * textureWeight })
    }

    /// 12 hues x 2 saturations x 2 values for coloured pixels; 4 grey levels for the rest.
    static func colourBin(r: UInt8, g: UInt8, b: UInt8) -> Int {
        let rf = Float(r) / 255, gf = Float(g) / 255, bf = Float(b) / 255
        let mx = max(rf, gf, bf), mn = min(rf, gf, bf)
        let v = mx, s = mx > 0 ? (mx - mn) / mx : 0
        if s < 0.2 || v < 0.15 { return 48 + min(3, Int(v * 4)) }
        var h: Float
        let d = mx - mn
        if mx == rf { h = (gf - bf) / d } else if mx == gf { h = 2 + (bf - rf) / d } else { h = 4 + (rf - gf) / d }
        h = (h < 0 ? h + 6 : h) / 6
        let hb = min(11, Int(h * 12)), sb = s < 0.55 ? 0 : 1, vb = v < 0.6 ? 0 : 1
        return hb * 4 + sb * 2 + vb
    }
}
