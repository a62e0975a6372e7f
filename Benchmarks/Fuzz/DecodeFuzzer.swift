// libFuzzer harness over `ImageDecoder.decode(bytes:path:)`. Run: bash Benchmarks/fuzz.sh [SECONDS]
//
// Built two ways from this one file:
// - by Benchmarks/fuzz.sh with `--sanitize=fuzzer -Xswiftc -DLOOKALIKE_LIBFUZZER`: libFuzzer supplies `main` and
//   calls `LLVMFuzzerTestOneInput` for every input;
// - by a plain `swift build`: a replayer, `LookalikeFuzz FILE...`, that runs the same checks over saved inputs
//   (a crash file found by the fuzzer, reproduced in a debug build).
//
// Beyond memory errors, each input checks what a worker relies on:
// - every failure is a FileError whose text starts with the path; every warning too;
// - a decoded image's buffers hold exactly width x height pixels;
// - the outcome on the long-lived decoder is the outcome on a fresh one (nothing borrowed from earlier files);
// - the sequence property: the decoders live across inputs (as a DescriptionRun worker's does), and after
//   each input a known good JPEG must decode to exactly the pixels it gives on a fresh decoder, with no
//   warning. Anything else aborts, so libFuzzer saves the input that left the decoder poisoned.
import Foundation
import Lookalike

/// The decoders one worker would hold: full size (default), and fast mode (TurboJPEG scaled, luma).
/// libFuzzer calls in from one thread.
nonisolated(unsafe) private let decoders = [ImageDecoder(options: DecodeOptions(maxPixels: FuzzHarness.maxPixels)),
                        ImageDecoder(options: DecodeOptions(maxPixels: FuzzHarness.maxPixels, reducedLumaMinSide: 16))]

enum FuzzHarness {
    /// Below the default 100 M so that an input claiming a huge image is refused (too large, or implausible:
    /// over 2048 decoded bytes per file byte above 64 MiB) rather than decoded for seconds.
    static let maxPixels = 20_000_000
    static let path = "fuzz-input"

    /// The good JPEG decoded after every input, and what each decoder made of it when fresh.
    static let goodJPEG: [UInt8] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/images/jpeg/baseline-420.jpg")
        guard let data = try? Data(contentsOf: url) else { die("cannot read \(url.path)") }
        return [UInt8](data)
    }()
    /// Kept as plain arrays: LeakSanitizer cannot follow a pointer inside a Swift enum payload (its spare
    /// bits hold the case), so a `DecodedImage` kept for the whole run would be reported as leaked.
    static let expected: [(width: Int, height: Int, orientation: Int, pixels: [UInt8])] = decoders.map { decoder in
        switch ImageDecoder(options: decoder.options).decode(bytes: goodJPEG, path: "good.jpg") {
        case .success(let outcome):
            let image = outcome.image
            return (image.width, image.height, image.orientation.rawValue, bytes(of: image.pixels))
        case .failure(let error): die("the good JPEG does not decode: \(error)")
        }
    }

    static func bytes(of pixels: DecodedImage.Pixels) -> [UInt8] {
        switch pixels {
        case .gray8(let p), .rgb8(let p), .cmyk8(let p): return p
        case .gray16(let p): return p.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
    }
    /// Hashing a decoded image as a worker does (small images only, to keep the fuzzer fast).
    static let methods: [any DescriptorMethod] = ["ahash", "dhash", "phash"].map {
        try! MethodCatalog.entry(named: $0)!.make(MethodSettings())
    }
    static let describeMaxPixels = 1 << 20

    static func die(_ message: String) -> Never {
        FileHandle.standardError.write("LookalikeFuzz: \(message)\n".data(using: .utf8)!)
        abort()
    }

    /// The long-lived decoders start as they stand after every input: with the good JPEG read. Also makes
    /// what lives for the whole run (the expected pixels, FFTW plans) before the first input, so that
    /// LeakSanitizer does not count it against that input.
    static let warmedUp: Bool = {
        _ = expected
        for decoder in decoders {
            guard case .success(let outcome) = decoder.decode(bytes: goodJPEG, path: "good.jpg") else { continue }
            let sample = ImageSample(path: "good.jpg", decoded: outcome.image, applyOrientation: true)
            for method in methods { _ = try? method.describe(sample) }
        }
        return true
    }()

    static func run(_ bytes: [UInt8]) {
        _ = warmedUp
        var inputs = [bytes]
        if let fixed = PNGChunks.withFixedCRCs(bytes), fixed != bytes { inputs.append(fixed) }
        for (d, decoder) in decoders.enumerated() {
            for input in inputs { check(decoder, input) }
            // The sequence property: a good file right after, on the same decoder, as if alone.
            switch decoder.decode(bytes: goodJPEG, path: "good.jpg") {
            case .failure(let error): die("good JPEG failed after an input (decoder \(d)): \(error)")
            case .success(let outcome):
                if !outcome.warnings.isEmpty { die("good JPEG got a warning after an input (decoder \(d)): \(outcome.warnings)") }
                let want = expected[d], got = outcome.image
                if got.width != want.width || got.height != want.height || got.orientation.rawValue != want.orientation
                    || Self.bytes(of: got.pixels) != want.pixels
                {
                    die("good JPEG decoded differently after an input (decoder \(d))")
                }
            }
        }
    }

    static func check(_ decoder: ImageDecoder, _ bytes: [UInt8]) {
        let result = decoder.decode(bytes: bytes, path: path)
        let alone = ImageDecoder(options: decoder.options).decode(bytes: bytes, path: path)
        if !same(result, alone) { die("outcome differs from a fresh decoder's:\n  \(summary(result))\n  \(summary(alone))") }
        switch result {
        case .failure(let error):
            if !error.description.hasPrefix(path + ": ") { die("error does not name the file: \(error)") }
        case .success(let outcome):
            for w in outcome.warnings where !w.hasPrefix(path + ": ") { die("warning does not name the file: \(w)") }
            let image = outcome.image
            let n = image.width * image.height
            if image.width <= 0 || image.height <= 0 { die("decoded \(image.width)x\(image.height)") }
            let (count, channels): (Int, Int)
            switch image.pixels {
            case .gray8(let p): (count, channels) = (p.count, 1)
            case .gray16(let p): (count, channels) = (p.count, 1)
            case .rgb8(let p): (count, channels) = (p.count, 3)
            case .cmyk8(let p): (count, channels) = (p.count, 4)
            }
            if count != n * channels { die("\(image.width)x\(image.height)x\(channels) image with \(count) samples") }
            if let alpha = image.alpha, alpha.count != n { die("alpha of \(alpha.count) for \(n) pixels") }
            if n <= describeMaxPixels {
                let sample = ImageSample(path: path, decoded: image, applyOrientation: true)
                for method in methods { _ = try? method.describe(sample) }
            }
        }
    }
}

