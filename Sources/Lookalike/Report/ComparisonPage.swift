import Foundation

/// `compare`'s report as one self-contained HTML page: the figures of every contender, where each fails by view
/// pair (table and bar chart), precision-recall curves (inline SVG), the seed documents' rule, and galleries of
/// the pairs each contender gets wrong with every contender's distance. No script, no external request: images
/// are embedded `data:` URIs unless `links` is set (then relative to `base`, the page's folder).
public struct ComparisonPage {
    public let comparison: Comparison
    public let title: String
    /// Image index -> embedded thumbnail; images without one are linked (or named when `base` is nil too).
    public var thumbnails: [Int: String] = [:]
    /// The page's folder, for relative links to the images.
    public var base: String?
    /// Contenders left out, with why.
    public var skipped: [(name: String, reason: String)] = []
    /// Files that could not be read, with why.
    public var failures: [String] = []
    /// A line about this labelled set shown under the seed documents' rule (for the seed set: the original run).
    public var seedNote: String?

    public init(comparison: Comparison, title: String) {
        self.comparison = comparison
        self.title = title
    }

    /// The seed set's own figure, when `labels` is that set (the seed documents ran ResNet50 + Annoy on it).
    public static func seedNote(labels: String) -> String? {
        guard labels.contains("seed-product-grouping") else { return nil }
        return "The seed documents' own run (ResNet50 features, Annoy neighbours, this rule) made 8 groups of these "
            + "images of 6 products, splitting the white kurta and the black sleeveless kurta."
    }

    /// Which images the galleries show (embed thumbnails of these).
    public static func shownImages(_ c: Comparison) -> [Int] {
        Array(Set(c.galleries.flatMap { ($0.missed + $0.merged).flatMap { [$0.a, $0.b] } })).sorted()
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                          "#7f7f7f", "#bcbd22"]
    func colour(_ c: Int) -> String { Self.palette[c % Self.palette.count] }
    let e = HTMLText.escape

