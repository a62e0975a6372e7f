/// Uniform borders: letterbox bars, padding, the empty margin of a studio backdrop. Near-duplicate checks look at
/// what is inside them, so a padded or letterboxed copy and its original show the same content.
///
/// Each side is trimmed on its own (a letterboxed packshot has black bars outside a white backdrop): the side's
/// outermost line gives the border colour (its per-channel median), and lines are removed inward while at least
/// `coverage` of their pixels lie within `tolerance` of that colour on every channel. Tolerance 24 of 255 takes
/// JPEG ringing at quality 30 along a bar's edge (measured up to about 20 on the near-duplicate sets), and stays
/// well under the step from a white backdrop to a light product (about 40 on the hm packshots' cream garments).
public enum BorderTrim {
    public static let tolerance = 24
    public static let coverage = 0.995
    /// Never trim to less than this share of a side: an almost empty image keeps its frame.
    public static let minimumShare = 0.1

    /// The box left inside uniform borders, in `image`'s pixels (the whole image when there is none).
    public static func box(_ image: RGBImage) -> (x: Int, y: Int, width: Int, height: Int) {
        let w = image.width, h = image.height
        guard w >= 4, h >= 4 else { return (0, 0, w, h) }
        func pixel(_ x: Int, _ y: Int) -> (Int, Int, Int) {
            let i = 3 * (y * w + x)
            return (Int(image.pixels[i]), Int(image.pixels[i + 1]), Int(image.pixels[i + 2]))
        }
        /// The line's pixels, outermost line first for `depth` 0.
        func line(_ side: Int, _ depth: Int, _ from: Int, _ to: Int) -> [(Int, Int, Int)] {
            switch side {
            case 0: (from..<to).map { pixel($0, depth) }            // top
            case 1: (from..<to).map { pixel($0, h - 1 - depth) }    // bottom
            case 2: (from..<to).map { pixel(depth, $0) }            // left
            default: (from..<to).map { pixel(w - 1 - depth, $0) }   // right
            }
        }
        func median(_ values: [Int]) -> Int { values.sorted()[values.count / 2] }
        var top = 0, bottom = 0, left = 0, right = 0
        // Top and bottom first over the full width, then left and right between them.
        for side in 0..<4 {
            let horizontal = side < 2
            let extent = horizontal ? h : w
            let (from, to) = horizontal ? (0, w) : (top, h - bottom)
            guard to - from >= 2 else { continue }
            let outer = line(side, 0, from, to)
            let colour = (median(outer.map(\.0)), median(outer.map(\.1)), median(outer.map(\.2)))
            let limit = extent - Int(Double(extent) * minimumShare) - (horizontal ? top + bottom : left + right)
            var depth = 0
            while depth < limit {
                let pixels = line(side, depth, from, to)
                let near = pixels.filter {
                    abs($0.0 - colour.0) <= tolerance && abs($0.1 - colour.1) <= tolerance && abs($0.2 - colour.2) <= tolerance
                }.count
                guard Double(near) >= coverage * Double(pixels.count) else { break }
                depth += 1
            }
            switch side {
            case 0: top = depth
            case 1: bottom = depth
            case 2: left = depth
            default: right = depth
            }
        }
        return (left, top, w - left - right, h - top - bottom)
    }
}
