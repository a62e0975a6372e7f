// Images per second for Lookalike's hashing modes and for raw TurboJPEG decoding of the same files, on one core
// and on N cores, measured in this one process. Prints one line per measurement: "name<TAB>workers<TAB>images/s".
import CTurboJPEG
import Foundation
import Lookalike

func hashBenchmark(_ arguments: ArraySlice<String>) {
    guard let folder = arguments.first else {
        FileHandle.standardError.write("usage: LookalikeBenchmarks hash FOLDER [--jobs N]\n".data(using: .utf8)!)
        exit(64)
    }
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    if let i = arguments.firstIndex(of: "--jobs"), i + 1 < arguments.endIndex, let n = Int(arguments[i + 1]) { jobs = n }

    let files = FileCollector().collect([folder]).files
    guard !files.isEmpty else { fatalError("no images in \(folder)") }

    /// Runs `body(workerIndex, fileIndex)` over all files on `workers` threads; returns images per second.
    func measure(workers: Int, _ makeWorker: @escaping () -> ((String) -> Void)) -> Double {
        let next = ChunkCounter()
        let maker = UnsafeSendable(value: makeWorker)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let work = maker.value()
            while let i = next.take(below: files.count) { work(files[i]) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(files.count) / seconds
    }


    /// Reads the file and decodes it with tjDecompress2 (default flags), at 1/`denominator` scale.
    func rawDecoder(format: TJPF, denominator: Int32) -> (String) -> Void {
        let handle = UnsafeSendable(value: tjInitDecompress()!)
        return { path in
            let bytes = try! Data(contentsOf: URL(fileURLWithPath: path))
            bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                var w: Int32 = 0, h: Int32 = 0, ss: Int32 = 0, cs: Int32 = 0
                guard tjDecompressHeader3(handle.value, base, UInt(raw.count), &w, &h, &ss, &cs) == 0 else { return }
                let sw = (w + denominator - 1) / denominator, sh = (h + denominator - 1) / denominator
                let channels = format == TJPF_GRAY ? 1 : (format == TJPF_RGBX ? 4 : 3)
                var out = [UInt8](repeating: 0, count: Int(sw * sh) * channels)
                _ = tjDecompress2(handle.value, base, UInt(raw.count), &out, sw, 0, sh, Int32(format.rawValue), 0)
            }
        }
    }


    /// The CLI's own path: DescriptionRun with its worker threads and ordered hand-off.
    func lookalike(methods: [String], fast: Bool, workers: Int) -> Double {
        let run = DescriptionRun(
            methods: methods.map { try! MethodCatalog.entry(named: $0)!.make(MethodSettings()) },
            decodeOptions: DecodeOptions(reducedLumaMinSide: fast ? 64 : nil), workers: workers)
        let start = DispatchTime.now().uptimeNanoseconds
        var failures = 0
        run.run(paths: files) { if case .failure = $0.result { failures += 1 } }
        precondition(failures == 0, "\(failures) files failed")
        return Double(files.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    let decoders: [(String, () -> ((String) -> Void))] = [
        ("turbojpeg-rgb-full", { rawDecoder(format: TJPF_RGB, denominator: 1) }),
        ("turbojpeg-rgbx-full", { rawDecoder(format: TJPF_RGBX, denominator: 1) }),
        ("turbojpeg-gray-full", { rawDecoder(format: TJPF_GRAY, denominator: 1) }),
        ("turbojpeg-gray-1/8", { rawDecoder(format: TJPF_GRAY, denominator: 8) }),
    ]
    let modes: [(String, [String], Bool)] = [
        ("lookalike-phash", ["phash"], false),
        ("lookalike-all", ["ahash", "dhash", "phash"], false),
        ("lookalike-fast-phash", ["phash"], true),
        ("lookalike-fast-all", ["ahash", "dhash", "phash"], true),
    ]

    print("# \(files.count) files from \(folder)")
    _ = measure(workers: 1, decoders[0].1)  // warm the page cache
    for workers in Set([1, jobs]).sorted() {
        for (name, make) in decoders {
            print("\(name)\t\(workers)\t\(String(format: "%.1f", measure(workers: workers, make)))")
        }
        for (name, methods, fast) in modes {
            print("\(name)\t\(workers)\t\(String(format: "%.1f", lookalike(methods: methods, fast: fast, workers: workers)))")
        }
    }

}
