// ResNet50 network-only throughput on seeded weights: batch 1 with every core on each image, batch 16 with every
// core on each pass, and one image per core (what the grouper's workers do). Prints images/s, GFLOPS
// (4.11 GFLOPs per image, counting a multiply-add once, as torchvision's model card does) and peak memory.
// Options: --rounds N (passes per measurement), --kernel portable|avx2|avx512 (force a micro-kernel),
// --images FOLDER [--count N]: also end to end from JPEG (decode, ImageNet preprocessing, network), one image per
// core as the grouper's workers run it.
import Foundation
import Lookalike
import Synchronization

func resnetBenchmark(_ arguments: ArraySlice<String>) {
    var rounds = 3
    var kernel: String?
    var folder: String?
    var count = 200
    var rest = arguments
    while let flag = rest.popFirst() {
        switch flag {
        case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? rounds
        case "--kernel": kernel = rest.popFirst()
        case "--direct": ResNet50.useWinograd(false)
        case "--images": folder = rest.popFirst()
        case "--count": count = Int(rest.popFirst() ?? "") ?? count
        default: break
        }
    }
    if let kernel { ResNet50.useKernel(named: kernel) }
    let network = try! ResNet50(stateDict: ResNet50.seededStateDict(seed: 2026))
    var rng = SplitMix64(seed: 5)
    let batch = (0..<16).map { _ in (0..<(3 * 224 * 224)).map { _ in Float(rng.next() % 1000) / 500 - 1 } }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    func report(_ name: String, _ imagesPerSecond: Double) {
        print("\(name)\t\(String(format: "%.2f", imagesPerSecond)) images/s\t\(String(format: "%.0f", imagesPerSecond * 4.11)) GFLOPS")
    }
    let winograd = ResNet50.useWinograd(true)
    ResNet50.useWinograd(winograd)
    print("kernel\t\(ResNet50.kernelName)\t3x3 stride-1 convolutions \(winograd ? "Winograd F(2x2, 3x3)" : "direct")")

    _ = network.embed(batch[0])  // warm up: workspace, helper threads, pages
    var start = DispatchTime.now().uptimeNanoseconds
    for i in 0..<(16 * rounds) { _ = network.embed(batch[i % 16]) }
    report("resnet50 batch 1, \(cores) threads", Double(16 * rounds) / seconds(since: start))

    _ = network.embedBatch(batch)
    start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { _ = network.embedBatch(batch) }
    report("resnet50 batch 16, \(cores) threads", Double(16 * rounds) / seconds(since: start))

    let perWorker = 16 * rounds / cores
    DispatchQueue.concurrentPerform(iterations: cores) { _ in _ = network.embed(batch[0], threads: 1) }
    start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: cores) { worker in
        for i in 0..<perWorker { _ = network.embed(batch[(i + worker) % 16], threads: 1) }
    }
    report("resnet50 \(cores) images at once, 1 thread each", Double(perWorker * cores) / seconds(since: start))
    if let folder { endToEnd(network, folder: folder, count: count, cores: cores) }
    print("peak memory\t\(String(format: "%.0f", peakResidentMiB())) MiB")
}

/// JPEG files to images/s: decode + `ImageNetInput.tensor` alone on one core, then the whole path on every core.
func endToEnd(_ network: ResNet50, folder: String, count: Int, cores: Int) {
    let files = (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
        .filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }.sorted()
        .prefix(count).map { folder + "/" + $0 }
    guard !files.isEmpty else { print("no JPEG files under \(folder)"); return }
    @Sendable func tensor(_ path: String, _ decoder: ImageDecoder) -> [Float] {
        ImageNetInput.tensor(RGBImage(try! decoder.decode(path: path).get().image))
    }
    let decoder = ImageDecoder()
    var start = DispatchTime.now().uptimeNanoseconds
    for path in files { _ = tensor(path, decoder) }
    let prepare = Double(files.count) / seconds(since: start)
    let next = Mutex(0)
    start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: cores) { _ in
        let decoder = ImageDecoder()
        while true {
            let index = next.withLock { value in defer { value += 1 }; return value }
            guard index < files.count else { break }
            _ = network.embed(tensor(files[index], decoder), threads: 1)
        }
    }
    let whole = Double(files.count) / seconds(since: start)
    // As torchvision is usually driven: decode on the calling thread, the network on every core.
    start = DispatchTime.now().uptimeNanoseconds
    for path in files { _ = network.embed(tensor(path, decoder)) }
    let batch1 = Double(files.count) / seconds(since: start)
    start = DispatchTime.now().uptimeNanoseconds
    for first in stride(from: 0, to: files.count, by: 16) {
        _ = network.embedBatch(files[first..<min(first + 16, files.count)].map { tensor($0, decoder) })
    }
    let batch16 = Double(files.count) / seconds(since: start)
    print("JPEG decode + preprocessing, 1 thread (\(files.count) files)\t\(String(format: "%.2f", prepare)) images/s")
    print("JPEG to features, batch 1, \(cores) threads\t\(String(format: "%.2f", batch1)) images/s")
    print("JPEG to features, batch 16, \(cores) threads\t\(String(format: "%.2f", batch16)) images/s")
    print("JPEG to features, \(cores) images at once, 1 thread each\t\(String(format: "%.2f", whole)) images/s")
}