    public func render() -> String {
        let c = comparison
        var out = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        \(HTMLText.style)</style></head><body>
        <h1>\(e(title))</h1>
        <p>\(c.images.count) images: \(c.images.count - c.distractors) labelled, showing \(c.products) products\
        \(c.distractors > 0 ? ", and \(c.distractors) unlabelled distractors (each its own product)" : ""). \
        Every method described each image once; every figure below comes from those descriptors.</p>

        """
        if !skipped.isEmpty {
            out += "<p class=\"note\">Not compared: " + skipped.map { "<b>\(e($0.name))</b> (\(e($0.reason)))" }.joined(separator: "; ") + ".</p>\n"
        }
        if !failures.isEmpty {
            out += "<p class=\"note\">\(failures.count) file(s) could not be read and are left out: "
                + failures.prefix(10).map(e).joined(separator: "; ") + (failures.count > 10 ? "; ..." : "") + "</p>\n"
        }
        out += summaryTable()
        out += viewPairSection()
        out += curves()
        out += seedSection()
        out += galleries()
        return out + "</body></html>\n"
    }

    // MARK: figures

    func summaryTable() -> String {
        let c = comparison
        var out = """
        <h2>Every method on the same images</h2>
        <p class="note">At its default: the rule and threshold <code>lookalike group</code> would use. Best: the threshold of \
        the sweep with the highest pairwise F1, chosen on these same labels (in-sample, so optimistic). Recall@k: the \
        share of labelled images with another image of their product among their k nearest. mAP: mean average precision \
        of each image's ranking of all others. Time: per image on one worker, decoding (\(c.decodeSecondsPerImage.map(ms) ?? "n/a") \
        per image) not included; a view several methods share (the product mask) is charged to the first that asks for it.</p>
        <table><tr><th>method</th><th>descriptor</th><th>default rule</th><th>P / R</th><th>F1</th><th>BCubed F1</th>\
        <th>groups</th><th>best F1 (in-sample)</th><th>at</th><th>Recall@1</th><th>Recall@5</th><th>mAP</th><th>time</th></tr>

        """
        let m = c.methods
        func top(_ values: [Double]) -> Double { values.max() ?? 0 }
        let bestF1 = top(m.map(\.atDefault.f1)), bestB = top(m.map(\.atDefault.bcubedF1)), bestIn = top(m.map(\.best.f1))
        let bestR1 = top(m.map(\.recallAt1)), bestR5 = top(m.map(\.recallAt5)), bestAP = top(m.map(\.meanAveragePrecision))
        func cell(_ v: Double, _ best: Double) -> String {
            "<td\(m.count > 1 && v > 0 && v == best ? " class=\"top\"" : "")>\(f3(v))</td>"
        }
        for (i, r) in m.enumerated() {
            out += "<tr><td><span class=\"swatch\" style=\"background:\(colour(i))\"></span>\(e(r.name))</td><td>\(e(r.descriptor))</td>"
                + "<td>\(r.atDefault.rule) ≤ \(threshold(r.atDefault.threshold, r))</td>"
                + "<td>\(f3(r.atDefault.precision)) / \(f3(r.atDefault.recall))</td>" + cell(r.atDefault.f1, bestF1)
                + cell(r.atDefault.bcubedF1, bestB) + "<td>\(r.atDefault.groups)</td>" + cell(r.best.f1, bestIn)
                + "<td>\(threshold(r.best.threshold, r))</td>" + cell(r.recallAt1, bestR1) + cell(r.recallAt5, bestR5)
                + cell(r.meanAveragePrecision, bestAP) + "<td>\(r.secondsPerImage.map(ms) ?? "stored")</td></tr>\n"
        }
        return out + "</table>\n"
    }

    func viewPairSection() -> String {
        let c = comparison
        guard let first = c.methods.first, !first.viewPairs.isEmpty else { return "" }
        let pairs = first.viewPairs.map(\.views)
        var out = """
        <h2>Where each method fails: pairs by view</h2>
        <p class="note">For each pair of views (catalogue packshot, model shot, shelf photo, ... as labels.csv names them): \
        the share of same-product pairs each method puts in one group at its default (at its in-sample best in brackets), \
        and below, the share of different-product pairs it merges. Hashes find copies; a packshot and a photo of the \
        product worn or on a shelf are not copies, and this is where that shows.</p>
        <table><tr><th>views</th><th>same-product pairs</th>
        """ + c.methods.enumerated().map { "<th><span class=\"swatch\" style=\"background:\(colour($0))\"></span>\(e($1.name))</th>" }.joined()
            + "</tr>\n"
        for (p, name) in pairs.enumerated() where first.viewPairs[p].samePairs > 0 {
            out += "<tr><td>\(e(name))</td><td>\(first.viewPairs[p].samePairs)</td>"
            let values = c.methods.map { $0.viewPairs[p].recallAtDefault ?? 0 }
            for (r, v) in zip(c.methods, values) {
                let best = r.viewPairs[p].recallAtBest ?? 0
                out += "<td\(c.methods.count > 1 && v > 0 && v == values.max() ? " class=\"top\"" : "")>\(f3(v)) (\(f3(best)))</td>"
            }
            out += "</tr>\n"
        }
        out += "<tr><th>views</th><th>different-product pairs</th>" + c.methods.map { _ in "<th>merged</th>" }.joined() + "</tr>\n"
        for (p, name) in pairs.enumerated() where first.viewPairs[p].otherPairs > 0 {
            out += "<tr><td>\(e(name))</td><td>\(first.viewPairs[p].otherPairs)</td>"
            for r in c.methods {
                let v = r.viewPairs[p]
                out += "<td>\(String(format: "%.4f", v.mergedShareAtDefault ?? 0))</td>"
            }
            out += "</tr>\n"
        }
        out += "</table>\n" + viewPairChart(pairs.indices.filter { first.viewPairs[$0].samePairs > 0 })
        return out
    }

    /// Grouped horizontal bars: per view pair, each method's same-product recall at its default.
    func viewPairChart(_ pairs: [Int]) -> String {
        let methods = comparison.methods
        guard !pairs.isEmpty else { return "" }
        let bar = 9, gap = 10, left = 190, width = 420
        let groupHeight = methods.count * bar + gap
        let height = pairs.count * groupHeight + 30
        var svg = "<svg role=\"img\" aria-label=\"same-product recall by view pair\" width=\"\(left + width + 60)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(left + width + 60) \(height)\">\n"
        for t in stride(from: 0.0, through: 1.0, by: 0.25) {
            let x = left + Int(t * Double(width))
            svg += "<line x1=\"\(x)\" y1=\"0\" x2=\"\(x)\" y2=\"\(height - 20)\" stroke=\"#ddd\"/>"
                + "<text x=\"\(x)\" y=\"\(height - 6)\" text-anchor=\"middle\">\(String(format: "%.2f", t))</text>\n"
        }
        for (row, p) in pairs.enumerated() {
            let y0 = row * groupHeight
            svg += "<text x=\"\(left - 8)\" y=\"\(y0 + methods.count * bar / 2 + 4)\" text-anchor=\"end\">\(e(methods[0].viewPairs[p].views))</text>\n"
            for (m, r) in methods.enumerated() {
                let v = r.viewPairs[p].recallAtDefault ?? 0
                svg += "<rect x=\"\(left)\" y=\"\(y0 + m * bar)\" width=\"\(max(1, Int(v * Double(width))))\" height=\"\(bar - 1)\" "
                    + "fill=\"\(colour(m))\"><title>\(e(r.name)): \(f3(v))</title></rect>\n"
            }
        }
        return svg + "</svg>\n<p class=\"note\">Bars: same-product recall at each method's default, in the colours of the first table.</p>\n"
    }

    /// Precision against recall over each method's threshold sweep; a circle marks the default, a square the best.
    func curves() -> String {
        let methods = comparison.methods
        let size = 420, pad = 40
        func x(_ r: Double) -> Int { pad + Int(r * Double(size)) }
        func y(_ p: Double) -> Int { pad + Int((1 - p) * Double(size)) - pad + 10 }
        var svg = "<h2>Precision and recall over thresholds</h2>\n<p class=\"note\">Pairwise precision and recall of each "
            + "method's default rule as its threshold moves (each point one threshold of the sweep). Circle: the default "
            + "threshold; square: the in-sample best.</p>\n"
            + "<svg role=\"img\" aria-label=\"precision-recall curves\" width=\"\(size + 2 * pad + 200)\" height=\"\(size + 2 * pad)\" "
            + "viewBox=\"0 0 \(size + 2 * pad + 200) \(size + 2 * pad)\">\n"
        for t in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg += "<line x1=\"\(x(t))\" y1=\"\(y(0))\" x2=\"\(x(t))\" y2=\"\(y(1))\" stroke=\"#eee\"/>"
                + "<line x1=\"\(x(0))\" y1=\"\(y(t))\" x2=\"\(x(1))\" y2=\"\(y(t))\" stroke=\"#eee\"/>"
                + "<text x=\"\(x(t))\" y=\"\(y(0) + 16)\" text-anchor=\"middle\">\(String(format: "%.1f", t))</text>"
                + "<text x=\"\(x(0) - 6)\" y=\"\(y(t) + 4)\" text-anchor=\"end\">\(String(format: "%.1f", t))</text>\n"
        }
        svg += "<text x=\"\(x(0.5))\" y=\"\(y(0) + 32)\" text-anchor=\"middle\">recall</text>"
            + "<text x=\"12\" y=\"\(y(0.5))\" transform=\"rotate(-90 12 \(y(0.5)))\" text-anchor=\"middle\">precision</text>\n"
        for (m, r) in methods.enumerated() {
            let points = r.curve.map { "\(x($0.recall)),\(y($0.precision))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour(m))\" stroke-width=\"1.6\" points=\"\(points)\"/>\n"
            let d = r.atDefault, b = r.best
            svg += "<circle cx=\"\(x(d.recall))\" cy=\"\(y(d.precision))\" r=\"4\" fill=\"\(colour(m))\"><title>\(e(r.name)) default: "
                + "P \(f3(d.precision)), R \(f3(d.recall))</title></circle>"
                + "<rect x=\"\(x(b.recall) - 4)\" y=\"\(y(b.precision) - 4)\" width=\"8\" height=\"8\" fill=\"none\" stroke=\"\(colour(m))\" "
                + "stroke-width=\"2\"><title>\(e(r.name)) best: P \(f3(b.precision)), R \(f3(b.recall))</title></rect>\n"
            svg += "<rect x=\"\(size + 2 * pad)\" y=\"\(pad + 18 * m - 9)\" width=\"10\" height=\"10\" fill=\"\(colour(m))\"/>"
                + "<text x=\"\(size + 2 * pad + 16)\" y=\"\(pad + 18 * m)\">\(e(r.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    func seedSection() -> String {
        let c = comparison
        var out = """
        <h2>The seed documents' rule</h2>
        <p class="note">On the \(c.images.count - c.distractors) labelled images only, which show \(c.products) products: \
        the rule of the seed documents (each image with its 5 nearest neighbours within the cutoff, and at least its \
        nearest whatever its distance; overlapping lists merged) on each method's descriptors, beside the method's own \
        default rule. Split: products whose images land in more than one group; mixed: groups holding more than one \
        product.\(seedNote.map { " " + e($0) } ?? "")</p>
        <table><tr><th>method</th><th>seed rule: groups</th><th>split</th><th>mixed</th><th>F1</th>\
        <th>own rule: groups</th><th>split</th><th>mixed</th><th>F1</th></tr>

        """
        for (i, r) in c.methods.enumerated() {
            let s = r.seedRule, o = r.ownRule
            out += "<tr><td><span class=\"swatch\" style=\"background:\(colour(i))\"></span>\(e(r.name))</td>"
                + "<td\(s.groups == c.products ? " class=\"top\"" : "")>\(s.groups)</td><td>\(s.productsSplit)</td><td>\(s.mixedGroups)</td><td>\(f3(s.f1))</td>"
                + "<td\(o.groups == c.products ? " class=\"top\"" : "")>\(o.groups)</td><td>\(o.productsSplit)</td><td>\(o.mixedGroups)</td><td>\(f3(o.f1))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    // MARK: galleries

    func galleries() -> String {
        var out = "<h2>What each method gets wrong</h2>\n<p class=\"note\">At each method's default. Pairs another method "
            + "gets right come first. Under each pair, every method's distance: <span class=\"ok\">green</span> where that "
            + "method is right about the pair, <span class=\"bad\">red</span> where it is wrong.</p>\n"
        for (m, g) in comparison.galleries.enumerated() {
            out += "<h3><span class=\"swatch\" style=\"background:\(colour(m))\"></span>\(e(g.method))</h3>\n"
            out += "<p>Same product, kept apart: \(g.missedTotal) pair(s)\(g.missedTotal > g.missed.count ? ", \(g.missed.count) shown" : "").</p>\n"
            out += pairs(g.missed, same: true)
            out += "<p>Different products, merged: \(g.mergedTotal) pair(s)\(g.mergedTotal > g.merged.count ? ", \(g.merged.count) shown" : "").</p>\n"
            out += pairs(g.merged, same: false)
        }
        return out
    }

    func pairs(_ examples: [Comparison.PairExample], same: Bool) -> String {
        guard !examples.isEmpty else { return "" }
        var out = "<div class=\"pairs\">\n"
        for p in examples {
            out += "<div class=\"pair\"><div class=\"imgs\">" + figure(p.a) + figure(p.b) + "</div><table>"
            for (m, r) in comparison.methods.enumerated() {
                let right = p.joined[m] == same
                out += "<tr><td>\(e(r.name))</td><td class=\"\(right ? "ok" : "bad")\">\(distance(p.distances[m], r)) "
                    + "\(p.joined[m] ? "joined" : "apart")</td></tr>"
            }
            out += "</table></div>\n"
        }
        return out + "</div>\n"
    }

    func figure(_ i: Int) -> String {
        let image = comparison.images[i]
        let name = (image.path as NSString).lastPathComponent
        let caption = "\(e(image.product ?? "distractor"))\(image.view.isEmpty || image.product == nil ? "" : " · " + e(image.view))"
        let picture: String
        if let uri = thumbnails[i] {
            picture = "<img src=\"\(uri)\" alt=\"\(e(name))\" title=\"\(e(image.path))\">"
        } else if let base {
            picture = "<img src=\"\(e(HTMLText.link(image.path, from: base)))\" alt=\"\(e(name))\" title=\"\(e(image.path))\" loading=\"lazy\">"
        } else {
            picture = "<span class=\"missing\">\(e(name))</span>"
        }
        return "<figure>\(picture)<figcaption>\(caption)<br>\(e(name))"
            + (image.explanation.map { "<br><i>\(e($0))</i>" } ?? "") + "</figcaption></figure>"
    }

    // MARK: numbers

    func f3(_ v: Double) -> String { String(format: "%.3f", v) }
    func ms(_ seconds: Double) -> String {
        seconds >= 0.01 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f ms", seconds * 1000)
    }
    func threshold(_ t: Float, _ r: Comparison.MethodResult) -> String {
        r.metric == "hamming" ? "\(Int(t)) bits" : String(format: "%.3f", t)
    }
    func distance(_ d: Float, _ r: Comparison.MethodResult) -> String {
        r.metric == "hamming" ? "\(Int(d)) bits" : String(format: "%.3f", d)
    }
}
