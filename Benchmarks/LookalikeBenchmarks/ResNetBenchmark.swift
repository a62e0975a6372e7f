// ResNet50 network-only throughput on seeded weights: one image at a time with OpenBLAS on all cores, and one
// image per core with OpenBLAS single-threaded. Prints images/s, GFLOPS (4.1 GFLOPs per image) and peak memory.
import COpenBLAS
import Foundation
import Lookalike

func resnetBenchmark(_ arguments: ArraySlice<String>) {
    let images = 16
    let network = try! ResNet50(stateDict: ResNet50.seededStateDict(seed: 2026))
    var rng = SplitMix64(seed: 5)
    let input = (0..<(3 * 224 * 224)).map { _ in Float(rng.next() % 1000) / 500 - 1 }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    _ = network.embed(input)  // warm up
    openblas_set_num_threads(Int32(cores))
    var start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<images { _ = network.embed(input) }
    let serial = Double(images) / seconds(since: start)
    openblas_set_num_threads(1)
    start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: cores) { _ in
        for _ in 0..<(images / cores) { _ = network.embed(input) }
    }
    let parallel = Double(images / cores * cores) / seconds(since: start)
    print("resnet50 batch 1, OpenBLAS \(cores) threads\t\(String(format: "%.2f", serial)) images/s\t\(String(format: "%.0f", serial * 4.11)) GFLOPS")
    print("resnet50 \(cores) images at once, OpenBLAS 1 thread each\t\(String(format: "%.2f", parallel)) images/s\t\(String(format: "%.0f", parallel * 4.11)) GFLOPS")
    print("peak memory\t\(String(format: "%.0f", peakResidentMiB())) MiB")
}
