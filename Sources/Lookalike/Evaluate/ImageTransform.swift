import Foundation

/// One edit a copy of a product photo goes through on its way round the web (re-encoded, resized, cropped,
/// framed, turned, flipped, relit, blurred, captioned...): pixels in, pixels out, then written as a JPEG at
/// `quality`. Deterministic: the same image and `seed` give the same bytes.
public struct ImageTransform: Sendable {
    public let name: String
    /// The JPEG quality the copy is written at (95 unless the transform is the re-encoding itself).
    public let quality: Int
    let apply: @Sendable (RGBImage, UInt64) -> RGBImage

    public init(_ name: String, quality: Int = 95, apply: @escaping @Sendable (RGBImage, UInt64) -> RGBImage) {
        self.name = name
        self.quality = quality
        self.apply = apply
    }

    public func callAsFunction(_ image: RGBImage, seed: UInt64 = 1) -> RGBImage { apply(image, seed) }

    /// The suite of `lookalike robustness`.
    public static let standard: [ImageTransform] = [
        ImageTransform("jpeg-q90", quality: 90) { i, _ in i },
        ImageTransform("jpeg-q70", quality: 70) { i, _ in i },
        ImageTransform("jpeg-q50", quality: 50) { i, _ in i },
        ImageTransform("jpeg-q30", quality: 30) { i, _ in i },
        ImageTransform("downscale-0.5") { i, _ in scaled(i, 0.5) },
        ImageTransform("downscale-0.25") { i, _ in scaled(i, 0.25) },
        ImageTransform("crop-5%") { i, _ in crop(i, 0.05) },
        ImageTransform("crop-10%") { i, _ in crop(i, 0.10) },
        ImageTransform("crop-20%") { i, _ in crop(i, 0.20) },
        ImageTransform("border") { i, _ in border(i) },
        ImageTransform("letterbox") { i, _ in letterbox(i) },
        ImageTransform("rotate-5") { i, _ in rotate(i, degrees: 5) },
        ImageTransform("rotate-90") { i, _ in i.applying(.right) },
        ImageTransform("flip") { i, _ in i.applying(.upMirrored) },
        ImageTransform("brightness+25%") { i, _ in mapValues(i) { min(255, $0 * 1.25) } },
        ImageTransform("contrast-40%") { i, _ in mapValues(i) { 128 + ($0 - 128) * 0.6 } },
        ImageTransform("gamma-1.8") { i, _ in mapValues(i) { 255 * pow($0 / 255, 1.8) } },
        ImageTransform("blur") { i, _ in blur(i, radius: max(1, min(i.width, i.height) / 100)) },
        ImageTransform("noise") { i, seed in noise(i, sigma: 12, seed: seed) },
        ImageTransform("text") { i, _ in caption(i) },
        ImageTransform("logo") { i, _ in logo(i) },
        ImageTransform("aspect-1.3") { i, _ in resized(i, width: Int((Double(i.width) * 1.3).rounded()), height: i.height) },
    ]

    // MARK: geometry

    static func scaled(_ i: RGBImage, _ factor: Double) -> RGBImage {
        i.reduced(maxSide: max(1, Int((Double(max(i.width, i.height)) * factor).rounded())))
    }

    /// Keeps 1 - `share` of each side, the cut split unevenly (a person crops off-centre).
    static func crop(_ i: RGBImage, _ share: Double) -> RGBImage {
        let w = max(1, Int(Double(i.width) * (1 - share))), h = max(1, Int(Double(i.height) * (1 - share)))
        let x0 = (i.width - w) * 3 / 10, y0 = (i.height - h) * 6 / 10
        return i.window(x0: x0, y0: y0, width: w, height: h, fill: 255)
    }

    /// A white frame, 8% of the longer side, all round.
    static func border(_ i: RGBImage) -> RGBImage {
        let b = max(1, max(i.width, i.height) * 8 / 100)
        return i.window(x0: -b, y0: -b, width: i.width + 2 * b, height: i.height + 2 * b, fill: 255)
    }

    /// Black bars left and right to 16:9 (a photo shown in a video frame); an image already wider than that gets
    /// bars above and below, an eighth of its height each.
    static func letterbox(_ i: RGBImage) -> RGBImage {
        if i.width * 9 < i.height * 16 {
            let w = (i.height * 16 + 8) / 9
            return i.window(x0: -(w - i.width) / 2, y0: 0, width: w, height: i.height, fill: 0)
        }
        let bar = max(1, i.height / 8)
        return i.window(x0: 0, y0: -bar, width: i.width, height: i.height + 2 * bar, fill: 0)
    }

    /// Bilinear sample of channel c at (x, y) in pixel-centre coordinates; `fill` outside.
    static func sample(_ i: RGBImage, _ x: Double, _ y: Double, _ c: Int, fill: Double) -> Double {
        let fx = x - 0.5, fy = y - 0.5
        let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
        let ax = fx - Double(x0), ay = fy - Double(y0)
        func at(_ px: Int, _ py: Int) -> Double {
            guard px >= 0, py >= 0, px < i.width, py < i.height else { return fill }
            return Double(i.pixels[3 * (py * i.width + px) + c])
        }
        let top = at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax
        let bottom = at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax
        return top * (1 - ay) + bottom * ay
    }

