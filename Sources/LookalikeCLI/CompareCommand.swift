import ArgumentParser
import Foundation
import Lookalike

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Every method side by side on a labelled folder, in one HTML report that shows where each fails.",
        discussion: """
        Labels: a labels.csv (path,group[,view]; paths relative to its folder) or a folder with one subfolder of \
        images per product. Other images under the same folder are distractors (each its own product). Each image is \
        described once by every method; the report has each method's figures at its default and best threshold, \
        the figures by view pair, precision-recall curves, the seed documents' rule, and the pairs each method gets \
        wrong with every method's distance.

        Default methods: each method alone whose weights are here, and group's default fusion.

        Examples:
          lookalike compare Fixtures/products/labels.csv
          lookalike compare --output seed.html ../shared/data/seed-product-grouping/labels.csv
          lookalike compare --method phash --method mask,colour --format json labels.csv > figures.json
        """
    )

    @Argument(help: "A labels.csv (path,group[,view]) or a folder with one subfolder per product.")
    var labels: String

    @OptionGroup var methods: MethodOptions

    @Option(name: [.short, .long], help: "Report format: html (a self-contained page) or json (every figure).")
    var format: ComparisonFormat = .html

    @Option(name: [.short, .long], help: "Where to write the report (default: lookalike-compare.html; json: standard output).")
    var output: String?

    @Flag(help: "HTML: link the images (relative to the page) instead of embedding thumbnails.")
    var linkImages = false

    @Option(help: "Pairs shown per gallery (same product kept apart; different products merged).")
    var examples: Int = 8

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        guard examples >= 0 else { throw ValidationError("--examples must be 0 or more") }
    }

    func run() throws {
        let console = Console()
        let set: LabelSet
        do { set = try LabelSet.load(labels).labels } catch {
            console.error("\(error)")
            throw ExitCode.validationFailure
        }
        var skipped: [(name: String, reason: String)] = []
        let comparisonRun = ComparisonRun(labels: set, contenders: try methods.contenders(skipped: &skipped), workers: jobs,
                                          examples: examples)
        var progress = ProgressBar(total: set.paths.count, console: console)
        let outcome = comparisonRun.run { progress.report($0, console: console) }
        progress.finish()
        skipped += outcome.skipped
        let comparison = outcome.comparison
        try sayContenders(made: outcome.methods, skipped: outcome.skipped, ran: comparison.methods.count, console: console)
        let text: String
        switch format {
        case .json: text = json(comparison, skipped: skipped, failures: outcome.failures)
        case .html: text = html(comparison, skipped: skipped, failures: outcome.failures)
        }
        if format == .json && output == nil {
            console.out(text)
        } else {
            let path = output ?? "lookalike-compare.html"
            try writeReport(text, to: path, console: console)
            printSummary(comparison, console: console)
            console.out("report: \(path)\n")
        }
        try finish(processed: comparison.images.count, failed: outcome.failures.count, console: console, verb: "read")
    }
}

enum ComparisonFormat: String, ExpressibleByArgument, CaseIterable { case html, json }

/// After a run of several methods side by side: their stores' messages, the methods left out (with why), and
/// exit status 69 when none could start.
func sayContenders(made methods: [any DescriptorMethod], skipped: [(name: String, reason: String)], ran: Int,
                   console: Console) throws {
    sayStoreDamage(methods, console: console)
    reportStoreReuse(methods, console: console)
    for s in skipped { console.error("\(s.name): not run: \(s.reason)") }
    guard ran > 0 else {
        console.error("no method could start; see above")
        throw ExitStatus.methodUnavailable
    }
}

/// Writes a report, or says why it cannot (exit status 73).
func writeReport(_ text: String, to path: String, console: Console) throws {
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        console.error("\(path): cannot write the report: \((error as NSError).localizedFailureReason ?? "\(error)")")
        throw ExitStatus.cannotWrite
    }
}

extension CompareCommand {
    func html(_ c: Comparison, skipped: [(name: String, reason: String)], failures: [ImageFailure]) -> String {
        let pagePath = output ?? "lookalike-compare.html"
        var page = ComparisonPage(comparison: c, title: "Lookalike: every method on \(labels)")
        page.skipped = skipped
        page.failures = failures.map(\.description)
        page.seedNote = ComparisonPage.seedNote(labels: labels)
        page.base = URL(fileURLWithPath: pagePath).deletingLastPathComponent().path
        if !linkImages {
            let shown = ComparisonPage.shownImages(c)
            let uris = Thumbnails.dataURIs(paths: shown.map { c.images[$0].path }, workers: jobs)
            for (i, uri) in zip(shown, uris) { page.thumbnails[i] = uri }
        }
        return page.render()
    }

    func json(_ c: Comparison, skipped: [(name: String, reason: String)], failures: [ImageFailure]) -> String {
        struct Skipped: Encodable { let name: String; let reason: String }
        struct Failure: Encodable { let path: String; let category: String; let message: String }
        struct Document: Encodable {
            let labels: String
            let comparison: Comparison
            let skipped: [Skipped]
            let failures: [Failure]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let doc = Document(labels: labels, comparison: c, skipped: skipped.map { Skipped(name: $0.name, reason: $0.reason) },
                           failures: failures.map { Failure(path: $0.path, category: $0.category, message: $0.description) })
        return String(decoding: (try? encoder.encode(doc)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// A few columns of the report's first table, for the terminal.
    func printSummary(_ c: Comparison, console: Console) {
        console.out("# \(c.images.count) images, \(c.products) products, \(c.distractors) distractors (\(labels))\n")
        console.out("method".padded(44) + "  F1 default  best F1  Recall@1    mAP   ms/image\n")
        for r in c.methods {
            console.out(r.name.padded(44) + String(format: "  %10.3f  %7.3f  %8.3f  %5.3f", r.atDefault.f1, r.best.f1,
                                                   r.recallAt1, r.meanAveragePrecision)
                        + (r.secondsPerImage.map { String(format: "  %9.2f", $0 * 1000) } ?? "     stored") + "\n")
        }
    }
}
