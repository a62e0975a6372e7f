import ArgumentParser
import Foundation
import Lookalike

struct DedupeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedupe",
        abstract: "Find duplicate images and (only when asked) move or delete all but one copy of each.",
        discussion: """
        Without --move-to or --delete this is a dry run: it prints each group, the copy it keeps and what it \
        would do. --move-to DIR moves the other copies into DIR, keeping their paths relative to the folder they \
        were found in, and writes a manifest; `lookalike undo MANIFEST` puts them back. --delete removes them \
        (asking first on a terminal; elsewhere it needs --yes) and writes a manifest listing what went.
        A file that changed since it was read, or whose kept copy changed, is left alone. Each file is read once \
        however it is reached (overlapping folders, links, hard links), so a file is never a duplicate of itself; \
        a symbolic link is never kept in place of its target. Moves never overwrite: a taken name gets " (1)". \
        The destination is left out of the input and marked, so later runs over the source skip it too.

        Examples:
          lookalike dedupe photos/
          lookalike dedupe --move-to ~/duplicates photos/
          lookalike undo ~/duplicates/lookalike-manifest-20261124-101500.jsonl
          lookalike dedupe --method dhash --threshold 2 --keep size,oldest --delete --yes photos/
        """
    )

    @OptionGroup var input: InputOptions

    @OptionGroup var grouping: GroupingOptions

    @Option(help: "Move duplicates into this folder (keeping relative paths) and write a manifest there.")
    var moveTo: String?

    @Flag(help: "Delete duplicates (cannot be undone; the manifest lists them).")
    var delete = false

    @Flag(help: "With --delete: do not ask (needed when standard input is not a terminal).")
    var yes = false

    @Flag(help: "Show what --move-to or --delete would do, and do nothing.")
    var dryRun = false

    @Option(help: "Manifest path, a new file (default: in the --move-to folder, or the current folder for --delete).")
    var manifest: String?

    @Option(name: [.short, .long], help: "Dry run's output: text, or json (the plan: groups, the copy kept, each duplicate's distance and action, and with --verify every check that joined it) for scripts.")
    var format: DedupeFormat = .text

    enum DedupeFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func validate() throws {
        if moveTo != nil && delete { throw ValidationError("choose one of --move-to and --delete") }
        if format == .json && (moveTo != nil || delete) && !dryRun {
            throw ValidationError("--format json writes the dry run's plan: add --dry-run, or leave out --move-to/--delete")
        }
        if let moveTo {
            do { try DedupePlan.checkDestination(moveTo, roots: input.paths) } catch { throw ValidationError("--move-to \(error)") }
        }
        if let manifest, FileManager.default.fileExists(atPath: manifest) {
            throw ValidationError("--manifest \(manifest) exists already; a manifest is never reused: name a new file")
        }
    }

    func run() throws {
        let console = Console()
        // Moving files on a looser product grouping is only done when asked for: components unless --cluster.
        let (outcome, failed) = try runPlan(try grouping.plan(purpose: .dedupe, console: console), input: input, console: console,
                                            excluding: moveTo.map { [$0] } ?? [])
        let report = outcome.report
        let counts = (processed: outcome.processed, failed: failed)
        let plan = DedupePlan(report: report, roots: input.paths, moveTo: moveTo)
        let bytes = plan.actions.reduce(0) { $0 + max($1.facts.fileSize, 0) }
        let acting = (moveTo != nil || delete) && !dryRun

        if !acting && format == .json {
            console.out(planJSON(plan, report: report, bytes: bytes))
            try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "read")
            return
        }
        if !acting {
            for action in plan.actions {
                switch action.kind {
                case .move: console.out("would move  \(action.path)  ->  \(action.target!)   (keeps \(action.kept.path))\n")
                case .delete where delete: console.out("would delete  \(action.path)   (keeps \(action.kept.path))\n")
                case .delete: console.out("duplicate  \(action.path)   (of \(action.kept.path), distance \(report.metric.format(action.distance)))\n")
                }
            }
            console.flush()
            console.error("dry run: \(plan.actions.count) duplicate(s) in \(report.groups.count) group(s), \(Self.size(bytes)); "
                          + (moveTo == nil && !delete ? "use --move-to DIR to move them (undoable)" : "nothing was changed"))
            try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "read")
            return
        }
        if plan.actions.isEmpty {
            console.error("no duplicates found; nothing to do")
            try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "read")
            return
        }
        if delete && !yes {
            guard isatty(0) == 1 else {
                console.error("--delete removes \(plan.actions.count) file(s) for good: add --yes to confirm when not on a terminal")
                throw ExitCode(64)
            }
            console.rawError("Delete \(plan.actions.count) duplicate file(s) (\(Self.size(bytes)))? This cannot be undone. [y/N] ")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                console.error("nothing deleted")
                return
            }
        }
        let stamp = Self.timestamp()
        let manifestPath = manifest ?? (moveTo.map { URL(fileURLWithPath: $0).appendingPathComponent("lookalike-manifest-\(stamp).jsonl").path }
            ?? "lookalike-deleted-\(stamp).jsonl")
        let writer: ManifestWriter
        do { writer = try ManifestWriter.create(manifestPath, renameIfTaken: manifest == nil) } catch {
            console.error("\(error)")
            throw ExitStatus.cannotWrite
        }
        let summary = DedupeExecutor().execute(plan, manifest: writer) { event in
            switch event {
            case let .moved(from, to): console.out("moved  \(from)  ->  \(to)\n")
            case let .deleted(path): console.out("deleted  \(path)\n")
            case let .skipped(path, reason): console.error("\(path): skipped: \(reason)")
            case let .failed(path, reason): console.skip(path: path, category: delete ? "delete-failed" : "move-failed", message: reason)
            }
        }
        console.flush()
        if let stopped = summary.stopped { console.error("\(stopped); stopped, nothing more was changed") }
        console.error("\(delete ? "deleted" : "moved") \(summary.done) file(s), \(Self.size(summary.bytes)); "
                      + "\(summary.skipped) skipped, \(summary.failed) could not be \(delete ? "deleted" : "moved"); manifest: \(writer.path)"
                      + (delete || summary.done == 0 ? "" : " (undo: lookalike undo \(writer.path))"))
        if summary.stopped != nil {
            _ = console.writeErrorsFile()
            throw ExitStatus.cannotWrite
        }
        try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "read")
        if summary.failed > 0 { throw ExitStatus.someFailed }
    }

    /// The dry run as one JSON object: per group the copy kept and each duplicate with its distance and action;
    /// with --verify, each duplicate's checks: every verified pair it is in (the pairs its group was joined by),
    /// with the other image and every figure of the check, and the images too flat to compare ("tooFlat").
    func planJSON(_ plan: DedupePlan, report: GroupingReport, bytes: Int) -> String {
        var pairsOf: [String: [(other: String, pair: String, check: NearDuplicateVerifier.Check)]] = [:]
        for pair in report.verifiedPairs {
            let a = report.images[pair.i].path, b = report.images[pair.j].path
            let both = "[\(RecordWriter.jsonString(a)),\(RecordWriter.jsonString(b))]"
            pairsOf[a, default: []].append((b, both, pair.check))
            pairsOf[b, default: []].append((a, both, pair.check))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func checks(_ path: String) -> String {
            guard let pairs = pairsOf[path] else { return "" }
            return ",\"checks\":[" + pairs.map { pair in
                let figures = (try? encoder.encode(pair.check)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                // "views" names the view of pair[0], then of pair[1].
                return "{\"with\":\(RecordWriter.jsonString(pair.other)),\"pair\":\(pair.pair),\"check\":\(figures)}"
            }.joined(separator: ",") + "]"
        }
        // The plan lists each group's duplicates together, in the report's group order.
        var next = 0
        let groups = report.groups.map { group -> String in
            let actions = plan.actions[next..<(next + group.members.count - 1)]
            next += group.members.count - 1
            let members = actions.map { a in
                "{\"path\":\(RecordWriter.jsonString(a.path)),\"distance\":\(report.metric.format(a.distance)),"
                    + "\"action\":\"\(moveTo != nil ? "move" : delete ? "delete" : "none")\""
                    + (a.target.map { ",\"target\":\(RecordWriter.jsonString($0))" } ?? "") + checks(a.path) + "}"
            }
            return "{\"keep\":\(RecordWriter.jsonString(actions.first?.kept.path ?? "")),\"duplicates\":[\(members.joined(separator: ","))]}"
        }
        let flat = report.tooFlat.map { RecordWriter.jsonString(report.images[$0].path) }
        return "{\"method\":\(RecordWriter.jsonString(report.method)),\"metric\":\"\(report.metric.rawValue)\","
            + "\"duplicates\":\(plan.actions.count),\"bytes\":\(bytes),\"groups\":[\n" + groups.joined(separator: ",\n") + "\n]"
            + (report.metric == .verified ? ",\"tooFlat\":[" + flat.joined(separator: ",") + "]" : "") + "}\n"
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1048576) : String(format: "%.1f KiB", Double(bytes) / 1024)
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: Date())
    }
}

struct UndoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Move files back to where a dedupe manifest says they came from.",
        discussion: """
        Safe to run twice, and after an interrupted dedupe: each file's state is read from the disk. \
        Deleted files cannot come back; they are listed.

        Example:
          lookalike undo ~/duplicates/lookalike-manifest-20261124-101500.jsonl
        """
    )

    @Argument(help: "The manifest a `lookalike dedupe --move-to` run wrote.")
    var manifest: String

    func run() throws {
        let console = Console()
        let summary: UndoRun.Summary
        do {
            summary = try UndoRun().run(manifestPath: manifest) { event in
                switch event {
                case let .restored(from, to): console.out("restored  \(to)  <-  \(from)\n")
                case let .alreadyInPlace(path): console.out("in place  \(path)\n")
                case let .cannotUndoDelete(path): console.error("\(path): was deleted; cannot be restored")
                case let .conflict(path, reason): console.error("\(path): \(reason)")
                }
            }
        } catch {
            console.error("\(error)")
            throw ExitStatus.noneProcessed
        }
        console.flush()
        console.error("restored \(summary.restored), already in place \(summary.alreadyInPlace), problems \(summary.problems)")
        if summary.problems > 0 { throw ExitStatus.someFailed }
    }
}
