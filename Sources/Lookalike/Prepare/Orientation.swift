extension GrayImage {
    /// The image as `ImageOps.exif_transpose` would show it for this EXIF orientation.
    public func applying(_ orientation: ExifOrientation) -> GrayImage {
        if orientation == .up { return self }
        let w = width, h = height
        let (ow, oh) = orientation.swapsAxes ? (h, w) : (w, h)
        // For each output pixel (x, y), the stored pixel it shows. Pillow: 2 FLIP_LEFT_RIGHT, 3 ROTATE_180,
        // 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90.
        let source: (Int, Int) -> Int
        switch orientation {
        case .up: source = { x, y in y * w + x }
        case .upMirrored: source = { x, y in y * w + (w - 1 - x) }
        case .down: source = { x, y in (h - 1 - y) * w + (w - 1 - x) }
        case .downMirrored: source = { x, y in (h - 1 - y) * w + x }
        case .leftMirrored: source = { x, y in x * w + y }
        case .right: source = { x, y in (h - 1 - x) * w + y }
        case .rightMirrored: source = { x, y in (h - 1 - x) * w + (w - 1 - y) }
        case .left: source = { x, y in x * w + (w - 1 - y) }
        }
        var out = [UInt8](repeating: 0, count: w * h)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var i = 0
                for y in 0..<oh {
                    for x in 0..<ow {
                        dst[i] = src[source(x, y)]
                        i += 1
                    }
                }
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }
}
