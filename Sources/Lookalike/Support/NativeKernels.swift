import CLookalikeNative

/// The hot loops of `CLookalikeNative` (kernels.c, compiled for several ISAs and picked at run time) with typed
/// Swift signatures: the only file outside the decoders' and the network's wrappers that calls our C.
enum NativeKernels {
    /// Pillow's RGB -> L on `count` pixels.
    static func rgbToLuma(_ rgb: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(rgb.count >= 3 * out.count)
        lk_rgb_to_luma(rgb.baseAddress, out.baseAddress, out.count)
    }

    /// Pillow's 8-bit horizontal resampling pass over rows `rows` of an image `stride` pixels wide, into rows of
    /// `width` pixels; `weights` holds `ksize` fixed-point weights per output pixel, `bounds` (first, count) pairs.
    static func resampleHorizontal(_ input: UnsafeBufferPointer<UInt8>, stride: Int, rows: Range<Int>,
                                   into out: UnsafeMutableBufferPointer<UInt8>, width: Int,
                                   weights: [Int32], ksize: Int, bounds: [Int32]) {
        precondition(out.count >= width * rows.count && input.count >= stride * rows.upperBound)
        lk_resample_horizontal(input.baseAddress, stride, Int32(rows.lowerBound), Int32(rows.count),
                               out.baseAddress, Int32(width), weights, Int32(ksize), bounds)
    }

    /// Pillow's 8-bit vertical pass: `height` output rows of `width` pixels.
    static func resampleVertical(_ input: UnsafeBufferPointer<UInt8>, stride: Int, width: Int,
                                 into out: UnsafeMutableBufferPointer<UInt8>, height: Int,
                                 weights: [Int32], ksize: Int, bounds: [Int32]) {
        precondition(out.count >= width * height)
        lk_resample_vertical(input.baseAddress, stride, Int32(width), out.baseAddress, Int32(height),
                             weights, Int32(ksize), bounds)
    }

    /// Box reduction of a `width` x `height` RGB image to `w` x `h` (each pixel its block's truncated mean; block
    /// edges at `i * size / count`, at least one pixel).
    static func boxReduceRGB(_ pixels: [UInt8], width: Int, height: Int, w: Int, h: Int) -> [UInt8] {
        precondition(pixels.count >= width * height * 3 && w <= width && h <= height && w > 0 && h > 0)
        var columns = [Int32](repeating: 0, count: 2 * w)
        for x in 0..<w {
            let x0 = x * width / w
            columns[2 * x] = Int32(x0)
            columns[2 * x + 1] = Int32(max(x0 + 1, (x + 1) * width / w))
        }
        var sums = [UInt32](repeating: 0, count: width * 3)
        return [UInt8](unsafeUninitializedCapacity: w * h * 3) { out, count in
            lk_box_reduce_rgb(pixels, Int32(width), Int32(height), out.baseAddress, Int32(w), Int32(h), &sums, columns)
            count = w * h * 3
        }
    }

    /// Hamming distance of two codes of `words` 64-bit words.
    static func hamming(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, words: Int) -> Int {
        Int(lk_hamming(a, b, words))
    }

