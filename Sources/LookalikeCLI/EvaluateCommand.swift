import ArgumentParser
import Foundation
import Lookalike

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score methods and clustering rules on a labelled folder (labels.csv: path,group[,view]).",
        discussion: """
        For each --method (one method, or several comma-separated: their fusion; default: every method alone) \
        and rule, sweeps the threshold and prints the best pairwise F1 with its precision and \
        recall, BCubed F1, the number of groups, and Recall@1 (is each image's nearest neighbour the same product?). \
        The best threshold is chosen on the same labels it is scored on: an optimistic, in-sample figure.

        Examples:
          lookalike evaluate ../shared/data/seed-product-grouping/labels.csv
          lookalike evaluate --method phash --cluster all --verbose labels.csv
          lookalike evaluate --method mask --method mask,phash --cluster graph labels.csv
        """
    )

    @Argument(help: "A labels.csv with columns path,group[,view]; paths relative to its folder.")
    var labels: String

    @OptionGroup var methods: MethodOptions

    @Option(help: "Clustering rules, comma-separated (components, seed, linkage, graph), or all.")
    var cluster: String = "components"

    @Option(help: "Graph rule: neighbours per image (default: each method's).")
    var k: Int?

    @Option(help: "Graph rule: Louvain resolution (default: each method's).")
    var resolution: Double?

    @Flag(help: ArgumentHelp("Kept for old scripts: a comma-separated --method is always a fusion.", visibility: .hidden))
    var fuse = false

    @Flag(help: "k-reciprocal re-ranking before clustering (thresholds then in Jaccard distance, 0 to 1).")
    var rerank = false

    @Option(help: "Thresholds to try for bit codes: FIRST:LAST (inclusive, step 1; default 0 to 24 bits per 64).")
    var bits: String?

    @Flag(help: "Print every threshold, not only the best.")
    var verbose = false

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if let bits {
            let range = bits.split(separator: ":").compactMap { Int($0) }
            guard range.count == 2, range[0] >= 0, range[0] <= range[1] else { throw ValidationError("--bits wants FIRST:LAST") }
        }
        if fuse && !methods.method.contains(where: { $0.entries.count > 1 }) {
            throw ValidationError("--fuse needs two methods or more in one --method (comma-separated)")
        }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
    }

    func run() throws {
        let console = Console()
        let set: LabelSet
        do { set = try LabelSet(csvAt: labels) } catch { console.error("\(error)"); throw ExitStatus.noneProcessed }
        let rules = try parseRules(cluster)
        let settings = methods.settings
        // "all" is every method whose weights are here, each alone; other lists are one method or a fusion.
        var lists: [[MethodCatalog.Entry]] = []
        var made: [String: any DescriptorMethod] = [:]
        for list in methods.lists(or: [MethodList(entries: [])]) {
            if list.isAll {
                for entry in MethodCatalog.all(for: settings) {
                    do {
                        if made[entry.name] == nil { made[entry.name] = try entry.make(settings) }
                        lists.append([entry])
                    } catch { console.error("\(entry.name): skipped: \(error)") }
                }
            } else {
                for entry in list.entries where made[entry.name] == nil {
                    made[entry.name] = try makeMethods([entry], settings, console: console)[0]
                }
                lists.append(list.entries)
            }
        }
        let names = Array(made.keys).sorted()
        let described = describeLabelled(set, methods: names.map { made[$0]! }, jobs: jobs, console: console)
        let column = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        console.out("# \(described.labels.count) images, \(Set(described.labels).count) products (\(labels))\n")
        let crossView = described.views.contains("catalogue") && Set(described.views).count > 1
        console.out("method      rule        threshold  pairwise F1 (P / R)     BCubed F1  groups  Recall@1"
                    + (crossView ? "  catalogue-vs-other recall" : "") + "\n")
        for list in lists {
            let sets = list.map { described.descriptorSets[column[$0.name]!] }
            for rule in rules {
                let plan = GroupingPlan(methods: list, settings: settings, weights: list.count > 1 ? try methods.parsedWeights() : nil,
                                        rule: rule, k: k, resolution: resolution, rerank: rerank)
                let index = plan.index(sets, workers: jobs)
                let sweep = ThresholdSweep(index: index, labels: described.labels, rule: rule,
                                           thresholds: thresholds(plan, metric: index.metric), graph: plan.graph,
                                           views: described.views)
                printRows(sweep, name: list.map(\.name).joined(separator: "+"), rule: rule, metric: index.metric, console: console)
            }
        }
        try finish(processed: described.labels.count, failed: described.failures.count, console: console, verb: "read")
    }

    /// The catalog's grid, or `--bits` for a bit code.
    func thresholds(_ plan: GroupingPlan, metric: DistanceMetric) -> [Float] {
        if let bits, metric == .hamming {
            let range = bits.split(separator: ":").compactMap { Int($0) }
            return (range[0]...range[1]).map(Float.init)
        }
        return MethodCatalog.thresholdGrid(plan.methods, plan.settings, rerank: plan.rerank, purpose: .sweep)
    }

    func printRows(_ sweep: ThresholdSweep, name: String, rule: ClusteringRule, metric: DistanceMetric, console: Console) {
        let rows = verbose ? sweep.rows : [sweep.best].compactMap { $0 }
        for row in rows {
            let t = metric.format(row.threshold, decimals: 2)
            console.out(name.padded(11) + " " + rule.rawValue.padded(11) + " " + t.padded(9, left: true)
                + String(format: "  %.3f (%.3f / %.3f)    %.3f   %6d    %.3f", row.pairwise.f1,
                         row.pairwise.precision, row.pairwise.recall, row.bcubed.f1, row.groups, sweep.recallAt1)
                + (row.catalogueRecall.map { String(format: "   %.3f", $0.recall) } ?? "") + "\n")
        }
    }
}

extension String {
    func padded(_ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - count))
        return left ? fill + self : self + fill
    }
}
