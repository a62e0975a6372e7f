import CLookalikeNative
import Foundation

extension HammingIndex {
    /// One chunk of the code: its bit range, and the items sorted by the chunk's value with bucket offsets.
    struct ChunkTable {
        var shift: UInt64
        var bits: Int
        var radius: Int
        var offsets: [UInt32]   // 2^bits + 1
        var items: [UInt32]     // item indices sorted by chunk value (stable: ascending index within a bucket)
        var sortedCodes: [UInt64]  // the codes in the same order: candidates are read contiguously
        var mask: UInt64 { (bits == 64 ? ~0 : (UInt64(1) << UInt64(bits)) - 1) << shift }
        func value(_ code: UInt64) -> Int { Int((code >> shift) & ((UInt64(1) << UInt64(bits)) - 1)) }
    }

    /// Chunk count: about log2(n) bits per chunk keeps buckets near one item each, so the work per query is
    /// the number of nearby keys, not n.
    static func chunkCount(items: Int, radius: Int) -> Int {
        let bitsWanted = max(8, min(24, Int(log2(Double(max(items, 2))).rounded())))
        return (64 + bitsWanted - 1) / bitsWanted
    }

    func multiIndexPairs(within r: Int) -> [NeighbourPair] {
        precondition(wordsPerCode == 1)
        let n = count
        let m = Self.chunkCount(items: n, radius: r)
        // Chunk c covers `bits[c]` bits; radii floor(r / m) each (pigeonhole: m * (floor(r/m) + 1) > r).
        var tables: [ChunkTable] = []
        var shift = 0
        for c in 0..<m {
            let bits = 64 / m + (c < 64 % m ? 1 : 0)
            tables.append(buildTable(shift: shift, bits: bits, radius: r / m))
            shift += bits
        }
        // Flip masks per chunk: every pattern of at most `radius` bits within the chunk's width.
        let flips = tables.map { Self.patterns(bits: $0.bits, maxWeight: $0.radius) }

        // Raw copies of the tables for the hot loop (no bounds checks or reference counting per candidate),
        // freed when the search returns.
        struct View { var offsets: UnsafePointer<UInt32>; var items: UnsafePointer<UInt32>; var codes: UnsafePointer<UInt64>
                      var shift: UInt64; var valueMask: UInt64; var mask: UInt64; var radius: Int; var flips: [Int] }
        func raw<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: a.count)
            _ = b.initialize(from: a)
            return b
        }
        let offsets = tables.map { raw($0.offsets) }, items = tables.map { raw($0.items) }
        let sorted = tables.map { raw($0.sortedCodes) }
        defer { (offsets + items).forEach { $0.deallocate() }; sorted.forEach { $0.deallocate() } }
        let views = tables.indices.map { c in
            View(offsets: UnsafePointer(offsets[c].baseAddress!), items: UnsafePointer(items[c].baseAddress!),
                 codes: UnsafePointer(sorted[c].baseAddress!), shift: tables[c].shift,
                 valueMask: (UInt64(1) << UInt64(tables[c].bits)) - 1, mask: tables[c].mask, radius: tables[c].radius,
                 flips: flips[c])
        }
        let chunks = (
            Parallel.mapChunks(count: n, workers: workers) { range -> [NeighbourPair] in
                var out: [NeighbourPair] = []
                var found: [(Int, UInt8)] = []
                codes.withUnsafeBufferPointer { code in
                    for i in range {
                        let q = code[i]
                        found.removeAll(keepingCapacity: true)
                        for c in 0..<views.count {
                            let v = views[c]
                            let qv = Int((q >> v.shift) & v.valueMask)
                            for flip in v.flips {
                                let key = qv ^ flip
                                let lo = Int(v.offsets[key]), hi = Int(v.offsets[key + 1])
                                if lo == hi { continue }
                                // Items in a bucket ascend by index: start past i (each pair once, as i < j).
                                var a = lo, b = hi
                                while a < b {
                                    let mid = (a + b) >> 1
                                    if Int(v.items[mid]) <= i { a = mid + 1 } else { b = mid }
                                }
                                var p = a
                                while p < hi {
                                    let x = q ^ v.codes[p]
                                    if x.nonzeroBitCount <= r {
                                        // Report the pair from the first chunk that finds it only.
                                        var seenEarlier = false
                                        var e = 0
                                        while e < c {
                                            if (x & views[e].mask).nonzeroBitCount <= views[e].radius { seenEarlier = true; break }
                                            e += 1
                                        }
                                        if !seenEarlier { found.append((Int(v.items[p]), UInt8(x.nonzeroBitCount))) }
                                    }
                                    p += 1
                                }
                            }
                        }
                        found.sort { $0.0 < $1.0 }
                        for (j, d) in found { out.append(NeighbourPair(i: i, j: j, distance: Float(d))) }
                    }
                }
                return out
            }
        )
        return chunks.flatMap { $0 }
    }

    private func buildTable(shift: Int, bits: Int, radius: Int) -> ChunkTable {
        var table = ChunkTable(shift: UInt64(shift), bits: bits, radius: radius, offsets: [], items: [], sortedCodes: [])
        let buckets = 1 << bits
        var counts = [UInt32](repeating: 0, count: buckets + 1)
        for i in 0..<count { counts[table.value(codes[i]) + 1] += 1 }
        for b in 0..<buckets { counts[b + 1] += counts[b] }
        var cursor = counts
        var items = [UInt32](repeating: 0, count: count)
        for i in 0..<count {
            let v = table.value(codes[i])
            items[Int(cursor[v])] = UInt32(i)
            cursor[v] += 1
        }
        table.offsets = counts
        table.items = items
        table.sortedCodes = items.map { codes[Int($0)] }
        return table
    }

    /// All values of `bits` bits with at most `maxWeight` bits set, lightest first.
    static func patterns(bits: Int, maxWeight: Int) -> [Int] {
        var result = [0]
        var frontier = [(value: 0, lowest: bits)]  // extend only below the lowest set bit: each pattern once
        for _ in 0..<min(maxWeight, bits) {
            var next: [(value: Int, lowest: Int)] = []
            for (value, lowest) in frontier {
                for b in 0..<lowest {
                    next.append((value | 1 << b, b))
                }
            }
            result += next.map(\.value)
            frontier = next
        }
        return result
    }
}
