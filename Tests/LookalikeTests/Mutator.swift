import Foundation
import Lookalike

/// A damaged copy of a fixture: which file it came from, what was done to it, and its bytes.
struct Mutant {
    let source: String
    let kind: String
    let bytes: [UInt8]
}

/// A segment-aware mutator of JPEG and PNG files, deterministic for a seed (SplitMix64): bit flips,
/// truncation at every segment or chunk boundary, huge and zero length and dimension fields, duplicated,
/// missing and reordered segments and chunks, zeroed headers, bad table indices, hostile EXIF, splices.
/// PNG mutants come both with their CRCs broken and fixed, so libpng reads on to the checks behind its own.
/// Used by `DecoderFuzzTests` and to write the libFuzzer seed corpus (Benchmarks/fuzz.sh).
struct Mutator {
    struct Source {
        let name: String
        let bytes: [UInt8]
        var isPNG: Bool { bytes.starts(with: PNGLayout.signature) }
    }

    let sources: [Source]
    var rng: SplitMix64

    init(sources: [Source], seed: UInt64) {
        precondition(!sources.isEmpty)
        self.sources = sources
        rng = SplitMix64(seed: seed)
    }

    /// The mutants that need no chance: every source cut at every segment or chunk boundary and a few bytes
    /// into each, and every length-bearing header segment with its length field set huge and zero.
    func systematic() -> [Mutant] {
        var out: [Mutant] = []
        for source in sources {
            let b = source.bytes
            var cuts: [Int] = []
            var lengthFields: [Int] = []
            if source.isPNG {
                for chunk in PNGLayout.chunks(b) {
                    cuts += [chunk.start, chunk.start + 4, chunk.start + 8, chunk.dataStart + chunk.length / 2, chunk.end - 1]
                    lengthFields.append(chunk.start)
                }
            } else {
                for segment in JPEGLayout.segments(b) {
                    cuts += [segment.start, segment.start + 1, segment.start + 3, (segment.start + segment.end) / 2]
                    if segment.hasLength && segment.marker != 0xDA { lengthFields.append(segment.start + 2) }
                }
            }
            for cut in Set(cuts).sorted() where cut > 0 && cut < b.count {
                out.append(Mutant(source: source.name, kind: "truncate", bytes: Array(b[..<cut])))
            }
            for at in lengthFields {
                for (name, value) in [("huge", UInt32.max), ("zero", 0)] {
                    var m = b
                    if source.isPNG { m.put32(at, value) } else { m.put16(at, UInt16(truncatingIfNeeded: value)) }
                    out.append(Mutant(source: source.name, kind: "length-\(name)", bytes: m))
                }
            }
        }
        return out
    }

    /// One random mutant of a random source.
    mutating func next() -> Mutant {
        let source = sources[rng.below(sources.count)]
        var kinds: [String] = []
        var bytes = source.bytes
        // Mostly one mutation; sometimes a chain of two or three.
        let steps = rng.below(6) == 0 ? 2 + rng.below(2) : 1
        for _ in 0..<steps {
            let (kind, mutated) = source.isPNG ? mutatePNG(bytes) : mutateJPEG(bytes)
            kinds.append(kind)
            bytes = mutated
        }
        return Mutant(source: source.name, kind: kinds.joined(separator: "+"), bytes: bytes)
    }

    // MARK: JPEG

    static let sofMarkers: Set<UInt8> = [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]

