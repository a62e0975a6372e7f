import ArgumentParser
import Foundation
import Lookalike

/// How `group` and `dedupe` turn images into groups: which method (or fused methods), threshold, rule, keep policy.
struct GroupingOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp(
        "Method, or several comma-separated to fuse them (\(MethodCatalog.names.joined(separator: ", "))).",
        discussion: "Fused methods average each method's distance divided by its unit (a hash's threshold; 0.15 for vectors)."))
    var method: String = "phash"

    @Option(name: [.short, .long, .customLong("cutoff")], help: ArgumentHelp(
        "Distance threshold (the graph rule's cutoff); default: the method's documented default for the rule.",
        discussion: "Bits for one hash; 1 - cos for vectors; for fused methods 1.0 means 'at every method's unit'."))
    var threshold: Float?

    @Option(help: "With fused methods: their weights, comma-separated, in --method order (default: equal).")
    var methodWeights: String?

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

    @Option(help: "Cascade: the second method's threshold (default: its unit, as in fusions: a hash's threshold, 0.15 for vectors).")
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

    func validate() throws {
        let entries = try self.entries()
        guard KeepPolicy(parsing: keep) != nil else {
            throw ValidationError("--keep: use a comma-separated list of \(KeepPolicy.Criterion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let threshold, threshold < 0 { throw ValidationError("--threshold must not be negative") }
        if let k, k < 1 { throw ValidationError("--k must be at least 1") }
        if let resolution, resolution <= 0 { throw ValidationError("--resolution must be positive") }
        if let cascade, MethodCatalog.entry(named: cascade) == nil {
            throw ValidationError("unknown --cascade method '\(cascade)'; choose from \(MethodCatalog.names.joined(separator: ", "))")
        }
        if let w = try parsedWeights(), w.count != entries.count {
            throw ValidationError("--method-weights has \(w.count) values for \(entries.count) methods")
        }
    }

    func entries() throws -> [MethodCatalog.Entry] { try parseMethods(method) }

    func parsedWeights() throws -> [Float]? { try methodWeights.map(parseMethodWeights) }

    /// Reads the images and groups them. Returns the report and the read counts for the exit status.
    /// `defaultRule` is the rule when the user gives none (nil: the method family's own, see `MethodCatalog`).
    /// Folders in `excluding` are not walked (a dedupe destination).
    func report(input: InputOptions, console: Console, defaultRule: ClusteringRule? = nil, excluding: [String] = [])
        throws -> (GroupingReport, processed: Int, failed: Int)
    {
        if let profile {
            let p: GroupingProfile
            do { p = try GroupingProfile.read(profile) } catch { throw ValidationError("\(error)") }
            guard p.hashSize == input.size else {
                throw ValidationError("\(profile) was fitted with --size \(p.hashSize); pass --size \(p.hashSize)")
            }
            var fitted = self
            fitted.profile = nil
            fitted.method = p.methods.joined(separator: ",")
            fitted.methodWeights = p.weights.map { $0.map { String($0) }.joined(separator: ",") }
            fitted.cluster = p.setting.clusteringRule
            fitted.threshold = p.setting.threshold
            fitted.k = p.setting.k
            fitted.resolution = p.setting.resolution
            return try fitted.report(input: input, console: console, defaultRule: defaultRule, excluding: excluding)
        }
        let entries = try self.entries()
        let options = input.methodOptions
        var facts: [ImageFacts] = []
        var sets: [[Descriptor]] = Array(repeating: [], count: entries.count)
        let counts = input.describe(methods: try makeMethods(entries, options, console: console), console: console,
                                    excluding: excluding) { record in
            facts.append(ImageFacts(path: record.path, width: record.width, height: record.height))
            for m in entries.indices { sets[m].append(record.descriptors[m]) }
        }
        let fused = entries.count > 1
        let rule = cluster ?? defaultRule ?? MethodCatalog.defaultRule(entries)
        let product = MethodCatalog.productGrouping(entries, options)
        let defaultThreshold = rerank ? 0.8 : rule == .graph ? product.cutoff : fused ? 1 : entries[0].defaultThreshold(options)
        let report = GroupingReport(
            method: entries.map(\.name).joined(separator: "+"), images: facts, descriptorSets: sets,
            scales: fused ? entries.map { $0.fusionUnit(options) } : [1], weights: try parsedWeights(),
            rerank: rerank, rule: rule, threshold: threshold ?? defaultThreshold,
            graph: GraphSettings(k: k ?? product.k, resolution: resolution ?? product.resolution, seed: seed),
            keep: KeepPolicy(parsing: keep)!, workers: input.jobs)
        guard let cascade, let second = MethodCatalog.entry(named: cascade) else {
            return (report, counts.processed, counts.failed)
        }
        let needed = Cascade.imagesNeedingSecondStage(report)
        let described = input.describe(paths: needed.map { facts[$0].path }, method: try makeMethods([second], options, console: console)[0], console: console)
        let secondStage = Dictionary(uniqueKeysWithValues: described.map { (needed[$0.key], $0.value) })
        let threshold2 = cascadeThreshold ?? second.fusionUnit(options)
        let merged = Cascade.merge(first: report, secondStage: secondStage, threshold: threshold2)
        let final = GroupingReport(method: "\(report.method)>\(second.name)", metric: .fused, images: facts,
                                   clusters: merged.clusters, distance: merged.distance, rule: rule,
                                   threshold: 1, keep: report.keep)
        console.error("cascade: \(second.name) described \(described.count) of \(facts.count) images")
        return (final, counts.processed, counts.failed + needed.count - described.count)
    }
}

/// `--method-weights`: non-negative numbers, comma-separated, at least one above 0 (fused distances divide by
/// their sum).
func parseMethodWeights(_ text: String) throws -> [Float] {
    let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
    guard values.allSatisfy({ $0 != nil && $0! >= 0 }), values.contains(where: { $0! > 0 }) else {
        throw ValidationError("--method-weights wants non-negative numbers, at least one above 0")
    }
    return values.map { $0! }
}
