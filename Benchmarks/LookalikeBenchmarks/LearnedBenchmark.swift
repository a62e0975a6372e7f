// Learned embeddings, honestly: product-disjoint folds (no product on both sides), each learned model trained on
// the training side only and every method scored on the test side alone.
// Run: swift run -c release LookalikeBenchmarks learned [LABELS.csv ...] [--seeds N] [--folds F] [--head-epochs E] [--ae-epochs E]
//      [--ae-size S] [--semi-hard] [--hidden H] [--dim D] [--margin M] [--learning-rate R] [--no-autoencoder] [--unlabelled] [--threads T]
// (default sets: ../shared/data/grocery-packages and seed-product-grouping; set LOOKALIKE_EMBEDDINGS to reuse
// stored effnet-lite0 vectors).
import Foundation
import Lookalike
import Synchronization

func learnedBenchmark(_ arguments: ArraySlice<String>) {
    var sets: [String] = []
    var (seeds, headEpochs, aeEpochs, aeSize, threads) = (2, TripletTraining().epochs, AutoencoderTraining().epochs, 64,
                                                          ProcessInfo.processInfo.activeProcessorCount)
    var semiHard = false, skipAutoencoder = false, folds = 2, unlabelled = false
    var head = TripletTraining()
    var rest = arguments
    while let flag = rest.popFirst() {
        switch flag {
        case "--seeds": seeds = Int(rest.popFirst() ?? "") ?? seeds
        case "--head-epochs": headEpochs = Int(rest.popFirst() ?? "") ?? headEpochs
        case "--ae-epochs": aeEpochs = Int(rest.popFirst() ?? "") ?? aeEpochs
        case "--ae-size": aeSize = Int(rest.popFirst() ?? "") ?? aeSize
        case "--threads": threads = Int(rest.popFirst() ?? "") ?? threads
        case "--semi-hard": semiHard = true
        case "--no-autoencoder": skipAutoencoder = true
        case "--unlabelled": unlabelled = true
        case "--folds": folds = max(2, Int(rest.popFirst() ?? "") ?? folds)
        case "--hidden": head.hidden = Int(rest.popFirst() ?? "") ?? head.hidden
        case "--dim": head.dimension = Int(rest.popFirst() ?? "") ?? head.dimension
        case "--margin": head.margin = Float(rest.popFirst() ?? "") ?? head.margin
        case "--learning-rate": head.learningRate = Float(rest.popFirst() ?? "") ?? head.learningRate
        default:
            if flag.hasPrefix("--") { print("unknown flag \(flag)"); return }
            sets.append(flag)
        }
    }
    if sets.isEmpty {
        sets = ["../shared/data/grocery-packages/labels.csv", "../shared/data/seed-product-grouping/labels.csv"]
    }
    let backboneEntry = MethodCatalog.entry(named: "effnet-lite0")!
    let phashEntry = MethodCatalog.entry(named: "phash")!
    guard let backbone = try? backboneEntry.make(MethodSettings()) else {
        print("effnet-lite0: weights not found (bash Scripts/get-weights.sh)"); return
    }
    let phash = try! phashEntry.make(MethodSettings())
    print("# product-disjoint: \(folds) folds x \(seeds) seed(s); triplet head \(head.hidden)-\(head.dimension), margin \(head.margin), lr \(head.learningRate), \(headEpochs) epochs\(semiHard ? ", semi-hard" : "") over effnet-lite0 (avg, image); "
          + "autoencoder \(aeSize) px, latent 16, \(aeEpochs) epochs; \(threads) thread(s)")
    print("set      method          Recall@1        mAP             best F1 (graph)  train s   per s")
    for file in sets {
        guard let set = try? LabelSet(csvAt: file) else { print("\(file): cannot read"); continue }
        let name = URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent.prefix(8)
        let bytes = Mutex<[String: [UInt8]]>([:])
        let size = aeSize
        let describeStart = DispatchTime.now().uptimeNanoseconds
        let described = set.describe(methods: [backbone, phash], workers: threads, visit: { _, sample in
            let b = AutoencoderInput.bytes(sample, size: size)
            bytes.withLock { $0[sample.path] = b }
        })
        let describeSeconds = seconds(since: describeStart)
        let pixels = bytes.withLock { $0 }
        // Without labels: every image and its edited copies described once; each fold keeps its training side's.
        var copies: TripletTraining.Unlabelled?
        var copiesSeconds = 0.0
        if unlabelled {
            let start = DispatchTime.now().uptimeNanoseconds
            copies = TripletTraining.describeUnlabelled(paths: described.paths, backbone: backbone,
                                                        reading: GroupingPlan.Reading(workers: threads)) { _ in }
            copiesSeconds = seconds(since: start)
        }
        let vectors = described.descriptorSets[0].map { d -> [Float] in if case .vector(let v) = d { v } else { [] } }
        let labels = described.labels
        // method -> per-fold scores; training seconds and items per second per learned method
        var scores: [String: [HeldOutProducts.Score]] = [:]
        var timing: [String: (seconds: Double, rate: Double)] = [:]
        Train.useThreads(threads)
        for seed in 0..<UInt64(seeds) {
            for (train, test) in HeldOutProducts.folds(labels: labels, folds: folds, seed: seed) {
                let testLabels = test.map { labels[$0] }
                scores["effnet-lite0", default: []].append(
                    HeldOutProducts.score(test.map { described.descriptorSets[0][$0] }, labels: testLabels, entry: backboneEntry))
                scores["phash", default: []].append(
                    HeldOutProducts.score(test.map { described.descriptorSets[1][$0] }, labels: testLabels, entry: phashEntry))
                var triplet = head
                (triplet.epochs, triplet.seed, triplet.semiHard) = (headEpochs, seed, semiHard)
                guard let outcome = try? triplet.train(vectors: train.map { vectors[$0] }, labels: train.map { labels[$0] }) else {
                    print("\(name): fold without two images of one product on the training side"); continue
                }
                let embedded = outcome.head.embed(test.map { vectors[$0] }).map { Descriptor.vector($0) }
                scores["triplet", default: []].append(
                    HeldOutProducts.score(embedded, labels: testLabels, entry: MethodCatalog.entry(named: "triplet")!))
                timing["triplet", default: (0, 0)].seconds += outcome.seconds
                timing["triplet", default: (0, 0)].rate += outcome.tripletsPerSecond
                if let copies {
                    let side = Set(train.map { described.paths[$0] })
                    let chosen = copies.owners.indices.filter { side.contains(copies.paths[copies.owners[$0]]) }
                    if let outcome = try? triplet.train(vectors: chosen.map { copies.vectors[$0] }, labels: chosen.map { copies.labels[$0] }) {
                        let embedded = outcome.head.embed(test.map { vectors[$0] }).map { Descriptor.vector($0) }
                        scores["triplet, unlabelled", default: []].append(
                            HeldOutProducts.score(embedded, labels: testLabels, entry: MethodCatalog.entry(named: "triplet")!))
                        timing["triplet, unlabelled", default: (0, 0)].seconds += outcome.seconds
                        timing["triplet, unlabelled", default: (0, 0)].rate += outcome.tripletsPerSecond
                    }
                }
                if skipAutoencoder { continue }
                var ae = AutoencoderTraining()
                (ae.size, ae.epochs, ae.seed, ae.validationShare, ae.threads) = (aeSize, aeEpochs, seed, 0, threads)
                let trainImages = LearnedImages(paths: train.map { described.paths[$0] }, pixels: train.map { pixels[described.paths[$0]]! },
                                                size: aeSize)
                let trained = ae.run(trainImages)
                let codes = trained.model.encode(test.map { AutoencoderInput.floats(pixels[described.paths[$0]]!) })
                scores["autoencoder", default: []].append(
                    HeldOutProducts.score(codes.map { .vector(unit($0)) }, labels: testLabels, entry: MethodCatalog.entry(named: "autoencoder")!))
                timing["autoencoder", default: (0, 0)].seconds += trained.seconds
                timing["autoencoder", default: (0, 0)].rate += trained.imagesPerSecond
            }
        }
        let runs = Double(folds * seeds)
        for method in ["triplet", "triplet, unlabelled", "effnet-lite0", "phash", "autoencoder"] {
            guard let s = scores[method], !s.isEmpty else { continue }
            func cell(_ values: [Double]) -> String {
                let mean = values.reduce(0, +) / Double(values.count)
                return String(format: "%.3f (%.2f-%.2f)", mean, values.min()!, values.max()!)
            }
            let t = timing[method].map { String(format: "%8.1f  %6.0f", $0.seconds / runs, $0.rate / runs) }
                ?? (method == "effnet-lite0" ? String(format: "       -  %6.1f", Double(labels.count) / max(describeSeconds, 1e-9)) : "")
            func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
            print(pad(String(name), 8) + " " + pad(method, 15) + " " + pad(cell(s.map(\.recallAt1)), 17)
                  + pad(cell(s.map(\.meanAveragePrecision)), 17) + pad(cell(s.map(\.bestF1)), 18) + t)
        }
        print("\(name): \(labels.count) images, \(Set(labels).count) products; described once in "
              + String(format: "%.1f s", describeSeconds) + " (effnet-lite0 + phash + the autoencoder's input)"
              + (copies.map { String(format: "; %d vectors of images and edited copies in %.1f s, %d images joined by pHash",
                                     $0.vectors.count, copiesSeconds, $0.joinedByHash) } ?? ""))
    }
}

private func unit(_ v: [Float]) -> [Float] {
    let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return n > 0 ? v.map { $0 / n } : v
}