    /// Hamming distance from `query` to each 64-bit code.
    static func hammingDistances64(_ codes: UnsafeBufferPointer<UInt64>, query: UInt64,
                                   into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count >= codes.count)
        lk_hamming_distances64(codes.baseAddress, codes.count, query, out.baseAddress)
    }

    /// Indices j in `range` with popcount(codes[j] ^ query) <= radius, written to `indices` and `distances`
    /// (room for `range.count` each); returns how many.
    static func hammingWithin64(_ codes: UnsafeBufferPointer<UInt64>, range: Range<Int>, query: UInt64, radius: Int,
                                indices: UnsafeMutableBufferPointer<UInt32>,
                                distances: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(range.upperBound <= codes.count && indices.count >= range.count && distances.count >= range.count)
        return lk_hamming_within64(codes.baseAddress, range.lowerBound, range.upperBound, query, Int32(radius),
                                   indices.baseAddress, distances.baseAddress)
    }

    /// One bucket entry of a multi-index table: a code and its item.
    typealias MIHEntry = lk_mih_entry

    static func mihEntry(code: UInt64, item: Int) -> MIHEntry { lk_mih_entry(code: code, item: UInt32(item), pad: 0) }

    /// One chunk table as the query kernel reads it; the buffers must outlive every query.
    struct MIHChunk {
        let offsets: UnsafePointer<UInt32>
        let entries: UnsafePointer<MIHEntry>
        let flips: UnsafePointer<Int32>
        let flipCount: Int
        let shift: Int
        let bits: Int
        let radius: Int
    }

    /// The chunk tables in the kernel's own layout, made once for every query of a search.
    final class MIHQuery {
        private let native: UnsafeMutableBufferPointer<lk_mih_chunk>

        init(_ chunks: [MIHChunk]) {
            native = .allocate(capacity: chunks.count)
            for (n, c) in chunks.enumerated() {
                let valueMask = (UInt64(1) << UInt64(c.bits)) - 1
                native[n] = lk_mih_chunk(offsets: c.offsets, entries: c.entries, flips: c.flips, flip_count: Int32(c.flipCount),
                                         shift: Int32(c.shift), value_mask: valueMask, mask: valueMask << UInt64(c.shift),
                                         radius: Int32(c.radius))
            }
        }

        deinit { native.deallocate() }

        /// Items j > `item` within `radius` of `code` found through chunks [first, end), each pair reported by
        /// the first chunk that can find it; outputs need room for every item. Returns how many.
        func callAsFunction(first: Int, end: Int, code: UInt64, item: UInt32, radius: Int,
                            indices: UnsafeMutablePointer<UInt32>, distances: UnsafeMutablePointer<UInt8>) -> Int {
            lk_mih_query(native.baseAddress, Int32(first), Int32(end), code, item, Int32(radius), indices, distances)
        }
    }

    /// ORB's pyramid source (`lk_u8_transposed_f32`): the image as floats, column by column.
    static func transposedFloats(_ image: GrayImage) -> [Float] {
        var out = [Float](repeating: 0, count: image.width * image.height)
        lk_u8_transposed_f32(image.pixels, Int32(image.width), Int32(image.height), &out)
        return out
    }

    /// Area averaging (`lk_area_resize`) of an image given by `transposedFloats`, rows then columns.
    static func areaResize(transposed: [Float], width w: Int, height h: Int, columns: Footprints, rows: Footprints,
                           toWidth width: Int, height: Int) -> GrayImage {
        precondition(transposed.count == w * h && columns.first.count == width && rows.first.count == height)
        let cf = columns.first.map { Int32($0) }, cs = columns.start.map { Int32($0) }
        let rf = rows.first.map { Int32($0) }, rs = rows.start.map { Int32($0) }
        // Every byte of `out` and every scratch float read is written first by C.
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: 2 * h * width)
        defer { scratch.deallocate() }
        let out = [UInt8](unsafeUninitializedCapacity: width * height) { buffer, count in
            lk_area_resize(transposed, Int32(h), Int32(width), Int32(height), cf, cs, columns.weights,
                           rf, rs, rows.weights, scratch.baseAddress, scratch.baseAddress! + h * width, buffer.baseAddress)
            count = width * height
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// FAST-9 corners after 3 x 3 non-maximum suppression (`lk_fast_corners`): pixel indices in raster order
    /// and their scores.
    static func fastCorners(_ image: GrayImage, threshold: Int, margin: Int, ring: [Int32]) -> (at: [Int32], scores: [UInt8]) {
        var scores = [UInt8](repeating: 0, count: image.width * image.height)
        // Zeroed and 8 bytes longer than a row: C reads the row's test results 8 at a time.
        var arcs = [UInt8](repeating: 0, count: image.width + 8)
        let found = [Int32](unsafeUninitializedCapacity: image.width * image.height) { buffer, count in
            count = lk_fast_corners(image.pixels, Int32(image.width), Int32(image.height), Int32(margin), Int32(threshold),
                                    ring, &scores, &arcs, buffer.baseAddress)
        }
        return (found, scores)
    }

    /// Harris responses (`lk_harris`) at pixel indices at least 4 from every edge.
    static func harris(_ image: GrayImage, at: [Int32], k: Double) -> [Double] {
        var out = [Double](repeating: 0, count: at.count)
        lk_harris(image.pixels, Int32(image.width), at, at.count, k, &out)
        return out
    }

    /// Intensity-centroid angles (`lk_orb_orientation`) over a disc of `halfWidths` around each index.
    static func orbOrientation(_ image: GrayImage, at: [Int32], halfWidths: [Int32]) -> [Double] {
        var out = [Double](repeating: 0, count: at.count)
        lk_orb_orientation(image.pixels, Int32(image.width), at, at.count, halfWidths, Int32(halfWidths.count - 1), &out)
        return out
    }

    /// ORB's 5 x 5 binomial blur (`lk_orb_blur`).
    static func orbBlur(_ image: GrayImage) -> GrayImage {
        var across = [UInt16](repeating: 0, count: image.width * image.height)
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        lk_orb_blur(image.pixels, Int32(image.width), Int32(image.height), &across, &out)
        return GrayImage(width: image.width, height: image.height, pixels: out)
    }

    /// Rotated BRIEF (`lk_orb_describe`): `pattern` holds 256 x 4 offsets per angle step; 4 words per keypoint.
    static func orbDescribe(_ smooth: GrayImage, at: [Int32], steps: [Int32], pattern: [Int8]) -> [UInt64] {
        precondition(at.count == steps.count)
        var out = [UInt64](repeating: 0, count: 4 * at.count)
        lk_orb_describe(smooth.pixels, Int32(smooth.width), at, steps, at.count, pattern, &out)
        return out
    }

    /// ORB descriptors' nearest neighbours both ways in one pass over the distances (`lk_orb_nearest`): `words`
    /// hold 4 words per descriptor.
    static func orbNearest(from: [UInt64], to: [UInt64]) -> (forward: [(best: Int, bestDistance: Int, secondDistance: Int)],
                                                               backward: [Int]) {
        let n = from.count / 4, m = to.count / 4
        var best = [Int32](repeating: 0, count: n), first = best, second = best
        var backBest = [Int32](repeating: 0, count: m), backDistance = backBest
        lk_orb_nearest(from, n, to, m, &best, &first, &second, &backBest, &backDistance)
        return ((0..<n).map { (Int(best[$0]), Int(first[$0]), Int(second[$0])) }, backBest.map { Int($0) })
    }
}