    mutating func mutateJPEG(_ b: [UInt8]) -> (String, [UInt8]) {
        let segments = JPEGLayout.segments(b)
        func first(_ marker: UInt8) -> JPEGLayout.Segment? { segments.first { $0.marker == marker } }
        let sof = segments.first { Self.sofMarkers.contains($0.marker) }
        let sos = first(0xDA)
        let headers = segments.filter { $0.hasLength && $0.marker != 0xDA }
        var m = b
        switch rng.below(22) {
        case 0, 1:
            flipBits(&m, from: 2, count: 1 + rng.below(16))
            return ("bitflip", m)
        case 2:
            // Bit flips in the headers only, where parsing decides.
            guard let sos else { break }
            flipBits(&m, from: 2, to: sos.start + 12, count: 1 + rng.below(4))
            return ("bitflip-header", m)
        case 3:
            for _ in 0..<(1 + rng.below(4)) { m[2 + rng.below(m.count - 2)] = interestingByte() }
            return ("byte-interesting", m)
        case 4:
            guard let s = pick(headers) else { break }
            m.put16(s.start + 2, UInt16(truncatingIfNeeded: interestingLength(s.end - s.start - 2)))
            return ("length", m)
        case 5, 6:
            guard let sof, sof.end - sof.start >= 9 else { break }
            let which = rng.below(3)  // height, width, both
            if which != 1 { m.put16(sof.start + 5, interestingDimension16()) }
            if which != 0 { m.put16(sof.start + 7, interestingDimension16()) }
            return ("sof-dimensions", m)
        case 7:
            guard let sof, sof.end - sof.start >= 10 else { break }
            let components = Int(b[sof.start + 9])
            switch rng.below(5) {
            case 0: m[sof.start + 4] = [0, 1, 12, 16, 255][rng.below(5)]  // precision
            case 1: m[sof.start + 9] = [0, 2, 3, 4, 5, 255][rng.below(6)]  // component count
            case 2: m[sof.start + 1] = [0xC1, 0xC2, 0xC3, 0xC5, 0xC9, 0xCB, 0xCF][rng.below(7)]  // process
            default:
                guard components > 0, sof.start + 10 + 3 * components <= b.count else { break }
                let c = sof.start + 10 + 3 * rng.below(components)
                if rng.below(2) == 0 {
                    m[c + 1] = [0x00, 0x11, 0x41, 0x14, 0x44, 0x55, 0x13, 0xFF][rng.below(8)]  // sampling
                } else {
                    m[c + 2] = [3, 4, 15, 255][rng.below(4)]  // quantisation table index
                }
            }
            return ("sof-fields", m)
        case 8:
            guard let s = pick(segments.filter { $0.marker != 0xD8 }) else { break }
            let copy = Array(b[s.start..<s.end])
            let at = rng.below(2) == 0 ? s.end : pick(segments.filter { $0.marker != 0xD8 })!.start
            m.insert(contentsOf: copy, at: at)
            return ("duplicate-\(JPEGLayout.name(s.marker))", m)
        case 9, 10:
            let droppable = segments.filter { $0.marker != 0xD8 }
            let preferred = droppable.filter { [0xDB, 0xC4, 0xDA, 0xD9, 0xDD].contains($0.marker) || Self.sofMarkers.contains($0.marker) }
            guard let s = pick(rng.below(4) == 0 ? droppable : preferred) else { break }
            m.removeSubrange(s.start..<s.end)
            return ("missing-\(JPEGLayout.name(s.marker))", m)
        case 11:
            // SOS (with its data) moved before SOF, or SOF moved after SOS.
            guard let sof, let sos, sof.start < sos.start else { break }
            let scan = Array(b[sos.start..<sos.end])
            m.removeSubrange(sos.start..<sos.end)
            m.insert(contentsOf: scan, at: sof.start)
            return ("sos-before-sof", m)
        case 12:
            let movable = headers
            guard movable.count >= 2 else { break }
            let i = rng.below(movable.count), j = rng.below(movable.count)
            let (x, y) = (movable[min(i, j)], movable[max(i, j)])
            guard x.start != y.start else { break }
            m = Array(b[..<x.start])
            m += b[y.start..<y.end]
            m += b[x.end..<y.start]
            m += b[x.start..<x.end]
            m += b[y.end...]
            return ("swap-segments", m)
        case 13:
            if rng.below(2) == 0, let s = pick(headers) {
                for i in (s.start + 4)..<s.end { m[i] = 0 }  // the payload, markers and length kept
                return ("zeroed-\(JPEGLayout.name(s.marker))", m)
            }
            let end = sos?.start ?? min(b.count, 200)
            for i in 2..<end { m[i] = 0 }
            return ("zeroed-headers", m)
        case 14:
            guard let s = pick(segments.filter { $0.marker == 0xDB }), s.end - s.start > 4 else { break }
            m[s.start + 4] = [0x04, 0x05, 0x0F, 0x10, 0x14, 0x20, 0xF0, 0xFF][rng.below(8)]  // Pq/Tq
            return ("dqt-index", m)
        case 15:
            guard let s = pick(segments.filter { $0.marker == 0xC4 }), s.end - s.start > 21 else { break }
            if rng.below(2) == 0 {
                m[s.start + 4] = [0x04, 0x14, 0x1F, 0x20, 0x02, 0xFF][rng.below(6)]  // Tc/Th
            } else {
                for i in (s.start + 5)..<(s.start + 21) { m[i] = UInt8(truncatingIfNeeded: 16 + rng.below(240)) }  // counts sum > 256
            }
            return ("dht-table", m)
        case 16:
            guard let sos, sos.end - sos.start > 6 else { break }
            let n = Int(b[sos.start + 4])
            switch rng.below(4) {
            case 0: m[sos.start + 4] = [0, 2, 4, 5, 255][rng.below(5)]  // component count
            case 1:
                guard sos.start + 5 + 2 * n <= b.count, n > 0 else { break }
                m[sos.start + 5 + 2 * rng.below(n)] = [0, 4, 9, 255][rng.below(4)]  // component selector
            case 2:
                guard sos.start + 6 + 2 * n <= b.count, n > 0 else { break }
                m[sos.start + 6 + 2 * rng.below(n)] = [0x04, 0x40, 0x44, 0xFF][rng.below(4)]  // table selectors
            default:
                let at = sos.start + 5 + 2 * n
                guard at + 3 <= b.count else { break }
                m[at + rng.below(3)] = interestingByte()  // Ss, Se, Ah/Al
            }
            return ("sos-fields", m)
        case 17:
            // A restart interval that does not match the data, or restart markers dropped into the data.
            if rng.below(2) == 0, let sof {
                let value: UInt16 = [0, 1, 2, 7, 0xFFFF][rng.below(5)]
                m.insert(contentsOf: [0xFF, 0xDD, 0x00, 0x04, UInt8(value >> 8), UInt8(value & 0xFF)], at: sof.end)
                return ("restart-interval", m)
            }
            guard let sos, sos.end - sos.start > 40 else { break }
            for _ in 0..<(1 + rng.below(3)) {
                let at = sos.start + 20 + rng.below(sos.end - sos.start - 20)
                m.insert(contentsOf: [0xFF, 0xD0 + UInt8(rng.below(8))], at: min(at, m.count))
            }
            return ("restart-markers", m)
        case 18:
            let app1 = hostileEXIF()
            m.insert(contentsOf: [0xFF, 0xE1] + be16(app1.count + 2) + app1, at: 2)
            return ("exif", m)
        case 19:
            // Garbage or marker bytes over a run of the entropy-coded data.
            guard let sos, sos.end - sos.start > 30 else { break }
            let start = sos.start + 16 + rng.below(sos.end - sos.start - 16)
            let run = min(1 + rng.below(32), m.count - start)
            let fill = rng.below(3)
            for i in start..<(start + run) { m[i] = fill == 0 ? 0xFF : (fill == 1 ? 0 : UInt8(truncatingIfNeeded: rng.next())) }
            return ("entropy-garbage", m)
        case 20:
            // This file's head up to a segment boundary, another JPEG's tail from one.
            let others = sources.filter { !$0.isPNG }
            let other = others[rng.below(others.count)].bytes
            guard let cut = pick(segments.dropFirst().map(\.start)),
                  let from = pick(JPEGLayout.segments(other).dropFirst().map(\.start)) else { break }
            return ("splice", Array(b[..<cut]) + other[from...])
        default:
            // Cut a few bytes out of the middle (lengths now point past the real boundaries).
            let at = 2 + rng.below(m.count - 2)
            m.removeSubrange(at..<min(m.count, at + 1 + rng.below(8)))
            return ("delete-bytes", m)
        }
        flipBits(&m, from: 2, count: 1 + rng.below(8))
        return ("bitflip", m)
    }

