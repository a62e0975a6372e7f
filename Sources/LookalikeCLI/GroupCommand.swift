import ArgumentParser
import Foundation
import Lookalike

struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Group images of the same product with one method, and pick the copy to keep in each group.",
        discussion: """
        Neighbour search is exact (multi-index hashing or popcount for hashes). Clustering rules:
          components  pairs within the threshold, joined transitively (fast; can chain)
          seed        each image with its 5 nearest within the threshold (at least its nearest one), lists merged
          linkage     average linkage: groups merge only while their mean distance stays within the threshold

        Examples:
          lookalike group photos/
          lookalike group --method dhash --threshold 8 --cluster linkage photos/
          lookalike group --format html --output groups.html photos/
          lookalike group --format csv --keep size,oldest photos/ > groups.csv
        """
    )

    @OptionGroup var input: InputOptions

    @Option(name: [.short, .long], help: "Method: \(MethodCatalog.names.joined(separator: ", ")).")
    var method: String = "phash"

    @Option(name: [.short, .long], help: "Distance threshold (bits for hashes); default: the method's documented default.")
    var threshold: Float?

    @Option(help: "Clustering rule: components, seed or linkage.")
    var cluster: ClusteringRule = .components

    @Option(help: "Which copy to keep: criteria in order (resolution, size, oldest, newest, shortest).")
    var keep: String = KeepPolicy.standard.description

    @Option(name: [.short, .long], help: "Output format: table, csv, json or html.")
    var format: GroupingFormat = .table

    @Option(name: [.short, .long], help: "Write the report to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard MethodCatalog.entry(named: method) != nil else {
            throw ValidationError("unknown method '\(method)'; choose from \(MethodCatalog.names.joined(separator: ", "))")
        }
        guard KeepPolicy(parsing: keep) != nil else {
            throw ValidationError("--keep: use a comma-separated list of \(KeepPolicy.Criterion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let threshold, threshold < 0 { throw ValidationError("--threshold must not be negative") }
    }

    func run() throws {
        let entry = MethodCatalog.entry(named: method)!
        let console = Console()
        var facts: [ImageFacts] = []
        var descriptors: [Descriptor] = []
        let counts = input.describe(methods: [entry.make(input.methodOptions)], console: console) { record in
            facts.append(ImageFacts(path: record.path, width: record.width, height: record.height))
            descriptors.append(record.descriptors[0])
        }
        let report = GroupingReport(method: entry.name, images: facts, descriptors: descriptors, rule: cluster,
                                    threshold: threshold ?? entry.defaultThreshold(input.methodOptions),
                                    keep: KeepPolicy(parsing: keep)!, workers: input.jobs)
        let base = output.map { (URL(fileURLWithPath: $0).deletingLastPathComponent().path) }
        let text = GroupingWriter(format: format, htmlBase: base).render(report)
        if let output {
            let folder = URL(fileURLWithPath: output).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                console.error("\(output): cannot write the report: \(error.localizedDescription)")
                throw ExitCode(73)
            }
            console.error("wrote \(output): \(report.groups.count) groups")
        } else {
            console.out(text)
        }
        try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "read")
    }
}

extension ClusteringRule: ExpressibleByArgument {}
extension GroupingFormat: ExpressibleByArgument {}
