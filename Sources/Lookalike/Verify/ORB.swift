import Foundation

/// ORB features of one grey image (Rublee et al., ICCV 2011): FAST-9 corners found on a scale pyramid, ranked
/// by their Harris response, each given an intensity-centroid orientation and a 256-bit rotated BRIEF descriptor.
///
/// Guarantees: keypoints are in the original image's pixel coordinates (pixel centres at whole numbers), in
/// level order and, within a level, strongest Harris response first; `descriptors[i]` describes `keypoints[i]`;
/// the same image and settings give the same keypoints and descriptors bit for bit on every run (one thread,
/// a test pattern drawn once from a fixed seed); a flat image, or one too small for a 31 x 31 patch and its
/// one-pixel border (33 px a side), gives no keypoints rather than failing.
public struct ORBFeatures: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Keypoints kept over all levels, shared out in proportion to each level's area.
        public var maxFeatures: Int
        /// Each level is the original shrunk by `scaleFactor` once more.
        public var scaleFactor: Double
        public var maxLevels: Int
        /// No level is made with a side shorter than this (the original is always level 0).
        public var minLevelSide: Int
        /// FAST: a ring pixel counts as brighter or darker when it differs from the centre by more than this.
        public var fastThreshold: Int
        public var harrisK: Double
        /// Each level is cut into `cells` x `cells` and each cell first keeps up to its even share of the level's
        /// budget, strongest first; what is left goes to the strongest of the rest. 1 (OpenCV's ranking): the
        /// strongest overall, so a caption's letters can take the whole budget from the product under them.
        public var cells: Int

        public init(maxFeatures: Int = 500, scaleFactor: Double = 1.2, maxLevels: Int = 8, minLevelSide: Int = 40,
                    fastThreshold: Int = 20, harrisK: Double = 0.04, cells: Int = 1) {
            precondition(maxFeatures >= 0 && scaleFactor > 1 && maxLevels >= 1 && cells >= 1, "ORBFeatures.Settings out of range")
            self.cells = cells
            self.maxFeatures = maxFeatures
            self.scaleFactor = scaleFactor
            self.maxLevels = maxLevels
            self.minLevelSide = minLevelSide
            self.fastThreshold = fastThreshold
            self.harrisK = harrisK
        }
    }

    public let width: Int
    public let height: Int
    public let keypoints: [ORBKeypoint]
    public let descriptors: [ORBDescriptor]

    /// `skipping`: rows of the image (one flag each) where no keypoint is kept, before the budget is shared out (a
    /// watermark's bands: its letters would take the budget from the picture).
    public init(_ image: GrayImage, settings: Settings = Settings(), skipping rows: [Bool]? = nil) {
        precondition(rows == nil || rows!.count == image.height, "one flag per row")
        width = image.width
        height = image.height
        let levels = Self.pyramid(image, settings: settings)
        let budgets = Self.budgets(levels.map { $0.width * $0.height }, total: settings.maxFeatures)
        var keypoints: [ORBKeypoint] = [], descriptors: [ORBDescriptor] = []
        for (index, level) in levels.enumerated() where budgets[index] > 0 {
            var corners = Self.fastCorners(level, threshold: settings.fastThreshold, margin: Self.margin)
            if let rows {
                let sy = Double(image.height) / Double(level.height)
                corners.removeAll { rows[min(image.height - 1, Int((Double($0.y) + 0.5) * sy))] }
            }
            let ranked = Self.strongest(corners, in: level, k: settings.harrisK, keep: budgets[index], cells: settings.cells)
            guard !ranked.isEmpty else { continue }
            let smooth = Self.blur(level)
            let at = ranked.map { Int32($0.y * level.width + $0.x) }
            let angles = NativeKernels.orbOrientation(level, at: at, halfWidths: Self.discHalfWidths)
            let words = NativeKernels.orbDescribe(smooth, at: at, steps: angles.map(ORBPattern.step),
                                                  pattern: ORBPattern.shared.offsets)
            // Back to the original's pixels: per-axis ratios, since level sizes are rounded.
            let sx = Double(image.width) / Double(level.width), sy = Double(image.height) / Double(level.height)
            for (n, corner) in ranked.enumerated() {
                keypoints.append(ORBKeypoint(x: (Double(corner.x) + 0.5) * sx - 0.5, y: (Double(corner.y) + 0.5) * sy - 0.5,
                                             level: index, size: Double(ORBPattern.patchSize) * (sx + sy) / 2,
                                             angle: angles[n], response: corner.response))
                descriptors.append(ORBDescriptor(words[4 * n], words[4 * n + 1], words[4 * n + 2], words[4 * n + 3]))
            }
        }
        self.keypoints = keypoints
        self.descriptors = descriptors
    }

    /// These features without the keypoints `drop` flags (their descriptors with them), in the same order.
    func dropping(_ drop: [Bool]) -> ORBFeatures {
        precondition(drop.count == keypoints.count)
        let kept = keypoints.indices.filter { !drop[$0] }
        return ORBFeatures(width: width, height: height, keypoints: kept.map { keypoints[$0] }, descriptors: kept.map { descriptors[$0] })
    }

    /// Features as given (`dropping` keeps some; the tests draw their own).
    init(width: Int, height: Int, keypoints: [ORBKeypoint], descriptors: [ORBDescriptor]) {
        self.width = width
        self.height = height
        self.keypoints = keypoints
        self.descriptors = descriptors
    }

    /// Distance a corner keeps from a level's edges: the descriptor's and the orientation's disc (radius 15) and
    /// the Harris window (3 + Sobel's 1) must fit.
    static let margin = ORBPattern.patchRadius + 1

    /// Level 0 is the image itself; level i is it shrunk by scaleFactor^i, each made from the original by area
    /// averaging (no aliasing however far a level is shrunk, and no error carried from level to level).
    static func pyramid(_ image: GrayImage, settings: Settings) -> [GrayImage] {
        var levels = [image]
        var scale = 1.0
        // The source transposed once for every level (C's row pass runs down columns, contiguous).
        var transposed: [Float] = []
        while levels.count < settings.maxLevels {
            scale *= settings.scaleFactor
            let w = Int((Double(image.width) / scale).rounded()), h = Int((Double(image.height) / scale).rounded())
            guard min(w, h) >= settings.minLevelSide else { break }
            if transposed.isEmpty { transposed = NativeKernels.transposedFloats(image) }
            levels.append(areaResize(image, transposed: transposed, width: w, height: h))
        }
        return levels
    }

    /// `total` shared out in proportion to `areas`, rounded down, the rest to the largest levels first. A level with
    /// fewer corners than its share leaves the rest unused (no level is searched twice).
    static func budgets(_ areas: [Int], total: Int) -> [Int] {
        let sum = areas.reduce(0, +)
        guard sum > 0 else { return areas.map { _ in 0 } }
        var shares = areas.map { total * $0 / sum }
        var left = total - shares.reduce(0, +)
        var i = 0
        while left > 0 { shares[i % shares.count] += 1; left -= 1; i += 1 }
        return shares
    }

    /// Area averaging: each output pixel is the mean of the source pixels its footprint covers, partly covered
    /// ones weighted by the share covered. Separable: rows first into Floats, then columns, rounded once (in C:
    /// `lk_area_resize`, the same sums in the same order).
    static func areaResize(_ image: GrayImage, transposed: [Float]? = nil, width: Int, height: Int) -> GrayImage {
        NativeKernels.areaResize(transposed: transposed ?? NativeKernels.transposedFloats(image), width: image.width,
                                 height: image.height, columns: Footprints(source: image.width, target: width),
                                 rows: Footprints(source: image.height, target: height), toWidth: width, height: height)
    }
}

/// One ORB keypoint, in the original image's pixels.
public struct ORBKeypoint: Sendable, Equatable {
    public let x: Double
    public let y: Double
    /// The pyramid level it was found on (0 = the original size).
    public let level: Int
    /// The side of its descriptor's patch in the original's pixels (31 x the level's shrink).
    public let size: Double
    /// Radians from +x towards +y (image axes, y down): the direction of the patch's intensity centroid.
    public let angle: Double
    /// Harris response on its level (comparable only within a level).
    public let response: Double
}

/// A 256-bit rotated BRIEF descriptor; distance is the Hamming distance.
public struct ORBDescriptor: Sendable, Hashable {
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    @inline(__always)
    public func distance(to other: ORBDescriptor) -> Int {
        (w0 ^ other.w0).nonzeroBitCount + (w1 ^ other.w1).nonzeroBitCount
            + (w2 ^ other.w2).nonzeroBitCount + (w3 ^ other.w3).nonzeroBitCount
    }
}