    static func resized(_ i: RGBImage, width: Int, height: Int) -> RGBImage {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let sx = Double(i.width) / Double(width), sy = Double(i.height) / Double(height)
        for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            let v = sample(i, (Double(x) + 0.5) * sx, (Double(y) + 0.5) * sy, c, fill: 255)
            out[3 * (y * width + x) + c] = UInt8(max(0, min(255, v.rounded())))
        } } }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Turned about the centre on the same canvas; the corners that come in are white.
    static func rotate(_ i: RGBImage, degrees: Double) -> RGBImage {
        let a = degrees * .pi / 180, (s, co) = (sin(a), cos(a))
        let cx = Double(i.width) / 2, cy = Double(i.height) / 2
        var out = [UInt8](repeating: 0, count: i.pixels.count)
        for y in 0..<i.height { for x in 0..<i.width {
            let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
            let srcX = co * dx + s * dy + cx, srcY = -s * dx + co * dy + cy
            for c in 0..<3 {
                out[3 * (y * i.width + x) + c] = UInt8(max(0, min(255, sample(i, srcX, srcY, c, fill: 255).rounded())))
            }
        } }
        return RGBImage(width: i.width, height: i.height, pixels: out)
    }

    // MARK: tone and texture

    static func mapValues(_ i: RGBImage, _ f: (Double) -> Double) -> RGBImage {
        let table = (0..<256).map { UInt8(max(0, min(255, f(Double($0)).rounded()))) }
        return RGBImage(width: i.width, height: i.height, pixels: i.pixels.map { table[Int($0)] })
    }

    /// Three box blurs of `radius` (close to a Gaussian of sigma about `radius`).
    static func blur(_ i: RGBImage, radius: Int) -> RGBImage {
        var p = i.pixels.map(Double.init)
        func pass(horizontal: Bool) {
            let (n, lines) = horizontal ? (i.width, i.height) : (i.height, i.width)
            var line = [Double](repeating: 0, count: n)
            for l in 0..<lines { for c in 0..<3 {
                func index(_ k: Int) -> Int { 3 * (horizontal ? l * i.width + k : k * i.width + l) + c }
                for k in 0..<n { line[k] = p[index(k)] }
                for k in 0..<n {
                    var sum = 0.0
                    for d in -radius...radius { sum += line[max(0, min(n - 1, k + d))] }
                    p[index(k)] = sum / Double(2 * radius + 1)
                }
            } }
        }
        for _ in 0..<3 { pass(horizontal: true); pass(horizontal: false) }
        return RGBImage(width: i.width, height: i.height, pixels: p.map { UInt8(max(0, min(255, $0.rounded()))) })
    }

    /// Gaussian noise of `sigma` on every channel (Box-Muller over a seeded SplitMix64).
    static func noise(_ i: RGBImage, sigma: Double, seed: UInt64) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        func uniform() -> Double { (Double(rng.next() >> 11) + 0.5) / Double(1 << 53) }
        var out = i.pixels
        var k = 0
        while k < out.count {
            let r = (-2 * log(uniform())).squareRoot(), t = 2 * Double.pi * uniform()
            for (j, g) in [r * cos(t), r * sin(t)].enumerated() where k + j < out.count {
                out[k + j] = UInt8(max(0, min(255, (Double(out[k + j]) + sigma * g).rounded())))
            }
            k += 2
        }
        return RGBImage(width: i.width, height: i.height, pixels: out)
    }

    // MARK: overlays

    /// A white band across the lower part with "SALE -50%" in black block letters, as shops caption photos.
    static func caption(_ i: RGBImage) -> RGBImage {
        var out = i
        let text = "SALE -50%"
        let cell = max(1, min(i.width / (text.count * 6 + 2), i.height / 40))
        let bandHeight = cell * 9, top = i.height * 3 / 4
        for y in top..<min(i.height, top + bandHeight) { for x in 0..<i.width { paint(&out, x, y, (255, 255, 255), 0.85) } }
        var x0 = max(0, (i.width - text.count * 6 * cell) / 2)
        for ch in text {
            let glyph = Self.font[ch] ?? []
            for (row, bits) in glyph.enumerated() {
                for (col, bit) in bits.enumerated() where bit == "#" {
                    for dy in 0..<cell { for dx in 0..<cell {
                        paint(&out, x0 + col * cell + dx, top + cell + row * cell + dy, (20, 20, 20), 1)
                    } }
                }
            }
            x0 += 6 * cell
        }
        return out
    }

    /// A half-transparent round badge with a square in it, in the top right corner (a shop's watermark).
    static func logo(_ i: RGBImage) -> RGBImage {
        var out = i
        let r = max(2, min(i.width, i.height) * 9 / 100)
        let cx = i.width - r * 3 / 2, cy = r * 3 / 2
        for y in max(0, cy - r)..<min(i.height, cy + r) { for x in max(0, cx - r)..<min(i.width, cx + r) {
            let dx = x - cx, dy = y - cy
            guard dx * dx + dy * dy <= r * r else { continue }
            let inner = abs(dx) < r / 2 && abs(dy) < r / 2
            paint(&out, x, y, inner ? (255, 255, 255) : (200, 30, 60), 0.55)
        } }
        return out
    }

    static func paint(_ i: inout RGBImage, _ x: Int, _ y: Int, _ rgb: (UInt8, UInt8, UInt8), _ alpha: Double) {
        guard x >= 0, y >= 0, x < i.width, y < i.height else { return }
        let k = 3 * (y * i.width + x)
        for (c, v) in [rgb.0, rgb.1, rgb.2].enumerated() {
            i.pixels[k + c] = UInt8((Double(i.pixels[k + c]) * (1 - alpha) + Double(v) * alpha).rounded())
        }
    }

    /// 5x7 block letters for the caption.
    static let font: [Character: [String]] = [
        "S": [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
        "A": [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        "L": ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
        "E": ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
        "-": [".....", ".....", ".....", "#####", ".....", ".....", "....."],
        "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        "%": ["##..#", "##.#.", "...#.", "..#..", ".#...", ".#.##", "#..##"],
        " ": [],
    ]
}
