import ArgumentParser
import Foundation
import Lookalike

/// How `group` and `dedupe` turn images into groups: methods, threshold, rule, cascade, keep policy. It only
/// declares options; `plan` hands them to the library's `GroupingPlan`, which resolves every default.
struct GroupingOptions: ParsableArguments {
    @OptionGroup var methods: MethodOptions

    @Option(name: [.short, .long, .customLong("cutoff")], help: ArgumentHelp(
        "Distance threshold (the graph rule's cutoff); default: the method's documented default for the rule.",
        discussion: "Bits for one hash; 1 - cos for vectors; for fused methods 1.0 means 'as far apart as a typical pair of "
            + "these images' for every method (each method's distance over its median)."))
    var threshold: Float?

    @Flag(help: "k-reciprocal re-ranking (Zhong et al. 2017) before clustering; the threshold is then a Jaccard distance (default 0.8).")
    var rerank = false

    @Option(help: ArgumentHelp(
        "Clustering rule: components, seed, linkage or graph.",
        discussion: "group: components for hashes, graph for vector methods; dedupe: components unless you ask."))
    var cluster: ClusteringRule?

    @Option(help: ArgumentHelp(
        "Cascade: a second, costlier method run only on each group's kept copy and on images left alone.",
        discussion: "Its matches join whole first-stage groups."))
    var cascade: String?

    @Option(help: "Cascade: the second method's threshold (default: its catalog unit: a hash's threshold, 0.15 for the mask method).")
    var cascadeThreshold: Float?

    @Option(help: "A profile written by `lookalike tune`: it sets the method(s), weights, rule, threshold, k and resolution.")
    var profile: String?

    @Option(help: "Graph rule: neighbours per image in the k-nearest-neighbour graph (default: the method's).")
    var k: Int?

    @Option(help: "Graph rule: Louvain resolution, higher for smaller groups (default: the method's).")
    var resolution: Double?

    @Option(help: "Graph rule: random seed (same seed, same groups).")
    var seed: UInt64 = 1

    @Option(help: "Which copy to keep: criteria in order (resolution, size, oldest, newest, shortest).")
    var keep: String = KeepPolicy.standard.description

    @Flag(help: ArgumentHelp(
        "Near-duplicates: check every candidate pair on aligned colour thumbnails before it joins a group.",
        discussion: "Candidates: pHashes of each image trimmed of uniform borders, untrimmed, and of centre windows, "
            + "within 12 bits; groups are formed from pairs that pass only. Images too flat to compare join none."))
    var verify = false

    @Flag(help: "With --verify: also match mirrored copies.")
    var transforms = false

