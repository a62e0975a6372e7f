import ArgumentParser
import Foundation
import Lookalike

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Query by example: the k images of a folder most like each query image, with distances.",
        discussion: """
        Exact: the results are those of a brute-force scan under the method (or fusion) asked. A query need not be \
        in the folder; when it is, its own file is left out of its results (its copies are not). Network vectors \
        come from the embedding store where it has them. A query that cannot be read is named on stderr (and in \
        csv, json and html output) and the other queries still run. Default method: group's default fusion when \
        its weights are here, else pHash (said on stderr).

        Exit status: 0 when every image was read; 1 when some query or folder image could not be; 2 when no query \
        could be, or the folder holds no readable image.

        Examples:
          lookalike search shoe.jpg --in catalogue/
          lookalike search -k 5 --method phash q1.jpg q2.jpg --in photos/ --format csv > matches.csv
          lookalike search queries/ --in catalogue/ --method effnet-lite0,colour --format html --output search.html
        """
    )

    @OptionGroup var input: InputOptions

    @Option(name: .customLong("in"), parsing: .upToNextOption, help: "The images to search: files and folders.")
    var collection: [String] = []

    @Option(name: .short, help: "Results per query (more than the folder holds returns all of it).")
    var k: Int = 10

    @OptionGroup var methods: MethodOptions

    @Option(name: [.short, .long], help: "Output format: table, csv, json, jsonl or html.")
    var format: SearchFormat = .table

    @Option(name: [.short, .long], help: "Write the results to this file instead of standard output.")
    var output: String?

    @Flag(help: "HTML: link the images (relative to the page) instead of embedding thumbnails.")
    var linkImages = false

    func validate() throws {
        guard !collection.isEmpty else { throw ValidationError("give the images to search with --in PATH...") }
        guard k > 0 else { throw ValidationError("-k must be at least 1") }
        _ = try methods.single(or: "phash")
        if format == .html && output == nil { throw ValidationError("--format html needs --output (thumbnails and links are made for a page)") }
    }

    func run() throws {
        let console = Console()
        let chosen = try methods.searchMethods(command: "search", console: console)
        let plan = SearchPlan(methods: chosen.entries, settings: chosen.settings, weights: chosen.weights, k: k)
        let made = chosen.made
        let files = input.collect(collection, console: console)
        // Queries: a folder gives its images; a file is taken as named, so one that cannot be read is reported
        // as that query's failure.
        var queries: [String] = []
        for path in input.paths {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                queries += input.collect([path], console: console)
            } else {
                queries.append(path)
            }
        }
        var progress = ProgressBar(total: files.count + queries.count, console: console)
        let outcome = plan.run(collection: files, queries: queries, methods: made,
                               reading: input.reading(hashSize: plan.settings.hashSize)) { _, outcome in
            progress.report(outcome, console: console)
        }
        progress.finish()
        reportStoreReuse(made, console: console)
        if outcome.images.isEmpty {
            console.error("search: no readable image to search in \(collection.joined(separator: " "))")
            try finish(processed: 0, failed: console.skips.count, console: console, verb: "read")
        }
        var writer = SearchWriter(format: format, method: plan.methodName, metric: plan.metric,
                                  htmlBase: output.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
        if format == .html && !linkImages {
            var shown: [String] = []
            var seen = Set<String>()
            for r in outcome.results {
                guard case .success(let found) = r.neighbours else { continue }
                for path in [r.path] + found.map({ outcome.images[$0.index].path }) where seen.insert(path).inserted {
                    shown.append(path)
                }
            }
            for (path, uri) in zip(shown, Thumbnails.dataURIs(paths: shown, workers: input.jobs)) {
                if let uri { writer.thumbnails[path] = uri }
            }
        }
        let text = writer.render(outcome)
        if let output {
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                console.error("\(output): cannot write the results: \(error.localizedDescription)")
                throw ExitStatus.cannotWrite
            }
            console.error("wrote \(output): \(outcome.results.count) queries over \(outcome.images.count) images")
        } else {
            console.out(text)
        }
        let answered = outcome.results.filter { if case .success = $0.neighbours { true } else { false } }.count
        try finish(processed: answered, failed: console.skips.count, console: console, verb: "read")
    }
}

extension SearchFormat: ExpressibleByArgument {}
