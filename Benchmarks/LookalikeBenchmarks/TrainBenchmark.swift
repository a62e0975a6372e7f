// Training speed: ConvAutoencoder steps (batch of random images) and TripletHead steps (2048-d inputs, as ResNet50's).
// Run: swift run -c release LookalikeBenchmarks train [--size S] [--batch B] [--steps N] [--threads T]
// (Benchmarks/train_torch.py times the same autoencoder in torch.)
import Foundation
import Lookalike

func trainBenchmark(_ arguments: ArraySlice<String>) {
    var (size, batch, steps, threads) = (64, 32, 5, ProcessInfo.processInfo.activeProcessorCount)
    var rest = arguments
    while let flag = rest.popFirst() {
        let value = Int(rest.popFirst() ?? "")
        switch flag {
        case "--size": size = value ?? size
        case "--batch": batch = value ?? batch
        case "--steps": steps = value ?? steps
        case "--threads": threads = value ?? threads
        default: print("unknown flag \(flag)"); return
        }
    }
    Train.useThreads(threads)
    var rng = SplitMix64(seed: 1)
    let images = Train.Batch(shape: [batch, 3, size, size],
                             values: (0..<(batch * 3 * size * size)).map { _ in Float(rng.next() % 256) / 255 })
    let model = ConvAutoencoder(inputSize: size)
    let optimiser = model.makeOptimiser()
    model.trainingStep(images, optimiser: optimiser)  // warm-up: first touches of every buffer
    var start = DispatchTime.now().uptimeNanoseconds
    var loss: Float = 0
    for _ in 0..<steps { loss = model.trainingStep(images, optimiser: optimiser) }
    let perStep = seconds(since: start) / Double(steps)
    print(String(format: "autoencoder %dpx batch %d, %d threads: %.1f ms/step, %.0f images/s, loss %.4f, peak %.0f MiB",
                 size, batch, threads, perStep * 1000, Double(batch) / perStep, loss, peakResidentMiB()))
    start = DispatchTime.now().uptimeNanoseconds
    _ = model.encode(images)
    print(String(format: "autoencoder encode: %.0f images/s", Double(batch) / seconds(since: start)))

    let vectors = (0..<512).map { _ in (0..<2048).map { _ in Float(rng.next() % 1000) / 1000 } }
    let labels = (0..<512).map { $0 / 4 }
    let head = TripletHead(inputDimension: 2048, outputDimension: 128, hiddenDimension: 512)
    var options = TripletHead.TrainingOptions()
    options.steps = steps * 4
    start = DispatchTime.now().uptimeNanoseconds
    try! head.train(vectors: vectors, labels: labels, options: options)
    print(String(format: "triplet head 2048-512-128, %d triplets per step: %.1f ms/step", options.batchSize,
                 seconds(since: start) / Double(options.steps) * 1000))
}
