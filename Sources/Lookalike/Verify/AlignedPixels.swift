/// Two frames of one size compared gradient for gradient, at zero shift: the check for copies that keep the frame
/// (re-encoded, brightened, stamped) when ORB finds too little on them. A brightened white garment loses its
/// keypoints to clipping and a watermark takes them, but every edge left keeps its place and direction to the
/// pixel; two photographs of one cut on one mannequin share a silhouette, not their folds and seams at full size.
///
/// The frames are cut into `block` x `block` blocks. Pixels clipped to white in either image are left out (a
/// brightened copy has nothing there to agree with), as are rows `skipping` covers (a mark the folder shares). A
/// block is informative when enough of it is left and either image's mean squared luma step there reaches
/// `flatEnergy`; it agrees when the two gradient fields point the same way: cosine at least `cosine`, whatever
/// their lengths (a brightness gain scales them).
public struct AlignedPixels: Sendable, Equatable {
    public let informative: Int
    public let agreeing: Int
    public var share: Double { informative == 0 ? 0 : Double(agreeing) / Double(informative) }

    public static let block = 16
    /// Luma at or above this is clipped white. No lower: a light pink brightened by 20% sits at 240 to 250 with its
    /// seams still drawn, and the backdrop of a packshot is 255.
    public static let clipped: UInt8 = 254
    /// Mean squared step (per axis) under which a block is flat: about 4 levels, over JPEG noise on a backdrop.
    public static let flatEnergy: Float = 16
    public static let cosine: Float = 0.7

    /// Nil when the frames differ in size (`cut` first lines one up with the other). `valid`: per pixel,
    /// whether it is to be compared (where a window `cut` from another frame lies inside it).
    public init?(_ a: GrayImage, _ b: GrayImage, skipping rows: [Bool]? = nil, valid: [Bool]? = nil) {
        guard a.width == b.width, a.height == b.height, a.width > Self.block, a.height > Self.block else { return nil }
        let w = a.width, h = a.height, n = Self.block
        var informative = 0, agreeing = 0
        a.pixels.withUnsafeBufferPointer { pa in b.pixels.withUnsafeBufferPointer { pb in
            func usable(_ y: Int) -> Bool { !(rows?[y] ?? false) }
            func inside(_ p: Int) -> Bool { valid.map { $0[p] && $0[p + 1] && $0[p + w] } ?? true }
            // Gradients are forward differences, so a block at (x0, y0) reads pixels up to x0 + n, y0 + n.
            var y0 = 0
            while y0 + n < h {
                var x0 = 0
                while x0 + n < w {
                    var count = 0
                    var ea: Float = 0, eb: Float = 0, dot: Float = 0
                    for y in y0..<(y0 + n) where usable(y) && usable(y + 1) {
                        let row = y * w
                        for x in x0..<(x0 + n) {
                            let p = row + x
                            let a0 = pa[p], ax = pa[p + 1], ay = pa[p + w], b0 = pb[p], bx = pb[p + 1], by = pb[p + w]
                            if max(a0, ax, ay) >= Self.clipped || max(b0, bx, by) >= Self.clipped || !inside(p) { continue }
                            let gxa = Float(ax) - Float(a0), gya = Float(ay) - Float(a0)
                            let gxb = Float(bx) - Float(b0), gyb = Float(by) - Float(b0)
                            ea += gxa * gxa + gya * gya
                            eb += gxb * gxb + gyb * gyb
                            dot += gxa * gxb + gya * gyb
                            count += 1
                        }
                    }
                    if count >= n * n / 4, max(ea, eb) >= Self.flatEnergy * Float(2 * count) {
                        informative += 1
                        if dot >= Self.cosine * (ea * eb).squareRoot() { agreeing += 1 }
                    }
                    x0 += n
                }
                y0 += n
            }
        } }
        self.informative = informative
        self.agreeing = agreeing
    }
}

extension AlignedPixels {
    /// The `width` x `height` window of `source` whose top left pixel is (x, y), with whether each pixel lies inside
    /// the source (those outside are 0 and not compared).
    static func cut(_ source: GrayImage, width: Int, height: Int, x: Int, y: Int) -> (image: GrayImage, valid: [Bool]) {
        var pixels = [UInt8](repeating: 0, count: width * height), valid = [Bool](repeating: false, count: width * height)
        // Empty when the window misses the source (the bounds are clamped so a range never runs backwards).
        let columns = max(0, -x)..<max(max(0, -x), min(width, source.width - x))
        for row in max(0, -y)..<max(max(0, -y), min(height, source.height - y)) {
            let from = (row + y) * source.width + x
            for c in columns {
                pixels[row * width + c] = source.pixels[from + c]
                valid[row * width + c] = true
            }
        }
        return (GrayImage(width: width, height: height, pixels: pixels), valid)
    }
}

/// How one image's frame lines up with another's, axis by axis: a pixel centre x of the second lands at
/// `scaleX * x + offsetX` in the first (continuous pixel coordinates, 0 at the left edge). Made from the views and
/// the shift the thumbnail check lined up (`NearDuplicateVerifier.compare`).
public struct FrameMap: Sendable, Codable, Equatable {
    public var scaleX: Double, offsetX: Double, scaleY: Double, offsetY: Double

    public init(scaleX: Double, offsetX: Double, scaleY: Double, offsetY: Double) {
        (self.scaleX, self.offsetX, self.scaleY, self.offsetY) = (scaleX, offsetX, scaleY, offsetY)
    }

    /// From the first to the second.
    public var inverse: FrameMap {
        FrameMap(scaleX: 1 / scaleX, offsetX: -offsetX / scaleX, scaleY: 1 / scaleY, offsetY: -offsetY / scaleY)
    }
}
