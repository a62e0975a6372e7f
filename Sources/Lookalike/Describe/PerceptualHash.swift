/// A bit code from a perceptual hash. Bits keep imagehash's order (row-major, first bit most significant),
/// so `hex` equals `str(imagehash.ImageHash)` and `distance(to:)` equals imagehash's `a - b`.
public struct PerceptualHash: Sendable, Hashable, CustomStringConvertible {
    /// Number of meaningful bits.
    public let bitCount: Int
    /// Bits packed into words: bit i of the code is bit (63 - i % 64) of word i / 64; unused bits are 0.
    public let words: [UInt64]

    public init(bits: [Bool]) {
        bitCount = bits.count
        var words = [UInt64](repeating: 0, count: (bits.count + 63) / 64)
        for (i, bit) in bits.enumerated() where bit {
            words[i / 64] |= 1 << UInt64(63 - i % 64)
        }
        self.words = words
    }

    /// Parses imagehash's hex form back into a code of `bitCount` bits (`hex_to_hash` semantics).
    public init?(hex: String, bitCount: Int) {
        let digits = Array(hex.lowercased())
        guard digits.count == (bitCount + 3) / 4 else { return nil }
        var bits: [Bool] = []
        bits.reserveCapacity(digits.count * 4)
        for d in digits {
            guard let v = d.hexDigitValue else { return nil }
            for shift in stride(from: 3, through: 0, by: -1) { bits.append(v >> shift & 1 == 1) }
        }
        let extra = bits.count - bitCount
        guard bits.prefix(extra).allSatisfy({ !$0 }) else { return nil }
        self.init(bits: Array(bits.dropFirst(extra)))
    }

    public var bits: [Bool] {
        (0..<bitCount).map { words[$0 / 64] >> UInt64(63 - $0 % 64) & 1 == 1 }
    }

    /// imagehash's hex: the bit string as one big-endian number, zero-padded to ceil(bits / 4) digits.
    public var hex: String {
        let b = bits
        let padded = [Bool](repeating: false, count: (4 - b.count % 4) % 4) + b
        let digits = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(padded.count / 4)
        for i in stride(from: 0, to: padded.count, by: 4) {
            var v = 0
            for j in 0..<4 where padded[i + j] { v |= 1 << (3 - j) }
            s.append(digits[v])
        }
        return s
    }

    public var description: String { hex }

    /// Number of differing bits (hardware popcount where the CPU has it).
    public func distance(to other: PerceptualHash) -> Int {
        precondition(bitCount == other.bitCount, "comparing hashes of \(bitCount) and \(other.bitCount) bits")
        guard !words.isEmpty else { return 0 }
        return words.withUnsafeBufferPointer { a in
            other.words.withUnsafeBufferPointer { b in
                NativeKernels.hamming(a.baseAddress!, b.baseAddress!, words: a.count)
            }
        }
    }
}