    @Option(name: .customLong("verify-chain"), help: ArgumentHelp(
        "With --verify: how far verified pairs chain from the kept copy (1: verified against it; 2: or against "
            + "an image that is), or 'components' (every connected pair).",
        discussion: "One wrong pair joins two families of copies under 'components'; 2 stops that at the cost of "
            + "a few distant copies (README)."))
    var verifyChain: String = "2"

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Product grouping: re-score the graph rule's k-nearest pairs by ORB + RANSAC inliers between the two images.",
        discussion: "Pairs with many inliers (shared printed detail) are pulled in, by at most 30%; others keep their "
            + "distance. About 6 ms an image and 1 ms a pair on one core. On in group's default (no --method); "
            + "--no-verify-orb turns it off there."))
    var verifyOrb: Bool?

    func validate() throws {
        _ = try methods.single(or: "phash")
        guard KeepPolicy(parsing: keep) != nil else {
            throw ValidationError("--keep: use a comma-separated list of \(KeepPolicy.Criterion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let threshold, threshold < 0 { throw ValidationError("--threshold must not be negative") }
        if let k, k < 1 { throw ValidationError("--k must be at least 1") }
        if let resolution, resolution <= 0 { throw ValidationError("--resolution must be positive") }
        if transforms && !verify { throw ValidationError("--transforms goes with --verify") }
        _ = try chainDepth()
        if verifyOrb == true && verify { throw ValidationError("--verify-orb re-scores product grouping; --verify checks near-duplicates: one or the other") }
        if verify && (cascade != nil || rerank) { throw ValidationError("--verify groups by its own checks: no --cascade or --rerank with it") }
        if let cascade, MethodCatalog.entry(named: cascade) == nil {
            throw ValidationError("unknown --cascade method '\(cascade)'; choose from \(MethodCatalog.names.joined(separator: ", "))")
        }
    }

    /// The library's plan for these options (a profile, when given, sets methods, weights and the setting). With no
    /// --method, `group` groups products with the measured default (`MethodCatalog.productDefault`), saying so on
    /// stderr when it has to fall back; `dedupe` hashes (pHash).
    /// `made`: the default's methods, already made to see that they start (nil when the plan's methods are still to
    /// be made).
    /// `--verify-chain`: a depth of at least 1, or nil for components.
    func chainDepth() throws -> Int? {
        if verifyChain == "components" { return nil }
        guard let depth = Int(verifyChain), depth >= 1 else {
            throw ValidationError("--verify-chain: a depth of 1 or more, or 'components' (got '\(verifyChain)')")
        }
        return depth
    }

    func plan(purpose: GroupingPlan.Purpose, console: Console) throws -> (GroupingPlan, made: [any DescriptorMethod]?) {
        if verify {
            // The verifier makes its own views; pHash only labels the report (and is what a store would hold).
            var plan = try plan(purpose: .dedupe, console: console, methods: nil, settings: methods.settings, weights: nil)
            plan.verification = GroupingPlan.Verification(transforms: transforms, chainDepth: try chainDepth())
            return (plan, nil)
        }
        if verifyOrb == false {
            var (planned, made) = try plan(verifyOrbFree: purpose, console: console)
            planned.keypointAdjustment = nil
            return (planned, made)
        }
        if verifyOrb == true {
            var (planned, made) = try plan(verifyOrbFree: purpose, console: console)
            guard planned.rule == .graph || planned.rule == .seed else {
                throw ValidationError("--verify-orb re-scores the k-nearest pairs of the graph (or seed) rule; "
                                      + "this grouping uses \(planned.rule.rawValue): add --cluster graph or use a vector method")
            }
            planned.keypointAdjustment = KeypointAdjustedIndex.Settings()
            return (planned, made)
        }
        return try plan(verifyOrbFree: purpose, console: console)
    }

    private func plan(verifyOrbFree purpose: GroupingPlan.Purpose, console: Console) throws -> (GroupingPlan, made: [any DescriptorMethod]?) {
        if purpose == .grouping && methods.method.isEmpty && profile == nil {
            let (chosen, made, fellBack) = GroupingPlan.productDefault(settings: methods.settings,
                                                               pooling: methods.settingsOptions.pooling,
                                                               focus: methods.settingsOptions.focus,
                                                               keypoints: verifyOrb,
                                                               keep: KeepPolicy(parsing: keep)!, seed: seed)
            if let fellBack { console.error("group: \(fellBack)") }
            if cluster != nil || threshold != nil || k != nil || resolution != nil || rerank || cascade != nil {
                var asked = try plan(purpose: purpose, console: console, methods: chosen.methods, settings: chosen.settings,
                                     weights: chosen.weights)
                // The default's ORB re-scoring stays where its rule still has k-nearest pairs to re-score.
                if asked.rule == .graph || asked.rule == .seed { asked.keypointAdjustment = chosen.keypointAdjustment }
                return (asked, made)
            }
            return (chosen, made)
        }
        return (try plan(purpose: purpose, console: console, methods: nil, settings: methods.settings, weights: nil), nil)
    }

    /// The plan for explicit methods (or the given ones, when `group`'s default was taken but a setting was asked).
    private func plan(purpose: GroupingPlan.Purpose, console: Console, methods chosen: [MethodCatalog.Entry]?,
                      settings: MethodSettings, weights chosenWeights: [Float]?) throws -> GroupingPlan {
        let keep = KeepPolicy(parsing: self.keep)!
        if let profile {
            let fitted: GroupingProfile
            do { fitted = try GroupingProfile.read(profile) } catch { throw ValidationError("\(error)") }
            do { return try GroupingPlan(profile: fitted, settings: methods.settings, keep: keep, seed: seed) } catch {
                throw ValidationError("\(profile) \(error)")
            }
        }
        return GroupingPlan(methods: try chosen ?? methods.single(or: "phash"), settings: settings,
                            weights: try chosenWeights ?? methods.parsedWeights(), purpose: purpose, rule: cluster, threshold: threshold,
                            k: k, resolution: resolution, seed: seed, rerank: rerank,
                            cascade: cascade.flatMap(MethodCatalog.entry(named:)), cascadeThreshold: cascadeThreshold,
                            keep: keep)
    }
}

/// Runs a plan over the input with a progress bar, every skipped file named on stderr, and the cascade's and
/// stores' notes. Returns the outcome and the failed count (files that could not be collected included).
func runPlan(_ planned: (GroupingPlan, made: [any DescriptorMethod]?), input: InputOptions, console: Console,
             excluding: [String] = [], overlayFolder: String? = nil) throws -> (GroupingPlan.Outcome, failed: Int) {
    let (plan, made) = planned
    let methods: [any DescriptorMethod]
    if let made {
        methods = made
        sayStoreDamage(made, console: console)
    } else {
        methods = try makeMethods(plan.methods, plan.settings, console: console)
    }
    let second = try plan.cascade.map { try makeMethods([$0.method], plan.settings, console: console)[0] }
    let files = input.collect(console: console, excluding: excluding)
    let notCollected = console.skips.count
    var progress = ProgressBar(total: files.count, console: console)
    let outcome = try plan.run(files: files, methods: methods, cascadeMethod: second,
                               reading: input.reading(hashSize: plan.settings.hashSize, overlayFolder: overlayFolder)) {
        progress.report($0, console: console)
    }
    progress.finish()
    reportStoreReuse(methods, console: console)
    if let cascade = plan.cascade {
        // The second stage's own failures are not in the progress report.
        let reported = Set(console.skips.map(\.path))
        for failure in outcome.failures where !reported.contains(failure.path) { console.skip(failure) }
        console.error("cascade: \(cascade.method.name) described \(outcome.cascadeDescribed) of \(outcome.processed) images")
    }
    for error in outcome.overlayErrors { console.error(error.description) }
    let flat = outcome.report.tooFlat.map { outcome.report.images[$0].path }
    if let first = flat.first {
        console.error("\(flat.count) image(s) too flat to compare (blank, white or dark: quality under \(ImageQuality.flat)) "
                      + "joined no near-duplicate group, such as \(first)")
    }
    return (outcome, notCollected + outcome.failures.count)
}

extension ClusteringRule: ExpressibleByArgument {}
