import Foundation

/// What the near-duplicate check keeps of one image: its content box inside uniform borders, its quality, the
/// pHashes that propose candidate pairs, and two small colour thumbnails that verify them.
///
/// Candidate views (each a window of the trimmed or the untrimmed image, in its 0...1 coordinates, with its
/// pHash): each whole, their centre 90% and 80% (so a cropped copy meets the window of its original it shows),
/// and with `transforms` the trimmed image mirrored. Two images are candidates
/// when any view of one is within a radius of any view of the other; the pair of views says how the two should
/// line up, and the verifier checks exactly that (with a little slack).
public struct NearDuplicateProbe: Sendable {
    public struct View: Sendable {
        public enum Source: Sendable { case trimmed, untrimmed }
        public let source: Source
        /// The window (x, y, width, height) of the source thumbnail, in 0...1.
        public let window: (x: Double, y: Double, width: Double, height: Double)
        public let mirrored: Bool
        public let hash: PerceptualHash

        /// "trimmed", "untrimmed 80%", "trimmed mirrored": how reports name the view.
        public var label: String {
            (source == .trimmed ? "trimmed" : "untrimmed") + (window.width < 1 ? " \(Int((window.width * 100).rounded()))%" : "")
                + (mirrored ? " mirrored" : "")
        }
    }

    /// The trimmed box in the reduced image's pixels, and that image's size (the box kept per image).
    public let box: (x: Int, y: Int, width: Int, height: Int)
    public let reducedSize: (width: Int, height: Int)
    /// PDQ's quality of the trimmed content, 0...100.
    public let quality: Int
    public let views: [View]
    /// `thumbnailSide` x `thumbnailSide` RGB of the trimmed box and of the whole image (stretched to square).
    public let trimmed: [UInt8]
    public let untrimmed: [UInt8]
    /// ORB keypoints of the trimmed content (and of it mirrored, with `transforms`): the last check of a pair.
    public let orb: ORBFeatures
    public let orbMirrored: ORBFeatures?

    public static let thumbnailSide = 64
    /// Centre windows tried as views, as shares of each side.
    public static let cropWindows = [0.9, 0.8]

    public var isFlat: Bool { quality < ImageQuality.threshold }

    public init(_ sample: ImageSample, transforms: Bool = false) {
        self.init(rgb: sample.smallRGB, transforms: transforms)
    }

    public init(rgb image: RGBImage, transforms: Bool = false) {
        let box = BorderTrim.box(image)
        self.box = box
        reducedSize = (image.width, image.height)
        let content = image.window(x0: box.x, y0: box.y, width: box.width, height: box.height, fill: 0)
        let gray = content.luma
        quality = ImageQuality.score(gray)
        trimmed = Self.thumbnail(content)
        untrimmed = Self.thumbnail(image)
        var views: [View] = []
        func add(_ source: View.Source, _ g: GrayImage, _ window: (Double, Double, Double, Double), mirrored: Bool = false) {
            let (x, y, w, h) = window
            let x0 = Int((x * Double(g.width)).rounded()), y0 = Int((y * Double(g.height)).rounded())
            let cw = max(1, Int((w * Double(g.width)).rounded())), ch = max(1, Int((h * Double(g.height)).rounded()))
            var pixels = [UInt8](repeating: 0, count: cw * ch)
            for yy in 0..<ch { for xx in 0..<cw {
                let sx = min(g.width - 1, x0 + xx), sy = min(g.height - 1, y0 + yy)
                pixels[yy * cw + (mirrored ? cw - 1 - xx : xx)] = g.pixels[sy * g.width + sx]
            } }
            views.append(View(source: source, window: (x, y, w, h), mirrored: mirrored,
                              hash: HashFunctions.dctHash(GrayImage(width: cw, height: ch, pixels: pixels))))
        }
        orb = ORBFeatures(gray)
        orbMirrored = transforms ? ORBFeatures(Self.mirrored(gray)) : nil
        let whole = image.luma
        add(.trimmed, gray, (0, 0, 1, 1))
        add(.untrimmed, whole, (0, 0, 1, 1))
        // Centre windows of both: a copy cropped inside the backdrop meets the trimmed ones, one cut into the
        // product the untrimmed ones.
        for share in Self.cropWindows {
            add(.trimmed, gray, ((1 - share) / 2, (1 - share) / 2, share, share))
            add(.untrimmed, whole, ((1 - share) / 2, (1 - share) / 2, share, share))
        }
        if transforms { add(.trimmed, gray, (0, 0, 1, 1), mirrored: true) }
        self.views = views
    }

    static func mirrored(_ g: GrayImage) -> GrayImage {
        var out = g.pixels
        for y in 0..<g.height { for x in 0..<g.width { out[y * g.width + x] = g.pixels[y * g.width + g.width - 1 - x] } }
        return GrayImage(width: g.width, height: g.height, pixels: out)
    }

    /// Area-averaged onto a `thumbnailSide` square (the aspect is dropped: views are compared window to window).
    static func thumbnail(_ image: RGBImage) -> [UInt8] {
        let n = thumbnailSide
        var out = [UInt8](repeating: 0, count: n * n * 3)
        guard image.width > 0, image.height > 0 else { return out }
        for y in 0..<n {
            let y0 = y * image.height / n, y1 = max(y0 + 1, (y + 1) * image.height / n)
            for x in 0..<n {
                let x0 = x * image.width / n, x1 = max(x0 + 1, (x + 1) * image.width / n)
                var sum = (0, 0, 0)
                for yy in y0..<y1 { for xx in x0..<x1 {
                    let i = 3 * (yy * image.width + xx)
                    sum.0 += Int(image.pixels[i]); sum.1 += Int(image.pixels[i + 1]); sum.2 += Int(image.pixels[i + 2])
                } }
                let count = (y1 - y0) * (x1 - x0)
                let o = 3 * (y * n + x)
                out[o] = UInt8(sum.0 / count); out[o + 1] = UInt8(sum.1 / count); out[o + 2] = UInt8(sum.2 / count)
            }
        }
        return out
    }
}
