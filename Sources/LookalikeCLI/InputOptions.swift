import ArgumentParser
import Foundation
import Lookalike

/// Options every command that reads images shares: what to read and how to decode it.
struct InputOptions: ParsableArguments {
    @Argument(help: "Image files and folders.")
    var paths: [String]

    @Option(help: "Hash size: size x size bits (imagehash's hash_size, at least 2).")
    var size: Int = 8

    @Flag(help: "Fast mode: reduced-scale JPEG decoding and luma from the decoder (not imagehash-exact).")
    var fast = false

    @Flag(help: "Use the stored pixels without applying EXIF orientation (what imagehash does).")
    var ignoreOrientation = false

    @Option(help: "Refuse images with more pixels than this (against decompression bombs).")
    var maxPixels: Int = DecodeOptions.defaultMaxPixels

    @Option(help: "File extensions to take from folders (comma-separated).")
    var extensions: String = "jpg,jpeg,jpe,jfif,png"

    @Flag(help: "Follow symbolic links inside folders.")
    var followSymlinks = false

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Deep methods: the weights file (default: LOOKALIKE_WEIGHTS, then the cache folders; see README).")
    var weights: String?

    @Option(help: "Write every file that could not be used to this file, one JSON object a line (path, category, message).")
    var errors: String?

