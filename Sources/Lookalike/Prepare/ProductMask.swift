/// Which pixels of a (reduced) RGB image show the product: not background, not skin.
///
/// Background: a colour model of the image's border (up to three modes found by k-means on border pixels), then a
/// flood fill from the border that takes a pixel when it is close to a background mode, or close to an adjacent
/// background pixel while still loosely near a mode (so gradients are followed but edges stop the fill). When the
/// border is not a backdrop (a shop shelf: its modes explain too little of it), the method gives up gracefully:
/// only a thin margin counts as background and the centre is kept.
///
/// Skin: the explicit RGB rule of Kovač, Peer and Solina ("Human skin colour clustering for face detection",
/// EUROCON 2003) intersected with the YCbCr box of Chai and Ngan ("Face segmentation using skin-color map",
/// IEEE TCSVT 1999), cleaned by a 3x3 opening. Skin-coloured garments are the known hard case; the damage is
/// limited by removing skin only from parts of the foreground that are small next to it: a skin region larger
/// than 35% of the foreground, or skin covering more than 30% of it in all, is taken to be the product and kept.
public struct ProductMask: Sendable {
    public enum Label: UInt8, Sendable { case product = 0, background = 1, skin = 2 }

    public let width: Int
    public let height: Int
    public let labels: [Label]
    /// False when the border looked like a scene, not a backdrop, and only a margin was removed.
    public let backdropFound: Bool

    public var productCount: Int { labels.reduce(0) { $0 + ($1 == .product ? 1 : 0) } }

    /// Bounding box of the product pixels (x, y, width, height), or the whole image when there are none.
    public var boundingBox: (x: Int, y: Int, width: Int, height: Int) {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height {
            for x in 0..<width where labels[y * width + x] == .product {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        return x1 < 0 ? (0, 0, width, height) : (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
    }

    public init(width: Int, height: Int, labels: [Label], backdropFound: Bool) {
        self.width = width
        self.height = height
        self.labels = labels
        self.backdropFound = backdropFound
    }

    public init(_ image: RGBImage) {
        let (background, found) = Self.background(image)
        var labels = background.map { $0 ? Label.background : Label.product }
        Self.removeSkin(image, labels: &labels)
        self.init(width: image.width, height: image.height, labels: labels, backdropFound: found)
    }

    // MARK: Background

    static func lab(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> SIMD3<Float> {
        ColourSpace.lab(r: p[3 * i], g: p[3 * i + 1], b: p[3 * i + 2])
    }

    static func background(_ image: RGBImage) -> ([Bool], Bool) {
        let w = image.width, h = image.height, n = w * h
        guard w >= 4, h >= 4 else { return (Array(repeating: false, count: n), false) }
        let ring = max(1, min(w, h) / 50)
        var border: [Int] = []
        for y in 0..<h {
            for x in 0..<w where x < ring || y < ring || x >= w - ring || y >= h - ring { border.append(y * w + x) }
        }
        let labs = image.pixels.withUnsafeBufferPointer { p in (0..<n).map { lab(p, $0) } }
        do {
            let colours = border.map { labs[$0] }
            let modes = kMeans(colours, k: 3)
            // A backdrop: most border pixels lie close to one of its modes.
            let near: Float = 12
            let explained = colours.filter { c in modes.contains { distance(c, $0) < near } }.count
            let isBackdrop = Float(explained) >= 0.8 * Float(colours.count)
            var background = [Bool](repeating: false, count: n)
            guard isBackdrop else {
                // Give up gracefully: a 4% margin only; the centre is kept.
                let margin = max(1, min(w, h) / 25)
                for y in 0..<h { for x in 0..<w where x < margin || y < margin || x >= w - margin || y >= h - margin {
                    background[y * w + x] = true
                } }
                return (background, false)
            }
            let strict: Float = 10, loose: Float = 28, step: Float = 4
            var queue: [Int] = []
            for i in border where modes.contains(where: { distance(labs[i], $0) < loose }) {
                background[i] = true
                queue.append(i)
            }
            var head = 0
            while head < queue.count {
                let i = queue[head]; head += 1
                let x = i % w, y = i / w
                let here = labs[i]
                for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, ny >= 0, nx < w, ny < h else { continue }
                    let j = ny * w + nx
                    if background[j] { continue }
                    let c = labs[j]
                    let toModel = modes.map { distance(c, $0) }.min()!
                    if toModel < strict || (distance(c, here) < step && toModel < loose) {
                        background[j] = true
                        queue.append(j)
                    }
                }
            }
            return (background, true)
        }
    }

    static func distance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
        let d = a - b
        return (d * d).sum().squareRoot()
    }

    /// Deterministic k-means (farthest-point start), a few iterations: the border's colour modes.
    static func kMeans(_ points: [SIMD3<Float>], k: Int) -> [SIMD3<Float>] {
        guard !points.isEmpty else { return [] }
        var centres = [points[0]]
        while centres.count < k {
            let far = points.max { a, b in centres.map { distance(a, $0) }.min()! < centres.map { distance(b, $0) }.min()! }!
            if centres.map({ distance(far, $0) }).min()! < 1 { break }
            centres.append(far)
        }
        for _ in 0..<8 {
            var sums = [SIMD3<Float>](repeating: .zero, count: centres.count)
            var counts = [Int](repeating: 0, count: centres.count)
            for p in points {
                let c = centres.indices.min { distance(p, centres[$0]) < distance(p, centres[$1]) }!
                sums[c] += p; counts[c] += 1
            }
            for c in centres.indices where counts[c] > 0 { centres[c] = sums[c] / Float(counts[c]) }
        }
        return centres
    }

    // MARK: Skin

    /// Kovač et al. (daylight rule) and Chai & Ngan's Cb/Cr box, both required.
    static func isSkin(r: Int, g: Int, b: Int) -> Bool {
        let mx = max(r, g, b), mn = min(r, g, b)
        guard r > 95, g > 40, b > 20, mx - mn > 15, abs(r - g) > 15, r > g, r > b else { return false }
        let cb = 128 + (-37.797 * Double(r) - 74.203 * Double(g) + 112 * Double(b)) / 255
        let cr = 128 + (112 * Double(r) - 93.786 * Double(g) - 18.214 * Double(b)) / 255
        return (77...127).contains(cb) && (133...173).contains(cr)
    }

    static func removeSkin(_ image: RGBImage, labels: inout [Label]) {
        let w = image.width, h = image.height, n = w * h
        var skin = [Bool](repeating: false, count: n)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n where labels[i] == .product {
                skin[i] = isSkin(r: Int(p[3 * i]), g: Int(p[3 * i + 1]), b: Int(p[3 * i + 2]))
            }
        }
        skin = Morphology.open(skin, width: w, height: h)
        let foreground = labels.filter { $0 == .product }.count
        guard foreground > 0 else { return }
        let total = skin.filter { $0 }.count
        // Skin on a model is a face, a neck, arms: a modest share. More than that is a skin-coloured product
        // (often broken into many small patches by its print), and removing it would destroy the descriptor.
        if Double(total) > 0.3 * Double(foreground) { return }
        for region in Morphology.components(skin, width: w, height: h) where Double(region.count) <= 0.35 * Double(foreground) {
            for i in region { labels[i] = .skin }
        }
    }
}

/// Binary morphology and connected components on small masks.
enum Morphology {
    static func erode(_ m: [Bool], width w: Int, height h: Int) -> [Bool] {
        var out = m
        for y in 0..<h { for x in 0..<w where m[y * w + x] {
            outer: for dy in -1...1 { for dx in -1...1 {
                let nx = x + dx, ny = y + dy
                if nx < 0 || ny < 0 || nx >= w || ny >= h || !m[ny * w + nx] { out[y * w + x] = false; break outer }
            } }
        } }
        return out
    }

