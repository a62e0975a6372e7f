import ArgumentParser
import Foundation
import Lookalike
import Synchronization

struct MaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Show the product masks of the mask method: one overlay PNG per image.",
        discussion: """
        Background is dimmed, skin tinted magenta, the product's bounding box drawn in green, at the size the \
        method works at (256 px on the longer side). Prints per image: product share, skin share, and whether a \
        backdrop was found (when not, only a margin was removed and the centre kept).

        Example:
          lookalike mask catalogue/ --out masks/
        """
    )

    @OptionGroup var input: InputOptions

    @Option(help: "Folder for the overlay PNGs (created if missing).")
    var out: String

    func run() throws {
        let console = Console()
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            console.error("\(out): cannot create the folder: \((error as NSError).localizedFailureReason ?? "\(error)")")
            throw ExitStatus.cannotWrite
        }
        // Overlays are written on the workers as each image is decoded; their summaries are printed in order.
        let summaries = Mutex<[Int: Result<MaskOverlay.Summary, WriteError>]>([:])
        let folder = out
        var written = 0, failed = 0
        let counts = input.describe(methods: [], console: console, visit: { index, sample in
            let result: Result<MaskOverlay.Summary, WriteError>
            do { result = .success(try MaskOverlay.write(sample, into: folder)) } catch {
                result = .failure(error as? WriteError ?? WriteError(path: sample.path, reason: "\(error)"))
            }
            summaries.withLock { $0[index] = result }
        }) { index, record in
            switch summaries.withLock({ $0.removeValue(forKey: index) }) {
            case .success(let s):
                console.out(String(format: "product %4.1f%%  skin %4.1f%%  %@  %@\n", s.productShare * 100, s.skinShare * 100,
                                   s.backdropFound ? "backdrop" : "no backdrop (centre kept)", record.path))
                written += 1
            case .failure(let error):
                console.skip(path: record.path, category: "write-failed", message: error.description)
                failed += 1
            case nil:
                failed += 1
            }
        }
        console.flush()
        if written > 0 { console.error("wrote \(written) overlay(s) to \(out)") }
        try finish(processed: counts.processed - failed, failed: counts.failed + failed, console: console, verb: "masked")
    }
}
