// Product grouping with and without `--verify orb` (KeypointAdjustedIndex) on labelled sets: group's default
// plan, pairwise F1 before and after, for a few strengths, and the inlier counts of same-product and
// different-product pairs among the k-nearest lists.
//   swift run -c release LookalikeBenchmarks orbrerank LABELS.csv [LABELS.csv ...]
import Foundation
import Lookalike
import Synchronization

func orbRerankBenchmark(_ arguments: ArraySlice<String>) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    // ORB as `--verify-orb` makes it, or (LOOKALIKE_ORB_SIDE, LOOKALIKE_ORB_FEATURES) at another size.
    let side = Int(ProcessInfo.processInfo.environment["LOOKALIKE_ORB_SIDE"] ?? "") ?? KeypointAdjustedIndex.featureSide
    let maxFeatures = Int(ProcessInfo.processInfo.environment["LOOKALIKE_ORB_FEATURES"] ?? "") ?? KeypointAdjustedIndex.featureCount
    let d = GroupingPlan.productDefault(settings: MethodSettings())
    guard let methods = d.methods else { print("the default's weights are missing: \(d.fellBack ?? "")"); return }
    print("plan\t\(d.plan.methodName)\tcutoff \(d.plan.threshold)\tk \(d.plan.graph.k)\tresolution \(d.plan.graph.resolution)")
    for file in arguments {
        let set = try! LabelSet(csvAt: file)
        var start = DispatchTime.now().uptimeNanoseconds
        let described = set.describe(methods: methods, workers: cores)
        let describe = seconds(since: start)
        start = DispatchTime.now().uptimeNanoseconds
        let features = Mutex<[Int: ORBFeatures]>([:])
        DescriptionRun(methods: [], workers: cores).run(paths: described.paths, visit: { i, sample in
            let f = side == KeypointAdjustedIndex.featureSide && maxFeatures == KeypointAdjustedIndex.featureCount
                ? KeypointAdjustedIndex.features(sample)
                : ORBFeatures(sample.orientedRGB.reduced(maxSide: side).luma, settings: .init(maxFeatures: maxFeatures))
            features.withLock { $0[i] = f }
        }) { _ in }
        let orb = features.withLock { $0 }
        let featureSeconds = seconds(since: start)
        let index = d.plan.index(described.descriptorSets, workers: cores)
        let before = PairwiseScore(clusters: d.plan.clusters(index), labels: described.labels)
        print("\(file)\t\(described.paths.count) images\tdescribe \(String(format: "%.1f", describe)) s\tORB features \(String(format: "%.1f", featureSeconds)) s")
        print("  without ORB\tF1 \(String(format: "%.3f", before.f1))\tP \(String(format: "%.3f", before.precision))\tR \(String(format: "%.3f", before.recall))")
        let base = KeypointAdjustedIndex(base: index, features: described.paths.indices.map { orb[$0] }, workers: cores)
        _ = base.nearest(k: d.plan.graph.k)  // every pair checked once; the variants below reuse the checks
        // The default first, then the variants measured beside it.
        for (strength, neutral, span, lowest) in [(Float(0.3), Float(10), Float(30), Float(0)), (0.5, 15, 35, -1), (0.5, 10, 30, 0),
                                                  (0.5, 20, 40, 0), (0.3, 15, 35, -0.3), (0.7, 10, 40, 0)] {
            let adjusted = base.with(settings: .init(strength: strength, neutral: neutral, span: span, lowest: lowest))
            let after = PairwiseScore(clusters: d.plan.clusters(adjusted), labels: described.labels)
            print("  ORB strength \(strength) neutral \(neutral) span \(span) lowest \(lowest)\tF1 \(String(format: "%.3f", after.f1))\tP \(String(format: "%.3f", after.precision))\tR \(String(format: "%.3f", after.recall))")
        }
        // Inliers of the pairs the lists hold, by truth.
        var same: [Int] = [], different: [Int] = []
        for (i, list) in index.nearest(k: d.plan.graph.k).enumerated() {
            for nb in list where i < nb.index {
                guard let a = orb[i], let b = orb[nb.index] else { continue }
                let inliers = ORBCheck(a, b).inlierCount
                if described.labels[i] == described.labels[nb.index] { same.append(inliers) } else { different.append(inliers) }
            }
            if i >= 300 { break }  // a sample is enough for the medians
        }
        func median(_ v: [Int]) -> Int { v.isEmpty ? 0 : v.sorted()[v.count / 2] }
        print("  inliers among k-NN pairs (first 300 images)\tsame product: \(same.count) pairs, median \(median(same))\tdifferent: \(different.count), median \(median(different))")
    }
}