    // MARK: PNG

    mutating func mutatePNG(_ b: [UInt8]) -> (String, [UInt8]) {
        let chunks = PNGLayout.chunks(b)
        func first(_ type: String) -> PNGLayout.Chunk? { chunks.first { $0.type == type } }
        var m = b
        // Most structural mutants come with CRCs recomputed (libpng then checks the content), some without.
        let fixCRC = rng.below(4) != 0
        func done(_ kind: String, _ bytes: [UInt8]) -> (String, [UInt8]) {
            fixCRC ? (kind, PNGLayout.fixingCRCs(bytes)) : (kind + "-badcrc", bytes)
        }
        switch rng.below(20) {
        case 0, 1:
            flipBits(&m, from: 8, count: 1 + rng.below(16))
            return ("bitflip", m)
        case 2, 3:
            // Flips inside chunk data, CRCs fixed: damage only libpng's and zlib's own checks can see.
            guard let c = pick(chunks.filter { $0.length > 0 }) else { break }
            flipBits(&m, from: c.dataStart, to: c.dataStart + c.length, count: 1 + rng.below(6))
            return ("bitflip-data", PNGLayout.fixingCRCs(m))
        case 4:
            guard let c = pick(chunks) else { break }
            m.put32(c.start, [0, 1, 12, 13, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, UInt32(c.length + 1),
                             UInt32(max(0, c.length - 1))][rng.below(9)])
            return ("length", m)
        case 5, 6:
            guard let ihdr = first("IHDR"), ihdr.length >= 8 else { break }
            let which = rng.below(3)  // width, height, both
            if which != 1 { m.put32(ihdr.dataStart, interestingDimension32()) }
            if which != 0 { m.put32(ihdr.dataStart + 4, interestingDimension32()) }
            return done("ihdr-dimensions", m)
        case 7:
            guard let ihdr = first("IHDR"), ihdr.length >= 13 else { break }
            switch rng.below(5) {
            case 0: m[ihdr.dataStart + 8] = [0, 1, 2, 3, 4, 5, 8, 16, 32, 255][rng.below(10)]  // bit depth
            case 1: m[ihdr.dataStart + 9] = [0, 1, 2, 3, 4, 5, 6, 7, 255][rng.below(9)]  // colour type
            case 2: m[ihdr.dataStart + 10] = 1  // compression method
            case 3: m[ihdr.dataStart + 11] = 1  // filter method
            default: m[ihdr.dataStart + 12] = [1, 2, 255][rng.below(3)]  // interlace
            }
            return done("ihdr-fields", m)
        case 8:
            guard let c = pick(rng.below(2) == 0 ? chunks : chunks.filter { $0.type == "IHDR" || $0.type == "PLTE" || $0.type == "tRNS" }) else { break }
            let copy = Array(b[c.start..<c.end])
            let at = rng.below(2) == 0 ? c.end : pick(chunks)!.start
            m.insert(contentsOf: copy, at: at)
            return ("duplicate-\(c.type)", m)
        case 9, 10:
            let preferred = chunks.filter { ["IHDR", "PLTE", "IDAT", "IEND", "tRNS"].contains($0.type) }
            guard let c = pick(rng.below(4) == 0 ? chunks : preferred) else { break }
            m.removeSubrange(c.start..<c.end)
            return ("missing-\(c.type)", m)
        case 11:
            // A chunk moved: IDAT before IHDR, PLTE after the data, IEND early...
            guard chunks.count >= 2 else { break }
            let c = chunks[rng.below(chunks.count)]
            var rest = m
            rest.removeSubrange(c.start..<c.end)
            let others = PNGLayout.chunks(rest)
            let at = rng.below(others.count + 1) == others.count ? rest.count : others[rng.below(others.count)].start
            rest.insert(contentsOf: b[c.start..<c.end], at: at)
            return ("moved-\(c.type)", rest)
        case 12:
            guard let ihdr = first("IHDR") else { break }
            for i in ihdr.dataStart..<(ihdr.dataStart + ihdr.length) { m[i] = 0 }
            return done("zeroed-ihdr", m)
        case 13:
            // Palette and transparency of the wrong size.
            let entries = [0, 1, 257, 300][rng.below(4)]
            let payload = (0..<(3 * entries + rng.below(3))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if let plte = first("PLTE"), rng.below(2) == 0 {
                m.replaceSubrange(plte.start..<plte.end, with: PNGLayout.chunk("PLTE", payload))
                return ("plte-size", m)
            }
            guard let idat = first("IDAT") else { break }
            let trns = (0..<[0, 1, 7, 300][rng.below(4)]).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            m.insert(contentsOf: PNGLayout.chunk("tRNS", trns), at: idat.start)
            return ("trns-size", m)
        case 14:
            guard let at = pick(chunks.dropFirst().map(\.start)) else { break }
            m.insert(contentsOf: PNGLayout.chunk("eXIf", hostileEXIF().dropFirst(6)), at: at)
            return ("exif", m)
        case 15, 16:
            return ("idat-synthetic", synthesizedPNG(from: b))
        case 17:
            // The image data split into many small IDAT chunks: valid, must decode as the original.
            let data = chunks.filter { $0.type == "IDAT" }.flatMap { b[$0.dataStart..<($0.dataStart + $0.length)] }
            guard let firstIDAT = first("IDAT"), let iend = first("IEND") else { break }
            let piece = 1 + rng.below(64)
            var split: [UInt8] = []
            for start in stride(from: 0, to: data.count, by: piece) {
                split += PNGLayout.chunk("IDAT", data[start..<min(data.count, start + piece)])
            }
            if rng.below(3) == 0 { split += PNGLayout.chunk("IDAT", []) }
            let between = chunks.filter { $0.start > firstIDAT.start && $0.type != "IDAT" && $0.start < iend.start }
            m = Array(b[..<firstIDAT.start])
            m += split
            for c in between { m += b[c.start..<c.end] }
            m += b[iend.start...]
            return ("idat-split", m)
        case 18:
            // An unknown chunk: critical (libpng must refuse) or ancillary (skipped).
            guard let at = pick(chunks.dropFirst().map(\.start)) else { break }
            let type = rng.below(2) == 0 ? "ZZZZ" : "zzZz"
            let payload = (0..<rng.below(40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            m.insert(contentsOf: PNGLayout.chunk(type, payload), at: at)
            return ("unknown-\(type)", m)
        default:
            let others = sources.filter(\.isPNG)
            let other = others[rng.below(others.count)].bytes
            guard let cut = pick(chunks.dropFirst().map(\.start)),
                  let from = pick(PNGLayout.chunks(other).dropFirst().map(\.start)) else { break }
            return ("splice", Array(b[..<cut]) + other[from...])
        }
        flipBits(&m, from: 8, count: 1 + rng.below(8))
        return ("bitflip", m)
    }

    /// A PNG whose IHDR asks for a small random geometry (any legal bit depth and colour type, interlaced or
    /// not) and whose IDAT is stored (uncompressed) deflate of random scanlines: usually the exact size with
    /// legal filter bytes, sometimes a filter type over 4 or a few bytes short or long.
    mutating func synthesizedPNG(from b: [UInt8]) -> [UInt8] {
        let legal: [(color: UInt8, depths: [UInt8], channels: Int)] = [
            (0, [1, 2, 4, 8, 16], 1), (2, [8, 16], 3), (3, [1, 2, 4, 8], 1), (4, [8, 16], 2), (6, [8, 16], 4),
        ]
        let pick = legal[rng.below(legal.count)]
        let depth = pick.depths[rng.below(pick.depths.count)]
        let width = 1 + rng.below(40), height = 1 + rng.below(40)
        let interlaced = rng.below(2) == 0
        var ihdr: [UInt8] = []
        ihdr.append32(UInt32(width)); ihdr.append32(UInt32(height))
        ihdr += [depth, pick.color, 0, 0, interlaced ? 1 : 0]
        let bitsPerPixel = Int(depth) * pick.channels
        func rowBytes(_ w: Int) -> Int { (w * bitsPerPixel + 7) / 8 }
        var rows: [Int] = []  // the byte length of each scanline, in stream order
        if interlaced {
            let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            for (x0, y0, dx, dy) in passes {
                let w = width > x0 ? (width - x0 + dx - 1) / dx : 0
                let h = height > y0 ? (height - y0 + dy - 1) / dy : 0
                if w > 0 { rows += Array(repeating: rowBytes(w), count: h) }
            }
        } else {
            rows = Array(repeating: rowBytes(width), count: height)
        }
        let badFilters = rng.below(6) == 0
        var raw: [UInt8] = []
        for length in rows {
            raw.append(badFilters && rng.below(4) == 0 ? UInt8(5 + rng.below(251)) : UInt8(rng.below(5)))
            for _ in 0..<length { raw.append(UInt8(truncatingIfNeeded: rng.next())) }
        }
        switch rng.below(8) {
        case 0: raw.removeLast(min(raw.count, 1 + rng.below(8)))
        case 1: raw += (0..<(1 + rng.below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default: break
        }
        var png = PNGLayout.signature + PNGLayout.chunk("IHDR", ihdr)
        if pick.color == 3 {
            let entries = 1 << min(Int(depth), 8)
            png += PNGLayout.chunk("PLTE", (0..<(3 * entries)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        if rng.below(3) == 0 {  // transparency of the right size for the colour type
            let count = pick.color == 3 ? 1 + rng.below(1 << min(Int(depth), 8)) : (pick.color == 0 ? 2 : (pick.color == 2 ? 6 : 0))
            if count > 0 { png += PNGLayout.chunk("tRNS", (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        }
        png += PNGLayout.chunk("IDAT", PNGLayout.storedZlib(raw))
        png += PNGLayout.chunk("IEND", [])
        return png
    }

    // MARK: Shared pieces

    /// A TIFF block ("Exif\0\0" first) with an orientation entry whose fields are often out of range:
    /// huge entry counts, offsets past the end, orientation values outside 1...8, wrong types.
    mutating func hostileEXIF() -> [UInt8] {
        let little = rng.below(2) == 0
        var t: [UInt8] = Array("Exif\0\0".utf8) + (little ? [0x49, 0x49, 0x2A, 0x00] : [0x4D, 0x4D, 0x00, 0x2A])
        func u16(_ v: Int) -> [UInt8] { let x = UInt16(truncatingIfNeeded: v); return little ? [UInt8(x & 0xFF), UInt8(x >> 8)] : [UInt8(x >> 8), UInt8(x & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { let x = UInt32(truncatingIfNeeded: v); return little ? (0..<4).map { UInt8((x >> (8 * $0)) & 0xFF) } : (0..<4).reversed().map { UInt8((x >> (8 * $0)) & 0xFF) } }
        t += u32([8, 8, 8, 0, 0xFFFF_FFF0, 7, 1 << 20][rng.below(7)])  // IFD offset
        t += u16([1, 1, 2, 0, 0xFFFF, 300][rng.below(6)])  // entry count
        t += u16(0x0112) + u16([3, 3, 3, 4, 0][rng.below(5)]) + u32(1)
        t += u16([1, 3, 6, 8, 0, 9, 0xFFFF][rng.below(7)]) + [0, 0]
        if rng.below(2) == 0 { t += (0..<rng.below(24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        if rng.below(4) == 0 { t.removeLast(rng.below(t.count - 6)) }
        return t
    }

    mutating func flipBits(_ m: inout [UInt8], from: Int, to: Int? = nil, count: Int) {
        let end = min(to ?? m.count, m.count)
        guard end > from else { return }
        for _ in 0..<count { m[from + rng.below(end - from)] ^= UInt8(1) << UInt8(rng.below(8)) }
    }

    mutating func interestingByte() -> UInt8 { [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0xD8, 0xD9, 0xDA][rng.below(9)] }

    mutating func interestingLength(_ real: Int) -> Int {
        [0, 1, 2, 3, real - 1, real + 1, real + 100, 0x7FFF, 0xFFFF][rng.below(9)]
    }

    mutating func interestingDimension16() -> UInt16 {
        [0, 1, 2, 7, 8, 9, 255, 16384, 0x7FFF, 0xFFFF, UInt16(truncatingIfNeeded: rng.next())][rng.below(11)]
    }

    mutating func interestingDimension32() -> UInt32 {
        [0, 1, 2, 65535, 65536, 20_000, 1 << 20, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
         UInt32(truncatingIfNeeded: rng.next() & 0xFFFF)][rng.below(11)]
    }

    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[rng.below(items.count)] }
}

/// A JPEG as its marker segments. The entropy-coded data (restart markers included) belongs to the SOS
/// segment before it; parsing stops at anything that is not a marker.
enum JPEGLayout {
    struct Segment {
        let start: Int
        let end: Int
        let marker: UInt8
        var hasLength: Bool { !(marker == 0xD8 || marker == 0xD9 || marker == 0x01 || (0xD0...0xD7).contains(marker)) }
    }

    static func segments(_ b: [UInt8]) -> [Segment] {
        var out: [Segment] = []
        var i = 0
        while i + 1 < b.count, b[i] == 0xFF {
            var at = i
            while at + 1 < b.count, b[at + 1] == 0xFF { at += 1 }  // fill bytes
            guard at + 1 < b.count else { break }
            let marker = b[at + 1]
            var end = at + 2
            let segment = Segment(start: i, end: end, marker: marker)
            if segment.hasLength {
                guard at + 4 <= b.count else { break }
                end = min(b.count, at + 2 + (Int(b[at + 2]) << 8 | Int(b[at + 3])))
                if marker == 0xDA {
                    while end + 1 < b.count, !(b[end] == 0xFF && b[end + 1] != 0 && b[end + 1] != 0xFF
                                               && !(0xD0...0xD7).contains(b[end + 1])) { end += 1 }
                    if end + 1 >= b.count { end = b.count }
                }
            }
            out.append(Segment(start: i, end: end, marker: marker))
            i = end
        }
        return out
    }

    static func name(_ marker: UInt8) -> String {
        switch marker {
        case 0xD8: "SOI"
        case 0xD9: "EOI"
        case 0xDA: "SOS"
        case 0xDB: "DQT"
        case 0xC4: "DHT"
        case 0xDD: "DRI"
        case 0xC0...0xCF: "SOF"
        case 0xE0...0xEF: "APP"
        default: String(format: "%02X", marker)
        }
    }
}

/// A PNG as its chunks (length, type, data, CRC), after the 8-byte signature.
enum PNGLayout {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    struct Chunk {
        let start: Int
        let length: Int
        let type: String
        var dataStart: Int { start + 8 }
        var end: Int { start + 12 + length }
    }

    /// Whole chunks only; a chunk that runs past the end stops the list.
    static func chunks(_ b: [UInt8]) -> [Chunk] {
        var out: [Chunk] = []
        var at = 8
        while at + 12 <= b.count {
            let length = Int(b.get32(at))
            guard length <= b.count - at - 12 else { break }
            out.append(Chunk(start: at, length: length, type: String(decoding: b[(at + 4)..<(at + 8)], as: UTF8.self)))
            at += 12 + length
        }
        return out
    }

    static func chunk<C: Collection>(_ type: String, _ data: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.append32(UInt32(data.count))
        let body = Array(type.utf8) + data
        out += body
        out.append32(crc32(body))
        return out
    }

    /// Every whole chunk's CRC recomputed over its type and data.
    static func fixingCRCs(_ b: [UInt8]) -> [UInt8] {
        var m = b
        for c in chunks(b) { m.put32(c.dataStart + c.length, crc32(b[(c.start + 4)..<(c.dataStart + c.length)])) }
        return m
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c = UInt32(0xFFFF_FFFF)
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    /// A zlib stream of stored (uncompressed) deflate blocks, with its Adler-32.
    static func storedZlib(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let n = min(65535, raw.count - start)
            let last: UInt8 = start + n == raw.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += raw[start..<(start + n)]
            start += n
        } while start < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        out.append32(b << 16 | a)
        return out
    }
}

extension SplitMix64 {
    /// A number in 0..<n (n > 0); the slight modulo bias does not matter here.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

extension Array where Element == UInt8 {
    func get32(_ at: Int) -> UInt32 {
        UInt32(self[at]) << 24 | UInt32(self[at + 1]) << 16 | UInt32(self[at + 2]) << 8 | UInt32(self[at + 3])
    }
    mutating func put32(_ at: Int, _ v: UInt32) {
        for i in 0..<4 where at + i < count { self[at + i] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(i))) }
    }
    mutating func put16(_ at: Int, _ v: UInt16) {
        if at < count { self[at] = UInt8(v >> 8) }
        if at + 1 < count { self[at + 1] = UInt8(v & 0xFF) }
    }
    mutating func append32(_ v: UInt32) { self += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}

func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
