import ArgumentParser
import Foundation
import Lookalike

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score methods and clustering rules on a labelled folder (labels.csv: path,group[,view]).",
        discussion: """
        For each method and rule, sweeps the threshold and prints the best pairwise F1 with its precision and \
        recall, BCubed F1, the number of groups, and Recall@1 (is each image's nearest neighbour the same product?). \
        The best threshold is chosen on the same labels it is scored on: an optimistic, in-sample figure.

        Examples:
          lookalike evaluate ../shared/data/seed-product-grouping/labels.csv
          lookalike evaluate --method phash --cluster all --verbose labels.csv
          lookalike evaluate --method mask,phash --fuse --cluster graph labels.csv
        """
    )

    @Argument(help: "A labels.csv with columns path,group[,view]; paths relative to its folder.")
    var labels: String

    @Option(name: [.short, .long], help: "Methods, comma-separated, or all.")
    var method: String = "all"

    @Option(help: "Clustering rules, comma-separated (components, seed, linkage, graph), or all.")
    var cluster: String = "components"

    @Option(help: "Graph rule: neighbours per image (default: each method's).")
    var k: Int?

    @Option(help: "Graph rule: Louvain resolution (default: each method's).")
    var resolution: Double?

    @Flag(help: "Fuse the listed methods into one (each distance divided by the method's threshold, averaged).")
    var fuse = false

    @Flag(help: "k-reciprocal re-ranking before clustering (thresholds then in Jaccard distance, 0 to 1).")
    var rerank = false

    @Option(help: "Deep methods: the weights file.")
    var weights: String?

    @Option(help: "Hash size.")
    var size: Int = 8

    @Option(help: "Thresholds to try for bit codes: FIRST:LAST (inclusive, step 1).")
    var bits: String = "0:24"

    @Flag(help: "Print every threshold, not only the best.")
    var verbose = false

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let console = Console()
        let set: LabelSet
        do { set = try LabelSet(csvAt: labels) } catch { console.error("\(error)"); throw ExitStatus.noneProcessed }
        let entries = method == "all" ? MethodCatalog.all : try parseMethods(method)
        let rules = try parseRules(cluster)
        let range = bits.split(separator: ":").compactMap { Int($0) }
        guard range.count == 2, range[0] <= range[1] else { throw ValidationError("--bits wants FIRST:LAST") }

        var methods: [any DescriptorMethod] = []
        var usable: [MethodCatalog.Entry] = []
        for entry in entries {
            do {
                methods.append(warnOfStoreDamage(try entry.make(MethodOptions(hashSize: size, weightsPath: weights)), console: console))
                usable.append(entry)
            } catch {
                console.error("\(entry.name): skipped: \(error)")
                if method != "all" { throw ExitStatus.methodUnavailable }
            }
        }
        let entriesUsed = usable
        let (descriptors, labelsKept, failed) = describeLabelled(set, methods: methods, jobs: jobs, console: console)
        console.out("# \(labelsKept.count) images, \(Set(labelsKept).count) products (\(labels))\n")
        console.out("method      rule        threshold  pairwise F1 (P / R)     BCubed F1  groups  Recall@1\n")
        if fuse {
            guard entriesUsed.count > 1 else { throw ValidationError("--fuse needs two methods or more") }
            let options = MethodOptions(hashSize: size, weightsPath: weights)
            let name = entriesUsed.map(\.name).joined(separator: "+")
            let thresholds = rerank ? stride(from: 0.02, through: 1.0, by: 0.02).map { Float($0) }
                : stride(from: 0.25, through: 10.0, by: 0.25).map { Float($0) }
            let product = MethodCatalog.productGrouping(entriesUsed, options)
            for rule in rules {
                let sweep = ThresholdSweep(descriptorSets: descriptors, scales: entriesUsed.map { $0.fusionUnit(options) },
                                           labels: labelsKept, rule: rule, thresholds: thresholds,
                                           graph: GraphSettings(k: k ?? product.k, resolution: resolution ?? product.resolution),
                                           rerank: rerank)
                printRows(sweep, name: name, rule: rule, hamming: false, console: console)
            }
            return try finish(processed: labelsKept.count, failed: failed, console: console, verb: "read")
        }
        for (m, entry) in entriesUsed.enumerated() {
            let thresholds: [Float] = rerank ? stride(from: 0.02, through: 1.0, by: 0.02).map { Float($0) } : entry.metric == .hamming
                ? (range[0]...range[1]).map(Float.init)
                : stride(from: 0.02, through: 1.0, by: 0.02).map { Float($0) }
            for rule in rules {
                let sweep = ThresholdSweep(descriptors: descriptors[m], labels: labelsKept, rule: rule,
                                           thresholds: thresholds,
                                           graph: GraphSettings(k: k ?? entry.productGrouping.k,
                                                                resolution: resolution ?? entry.productGrouping.resolution),
                                           rerank: rerank,
                                           workers: jobs)
                printRows(sweep, name: entry.name, rule: rule, hamming: entry.metric == .hamming && !rerank, console: console)
            }
        }
        try finish(processed: labelsKept.count, failed: failed, console: console, verb: "read")
    }

    func printRows(_ sweep: ThresholdSweep, name: String, rule: ClusteringRule, hamming: Bool, console: Console) {
        let rows = verbose ? sweep.rows : [sweep.best].compactMap { $0 }
        for row in rows {
            let t = hamming ? String(Int(row.threshold)) : String(format: "%.2f", row.threshold)
            console.out(name.padded(11) + " " + rule.rawValue.padded(11) + " " + t.padded(9, left: true)
                + String(format: "  %.3f (%.3f / %.3f)    %.3f   %6d    %.3f\n", row.pairwise.f1,
                         row.pairwise.precision, row.pairwise.recall, row.bcubed.f1, row.groups, sweep.recallAt1))
        }
    }
}

extension String {
    func padded(_ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - count))
        return left ? fill + self : self + fill
    }
}
