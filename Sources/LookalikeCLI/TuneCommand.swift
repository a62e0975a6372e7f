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

    @OptionGroup var methods: MethodOptions

    @Option(help: "Rules to try, comma-separated (components, seed, linkage, graph), or all.")
    var cluster: String = "components,linkage,graph"

    @Flag(help: "k-reciprocal re-ranking before clustering, as `group --rerank` (thresholds then in Jaccard distance).")
    var rerank = false

    @Flag(name: .customLong("verify-orb"), help: "Re-score the k-nearest pairs by ORB + RANSAC inliers, as `group --verify-orb` (graph and seed rules).")
    var verifyOrb = false

    @Option(help: "Folds of products for cross-validation (2: choose on half the products, score on the other half).")
    var folds: Int = 2

    @Option(help: "Repeat the cross-validation with this many random product splits and average.")
    var repeats: Int = 3

    @Option(name: [.short, .long], help: "Write the best profile here.")
    var output: String?

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard !labels.isEmpty else { throw ValidationError("give at least one labels.csv") }
        _ = try methods.single(or: "phash")
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        if verifyOrb, let rules = try? parseRules(cluster), rules.contains(where: { $0 != .graph && $0 != .seed }) {
            throw ValidationError("--verify-orb re-scores k-nearest pairs: use it with --cluster graph or seed")
        }
    }

    /// The plan for one rule (its grid and units come from the catalog).
    func plan(_ rule: ClusteringRule) throws -> GroupingPlan {
        var plan = GroupingPlan(methods: try methods.single(or: "phash"), settings: methods.settings,
                                weights: try methods.parsedWeights(), rule: rule, rerank: rerank)
        if verifyOrb { plan.keypointAdjustment = KeypointAdjustedIndex.Settings() }
        return plan
    }

    func run() throws {
        if labels.count > 1 { return try runShared() }
        let labels = self.labels[0]
        let console = Console()
        let set: LabelSet
        do { set = try LabelSet(csvAt: labels) } catch { console.error("\(error)"); throw ExitStatus.noneProcessed }
        let entries = try methods.single(or: "phash")
        let rules = try parseRules(cluster)
        let made = try makeMethods(entries, methods.settings, console: console)
        let described = describeLabelled(set, methods: made, jobs: jobs, keypoints: verifyOrb, console: console)
        let kept = described.labels
        guard kept.count > 1 else { throw ExitStatus.noneProcessed }
        console.out("# \(kept.count) images, \(Set(kept).count) products, \(folds)-fold cross-validation over products, \(repeats) random splits\n")
        console.out("rule        setting (fitted on all)            in-sample F1  cross-validated F1 (folds)\n")
        var best: (GroupingSetting, Double, Double)?
        for rule in rules {
            let plan = try self.plan(rule)
            let tuner = Tuner(plan: plan, descriptorSets: described.descriptorSets, labels: kept, features: described.keypoints)
            let candidates = Tuner.candidates(rule: rule, plan: plan)
            let outcomes = (1...max(1, repeats)).map { tuner.tune(candidates: candidates, folds: folds, seed: UInt64($0)) }
            let heldOut = outcomes.flatMap { $0.folds.map(\.heldOutF1) }
            let outcome = outcomes[0]
            let crossValidated = heldOut.isEmpty ? 0 : heldOut.reduce(0, +) / Double(heldOut.count)
            let s = outcome.setting
            let shown = "threshold \(s.threshold)" + (rule == .graph ? ", k \(s.k), resolution \(s.resolution)" : "")
            console.out(rule.rawValue.padded(11) + " " + shown.padded(34)
                        + String(format: " %.3f         %.3f", outcome.inSampleF1, crossValidated)
                        + " (" + heldOut.map { String(format: "%.2f", $0) }.joined(separator: " ") + ")\n")
            if best == nil || crossValidated > best!.2 { best = (s, outcome.inSampleF1, crossValidated) }
        }
        if let output, let best {
            try save(GroupingProfile(methods: entries.map(\.name), weights: try methods.parsedWeights(),
                                     hashSize: methods.settings.hashSize, setting: best.0, inSampleF1: best.1,
                                     crossValidatedF1: best.2, labels: labels),
                     to: output, console: console)
        }
        try finish(processed: kept.count, failed: described.failures.count, console: console, verb: "read")
    }

    func save(_ profile: GroupingProfile, to output: String, console: Console) throws {
        do { try profile.write(to: output) } catch {
            console.error("\(output): cannot write the profile: \(error.localizedDescription)")
            throw ExitStatus.cannotWrite
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
        let entries = try methods.single(or: "phash")
        let rules = try parseRules(cluster)
        let made = try makeMethods(entries, methods.settings, console: console)
        var sets: [LabelledDescriptors] = [], names: [String] = [], processed = 0, failed = 0
        for path in labels {
            let set: LabelSet
            do { set = try LabelSet(csvAt: path) } catch { console.error("\(error)"); failed += 1; continue }
            let described = describeLabelled(set, methods: made, jobs: jobs, keypoints: verifyOrb, console: console)
            processed += described.labels.count
            failed += described.failures.count
            guard described.labels.count > 1 else { continue }
            sets.append(described)
            names.append(URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent)
        }
        guard sets.count > 1 else {
            console.error("fewer than two usable labelled sets")
            throw ExitStatus.noneProcessed
        }
        console.out("# \(entries.map(\.name).joined(separator: "+")): one setting for \(sets.count) sets (best mean pairwise F1); "
                    + "'left out': the setting chosen on the other sets, scored on this one; 'cross-validated': "
                    + "the shared setting chosen on \(folds - 1) of \(folds) folds of every set's products, scored on the fold held out, "
                    + "\(repeats) random splits\n")
        console.out("rule        set                        own best (threshold)             shared  left out (chosen on the others)  cross-validated\n")
        var best: (GroupingSetting, Double, Double)?
        for rule in rules {
            let plan = try self.plan(rule)
            let tuners = sets.map { Tuner(plan: plan, descriptorSets: $0.descriptorSets, labels: $0.labels, features: $0.keypoints) }
            let candidates = Tuner.candidates(rule: rule, plan: plan)
            let shared = SharedTuning(candidates: candidates, scores: tuners.map { $0.scores(candidates) })
            let crossValidated = SharedTuning.crossValidated(tuners, candidates: candidates, folds: folds, repeats: repeats)
            for (s, result) in shared.sets.enumerated() {
                console.out(rule.rawValue.padded(11) + " " + names[s].padded(26)
                    + String(format: " %.3f", result.ownF1) + (" (" + Self.describe(result.own) + ")").padded(26)
                    + String(format: "   %.3f   %.3f", result.sharedF1, result.leftOutF1)
                    + (" (" + Self.describe(result.leftOut) + ")").padded(24)
                    + String(format: " %.3f", crossValidated[s]) + "\n")
            }
            let leftOutMean = shared.sets.map(\.leftOutF1).reduce(0, +) / Double(shared.sets.count)
            console.out(rule.rawValue.padded(11) + " " + "mean".padded(26)
                + String(format: " %.3f", shared.sets.map(\.ownF1).reduce(0, +) / Double(shared.sets.count)).padded(32)
                + String(format: "   %.3f   %.3f", shared.meanF1, leftOutMean)
                + "   shared setting: " + Self.describe(shared.setting) + "\n")
            if best == nil || leftOutMean > best!.2 { best = (shared.setting, shared.meanF1, leftOutMean) }
        }
        if let output, let best {
            try save(GroupingProfile(methods: entries.map(\.name), weights: try methods.parsedWeights(),
                                     hashSize: methods.settings.hashSize, setting: best.0, inSampleF1: best.1,
                                     crossValidatedF1: best.2, labels: labels.joined(separator: ",")),
                     to: output, console: console)
        }
        try finish(processed: processed, failed: failed, console: console, verb: "read")
    }
}
