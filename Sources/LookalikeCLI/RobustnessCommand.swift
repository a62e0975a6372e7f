import ArgumentParser
import Foundation
import Lookalike

struct RobustnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "Edit copies of a folder's images 22 ways and report, per edit and method, how often the original is found.",
        discussion: """
        Each original is re-encoded (JPEG quality 90/70/50/30), downscaled (0.5, 0.25), cropped (5/10/20%), framed \
        (white border, letterbox), turned (5 and 90 degrees), mirrored, relit (brightness, contrast, gamma), blurred, \
        noised, captioned, watermarked and stretched; the copies go to a temporary folder (removed afterwards unless \
        --keep-copies). A copy is found when its distance to its original is below the method's cut, set so that \
        --fpr of all pairs of a copy and another original fall below it.

        Examples:
          lookalike robustness ../shared/data/hm-packshots/images
          lookalike robustness --method phash --method dhash --limit 50 --format json photos/ > robustness.json
        """
    )

    @Argument(help: "Folders or files: the originals (a distinct picture each).")
    var inputs: [String]

    @OptionGroup var methods: MethodOptions

    @Option(help: "At most this many originals, spread evenly over the sorted list (0: all).")
    var limit: Int = 200

    @Option(help: "The false-positive rate each method's cut is set for.")
    var fpr: Double = 1e-3

    @Option(name: [.short, .long], help: "Report format: html (a self-contained page) or json (every figure).")
    var format: ComparisonFormat = .html

    @Option(name: [.short, .long], help: "Where to write the report (default: lookalike-robustness.html; json: standard output).")
    var output: String?

    @Option(help: "Keep the edited copies in this folder (created; must be empty or absent).")
    var keepCopies: String?

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") }
        guard fpr > 0 && fpr < 1 else { throw ValidationError("--fpr must be between 0 and 1") }
    }

    func run() throws {
        let console = Console()
        let collected = FileCollector().collect(inputs)
        for error in collected.errors { console.skip(error) }
        var originals = collected.files
        if limit > 0 && originals.count > limit {
            originals = (0..<limit).map { originals[$0 * originals.count / limit] }
        }
        guard originals.count >= 2 else {
            console.error("robustness needs two originals or more (found \(originals.count))")
            throw ExitCode.validationFailure
        }
        let folder = try copiesFolder(console: console)
        defer { if keepCopies == nil { try? FileManager.default.removeItem(atPath: folder) } }

        var skipped: [(name: String, reason: String)] = []
        var run = RobustnessRun(originals: originals, contenders: try methods.contenders(skipped: &skipped), copiesFolder: folder)
        run.falsePositiveRate = fpr
        run.workers = jobs
        var made = ProgressBar(total: originals.count, console: console)
        var described = ProgressBar(total: originals.count * (run.transforms.count + 1), console: console)
        let outcome = run.run(made: { _ in made.advance() }, observe: { described.report($0, console: console) })
        made.finish()
        described.finish()
        for line in outcome.writeFailures { console.skip(path: folder, category: "cannot-write", message: line) }
        // Originals that could not be read were found before describing began; the rest were said as they came.
        for f in outcome.failures where !console.skips.contains(where: { $0.path == f.path }) { console.skip(f) }
        skipped += outcome.skipped
        let report = outcome.report
        try sayContenders(made: outcome.methods, skipped: outcome.skipped, ran: report.methods.count, console: console)
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let text = String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self) + "\n"
            if let output { try writeReport(text, to: output, console: console) } else { console.out(text) }
        } else {
            var page = RobustnessPage(report: report, title: "Lookalike robustness: \(inputs.joined(separator: ", "))")
            page.skipped = skipped
            page.failures = outcome.failures.map(\.description) + outcome.writeFailures
            if let first = outcome.copies.first {
                let uris = Thumbnails.dataURIs(paths: [first.original] + first.copies, maxSide: 116, workers: jobs)
                page.example = (uris[0], Array(uris.dropFirst()))
            }
            let path = output ?? "lookalike-robustness.html"
            try writeReport(page.render(), to: path, console: console)
            printSummary(report, console: console)
            console.out("report: \(path)\n")
        }
        try finish(processed: report.originals.count, failed: originals.count - report.originals.count, console: console, verb: "used")
    }

    /// A fresh temporary folder, or `--keep-copies` (created; refused when it holds anything).
    func copiesFolder(console: Console) throws -> String {
        let fm = FileManager.default
        if let keepCopies {
            if let existing = try? fm.contentsOfDirectory(atPath: keepCopies), !existing.isEmpty {
                console.error("\(keepCopies): --keep-copies wants an empty or new folder")
                throw ExitCode.validationFailure
            }
            do { try fm.createDirectory(atPath: keepCopies, withIntermediateDirectories: true) } catch {
                console.error("\(keepCopies): cannot create the folder: \((error as NSError).localizedFailureReason ?? "\(error)")")
                throw ExitStatus.cannotWrite
            }
            return keepCopies
        }
        let folder = fm.temporaryDirectory.appendingPathComponent("lookalike-robustness-\(UUID().uuidString)").path
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            console.error("\(folder): cannot create a temporary folder: \((error as NSError).localizedFailureReason ?? "\(error)")")
            throw ExitStatus.cannotWrite
        }
        return folder
    }

    /// Mean found share per method, for the terminal.
    func printSummary(_ r: RobustnessReport, console: Console) {
        console.out("# \(r.originals.count) originals x \(r.transforms.count) transforms; found at a false-positive rate of \(String(format: "%g", r.falsePositiveRate))\n")
        console.out("transform".padded(16) + r.methods.map { String($0.name.prefix(12)).padded(13, left: true) }.joined() + "\n")
        for (t, name) in r.transforms.enumerated() {
            console.out(name.padded(16) + r.methods.map { String(format: "%13.3f", $0.transforms[t].foundShare) }.joined() + "\n")
        }
    }
}
