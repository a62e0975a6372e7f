import ArgumentParser
import Foundation
import Lookalike

struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Fit the threshold (and graph k, resolution) on your labelled folder(s); save a profile for `group`.",
        discussion: """
        Products are dealt into folds; each fold's setting is chosen on the other folds' images and scored on its \
        own, so the cross-validated F1 never scores a product that helped choose. The in-sample figure is printed \
        beside it. The saved profile holds the best rule's setting fitted on all images.

        With several labels files, one setting is chosen for all of them (best mean F1 over the sets), and each set \
        is also scored with the setting chosen on the other sets only (leave one set out): does it carry to a \
        collection it was not chosen on? This is how Lookalike's own defaults were chosen.

        Examples:
          lookalike tune labels.csv --output shop.profile.json
          lookalike tune --method phash,dhash --cluster all labels.csv --output fused.json
          lookalike group --profile shop.profile.json photos/
          lookalike tune --method mask --cluster graph a/labels.csv b/labels.csv c/labels.csv
        """
    )

    @Argument(help: "A labels.csv with columns path,group[,view]; several to choose one setting for all of them.")
    var labels: [String]

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

    func validate() throws {
        guard !labels.isEmpty else { throw ValidationError("give at least one labels.csv") }
    }

    func run() throws {
        if labels.count > 1 { return try runShared() }
        let labels = self.labels[0]
        let console = Console()
        let set: LabelSet
        do { set = try LabelSet(csvAt: labels) } catch { console.error("\(error)"); throw ExitStatus.noneProcessed }
        let entries = try parseMethods(method)
        let rules = try parseRules(cluster)
        let parsedWeights = try self.parsedWeights()
        let options = MethodOptions(hashSize: size, weightsPath: weights)
        let methods = try makeMethods(entries, options, console: console)
        let (sets, kept, failed) = describeLabelled(set, methods: methods, jobs: jobs, console: console)
        guard kept.count > 1 else { throw ExitStatus.noneProcessed }
        let fused = entries.count > 1
        let tuner = Tuner(descriptorSets: sets, scales: fused ? entries.map { $0.fusionUnit(options) } : [1],
                          weights: parsedWeights, labels: kept)
        console.out("# \(kept.count) images, \(Set(kept).count) products, \(folds)-fold cross-validation over products, \(repeats) random splits\n")
        console.out("rule        setting (fitted on all)            in-sample F1  cross-validated F1 (folds)\n")
        var best: (GroupingSetting, Double, Double)?
        for rule in rules {
            let candidates = self.candidates(rule: rule, entries: entries)
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
            try save(GroupingProfile(methods: entries.map(\.name), weights: parsedWeights, hashSize: size,
                                     setting: best.0, inSampleF1: best.1, crossValidatedF1: best.2, labels: labels),
                     to: output, console: console)
        }
        try finish(processed: kept.count, failed: failed, console: console, verb: "read")
    }

    func parsedWeights() throws -> [Float]? { try methodWeights.map(parseMethodWeights) }

    /// Thresholds to try: bits for one hash, 1 - cos for vectors, units of each method's near-duplicate
    /// threshold for fused methods (product grouping needs several times that).
    func thresholds(_ entries: [MethodCatalog.Entry]) -> [Float] {
        if entries.count > 1 { return stride(from: 0.25, through: 10.0, by: 0.25).map { Float($0) } }
        if entries[0].metric == .hamming { return (0...(24 * size * size / 64)).map(Float.init) }
        // Finer near zero, where near-duplicates sit; coarser where products do.
        return [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 1.0]
    }

    /// Every setting tried for a rule; the graph rule tries k and resolution at every other threshold of a bit code.
    func candidates(rule: ClusteringRule, entries: [MethodCatalog.Entry]) -> [GroupingSetting] {
        let thresholds = self.thresholds(entries)
        guard rule == .graph else { return thresholds.map { GroupingSetting(rule: rule, threshold: $0) } }
        var candidates: [GroupingSetting] = []
        let hamming = entries.count == 1 && entries[0].metric == .hamming
        for t in thresholds.enumerated().filter({ !hamming || $0.offset % 2 == 0 }).map(\.element) {
            for k in [5, 10, 20] { for r in [0.5, 1.0, 2.0, 3.0] {
                candidates.append(GroupingSetting(rule: rule, threshold: t, graph: GraphSettings(k: k, resolution: r)))
            } }
        }
        return candidates
    }

    func save(_ profile: GroupingProfile, to output: String, console: Console) throws {
        do { try profile.write(to: output) } catch {
            console.error("\(output): cannot write the profile: \(error.localizedDescription)")
            throw ExitCode(73)
        }
        console.flush()
        console.error("wrote \(output): \(profile.setting.rule), threshold \(profile.setting.threshold)")
    }

    static func describe(_ s: GroupingSetting) -> String {
        "\(s.threshold)" + (s.clusteringRule == .graph ? ", k \(s.k), res \(s.resolution)" : "")
    }

    /// Several labelled sets: one setting for all (best mean F1), and leave-one-set-out scores.
    func runShared() throws {
        let console = Console()
        let entries = try parseMethods(method)
        let rules = try parseRules(cluster)
        let fusionWeights = try parsedWeights()
        let options = MethodOptions(hashSize: size, weightsPath: weights)
        let methods = try makeMethods(entries, options, console: console)
        let fused = entries.count > 1
        var tuners: [Tuner] = [], names: [String] = [], processed = 0, failed = 0
        for path in labels {
            let set: LabelSet
            do { set = try LabelSet(csvAt: path) } catch { console.error("\(error)"); failed += 1; continue }
            let (sets, kept, bad) = describeLabelled(set, methods: methods, jobs: jobs, console: console)
            processed += kept.count
            failed += bad
            guard kept.count > 1 else { continue }
            tuners.append(Tuner(descriptorSets: sets, scales: fused ? entries.map { $0.fusionUnit(options) } : [1],
                                weights: fusionWeights, labels: kept))
            names.append(URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent)
        }
        guard tuners.count > 1 else {
            console.error("fewer than two usable labelled sets")
            throw ExitStatus.noneProcessed
        }
        console.out("# \(entries.map(\.name).joined(separator: "+")): one setting for \(tuners.count) sets (best mean pairwise F1); "
                    + "'left out': the setting chosen on the other sets, scored on this one\n")
        console.out("rule        set                        own best (threshold)             shared  left out (setting chosen on the others)\n")
        var best: (GroupingSetting, Double, Double)?
        for rule in rules {
            let candidates = self.candidates(rule: rule, entries: entries)
            let shared = SharedTuning(candidates: candidates, scores: tuners.map { $0.scores(candidates) })
            for (s, result) in shared.sets.enumerated() {
                console.out(rule.rawValue.padded(11) + " " + names[s].padded(26)
                    + String(format: " %.3f", result.ownF1) + (" (" + Self.describe(result.own) + ")").padded(26)
                    + String(format: "   %.3f   %.3f", result.sharedF1, result.leftOutF1)
                    + " (" + Self.describe(result.leftOut) + ")\n")
            }
            let leftOutMean = shared.sets.map(\.leftOutF1).reduce(0, +) / Double(shared.sets.count)
            console.out(rule.rawValue.padded(11) + " " + "mean".padded(26)
                + String(format: " %.3f", shared.sets.map(\.ownF1).reduce(0, +) / Double(shared.sets.count)).padded(32)
                + String(format: "   %.3f   %.3f", shared.meanF1, leftOutMean)
                + "   shared setting: " + Self.describe(shared.setting) + "\n")
            if best == nil || leftOutMean > best!.2 { best = (shared.setting, shared.meanF1, leftOutMean) }
        }
        if let output, let best {
            try save(GroupingProfile(methods: entries.map(\.name), weights: fusionWeights, hashSize: size, setting: best.0,
                                     inSampleF1: best.1, crossValidatedF1: best.2, labels: labels.joined(separator: ",")),
                     to: output, console: console)
        }
        try finish(processed: processed, failed: failed, console: console, verb: "read")
    }
}
