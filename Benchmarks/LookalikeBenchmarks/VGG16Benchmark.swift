// VGG16 to fc1 on seeded full-width weights: first checked against the full-width golden of
// Scripts/make_vgg16_goldens.py (fc1 within 1e-4 of its norm), then timed at batch 1 and 16 on every core, and one
// image per core (what `group`'s workers do). Run through Benchmarks/vgg16.sh to see PyTorch and ONNX Runtime beside it.
import Foundation
import Lookalike

func vgg16Benchmark(_ arguments: ArraySlice<String>) {
    var rounds = 3
    var rest = arguments
    while let flag = rest.popFirst() {
        switch flag {
        case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? rounds
        case "--kernel": ResNet50.useKernel(named: rest.popFirst())
        case "--direct": VGG16.useWinograd(false)
        default: break
        }
    }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    var start = DispatchTime.now().uptimeNanoseconds
    let network = try! VGG16(stateDict: VGG16.seededStateDict())
    let winograd = VGG16.useWinograd(true)
    VGG16.useWinograd(winograd)
    print("kernel\t\(ResNet50.kernelName)\t3x3 convolutions \(winograd ? "Winograd F(2x2, 3x3)" : "direct")\tseeded weights made and loaded in \(String(format: "%.1f", seconds(since: start))) s")

    // The golden first: a fast network that computes something else is worth nothing.
    let goldens = try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "Fixtures/vgg16-goldens.json"))) as! [String: Any]
    let full = (goldens["networks"] as! [String: Any])["full"] as! [String: Any]
    for (relative, value) in (full["images"] as! [String: [String: Any]]).sorted(by: { $0.key < $1.key }) {
        let decoded = try! ImageDecoder().decode(path: relative).get().image
        let got = network.embed(ImageNetInput.tensor(RGBImage(decoded)))
        let expected = (value["fc1"] as! [Double]).map(Float.init)
        let norm = Float(value["norm"] as! Double)
        let worst = zip(got, expected).map { abs($0 - $1) }.max()!
        print("golden \(relative)\tmax |difference| \(String(format: "%.3g", worst)) = \(String(format: "%.2g", worst / norm)) of the norm\t"
              + (worst <= 1e-4 * norm ? "ok" : "MISMATCH"))
    }

    var rng = SplitMix64(seed: 5)
    let batch = (0..<16).map { _ in (0..<(3 * 224 * 224)).map { _ in Float(rng.next() % 1000) / 250 - 2 } }
    let macs = 15.449
    func report(_ label: String, _ rate: Double) {
        print("vgg16 \(label)\t\(String(format: "%.2f", rate)) images/s\t\(String(format: "%.1f", rate * macs * 2)) GFLOPS")
    }
    _ = network.embed(batch[0])
    start = DispatchTime.now().uptimeNanoseconds
    for i in 0..<(8 * rounds) { _ = network.embed(batch[i % 16]) }
    report("batch 1, \(cores) threads", Double(8 * rounds) / seconds(since: start))
    _ = network.embedBatch(batch)
    start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { _ = network.embedBatch(batch) }
    report("batch 16, \(cores) threads", Double(16 * rounds) / seconds(since: start))
    let perWorker = 8 * rounds / cores
    DispatchQueue.concurrentPerform(iterations: cores) { _ in _ = network.embed(batch[0], threads: 1) }
    start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: cores) { worker in
        for i in 0..<perWorker { _ = network.embed(batch[(i + worker) % 16], threads: 1) }
    }
    report("\(cores) images at once, 1 thread each", Double(perWorker * cores) / seconds(since: start))
    print("peak memory\t\(String(format: "%.0f", peakResidentMiB())) MiB")
}
