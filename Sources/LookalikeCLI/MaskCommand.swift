import ArgumentParser
import Foundation
import Lookalike

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
        try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var written = 0, failed = 0
        let counts = input.describe(methods: [OverlayWriter(folder: out)], console: console) { record in
            if case .vector(let v) = record.descriptors[0], v.count == 3 {
                console.out(String(format: "product %4.1f%%  skin %4.1f%%  %@  %@\n", v[0] * 100, v[1] * 100,
                                   v[2] > 0 ? "backdrop" : "no backdrop (centre kept)", record.path))
                written += 1
            } else {
                failed += 1
            }
        }
        console.flush()
        if written > 0 { console.error("wrote \(written) overlay(s) to \(out)") }
        try finish(processed: counts.processed, failed: counts.failed + failed, console: console, verb: "masked")
    }
}

/// Writes each image's overlay as a side effect and returns (product share, skin share, backdrop found).
struct OverlayWriter: DescriptorMethod {
    let folder: String
    var name: String { "overlay" }
    var metric: DistanceMetric { .cosine }

    func describe(_ sample: ImageSample) throws -> Descriptor {
        let image = sample.smallRGB
        let mask = ProductMask(image)
        let target = Self.overlayPath(for: sample.path, in: folder)
        try MaskOverlay.writePNG(MaskOverlay.render(image, mask: mask), to: target)
        let n = Float(mask.labels.count)
        let skin = Float(mask.labels.filter { $0 == .skin }.count)
        return .vector([Float(mask.productCount) / n, skin / n, mask.backdropFound ? 1 : 0])
    }

    /// Where the overlay of `path` goes. FNV-1a of the path: the same name on every run, distinct for
    /// same-named files in other folders.
    static func overlayPath(for path: String, in folder: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let digest = String(path.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 }, radix: 16)
        return URL(fileURLWithPath: folder).appendingPathComponent("\(stem)-\(digest)-mask.png").path
    }
}