    static func dilate(_ m: [Bool], width w: Int, height h: Int) -> [Bool] {
        var out = m
        for y in 0..<h { for x in 0..<w where m[y * w + x] {
            for dy in -1...1 { for dx in -1...1 {
                let nx = x + dx, ny = y + dy
                if nx >= 0, ny >= 0, nx < w, ny < h { out[ny * w + nx] = true }
            } }
        } }
        return out
    }

    static func open(_ m: [Bool], width: Int, height: Int) -> [Bool] {
        dilate(erode(m, width: width, height: height), width: width, height: height)
    }

    /// 4-connected components of the set pixels.
    static func components(_ m: [Bool], width w: Int, height h: Int) -> [[Int]] {
        var seen = [Bool](repeating: false, count: m.count)
        var out: [[Int]] = []
        for start in m.indices where m[start] && !seen[start] {
            var region = [start]
            seen[start] = true
            var head = 0
            while head < region.count {
                let i = region[head]; head += 1
                let x = i % w, y = i / w
                for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] where nx >= 0 && ny >= 0 && nx < w && ny < h {
                    let j = ny * w + nx
                    if m[j] && !seen[j] { seen[j] = true; region.append(j) }
                }
            }
            out.append(region)
        }
        return out
    }
}

/// sRGB (D65) to CIE L*a*b*, for colour distances that follow perception.
enum ColourSpace {
    static let linear: [Float] = (0..<256).map { v in
        let c = Float(v) / 255
        return c <= 0.04045 ? c / 12.92 : Float(pow(Double((c + 0.055) / 1.055), 2.4))
    }

    static func lab(r: UInt8, g: UInt8, b: UInt8) -> SIMD3<Float> {
        let rl = linear[Int(r)], gl = linear[Int(g)], bl = linear[Int(b)]
        let x = (0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl) / 0.95047
        let y = 0.2126729 * rl + 0.7151522 * gl + 0.0721750 * bl
        let z = (0.0193339 * rl + 0.1191920 * gl + 0.9503041 * bl) / 1.08883
        func f(_ t: Float) -> Float { t > 0.008856 ? Float(cbrt(Double(t))) : 7.787 * t + 16.0 / 116 }
        let fx = f(x), fy = f(y), fz = f(z)
        return SIMD3(116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }
}

#if canImport(Glibc)
import Glibc
#endif
