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
    /// Mean luma of the trimmed thumbnail: which image of a pair is the darker (made once, read for every pair).
    public let meanLuma: Double
    /// ORB keypoints of the trimmed content, when made with the probe (`lookalike verify`); grouping makes them
    /// later, only for images in pairs that pass the thumbnails (`NearDuplicateKeypoints(rgb:transforms:)`).
    public let keypoints: NearDuplicateKeypoints?
    /// The luma of the whole reduced image, kept with the keypoints (`lookalike verify`): frames that line up are
    /// compared pixel for pixel (`AlignedPixels`). Grouping reads them again for the few pairs that need it.
    public let frame: GrayImage?

    public static let thumbnailSide = 64
    /// Centre windows tried as views, as shares of each side.
    public static let cropWindows = [0.9, 0.8]

    public var isFlat: Bool { quality < ImageQuality.flat }
    /// Faint (a hash of it is unreliable, PDQ says): its pairs pass on keypoints and the warped thumbnails, or on
    /// their aligned pixels, only.
    public var isFaint: Bool { quality < ImageQuality.threshold }

    public init(_ sample: ImageSample, transforms: Bool = false, keypoints: Bool = true) {
        self.init(rgb: sample.smallRGB, transforms: transforms, keypoints: keypoints)
    }

    public init(rgb image: RGBImage, transforms: Bool = false, keypoints: Bool = true) {
        let box = BorderTrim.box(image)
        self.box = box
        reducedSize = (image.width, image.height)
        let content = image.window(x0: box.x, y0: box.y, width: box.width, height: box.height, fill: 0)
        let gray = content.luma
        quality = ImageQuality.score(gray)
        trimmed = Self.thumbnail(content)
        var sum = 0.0
        for k in 0..<(trimmed.count / 3) {
            sum += 0.299 * Double(trimmed[3 * k]) + 0.587 * Double(trimmed[3 * k + 1]) + 0.114 * Double(trimmed[3 * k + 2])
        }
        meanLuma = sum / Double(max(1, trimmed.count / 3))
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
        self.keypoints = keypoints ? NearDuplicateKeypoints(content: gray, transforms: transforms) : nil
        let whole = image.luma
        frame = keypoints ? whole : nil
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
}

/// ORB features of an image's trimmed content (and of it mirrored, with `transforms`): the last check of a pair.
/// About 4 to 7 ms an image, so grouping makes them only for images in pairs that pass the thumbnails.
public struct NearDuplicateKeypoints: Sendable {
    public let plain: ORBFeatures
    public let mirrored: ORBFeatures?

    /// From the reduced RGB image a probe is made of (`ImageSample.smallRGB`), trimmed the same way. With
    /// `excluding`, a mark's bands (in the frame's height) are left out: no keypoint on them, and the contrast
    /// stretch measured off them.
    public init(rgb image: RGBImage, transforms: Bool, excluding bands: MarkBands? = nil) {
        let box = BorderTrim.box(image)
        self.init(content: image.window(x0: box.x, y0: box.y, width: box.width, height: box.height, fill: 0).luma,
                  transforms: transforms, rows: bands.map { bands in
                      { bands.covers($0, inBoxAt: box.y, height: box.height, frameHeight: image.height) }
                  })
    }

    init(plain: ORBFeatures, mirrored: ORBFeatures?) {
        self.plain = plain
        self.mirrored = mirrored
    }

    /// `rows`: whether the content's row at v (0...1 of its height) is to be left out.
    init(content gray: GrayImage, transforms: Bool, rows: ((Double) -> Bool)? = nil) {
        let gray = Self.normalised(gray, skipping: rows)
        let skipped = rows.map { covers in (0..<gray.height).map { covers((Double($0) + 0.5) / Double(max(1, gray.height))) } }
        plain = ORBFeatures(gray, settings: Self.settings, skipping: skipped)
        mirrored = transforms ? ORBFeatures(gray.applying(.upMirrored), settings: Self.settings, skipping: skipped) : nil
    }

    /// OpenCV's defaults, with the budget shared over a 4 x 4 grid first: a watermark's letters would otherwise take
    /// the 500 keypoints of a copy, and none would be left to meet the original's.
    public static let settings = ORBFeatures.Settings(cells: 4)

