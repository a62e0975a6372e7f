import Foundation

/// `robustness`'s report as one self-contained page, in `compare`'s look: one original and its edited copies
/// (so a reader sees what each transform does), then per transform and method the share of copies found at the
/// run's false-positive rate, and the share whose nearest original is their own.
public struct RobustnessPage {
    public let report: RobustnessReport
    public let title: String
    /// Thumbnails of one original and its copies, in `report.transforms` order (data: URIs; nil where missing).
    public var example: (original: String?, copies: [String?])?
    public var skipped: [(name: String, reason: String)] = []
    public var failures: [String] = []

    public init(report: RobustnessReport, title: String) {
        self.report = report
        self.title = title
    }

    let e = HTMLText.escape

    public func render() -> String {
        let r = report
        var out = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        \(HTMLText.style).strip { display: flex; flex-wrap: wrap; gap: 8px; } .strip figure { margin: 0; width: 120px; text-align: center; }
        .strip img { max-width: 116px; max-height: 116px; background: #f4f4f4; } .strip figcaption { font-size: 11px; color: #555; }
        </style></head><body>
        <h1>\(e(title))</h1>
        <p>\(r.originals.count) originals, each edited \(r.transforms.count) ways: \(r.originals.count * r.transforms.count) copies. \
        A copy is <b>found</b> when its distance to its original is below the method's cut, the cut set so that \
        \(String(format: "%g", r.falsePositiveRate)) of all pairs of a copy and another original fall below it (one \
        setting per method over every transform, as a user would run it). <b>Nearest</b>: its own original is the \
        closest of all originals.</p>

        """
        if !skipped.isEmpty {
            out += "<p class=\"note\">Not run: " + skipped.map { "<b>\(e($0.name))</b> (\(e($0.reason)))" }.joined(separator: "; ") + ".</p>\n"
        }
        if !failures.isEmpty {
            out += "<p class=\"note\">\(failures.count) file(s) left out: " + failures.prefix(10).map(e).joined(separator: "; ")
                + (failures.count > 10 ? "; ..." : "") + "</p>\n"
        }
        if let example {
            out += "<h2>What the transforms do</h2>\n<div class=\"strip\">" + figure(example.original, "original")
            for (uri, name) in zip(example.copies, r.transforms) { out += figure(uri, name) }
            out += "</div>\n"
        }
        out += table("Found at a false-positive rate of \(String(format: "%g", r.falsePositiveRate))", \.foundShare)
        out += "<p class=\"note\">Each method's cut and the false-positive rate it gives: " + r.methods.map {
            "\(e($0.name)) \($0.metric == "hamming" ? "< \(Int($0.cut)) bits" : String(format: "< %.4f", $0.cut)) "
                + "(\(String(format: "%.5f", $0.achievedFalsePositiveRate)) of \($0.negatives) pairs"
                + ($0.metric == "hamming" && $0.cut == 0
                    ? ": more pairs of different pictures than that share the exact code, so no copy can be found at this rate)"
                    : ")")
        }.joined(separator: "; ") + ". A hash's distances are whole bits, so its rate can fall below the target.</p>\n"
        out += table("Nearest original is its own", \.nearestShare)
        return out + "</body></html>\n"
    }

    func figure(_ uri: String?, _ caption: String) -> String {
        "<figure>" + (uri.map { "<img src=\"\($0)\" alt=\"\(e(caption))\">" } ?? "<span class=\"missing\"></span>")
            + "<figcaption>\(e(caption))</figcaption></figure>"
    }

    /// Transforms down, methods across; each cell shaded from red (0) to green (1).
    func table(_ heading: String, _ value: KeyPath<RobustnessReport.TransformScore, Double>) -> String {
        let r = report
        var out = "<h2>\(e(heading))</h2>\n<table><tr><th>transform</th>"
            + r.methods.map { "<th>\(e($0.name))</th>" }.joined() + "</tr>\n"
        for (t, name) in r.transforms.enumerated() {
            out += "<tr><td>\(e(name))</td>"
            for m in r.methods {
                let v = m.transforms[t][keyPath: value]
                let hue = Int(v * 120)
                out += "<td style=\"background: hsl(\(hue), 60%, 88%)\">\(String(format: "%.3f", v))</td>"
            }
            out += "</tr>\n"
        }
        out += "<tr><th>mean</th>" + r.methods.map { m in
            let mean = m.transforms.map { $0[keyPath: value] }.reduce(0, +) / Double(max(1, m.transforms.count))
            return "<th>\(String(format: "%.3f", mean))</th>"
        }.joined() + "</tr>\n"
        out += "<tr><td>time per image</td>" + r.methods.map { m in
            "<td>\(m.secondsPerImage.map { String(format: "%.2f ms", $0 * 1000) } ?? "stored")</td>"
        }.joined() + "</tr>\n"
        return out + "</table>\n"
    }
}
