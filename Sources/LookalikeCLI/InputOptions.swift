import ArgumentParser
import Foundation
import Lookalike

/// Options every command that reads images shares: what to read and how to decode it.
struct InputOptions: ParsableArguments {
    @Argument(help: "Image files and folders.")
    var paths: [String]

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

    @Option(help: "Write every file that could not be used to this file, one JSON object a line (path, category, message).")
    var errors: String?

    func validate() throws {
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
    }

    /// How files are read; fast mode keeps at least twice the largest thumbnail (phash's 4 x size) on the
    /// shorter side.
    func reading(hashSize: Int = 8, overlayFolder: String? = nil) -> GroupingPlan.Reading {
        GroupingPlan.Reading(decode: DecodeOptions(maxPixels: maxPixels, reducedLumaMinSide: fast ? 8 * hashSize : nil),
                             applyOrientation: !ignoreOrientation, workers: jobs, overlayFolder: overlayFolder)
    }

    /// Walks the paths (leaving out `excluding`, a dedupe destination) and says on stderr what was left out.
    func collect(console: Console, excluding: [String] = []) -> [String] {
        collect(paths, console: console, excluding: excluding)
    }

    /// Walks other paths than the positional ones (`search --in`) with the same settings.
    func collect(_ paths: [String], console: Console, excluding: [String] = []) -> [String] {
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
        if collection.files.isEmpty && collection.errors.isEmpty {
            console.error("no image files found in \(paths.joined(separator: " "))")
        }
        return collection.files
    }

    /// Collects the files and runs `methods` over them; `deliver` sees each success in input order.
    /// Returns (processed, failed): failures counted with the paths that could not be collected.
    func describe(methods: [any DescriptorMethod], console: Console, hashSize: Int = 8,
                  visit: (@Sendable (Int, ImageSample) -> Void)? = nil,
                  deliver: (Int, ImageRecord) -> Void) -> (processed: Int, failed: Int) {
        let files = collect(console: console)
        var failed = console.skips.count
        var progress = ProgressBar(total: files.count, console: console)
        var processed = 0
        let reading = self.reading(hashSize: hashSize)
        DescriptionRun(methods: methods, decodeOptions: reading.decode, applyOrientation: reading.applyOrientation,
                       workers: reading.workers).run(paths: files, visit: visit) { outcome in
            progress.report(outcome, console: console)
            switch outcome.result {
            case .success(let record):
                deliver(outcome.index, record)
                processed += 1
            case .failure: failed += 1
            }
        }
        progress.finish()
        reportStoreReuse(methods, console: console)
        return (processed, failed)
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

/// Describes every image of a labelled set, each failure named on stderr (and kept for the summary).
func describeLabelled(_ set: LabelSet, methods: [any DescriptorMethod], jobs: Int, keypoints: Bool = false,
                      console: Console) -> LabelledDescriptors {
    var progress = ProgressBar(total: set.paths.count, console: console)
    let described = set.describe(methods: methods, workers: jobs, keypoints: keypoints,
                                 observe: { progress.report($0, console: console) })
    progress.finish()
    reportStoreReuse(methods, console: console)
    return described
}