    /// ORB runs on the content brought to `side` px on its longer side (bilinear): a half-size copy of a small
    /// packshot (100 px) otherwise leaves FAST few pixels inside the pattern's margin, and its keypoints fall below
    /// the scales of the original's.
    public static let side = 256

    /// Contents whose luma spread (2nd to 98th percentile) is under `stretchedSpread` are stretched to it, up to
    /// `maximumStretch` times: FAST's fixed threshold finds nothing on a cream garment over a white backdrop, and
    /// the descriptors (intensity comparisons) do not change under the stretch.
    public static let stretchedSpread = 160.0
    public static let maximumStretch = 4.0

    static func normalised(_ gray: GrayImage, skipping rows: ((Double) -> Bool)? = nil) -> GrayImage {
        let longer = max(gray.width, gray.height)
        guard longer > 0 else { return gray }
        var image = gray
        if longer != side {
            let scale = Double(side) / Double(longer)
            image = PillowResampler.resize(gray, width: max(1, Int((Double(gray.width) * scale).rounded())),
                                           height: max(1, Int((Double(gray.height) * scale).rounded())), filter: .bilinear)
        }
        var histogram = [Int](repeating: 0, count: 256)
        var counted = 0
        for y in 0..<image.height where !(rows?((Double(y) + 0.5) / Double(image.height)) ?? false) {
            for p in image.pixels[(y * image.width)..<((y + 1) * image.width)] { histogram[Int(p)] += 1 }
            counted += image.width
        }
        if counted == 0 {  // every row left out: measured on them all
            for p in image.pixels { histogram[Int(p)] += 1 }
            counted = image.pixels.count
        }
        func percentile(_ share: Double) -> Int {
            let target = Int(share * Double(counted))
            var seen = 0
            for (value, count) in histogram.enumerated() { seen += count; if seen > target { return value } }
            return 255
        }
        let lo = percentile(0.02), hi = percentile(0.98), spread = Double(max(1, hi - lo))
        guard spread < stretchedSpread else { return image }
        let gain = min(maximumStretch, stretchedSpread / spread), middle = Double(lo + hi) / 2
        var table = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 { table[v] = UInt8(max(0, min(255, (128 + (Double(v) - middle) * gain).rounded()))) }
        image.pixels = image.pixels.map { table[Int($0)] }
        return image
    }
}

extension NearDuplicateProbe {
    /// Area-averaged onto a `thumbnailSide` square (the aspect is dropped: views are compared window to window).
    static func thumbnail(_ image: RGBImage, side: Int = thumbnailSide) -> [UInt8] {
        resized(image, width: side, height: side)
    }

    /// Area-averaged onto `width` x `height` (`Footprints`): rows first into Floats, then along each row.
    static func resized(_ image: RGBImage, width w: Int, height h: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: w * h * 3)
        guard image.width > 0, image.height > 0, w > 0, h > 0 else { return out }
        let columns = Footprints(source: image.width, target: w), rows = Footprints(source: image.height, target: h)
        var line = [Float](repeating: 0, count: image.width * 3)
        for y in 0..<h {
            for k in line.indices { line[k] = 0 }
            for j in rows.start[y]..<rows.start[y + 1] {
                let weight = rows.weights[j], base = 3 * (rows.first[y] + j - rows.start[y]) * image.width
                for k in 0..<(3 * image.width) { line[k] += weight * Float(image.pixels[base + k]) }
            }
            for x in 0..<w {
                var sum: (Float, Float, Float) = (0, 0, 0)
                for j in columns.start[x]..<columns.start[x + 1] {
                    let weight = columns.weights[j], i = 3 * (columns.first[x] + j - columns.start[x])
                    sum.0 += weight * line[i]; sum.1 += weight * line[i + 1]; sum.2 += weight * line[i + 2]
                }
                let o = 3 * (y * w + x)
                out[o] = UInt8(max(0, min(255, sum.0.rounded())))
                out[o + 1] = UInt8(max(0, min(255, sum.1.rounded())))
                out[o + 2] = UInt8(max(0, min(255, sum.2.rounded())))
            }
        }
        return out
    }
}
