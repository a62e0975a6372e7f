/// The three imagehash 4.3 hashes over an already-converted luminance image. Each is imagehash's function
/// step for step: Lanczos resize (Pillow's arithmetic), then compare.
public enum HashFunctions {
    /// `imagehash.average_hash`: pixels brighter than the mean of the size x size thumbnail.
    public static func averageHash(_ gray: GrayImage, size: Int = 8) -> PerceptualHash {
        let small = PillowResampler.resize(gray, width: size, height: size)
        // pixel > sum / n, in integers: the same outcome as numpy's float mean for any 8-bit input.
        let sum = small.pixels.reduce(0) { $0 + Int($1) }
        let n = small.pixels.count
        return PerceptualHash(bits: small.pixels.map { Int($0) * n > sum })
    }

    /// `imagehash.dhash`: each pixel of a (size+1) x size thumbnail against its left neighbour.
    public static func differenceHash(_ gray: GrayImage, size: Int = 8) -> PerceptualHash {
        let small = PillowResampler.resize(gray, width: size + 1, height: size)
        var bits: [Bool] = []
        bits.reserveCapacity(size * size)
        for y in 0..<size {
            for x in 0..<size { bits.append(small[x + 1, y] > small[x, y]) }
        }
        return PerceptualHash(bits: bits)
    }

    /// `imagehash.phash`: DCT of a (4*size)^2 thumbnail; low-frequency block against its median.
    public static func dctHash(_ gray: GrayImage, size: Int = 8, highFrequencyFactor: Int = 4) -> PerceptualHash {
        let n = size * highFrequencyFactor
        let small = PillowResampler.resize(gray, width: n, height: n)
        var coefficients = [Double](repeating: 0, count: n * n)
        DCT2D.shared(size: n).transform(small.pixels.map(Double.init), into: &coefficients)
        var low: [Double] = []
        low.reserveCapacity(size * size)
        for y in 0..<size {
            for x in 0..<size { low.append(coefficients[y * n + x]) }
        }
        let sorted = low.sorted()
        let m = sorted.count
        let median = m % 2 == 1 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2
        return PerceptualHash(bits: low.map { $0 > median })
    }
}
