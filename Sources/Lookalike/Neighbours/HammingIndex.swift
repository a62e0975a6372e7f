/// Exact Hamming neighbour search over perceptual hashes of one size.
///
/// Radius queries on 64-bit codes use multi-index hashing (Norouzi et al., "Fast search in Hamming space with
/// multi-index hashing", CVPR 2012): the code is cut into m chunks; two codes within r bits agree within
/// floor(r / m) bits on at least one chunk (pigeonhole), so only codes sharing a nearby chunk value are
/// compared. Longer codes, small sets and large radii use the popcount brute force. Both return the same pairs.
public struct HammingIndex: NeighbourIndex {
    public let count: Int
    public let bitCount: Int
    /// Words per code, codes back to back.
    let wordsPerCode: Int
    let codes: [UInt64]
    let workers: Int

    public init(hashes: [PerceptualHash], workers: Int? = nil) {
        let bits = hashes.first?.bitCount ?? 64
        precondition(hashes.allSatisfy { $0.bitCount == bits }, "HammingIndex: hashes of different sizes")
        count = hashes.count
        bitCount = bits
        wordsPerCode = (bits + 63) / 64
        codes = hashes.flatMap(\.words)
        self.workers = workers ?? Parallel.defaultWorkers
    }

    public var metric: DistanceMetric { .hamming }

    public func distance(_ i: Int, _ j: Int) -> Float {
        var bits = 0
        for w in 0..<wordsPerCode { bits += (codes[i * wordsPerCode + w] ^ codes[j * wordsPerCode + w]).nonzeroBitCount }
        return Float(bits)
    }

    /// All pairs i < j within `radius` bits, sorted by (i, j).
    public func pairs(within radius: Float) -> [NeighbourPair] {
        let r = Int(radius.rounded(.down))
        guard r >= 0, count > 1 else { return [] }
        if wordsPerCode == 1 && count >= 4096 && r < 32 {
            return multiIndexPairs(within: r)
        }
        return bruteForcePairs(within: r)
    }

    /// The reference: every pair compared with hardware popcount.
    public func bruteForcePairs(within r: Int) -> [NeighbourPair] {
        let n = count
        let chunks = Parallel.mapChunks(count: n, workers: workers) { range -> [NeighbourPair] in
            var out: [NeighbourPair] = []
            if wordsPerCode == 1 {
                var index = [UInt32](repeating: 0, count: n)
                var distance = [UInt8](repeating: 0, count: n)
                codes.withUnsafeBufferPointer { c in
                    index.withUnsafeMutableBufferPointer { index in
                        distance.withUnsafeMutableBufferPointer { distance in
                            for i in range {
                                let found = NativeKernels.hammingWithin64(c, range: (i + 1)..<n, query: c[i], radius: r,
                                                                          indices: index, distances: distance)
                                for f in 0..<found { out.append(NeighbourPair(i: i, j: Int(index[f]), distance: Float(distance[f]))) }
                            }
                        }
                    }
                }
            } else {
                codes.withUnsafeBufferPointer { c in
                    let w = wordsPerCode
                    for i in range {
                        for j in (i + 1)..<n {
                            let d = NativeKernels.hamming(c.baseAddress! + i * w, c.baseAddress! + j * w, words: w)
                            if d <= r { out.append(NeighbourPair(i: i, j: j, distance: Float(d))) }
                        }
                    }
                }
            }
            return out
        }
        return chunks.flatMap { $0 }
    }

    /// For each item its k nearest others (ties by smaller index), by a full popcount scan per item.
    public func nearest(k: Int) -> [[Neighbour]] { nearest(k: k, progress: nil) }

    /// As `nearest(k:)`, advancing `progress` by one per item.
    public func nearest(k: Int, progress: WorkProgress?) -> [[Neighbour]] {
        let n = count
        let k = min(k, max(n - 1, 0))
        guard k > 0 else { return Array(repeating: [], count: n) }
        let maxDistance = bitCount
        progress?.start(total: n)
        let chunks = Parallel.mapChunks(count: n, workers: workers) { range -> [[Neighbour]] in
            var result: [[Neighbour]] = []
            result.reserveCapacity(range.count)
            codes.withUnsafeBufferPointer { c in
                if wordsPerCode == 1 {
                    // One byte a distance: the SIMD kernel's output for 64-bit codes.
                    var distances = [UInt8](repeating: 0, count: n)
                    for i in range {
                        distances.withUnsafeMutableBufferPointer { NativeKernels.hammingDistances64(c, query: c[i], into: $0) }
                        result.append(Self.nearest(k: k, of: i, distances, maxDistance: maxDistance))
                        if i % 256 == 255 { progress?.advance(by: 256) }
                    }
                } else {
                    // Longer codes reach 4,096 bits: two bytes a distance.
                    var distances = [UInt16](repeating: 0, count: n)
                    let w = wordsPerCode
                    for i in range {
                        for j in 0..<n { distances[j] = UInt16(NativeKernels.hamming(c.baseAddress! + i * w, c.baseAddress! + j * w, words: w)) }
                        result.append(Self.nearest(k: k, of: i, distances, maxDistance: maxDistance))
                        if i % 256 == 255 { progress?.advance(by: 256) }
                    }
                }
            }
            return result
        }
        return chunks.flatMap { $0 }
    }

    /// Item i's k nearest from its distances to every item: a counting select finds the smallest distance at
    /// which k others are reached, then the items are collected in order.
    static func nearest<D: BinaryInteger>(k: Int, of i: Int, _ distances: [D], maxDistance: Int) -> [Neighbour] {
        let n = distances.count
        var histogram = [Int](repeating: 0, count: maxDistance + 1)
        for j in 0..<n where j != i { histogram[Int(distances[j])] += 1 }
        var cut = 0, below = 0
        while below + histogram[cut] < k { below += histogram[cut]; cut += 1 }
        var takeAtCut = k - below
        var picked: [Neighbour] = []
        picked.reserveCapacity(k)
        for j in 0..<n where j != i {
            let d = Int(distances[j])
            if d < cut { picked.append(Neighbour(index: j, distance: Float(d))) }
            else if d == cut && takeAtCut > 0 {
                picked.append(Neighbour(index: j, distance: Float(d)))
                takeAtCut -= 1
            }
        }
        picked.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
        return picked
    }
}