func same(_ a: Result<DecodeOutcome, FileError>, _ b: Result<DecodeOutcome, FileError>) -> Bool {
    switch (a, b) {
    case (.failure(let x), .failure(let y)): return x.description == y.description
    case (.success(let x), .success(let y)):
        return x.warnings == y.warnings && x.image.width == y.image.width && x.image.height == y.image.height
            && x.image.pixels == y.image.pixels && x.image.alpha == y.image.alpha && x.image.orientation == y.image.orientation
    default: return false
    }
}

func summary(_ r: Result<DecodeOutcome, FileError>) -> String {
    switch r {
    case .failure(let e): return e.description
    case .success(let o): return "\(o.image.width)x\(o.image.height) \(o.image.format) \(o.warnings)"
    }
}

/// PNG chunks with their CRCs recomputed, so libpng reads on past a mutated chunk to the checks behind it.
enum PNGChunks {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c = UInt32(0xFFFF_FFFF)
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    /// nil when the input is not a PNG.
    static func withFixedCRCs(_ input: [UInt8]) -> [UInt8]? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard input.count >= 8, input.prefix(8).elementsEqual(signature) else { return nil }
        var bytes = input
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let end = at + 8 + length
            guard end + 4 <= bytes.count else { break }
            let c = crc(bytes[(at + 4)..<end])
            for i in 0..<4 { bytes[end + i] = UInt8(truncatingIfNeeded: c >> (24 - 8 * i)) }
            at = end + 4
        }
        return bytes
    }
}

#if LOOKALIKE_LIBFUZZER
@_cdecl("LLVMFuzzerInitialize")
public func lookalikeFuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = FuzzHarness.warmedUp
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func lookalikeFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
@main
enum Replay {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty {
            FileHandle.standardError.write("usage: LookalikeFuzz FILE...  (replays inputs through the fuzz checks)\n".data(using: .utf8)!)
            exit(64)
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { FuzzHarness.die("cannot read \(file)") }
            FuzzHarness.run([UInt8](data))
            print("ok\t\(file)")
        }
    }
}
#endif
