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

    @Argument(help: "Image files and folders.")
    var paths: [String]

    @Option(name: [.short, .long], help: "ahash, dhash, phash or all (comma-separated list allowed).")
    var algorithm: String = "all"

    @Option(help: "Hash size: size x size bits (imagehash's hash_size, at least 2).")
    var size: Int = 8

    @Option(name: [.short, .long], help: "Output format: table, csv, json or jsonl.")
    var format: RecordFormat = .table

    @Flag(help: "Fast mode: reduced-scale JPEG decoding and luma from the decoder (not imagehash-exact).")
    var fast = false

    @Flag(help: "Hash the stored pixels without applying EXIF orientation (what imagehash does).")
    var ignoreOrientation = false

    @Option(help: "Refuse images with more pixels than this (against decompression bombs).")
    var maxPixels: Int = DecodeOptions.defaultMaxPixels

    @Option(help: "File extensions to take from folders (comma-separated).")
    var extensions: String = "jpg,jpeg,jpe,jfif,png"

    @Flag(help: "Follow symbolic links inside folders.")
    var followSymlinks = false

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard size >= 2 else { throw ValidationError("--size must be at least 2 (got \(size))") }
        guard size <= 64 else { throw ValidationError("--size must be at most 64 (got \(size))") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        _ = try methodEntries()
    }
}

extension RecordFormat: ExpressibleByArgument {}

extension HashCommand {
    func methodEntries() throws -> [MethodCatalog.Entry] {
        let names = algorithm.lowercased() == "all"
            ? MethodCatalog.all.filter { $0.metric == .hamming }.map(\.name)
            : algorithm.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return try names.map { name in
            guard let entry = MethodCatalog.entry(named: name), entry.metric == .hamming else {
                let known = MethodCatalog.all.filter { $0.metric == .hamming }.map(\.name)
                throw ValidationError("unknown hash '\(name)'; choose from \(known.joined(separator: ", ")) or all")
            }
            return entry
        }
    }

    func run() throws {
        let options = MethodOptions(hashSize: size)
        let methods = try methodEntries().map { $0.make(options) }
        let collector = FileCollector(extensions: Set(extensions.split(separator: ",").map(String.init)),
                                      followSymlinks: followSymlinks)
        let collection = collector.collect(paths)
        let console = Console()
        for error in collection.errors { console.error(error.description) }

        // Fast mode keeps at least twice the largest thumbnail (phash's 4 x size) on the shorter side.
        let decodeOptions = DecodeOptions(maxPixels: maxPixels, reducedLumaMinSide: fast ? 8 * size : nil)
        let run = DescriptionRun(methods: methods, decodeOptions: decodeOptions,
                                 applyOrientation: !ignoreOrientation, workers: jobs)
        var writer = RecordWriter(format: format, methodNames: methods.map(\.name)) { console.out($0) }
        var progress = ProgressBar(total: collection.files.count, console: console)
        var failures = collection.errors.count
        var processed = 0
        writer.begin()
        run.run(paths: collection.files) { outcome in
            for warning in outcome.warnings { progress.clear(); console.error(warning) }
            switch outcome.result {
            case .success(let record):
                writer.write(record)
                processed += 1
            case .failure(let error):
                progress.clear()
                console.error(error.description)
                failures += 1
            }
            progress.advance()
        }
        progress.finish()
        writer.end()
        console.flush()
        if processed == 0 {
            if collection.files.isEmpty && failures == 0 { console.error("no image files found in \(paths.joined(separator: " "))") }
            throw ExitStatus.noneProcessed
        }
        if failures > 0 {
            console.error("\(failures) file(s) could not be hashed; \(processed) hashed")
            throw ExitStatus.someFailed
        }
    }
}