    func validate() throws {
        guard size >= 2 else { throw ValidationError("--size must be at least 2 (got \(size))") }
        guard size <= 64 else { throw ValidationError("--size must be at most 64 (got \(size))") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
    }

    var methodOptions: MethodOptions { MethodOptions(hashSize: size, weightsPath: weights) }

    var decodeOptions: DecodeOptions {
        // Fast mode keeps at least twice the largest thumbnail (phash's 4 x size) on the shorter side.
        DecodeOptions(maxPixels: maxPixels, reducedLumaMinSide: fast ? 8 * size : nil)
    }

    /// Describes given files (no folder walk) with one method; failures are reported and left out.
    func describe(paths: [String], method: any DescriptorMethod, console: Console) -> [Int: Descriptor] {
        var out: [Int: Descriptor] = [:]
        DescriptionRun(methods: [method], decodeOptions: decodeOptions, applyOrientation: !ignoreOrientation,
                       workers: jobs).run(paths: paths) { outcome in
            switch outcome.result {
            case .success(let record): out[outcome.index] = record.descriptors[0]
            case .failure(let error): console.skip(error)
            }
        }
        return out
    }

    /// Collects the files and runs `methods` over them; `deliver` sees each success in input order.
    /// Failures and warnings go to stderr with the progress bar cleared. Returns (processed, failed).
    /// Folders in `excluding` are not walked (a dedupe destination).
    func describe(methods: [any DescriptorMethod], console: Console, excluding: [String] = [],
                  deliver: (ImageRecord) -> Void) -> (processed: Int, failed: Int) {
        console.errorsFile = errors
        let collector = FileCollector(extensions: Set(extensions.split(separator: ",").map(String.init)),
                                      followSymlinks: followSymlinks, excludedFolders: excluding)
        let collection = collector.collect(paths)
        for error in collection.errors { console.skip(error) }
        if !collection.repeats.isEmpty {
            console.error("\(collection.repeats.count) path(s) reach a file already listed (the same file through overlapping "
                          + "arguments, links or hard links); each file is read once")
        }
        for folder in collection.skippedFolders {
            console.error("\(folder): skipped: a dedupe destination (name it as an input to read it)")
        }
        let run = DescriptionRun(methods: methods, decodeOptions: decodeOptions,
                                 applyOrientation: !ignoreOrientation, workers: jobs)
        var progress = ProgressBar(total: collection.files.count, console: console)
        var failures = collection.errors.count
        var processed = 0
        run.run(paths: collection.files) { outcome in
            for warning in outcome.warnings { progress.clear(); console.error(warning) }
            switch outcome.result {
            case .success(let record):
                deliver(record)
                processed += 1
            case .failure(let error):
                progress.clear()
                console.skip(error)
                failures += 1
            }
            progress.advance()
        }
        progress.finish()
        if console.stderrIsTerminal {
            for case let method as ResNet50Method in methods {
                if let store = method.store, store.counts.reused > 0 {
                    console.error("\(method.name): \(store.counts.reused) vector(s) reused from \(store.file)")
                }
            }
        }
        if processed == 0 && collection.files.isEmpty && failures == 0 {
            console.error("no image files found in \(paths.joined(separator: " "))")
        }
        return (processed, failures)
    }
}

/// Exit status from the counts, shared by every command (see the README).
/// Closes every command: the count of files that could not be used, by cause, and `--errors FILE`.
func finish(processed: Int, failed: Int, console: Console, verb: String) throws {
    console.flush()
    if failed > 0 {
        let causes = console.breakdown { $0.category != "move-failed" }
        console.error("\(failed) file(s) could not be \(verb)" + (causes.isEmpty ? "" : " (\(causes))") + "; \(processed) \(verb)")
    }
    guard console.writeErrorsFile() else { throw ExitStatus.cannotWrite }
    if processed == 0 { throw ExitStatus.noneProcessed }
    if failed > 0 { throw ExitStatus.someFailed }
}

/// Builds methods; a method that cannot start (weights missing) is one clear message and exit status 69.
func makeMethods(_ entries: [MethodCatalog.Entry], _ options: MethodOptions, console: Console) throws -> [any DescriptorMethod] {
    try entries.map { entry in
        do { return warnOfStoreDamage(try entry.make(options), console: console) } catch {
            console.error("\(entry.name): \(error)")
            throw ExitStatus.methodUnavailable
        }
    }
}

/// Damaged records in a method's embedding store, said once per run (the store is opened once per method and
/// rewritten without them), on stderr even when it is not a terminal.
func warnOfStoreDamage(_ method: any DescriptorMethod, console: Console) -> any DescriptorMethod {
    if let warning = (method as? ResNet50Method)?.store?.damageWarning { console.error(warning) }
    return method
}

/// Describes every image of a labelled set: per method, the descriptors of the images that decoded, their
/// labels in the same order, and how many failed (each named on stderr).
func describeLabelled(_ set: LabelSet, methods: [any DescriptorMethod], jobs: Int, console: Console)
    -> (descriptors: [[Descriptor]], labels: [String], failed: Int)
{
    var descriptors: [[Descriptor]] = Array(repeating: [], count: methods.count)
    var labels: [String] = []
    var failed = 0
    DescriptionRun(methods: methods, workers: jobs).run(paths: set.paths) { outcome in
        switch outcome.result {
        case .success(let record):
            for m in methods.indices { descriptors[m].append(record.descriptors[m]) }
            labels.append(set.groups[outcome.index])
        case .failure(let error):
            console.skip(error)
            failed += 1
        }
    }
    return (descriptors, labels, failed)
}

/// Method names, comma-separated, resolved through the catalog ("all" is handled by callers that allow it).
func parseMethods(_ text: String) throws -> [MethodCatalog.Entry] {
    try text.split(separator: ",").map { raw in
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard let entry = MethodCatalog.entry(named: name) else {
            throw ValidationError("unknown method '\(name)'; choose from \(MethodCatalog.names.joined(separator: ", "))")
        }
        return entry
    }
}

/// Clustering rules, comma-separated, or "all".
func parseRules(_ text: String) throws -> [ClusteringRule] {
    if text == "all" { return ClusteringRule.allCases }
    return try text.split(separator: ",").map { name in
        guard let rule = ClusteringRule(rawValue: String(name)) else {
            throw ValidationError("unknown rule '\(name)'; choose from \(ClusteringRule.allCases.map(\.rawValue).joined(separator: ", ")) or all")
        }
        return rule
    }
}
