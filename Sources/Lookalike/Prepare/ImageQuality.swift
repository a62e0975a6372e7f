/// How much there is to compare in an image, as PDQ scores it (Facebook's PDQ hashing, "quality"): the luminance
/// reduced to 64 x 64 and scaled to 0...100, the absolute differences of every horizontal and vertical neighbour
/// pair summed, divided by 90 and capped at 100. A flat, white, dark or empty image scores near 0; PDQ calls hashes
/// under 50 unreliable. Near-duplicate checks report images under `flat` as "too flat to compare" instead of
/// matching them to each other, and hold those under `threshold` to their strictest check.
public enum ImageQuality {
    /// Under this, a hash is unreliable (PDQ's advice): an image is faint.
    public static let threshold = 50
    /// Under this, an image is too flat to compare: a white garment a +20% brightness clipped into its backdrop
    /// scores 0 to 15, a blank page 0; a cream garment on white, faint but with its outline, 20 to 49.
    public static let flat = 20

    public static func score(_ gray: GrayImage) -> Int {
        let n = 64
        guard gray.width > 0, gray.height > 0 else { return 0 }
        // Area average onto 64 x 64 (nearest block edges), luma scaled to 0...100 as PDQ does.
        var small = [Int](repeating: 0, count: n * n)
        for y in 0..<n {
            let y0 = y * gray.height / n, y1 = max(y0 + 1, (y + 1) * gray.height / n)
            for x in 0..<n {
                let x0 = x * gray.width / n, x1 = max(x0 + 1, (x + 1) * gray.width / n)
                var sum = 0
                for yy in y0..<y1 { for xx in x0..<x1 { sum += Int(gray.pixels[yy * gray.width + xx]) } }
                small[y * n + x] = (sum * 100 + (y1 - y0) * (x1 - x0) * 255 / 2) / ((y1 - y0) * (x1 - x0) * 255)
            }
        }
        var gradient = 0
        for y in 0..<n {
            for x in 0..<n {
                if x + 1 < n { gradient += abs(small[y * n + x + 1] - small[y * n + x]) }
                if y + 1 < n { gradient += abs(small[(y + 1) * n + x] - small[y * n + x]) }
            }
        }
        return min(100, gradient / 90)
    }
}
