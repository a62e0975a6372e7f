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
          lookalike group --method mask --format html --masks --output report/groups.html photos/
          lookalike group --format csv --keep size,oldest photos/ > groups.csv
          lookalike group --method phash,dhash --threshold 0.2 photos/
        """
    )

    @OptionGroup var input: InputOptions

    @OptionGroup var grouping: GroupingOptions

    @Option(name: [.short, .long], help: "Output format: table, csv, json or html.")
    var format: GroupingFormat = .table

    @Option(name: [.short, .long], help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "HTML: also draw each grouped image's product mask (as `lookalike mask` does) beside its thumbnail.")
    var masks = false

    func validate() throws {
        if masks && (format != .html || output == nil) {
            throw ValidationError("--masks needs --format html and --output (the overlays go in a folder beside the page)")
        }
    }

    func run() throws {
        let console = Console()
        let (outcome, failed) = try runPlan(try grouping.plan(purpose: .grouping, console: console), input: input, console: console,
                                                      overlayFolder: masks ? try maskFolder(console: console) : nil)
        let report = outcome.report
        let base = output.map { (URL(fileURLWithPath: $0).deletingLastPathComponent().path) }
        var writer = GroupingWriter(format: format, htmlBase: base)
        writer.maskOverlays = outcome.overlays
        writer.explanations = outcome.explanations
        let text = writer.render(report)
        if let output {
            let folder = URL(fileURLWithPath: output).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                console.error("\(output): cannot write the report: \(error.localizedDescription)")
                throw ExitStatus.cannotWrite
            }
            console.error("wrote \(output): \(report.groups.count) groups")
        } else {
            console.out(text)
        }
        try finish(processed: outcome.processed, failed: failed, console: console, verb: "read")
    }
}

extension GroupCommand {
    /// `<page stem>-masks/` beside the page: the overlays of the grouped images, made from the same decoding as
    /// their descriptors.
    func maskFolder(console: Console) throws -> String {
        let pageURL = URL(fileURLWithPath: output!)
        let folder = pageURL.deletingLastPathComponent()
            .appendingPathComponent(pageURL.deletingPathExtension().lastPathComponent + "-masks").path
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            console.error("\(folder): cannot create the mask folder: \((error as NSError).localizedFailureReason ?? "\(error)")")
            throw ExitStatus.cannotWrite
        }
        return folder
    }
}

extension GroupingFormat: ExpressibleByArgument {}
