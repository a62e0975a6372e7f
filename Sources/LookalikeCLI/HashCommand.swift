import ArgumentParser
import Foundation
import Lookalike

struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Hash every image with aHash, dHash and DCT pHash (imagehash-compatible hex).",
        discussion: """
        Files are decoded by content (JPEG via TurboJPEG, PNG via libpng). Folders are walked recursively; \
        only files with a listed extension are taken from folders, while files named explicitly are always tried.

        By default the hex strings equal imagehash 4.3's str(average_hash(img)), str(dhash(img)) and \
        str(phash(img)) for the image with its EXIF orientation applied; --ignore-orientation hashes the \
        stored pixels exactly as imagehash does on Image.open(path). Alpha is dropped, as in imagehash.

        Examples:
          lookalike hash photos/
          lookalike hash --algorithm phash --format csv photos/ > hashes.csv
          lookalike hash --fast --format jsonl big-folder/ > hashes.jsonl
          lookalike hash --size 16 --algorithm dhash a.jpg b.png
        """
    )

    @OptionGroup var input: InputOptions

    @OptionGroup var settings: MethodSettingsOptions

    @Option(name: [.short, .long], help: "ahash, dhash, phash or all (comma-separated list allowed).")
    var algorithm: String = "all"

    @Option(name: [.short, .long], help: "Output format: table, csv, json or jsonl.")
    var format: RecordFormat = .table

    func validate() throws { _ = try methodEntries() }

    func methodEntries() throws -> [MethodCatalog.Entry] {
        let hashes = MethodCatalog.all.filter(\.isNearDuplicateMethod)
        if algorithm.lowercased() == "all" { return hashes }
        return try algorithm.split(separator: ",").map { raw in
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard let entry = hashes.first(where: { $0.name == name }) else {
                throw ValidationError("unknown hash '\(name)'; choose from \(hashes.map(\.name).joined(separator: ", ")) or all")
            }
            return entry
        }
    }

    func run() throws {
        let console = Console()
        let methods = try makeMethods(try methodEntries(), settings.settings, console: console)
        var writer = RecordWriter(format: format, methodNames: methods.map(\.name)) { console.out($0) }
        writer.begin()
        let counts = input.describe(methods: methods, console: console, hashSize: settings.size) { writer.write($1) }
        writer.end()
        try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "hashed")
    }
}

extension RecordFormat: ExpressibleByArgument {}
