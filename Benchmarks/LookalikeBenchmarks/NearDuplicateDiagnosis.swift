// Every figure of the near-duplicate check for every candidate pair of a labelled set (labels.csv: path,group,view,
// as Scripts/make_near_duplicates.py writes), one TSV line each: whether the two share a label, their views, the
// thumbnail check (its best view pair), ORB's matches and inliers (the better of plain and mirrored), whether the
// verifier passes the pair and by which rule, the images' quality, and over the better ORB homography the inliers'
// coverage and the warped thumbnails' agreement, structure and overlap. Pairs of one label that never became candidates are listed too
// (candidate 0). How the verifier's rule was chosen (the TSV scored in Python, components over passing pairs):
//   .build/release/LookalikeBenchmarks neardup SET/labels.csv > pairs.tsv
import Foundation
import Lookalike

func nearDuplicateDiagnosis(_ arguments: ArraySlice<String>) {
    guard let labelsPath = arguments.first, let text = try? String(contentsOfFile: labelsPath, encoding: .utf8) else {
        FileHandle.standardError.write("usage: LookalikeBenchmarks neardup LABELS.csv\n".data(using: .utf8)!)
        exit(64)
    }
    let folder = (labelsPath as NSString).deletingLastPathComponent
    let rows: [(path: String, group: String, view: String)] = text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return cells.count >= 3 ? (folder + "/" + cells[0], cells[1], cells[2]) : nil
    }
    let probes = chunked(rows.count) { range in
        let decoder = ImageDecoder()
        return range.map { k -> NearDuplicateProbe in
            guard case .success(let outcome) = decoder.decode(path: rows[k].path) else { fatalError("cannot read \(rows[k].path)") }
            return NearDuplicateProbe(ImageSample(path: rows[k].path, decoded: outcome.image, applyOrientation: true), transforms: true)
        }
    }.flatMap { $0 }
    let verifier = NearDuplicateVerifier()
    let candidates = verifier.candidates(probes)
    var seen = Set<Int>()
    for c in candidates { seen.insert(c.i * rows.count + c.j) }
    var pending = candidates.map { ($0.i, $0.j, $0.views, true) }
    for i in rows.indices { for j in (i + 1)..<rows.count where rows[i].group == rows[j].group && !seen.contains(i * rows.count + j) {
        pending.append((i, j, verifier.closestViews(probes[i], probes[j]), false))
    } }
    let work = pending
    let lines = chunked(work.count) { range in
        range.map { k -> String in
            let (i, j, views, candidate) = work[k]
            let a = probes[i], b = probes[j]
            var best: (NearDuplicateVerifier.Check, Int, Int)?
            for (va, vb, d) in views.prefix(verifier.triesPerPair) {
                let check = verifier.compare(a, a.views[va], b, b.views[vb], distance: d)
                if best == nil || (check.agreeing, check.structure) > (best!.0.agreeing, best!.0.structure) { best = (check, va, vb) }
            }
            let (check, va, vb) = best!
            // ORB both ways round (plain, and against b mirrored): the better.
            var orbFigures = (matches: 0, inliers: 0, mirrored: false)
            var warped = (coverage: 0.0, agreeing: 0.0, structure: 0.0, overlap: 0.0)
            if let ka = a.keypoints, let kb = b.keypoints {
                for mirrored in [false, true] {
                    guard let second = mirrored ? kb.mirrored : kb.plain else { continue }
                    let orb = ORBCheck(ka.plain, second)
                    if orb.inlierCount > orbFigures.inliers {
                        orbFigures = (orb.matches.count, orb.inlierCount, mirrored)
                        let w = verifier.warpedCheck(a, b, orb, mirrored: mirrored)
                        warped = (orb.inlierCoverage, w.agreeing, w.structure, w.overlap)
                    }
                }
            }
            let verdict = verifier.verify(a, b, views: views)
            let same = rows[i].group == rows[j].group
            return [same ? "1" : "0", candidate ? "1" : "0", rows[i].view, rows[j].view, "\(check.hashDistance)",
                    a.views[va].label + "/" + b.views[vb].label,
                    String(format: "%.4f", check.agreeing), String(format: "%.4f", check.structure),
                    "\(a.keypoints?.plain.keypoints.count ?? 0)", "\(b.keypoints?.plain.keypoints.count ?? 0)",
                    "\(orbFigures.matches)", "\(orbFigures.inliers)", orbFigures.mirrored ? "1" : "0",
                    candidate && verdict.verdict == .same ? "1" : "0", verdict.decidedBy, "\(a.quality)", "\(b.quality)",
                    String(format: "%.3f", warped.coverage), String(format: "%.4f", warped.agreeing),
                    String(format: "%.4f", warped.structure), String(format: "%.3f", warped.overlap),
                    String(format: "%.3f", verdict.gain), String(format: "%.1f", verdict.offset), "\(verdict.orbInliers ?? -1)",
                    String(format: "%.4f", verdict.agreeing), rows[i].path, rows[j].path].joined(separator: "\t")
        }
    }.flatMap { $0 }
    print("same\tcandidate\tviewA\tviewB\thash\tviews\tagreeing\tstructure\tkpA\tkpB\tmatches\tinliers\tmirrored\tpasses\tdecidedBy\tqualityA\tqualityB\tcoverage\twAgreeing\twStructure\twOverlap\tvGain\tvOffset\tvInliers\tvAgreeing\tpathA\tpathB")
    for line in lines { print(line) }
}

/// `body` over contiguous chunks of 0..<count on every core, results in order.
func chunked<T>(_ count: Int, _ body: @escaping @Sendable (Range<Int>) -> [T]) -> [[T]] {
    let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let chunks = max(1, min(count, workers * 8))
    let box = ChunkResults<T>()
    box.out = [[T]](repeating: [], count: chunks)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let result = body((c * count / chunks)..<((c + 1) * count / chunks))
        box.lock.lock(); box.out[c] = result; box.lock.unlock()
    }
    return box.out
}

final class ChunkResults<T>: @unchecked Sendable { var out: [[T]] = []; let lock = NSLock() }

