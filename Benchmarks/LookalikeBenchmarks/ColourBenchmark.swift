import Foundation
import Lookalike

/// The `colour` method's cost on real photos, one core: the 256 px RGB reduction it shares with `mask`, then the
/// two histograms alone, each over images already decoded. Best of `--rounds` passes.
///   swift run -c release LookalikeBenchmarks colour FOLDER [--count N] [--rounds R]
func colourBenchmark(_ arguments: ArraySlice<String>) {
    var rest = arguments, folder: String?, count = 1_000, rounds = 3
    while let argument = rest.popFirst() {
        switch argument {
        case "--count": count = Int(rest.popFirst() ?? "") ?? count
        case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? rounds
        default: folder = argument
        }
    }
    guard let folder else { print("usage: LookalikeBenchmarks colour FOLDER [--count N] [--rounds R]"); return }
    let files = (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
        .filter { name in [".jpg", ".jpeg", ".png"].contains { name.lowercased().hasSuffix($0) } }.sorted()
        .prefix(count).map { folder + "/" + $0 }
    let decoder = ImageDecoder()
    let decoded = files.compactMap { path in try? decoder.decode(path: path).get().image }
    guard !decoded.isEmpty else { print("no images under \(folder)"); return }
    let method = ColourMethod()
    var reduce = Double.infinity, describe = Double.infinity
    for _ in 0..<max(1, rounds) {
        let samples = zip(files, decoded).map { ImageSample(path: $0, decoded: $1, applyOrientation: true) }
        var start = DispatchTime.now().uptimeNanoseconds
        for sample in samples { _ = sample.smallRGB }
        reduce = min(reduce, seconds(since: start))
        start = DispatchTime.now().uptimeNanoseconds
        for sample in samples { _ = method.describe(sample) }
        describe = min(describe, seconds(since: start))
    }
    let n = Double(decoded.count)
    print("\(decoded.count) images from \(folder), 1 core, best of \(rounds)")
    print(String(format: "256 px RGB reduction (shared with mask)\t%.3f ms/image", reduce / n * 1000))
    print(String(format: "colour histograms, whole + centre\t%.3f ms/image", describe / n * 1000))
}
