import ArgumentParser
import Foundation
import Lookalike

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Explain the near-duplicate check of two images: borders trimmed, quality, the closest views, the verdict.",
        discussion: """
        The check `group --verify` and `dedupe --verify` run on every candidate pair, shown step by step. Exit \
        status 0 when the two are near-duplicates, 1 when not (or too flat to compare), 2 when one cannot be read.

        Example:
          lookalike verify original.jpg copy.jpg
        """
    )

    @Argument(help: "Two images.")
    var images: [String]

    @Flag(help: "Also match mirrored copies.")
    var transforms = false

    @Option(help: "Write a PNG of the ORB matches here: the two trimmed images side by side, inliers green, other matches red.")
    var matches: String?

    func validate() throws {
        guard images.count == 2 else { throw ValidationError("verify takes two images") }
    }

    func run() throws {
        let console = Console()
        let decoder = ImageDecoder()
        var probes: [NearDuplicateProbe] = []
        var contents: [RGBImage] = []
        for path in images {
            switch decoder.decode(path: path) {
            case .failure(let error):
                console.skip(error)
                throw ExitStatus.noneProcessed
            case .success(let outcome):
                let sample = ImageSample(path: path, decoded: outcome.image, applyOrientation: true)
                let probe = NearDuplicateProbe(sample, transforms: transforms)
                probes.append(probe)
                contents.append(sample.smallRGB.window(x0: probe.box.x, y0: probe.box.y, width: probe.box.width,
                                                       height: probe.box.height, fill: 0))
            }
        }
        defer { if let matches { drawMatches(contents, probes, to: matches, console: console) } }
        let verifier = NearDuplicateVerifier()
        for (path, p) in zip(images, probes) {
            console.out("\(path)\n  content box \(p.box.width)x\(p.box.height) at (\(p.box.x), \(p.box.y)) of \(p.reducedSize.width)x\(p.reducedSize.height)"
                        + "; quality \(p.quality)\(p.isFlat ? " (too flat to compare)" : p.isFaint ? " (faint: only keypoints, the warped thumbnails or the aligned pixels confirm it)" : "")\n")
        }
        let views = verifier.closestViews(probes[0], probes[1])
        let candidates = views.filter { $0.2 <= verifier.radius }
        console.out("closest views: " + views.prefix(3).map { "\(probes[0].views[$0.0].label)/\(probes[1].views[$0.1].label) \($0.2) bits" }
                        .joined(separator: ", ") + "\n")
        guard !candidates.isEmpty else {
            console.out("verdict: different (no views within \(verifier.radius) bits: never a candidate)\n")
            console.flush()
            throw ExitCode(1)
        }
        let check = verifier.verify(probes[0], probes[1], views: candidates)
        let warped = check.decidedBy == "keypoints, warped thumbnails"
        if warped { console.out("the views did not line up; the thumbnails were checked again over ORB's homography\n") }
        console.out(String(format: "checked %@: gain %.2f, offset %.1f, %.1f%% of informative blocks agree (%.0f%% needed); "
                           + "gradient correlation %.2f (%.2f needed)\n", check.views, check.gain, check.offset,
                           check.agreeing * 100, (warped ? verifier.rescueAgreeing : verifier.agreeingShare) * 100, check.structure,
                           warped ? verifier.rescueStructure : verifier.structureCorrelation))
        if let fewer = check.orbKeypoints, let matches = check.orbMatches, let inliers = check.orbInliers {
            let needed = max(verifier.orbMinimumInliers, Int((verifier.orbInlierShare * Double(fewer)).rounded(.up)))
            console.out(String(format: "ORB: %d keypoints (the fewer), %d cross-checked matches, %d RANSAC inliers "
                               + "(%d and %.0f%% of the matches needed, or %d; decisive from %d keypoints)\n", fewer, matches, inliers,
                               needed, verifier.orbInlierRatio * 100, verifier.orbConfidentInliers, verifier.orbDecisiveKeypoints))
        }
        if check.decidedBy == "strict thumbnails" {
            console.out(String(format: "too few keypoints to decide: needs %.0f%% of blocks, gradient correlation %.2f, views within %d bits, "
                               + "a brightness offset within %.0f\n", verifier.strictAgreeing * 100, verifier.strictStructure,
                               verifier.strictHashDistance, verifier.strictOffset))
        }
        if let blocks = check.pixelBlocks, let share = check.pixelAgreeing {
            console.out(String(format: "aligned pixels (the frames lined up): %.1f%% of %d informative blocks agree (%.0f%% of %d needed)\n",
                               share * 100, blocks, verifier.pixelShare * 100, verifier.pixelBlocks))
        }
        console.out("verdict: \(check.verdict.rawValue)\n")
        console.flush()
        if check.verdict != .same { throw ExitCode(1) }
    }
}

extension VerifyCommand {
    /// The ORB matches of the two trimmed images as a PNG (mirrored second image when `--transforms` and the closest
    /// views are mirrored ones, as the check would have used it).
    func drawMatches(_ contents: [RGBImage], _ probes: [NearDuplicateProbe], to path: String, console: Console) {
        guard let ka = probes[0].keypoints, let kb = probes[1].keypoints else { return }
        let verifier = NearDuplicateVerifier()
        let closest = verifier.closestViews(probes[0], probes[1]).first
        let mirrored = closest.map { probes[0].views[$0.0].mirrored != probes[1].views[$0.1].mirrored } ?? false
        let second = mirrored ? (kb.mirrored ?? kb.plain) : kb.plain
        let picture = MatchPicture.render(contents[0], mirrored ? contents[1].applying(.upMirrored) : contents[1],
                                          ORBCheck(ka.plain, second))
        if let failure = MatchPicture.write(picture, to: path) {
            console.error("\(path): cannot write the matches: \(failure)")
        } else {
            console.error("wrote \(path): the ORB matches, inliers green")
        }
    }
}
