import ArgumentParser
import Foundation
import Lookalike

struct NeighboursCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neighbours",
        abstract: "Every image's k nearest other images, exactly, written to TSV, JSON lines or NumPy arrays.",
        discussion: """
        Formats (from --format, else the --out name's extension):
          tsv    path, rank, neighbour, distance: one line per neighbour, after a header line
          jsonl  {"path":..., "neighbours":[{"path":..., "distance":...}]}: one line per image
          npy    OUT.indices.npy (int32, n x k; row i is line i of OUT.paths.txt; -1 where fewer than k others),
                 OUT.distances.npy (float32, n x k; NaN there) and OUT.paths.txt: numpy.load reads them

        Descriptors are kept beside the output while the run lasts (network vectors in the embedding store), so a \
        run killed half-way describes only the images it had not reached when started again; the output files \
        appear only once complete. Memory: the descriptors and n x k neighbours, never n x n.

        Examples:
          lookalike neighbours catalogue/ -k 10 --method effnet-lite0 --out neighbours.npy
          lookalike neighbours photos/ -k 5 --method phash --out near.tsv
        """
    )

    @OptionGroup var input: InputOptions

    @Option(name: .short, help: "Neighbours per image.")
    var k: Int = 10

    @OptionGroup var methods: MethodOptions

    @Option(help: "Where to write the lists (npy: the three files' common name).")
    var out: String

    @Option(name: [.short, .long], help: "tsv, jsonl or npy (default: from the --out name; tsv otherwise).")
    var format: NeighbourWriter.Format?

    @Flag(help: "Keep the descriptor checkpoint beside the output after a complete run (default: removed).")
    var keepDescriptors = false

    func validate() throws {
        guard k > 0 else { throw ValidationError("-k must be at least 1") }
        _ = try methods.single(or: "phash")
    }

    func run() throws {
        let console = Console()
        let format = self.format ?? NeighbourWriter.Format(fileName: out) ?? .tsv
        let chosen = try methods.searchMethods(command: "neighbours", console: console)
        let listing = SearchPlan(methods: chosen.entries, settings: chosen.settings, weights: chosen.weights, k: k)
        var made = chosen.made
        // Methods without a store of their own keep their descriptors in a checkpoint beside the output.
        let written = NeighbourWriter.files(output: out, format: format)
        let checkpoints = made.indices.map { "\(written[0]).lookalike-\(made[$0].name)-\($0).ckpt" }
        made = zip(made, checkpoints).map { CheckpointedMethod.wrapping($0, file: $1) }
        sayStoreDamage(made, console: console)

        let files = input.collect(console: console)
        var progress = ProgressBar(total: files.count, console: console)
        var paths: [String] = []
        var sets: [[Descriptor]] = Array(repeating: [], count: made.count)
        let reading = input.reading(hashSize: listing.settings.hashSize)
        DescriptionRun(methods: made, decodeOptions: reading.decode, applyOrientation: reading.applyOrientation,
                       workers: reading.workers).run(paths: files) { outcome in
            progress.report(outcome, console: console)
            if case .success(let record) = outcome.result {
                paths.append(record.path)
                for m in made.indices { sets[m].append(record.descriptors[m]) }
            }
        }
        progress.finish()
        reportStoreReuse(made, console: console)
        guard !paths.isEmpty else {
            try finish(processed: 0, failed: console.skips.count, console: console, verb: "read")
            return
        }
        let bar = PhaseBar(label: "neighbours", console: console)
        let lists = listing.everyNearest(sets, workers: input.jobs, progress: WorkProgress { done, total in bar.draw(done, total) })
        bar.clear()
        do {
            try NeighbourWriter.write(lists, paths: paths, k: k, format: format, output: out, metric: listing.metric)
        } catch {
            console.error("\(error)")
            throw ExitStatus.cannotWrite
        }
        if !keepDescriptors { for file in checkpoints { unlink(file) } }
        // Descriptors a method did not have to make again (every method's, when all kept them).
        let kept = made.compactMap { $0.store?.reusedCount }.min() ?? 0
        console.error("wrote \(written.joined(separator: ", ")): \(paths.count) images x \(min(k, paths.count - 1)) neighbours by "
                      + "\(listing.methodName); \(kept) described by an earlier run")
        try finish(processed: paths.count, failed: console.skips.count, console: console, verb: "read")
    }
}

/// A percentage bar for one long phase, drawn on stderr from any thread (only when stderr is a terminal), at most
/// ten times a second.
final class PhaseBar: @unchecked Sendable {
    let label: String
    let console: Console
    private let lock = NSLock()
    private var last = Date.distantPast
    private var visible = false

    init(label: String, console: Console) {
        self.label = label
        self.console = console
    }

    func draw(_ done: Int, _ total: Int) {
        guard console.stderrIsTerminal, total > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.1 || done == total else { return }
        last = now
        let filled = done * 30 / total
        console.rawError("\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: "-", count: 30 - filled))] \(done * 100 / total)% ")
        visible = true
    }

    func clear() {
        lock.lock(); defer { lock.unlock() }
        if visible { console.rawError("\r\u{1B}[2K") }
        visible = false
    }
}

extension NeighbourWriter.Format: ExpressibleByArgument {}
