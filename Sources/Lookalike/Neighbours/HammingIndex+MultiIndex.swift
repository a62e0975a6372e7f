import Foundation

extension HammingIndex {
    /// About log2(n) bits per chunk keeps buckets near a handful of items each.
    static func chunkCount(items: Int, radius: Int) -> Int {
        let bitsWanted = max(8, min(24, Int(log2(Double(max(items, 2))).rounded())))
        return (64 + bitsWanted - 1) / bitsWanted
    }

    /// One chunk of the code: items sorted by the chunk's value (then by index), with bucket offsets.
    final class ChunkTable {
        let shift: Int
        let bits: Int
        let radius: Int
        let offsets: UnsafeMutableBufferPointer<UInt32>   // 2^bits + 1
        let entries: UnsafeMutableBufferPointer<NativeKernels.MIHEntry>
        let flips: [Int32]

        init(codes: [UInt64], shift: Int, bits: Int, radius: Int) {
            self.shift = shift
            self.bits = bits
            self.radius = radius
            let buckets = 1 << bits
            let valueMask = (UInt64(1) << UInt64(bits)) - 1
            offsets = .allocate(capacity: buckets + 1)
            offsets.initialize(repeating: 0)
            for code in codes { offsets[Int((code >> UInt64(shift)) & valueMask) + 1] += 1 }
            for b in 0..<buckets { offsets[b + 1] += offsets[b] }
            var cursor = Array(offsets.prefix(buckets))
            entries = .allocate(capacity: codes.count)
            for (i, code) in codes.enumerated() {  // ascending i: each bucket ends up sorted by item
                let v = Int((code >> UInt64(shift)) & valueMask)
                entries[Int(cursor[v])] = NativeKernels.mihEntry(code: code, item: i)
                cursor[v] += 1
            }
            flips = HammingIndex.patterns(bits: bits, maxWeight: radius).map(Int32.init)
        }

        deinit {
            offsets.deallocate()
            entries.deallocate()
        }
    }

    func multiIndexPairs(within r: Int) -> [NeighbourPair] {
        precondition(wordsPerCode == 1)
        let n = count
        let m = Self.chunkCount(items: n, radius: r)
        // Chunk c covers 64/m bits (the first 64 % m get one more); radius floor(r / m) each, since
        // m * (floor(r / m) + 1) > r: two codes within r agree within floor(r / m) on some chunk.
        var tables: [ChunkTable] = []
        var shift = 0
        for c in 0..<m {
            let bits = 64 / m + (c < 64 % m ? 1 : 0)
            tables.append(ChunkTable(codes: codes, shift: shift, bits: bits, radius: r / m))
            shift += bits
        }
        return withExtendedLifetime(tables) {
            tables.map { $0.flips }.withUnsafeBufferPointers { flipPointers in
                let query = NativeKernels.MIHQuery(tables.enumerated().map { c, t in
                    NativeKernels.MIHChunk(offsets: UnsafePointer(t.offsets.baseAddress!), entries: UnsafePointer(t.entries.baseAddress!),
                                           flips: flipPointers[c]!, flipCount: t.flips.count, shift: t.shift, bits: t.bits,
                                           radius: t.radius)
                })
                // Chunk by chunk, queries in the order of that chunk's table: neighbouring queries probe the
                // same buckets, which stay in cache. Pairs are sorted once at the end.
                var all: [NeighbourPair] = []
                for c in 0..<m {
                    let table = tables[c]
                    let results = Parallel.mapChunks(count: n, workers: workers) { range -> [NeighbourPair] in
                        var out: [NeighbourPair] = []
                        var index = [UInt32](repeating: 0, count: n)
                        var distance = [UInt8](repeating: 0, count: n)
                        for p in range {
                            let e = table.entries[p]
                            let found = query(first: c, end: c + 1, code: e.code, item: e.item, radius: r,
                                              indices: &index, distances: &distance)
                            for f in 0..<found {
                                out.append(NeighbourPair(i: Int(e.item), j: Int(index[f]), distance: Float(distance[f])))
                            }
                        }
                        return out
                    }
                    for part in results { all += part }
                }
                all.sort { ($0.i, $0.j) < ($1.i, $1.j) }
                return all
            }
        }
    }

    /// All values of `bits` bits with at most `maxWeight` bits set, lightest first.
    static func patterns(bits: Int, maxWeight: Int) -> [Int] {
        var result = [0]
        var frontier = [(value: 0, lowest: bits)]  // extend only below the lowest set bit: each pattern once
        for _ in 0..<min(maxWeight, bits) {
            var next: [(value: Int, lowest: Int)] = []
            for (value, lowest) in frontier {
                for b in 0..<lowest { next.append((value | 1 << b, b)) }
            }
            result += next.map(\.value)
            frontier = next
        }
        return result
    }
}

extension Array where Element == [Int32] {
    /// Pointers to each inner array's storage, valid inside `body`.
    func withUnsafeBufferPointers<R>(_ body: ([UnsafePointer<Int32>?]) -> R) -> R {
        func recurse(_ i: Int, _ acc: [UnsafePointer<Int32>?]) -> R {
            if i == count { return body(acc) }
            return self[i].withUnsafeBufferPointer { recurse(i + 1, acc + [$0.baseAddress]) }
        }
        return recurse(0, [])
    }
}
