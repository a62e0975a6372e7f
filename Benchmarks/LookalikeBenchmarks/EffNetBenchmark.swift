// EfficientNet-Lite forward pass on seeded weights: network only at batch 1 (every core on each image), batch 16
// and one image per core, and from JPEG (decode, preprocessing, network). Tab-separated lines, as `resnet` prints,
// so Benchmarks/effnet.sh can set them beside PyTorch and ONNX Runtime measured in the same run.
import Foundation
import Lookalike
import Synchronization

/// Multiply-adds per image (the d-li14/TF Lite tables: 0.385, 0.600 and 0.860 G).
let effnetMACs: [EfficientNetLite.Variant: Double] = [.lite0: 0.385, .lite1: 0.600, .lite2: 0.860]

func effnetBenchmark(_ arguments: ArraySlice<String>) {
    var rounds = 3, count = 200
    var folder: String?
    var variants = EfficientNetLite.Variant.allCases
    var rest = arguments
    while let flag = rest.popFirst() {
        switch flag {
        case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? rounds
        case "--images": folder = rest.popFirst()
        case "--count": count = Int(rest.popFirst() ?? "") ?? count
        case "--variant": variants = [EfficientNetLite.Variant(rawValue: rest.popFirst() ?? "") ?? .lite0]
        case "--kernel": ResNet50.useKernel(named: rest.popFirst())
        default: break
        }
    }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("kernel\t\(ResNet50.kernelName)")
    for variant in variants {
        let name = "effnet-\(variant.rawValue)", side = variant.inputSize
        let network = try! EfficientNetLite(variant: variant, stateDict: EfficientNetLite.seededStateDict(variant))
        var rng = SplitMix64(seed: 5)
        let batch = (0..<16).map { _ in (0..<(3 * side * side)).map { _ in Float(rng.next() % 1000) / 500 - 1 } }
        func report(_ label: String, _ rate: Double) {
            print("\(name) \(label)\t\(String(format: "%.2f", rate)) images/s\t\(String(format: "%.1f", rate * effnetMACs[variant]!)) GFLOPS")
        }
        _ = network.embed(batch[0])
        var start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<(32 * rounds) { _ = network.embed(batch[i % 16]) }
        report("batch 1, \(cores) threads", Double(32 * rounds) / seconds(since: start))
        _ = network.embedBatch(batch)
        start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<(2 * rounds) { _ = network.embedBatch(batch) }
        report("batch 16, \(cores) threads", Double(32 * rounds) / seconds(since: start))
        let perWorker = 32 * rounds / cores
        DispatchQueue.concurrentPerform(iterations: cores) { _ in _ = network.embed(batch[0], threads: 1) }
        start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: cores) { worker in
            for i in 0..<perWorker { _ = network.embed(batch[(i + worker) % 16], threads: 1) }
        }
        report("\(cores) images at once, 1 thread each", Double(perWorker * cores) / seconds(since: start))
        if let folder { effnetFromJPEG(network, name: name, folder: folder, count: count, cores: cores) }
    }
    print("peak memory\t\(String(format: "%.0f", peakResidentMiB())) MiB")
}

/// JPEG files to features at batch 1 and 16, decoding and preprocessing on the calling thread (as PyTorch and ONNX
/// Runtime are driven here), the network on every core.
func effnetFromJPEG(_ network: EfficientNetLite, name: String, folder: String, count: Int, cores: Int) {
    let files = (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
        .filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }.sorted()
        .prefix(count).map { folder + "/" + $0 }
    guard !files.isEmpty else { print("no JPEG files under \(folder)"); return }
    let decoder = ImageDecoder()
    func tensor(_ path: String) -> [Float] {
        let image = try! decoder.decode(path: path).get().image
        return EfficientNetInput.tensor(RGBImage(image).applying(image.orientation), size: network.variant.inputSize)
    }
    for batch in [1, 16] {
        let start = DispatchTime.now().uptimeNanoseconds
        for first in stride(from: 0, to: files.count, by: batch) {
            _ = network.embedBatch(files[first..<min(first + batch, files.count)].map(tensor))
        }
        let rate = Double(files.count) / seconds(since: start)
        print("\(name) JPEG to features, batch \(batch), \(cores) threads\t\(String(format: "%.2f", rate)) images/s")
    }
}
