import ArgumentParser
import Foundation
import Lookalike

struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Fit the threshold (and graph k, resolution) on your labelled folder; save a profile for `group`.",
        discussion: """
        Products are dealt into folds; each fold's setting is chosen on the other folds' images and scored on its \
        own, so the cross-validated F1 never scores a product that helped choose. The in-sample figure is printed \
        beside it. The saved profile holds the best rule's setting fitted on all images.

        Examples:
          lookalike tune labels.csv --output shop.profile.json
          lookalike tune --method phash,dhash --cluster all labels.csv --output fused.json
          lookalike group --profile shop.profile.json photos/
        """
    )

    @Argument(help: "A labels.csv with columns path,group[,view].")
    var labels: String

    @Option(name: [.short, .long], help: "Method, or several comma-separated to fuse them.")
    var method: String = "phash"

    @Option(help: "With fused methods: their weights in --method order.")
    var methodWeights: String?

    @Option(help: "Rules to try, comma-separated (components, seed, linkage, graph), or all.")
    var cluster: String = "components,linkage,graph"

    @Option(help: "Folds of products for cross-validation (2: choose on half the products, score on the other half).")
    var folds: Int = 2

    @Option(help: "Repeat the cross-validation with this many random product splits and average.")
    var repeats: Int = 3

    @Option(help: "Deep methods: the weights file.")
    var weights: String?

    @Option(help: "Hash size.")
    var size: Int = 8

    @Option(name: [.short, .long], help: "Write the best profile here.")
    var output: String?

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let console = Console()
        let set: LabelSet
        do { set = try LabelSet(csvAt: labels) } catch { console.error("\(error)"); throw ExitStatus.noneProcessed }
        let entries = try parseMethods(method)
        let rules = try parseRules(cluster)
        let parsedWeights = try methodWeights.map { text in
            try text.split(separator: ",").map { v -> Float in
                guard let f = Float(v), f >= 0 else { throw ValidationError("--method-weights: '\(v)' is not a weight") }
                return f
            }
        }
        let options = MethodOptions(hashSize: size, weightsPath: weights)
        let methods = try makeMethods(entries, options, console: console)
        let (sets, kept, failed) = describeLabelled(set, methods: methods, jobs: jobs, console: console)
        guard kept.count > 1 else { throw ExitStatus.noneProcessed }
        let fused = entries.count > 1
        let thresholds: [Float]
        if fused {
            // Units of each method's near-duplicate threshold: product grouping needs several times that.
            thresholds = stride(from: 0.25, through: 10.0, by: 0.25).map { Float($0) }
        } else if entries[0].metric == .hamming {
            thresholds = (0...(24 * size * size / 64)).map(Float.init)
        } else {
            thresholds = stride(from: 0.05, through: 1.0, by: 0.05).map { Float($0) }
        }
        let tuner = Tuner(descriptorSets: sets, scales: fused ? entries.map { $0.defaultThreshold(options) } : [1],
                          weights: parsedWeights, labels: kept)
        console.out("# \(kept.count) images, \(Set(kept).count) products, \(folds)-fold cross-validation over products, \(repeats) random splits\n")
        console.out("rule        setting (fitted on all)            in-sample F1  cross-validated F1 (folds)\n")
        var best: (GroupingSetting, Double, Double)?
        for rule in rules {
            var candidates: [GroupingSetting] = []
            if rule == .graph {
                for t in thresholds.enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
                    for k in [5, 10, 20] { for r in [0.5, 1.0, 2.0, 3.0] {
                        candidates.append(GroupingSetting(rule: rule, threshold: t, graph: GraphSettings(k: k, resolution: r)))
                    } }
                }
            } else {
                candidates = thresholds.map { GroupingSetting(rule: rule, threshold: $0) }
            }
            let outcomes = (1...max(1, repeats)).map { tuner.tune(candidates: candidates, folds: folds, seed: UInt64($0)) }
            let heldOut = outcomes.flatMap { $0.folds.map(\.heldOutF1) }
            let outcome = outcomes[0]
            let crossValidated = heldOut.isEmpty ? 0 : heldOut.reduce(0, +) / Double(heldOut.count)
            let s = outcome.setting
            let described = "threshold \(s.threshold)" + (rule == .graph ? ", k \(s.k), resolution \(s.resolution)" : "")
            console.out(rule.rawValue.padded(11) + " " + described.padded(34)
                        + String(format: " %.3f         %.3f", outcome.inSampleF1, crossValidated)
                        + " (" + heldOut.map { String(format: "%.2f", $0) }.joined(separator: " ") + ")\n")
            if best == nil || crossValidated > best!.2 { best = (s, outcome.inSampleF1, crossValidated) }
        }
        if let output, let best {
            let profile = GroupingProfile(methods: entries.map(\.name), weights: parsedWeights, hashSize: size,
                                          setting: best.0, inSampleF1: best.1, crossValidatedF1: best.2, labels: labels)
            do { try profile.write(to: output) } catch {
                console.error("\(output): cannot write the profile: \(error.localizedDescription)")
                throw ExitCode(73)
            }
            console.flush()
            console.error("wrote \(output): \(best.0.rule), threshold \(best.0.threshold) (cross-validated F1 \(String(format: "%.3f", best.2)))")
        }
        try finish(processed: kept.count, failed: failed, console: console, verb: "read")
    }
}
