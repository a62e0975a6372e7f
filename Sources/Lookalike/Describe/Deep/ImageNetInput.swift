/// torchvision's ImageNet evaluation preprocessing, on Pillow-identical pixels: RGB; Resize(256) (the shorter
/// side to 256 with Pillow's antialiased bilinear filter, the longer side truncated as torchvision computes it);
/// CenterCrop(224) (offsets rounded half to even, as Python's round); scaled to [0, 1]; normalised with the
/// ImageNet mean and standard deviation. Output: 3 x 224 x 224 floats, channel-major (CHW).
public enum ImageNetInput {
    public static let side = 224
    static let mean: [Float] = [0.485, 0.456, 0.406]
    static let std: [Float] = [0.229, 0.224, 0.225]

    public static func tensor(_ image: RGBImage) -> [Float] {
        let (w, h) = (image.width, image.height)
        let (newW, newH) = w <= h ? (256, Int(256 * Double(h) / Double(w))) : (Int(256 * Double(w) / Double(h)), 256)
        let planes = (0..<3).map { c in
            let plane = GrayImage(width: w, height: h, pixels: stride(from: c, to: image.pixels.count, by: 3).map { image.pixels[$0] })
            return PillowResampler.resize(plane, width: newW, height: newH, filter: .bilinear)
        }
        let top = pythonRound(Double(newH - side) / 2), left = pythonRound(Double(newW - side) / 2)
        var out = [Float](repeating: 0, count: 3 * side * side)
        for c in 0..<3 {
            let plane = planes[c]
            for y in 0..<side {
                for x in 0..<side {
                    // Crops larger than the image pad with zeros, as torchvision's CenterCrop does.
                    let sy = y + top, sx = x + left
                    let v: Float = sy >= 0 && sx >= 0 && sy < plane.height && sx < plane.width
                        ? Float(plane.pixels[sy * plane.width + sx]) / 255 : 0
                    out[(c * side + y) * side + x] = (v - mean[c]) / std[c]
                }
            }
        }
        return out
    }

    /// Python's round(): halves go to the even neighbour.
    static func pythonRound(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }
}
