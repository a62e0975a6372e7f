import Foundation

/// Output formats of `lookalike search`.
public enum SearchFormat: String, Sendable, CaseIterable {
    case table, csv, json, jsonl, html
}

/// Renders a search's results: one block (table), row (csv) or object (json, jsonl) per query, or a page with
/// each query beside its results as thumbnails (html). A query that gave no results carries its error.
public struct SearchWriter {
    public let format: SearchFormat
    public let method: String
    public let metric: DistanceMetric
    /// HTML: the folder the page is written to (links are relative to it).
    public var htmlBase: String?
    /// HTML: path -> embedded thumbnail (`Thumbnails.dataURIs`); paths without one are linked.
    public var thumbnails: [String: String] = [:]

    public init(format: SearchFormat, method: String, metric: DistanceMetric, htmlBase: String? = nil) {
        self.format = format
        self.method = method
        self.metric = metric
        self.htmlBase = htmlBase
    }

    public func render(_ outcome: SearchPlan.Outcome) -> String {
        switch format {
        case .table: table(outcome)
        case .csv: csv(outcome)
        case .json: "{\"method\":\(RecordWriter.jsonString(method)),\"metric\":\"\(metric.rawValue)\",\"images\":\(outcome.images.count),"
            + "\"queries\":[\n" + outcome.results.map { object($0, outcome) }.joined(separator: ",\n") + "\n]}\n"
        case .jsonl: outcome.results.map { object($0, outcome) + "\n" }.joined()
        case .html: html(outcome)
        }
    }

    func text(_ d: Float) -> String { metric.format(d, decimals: 4) }

    func table(_ o: SearchPlan.Outcome) -> String {
        var out = ""
        for (n, r) in o.results.enumerated() {
            if n > 0 { out += "\n" }
            switch r.neighbours {
            case .failure(let failure):
                out += "query \(r.path): no results (\(failure.explanation))\n"
            case .success(let found):
                out += "query \(r.path): \(found.count) nearest of \(o.images.count) by \(method)\n"
                for (rank, nb) in found.enumerated() {
                    let f = o.images[nb.index]
                    out += "  \(String(rank + 1).leftPadded(3))  \(text(nb.distance).leftPadded(7))  "
                        + "\("\(f.width)x\(f.height)".padding(toLength: 11, withPad: " ", startingAt: 0)) \(f.path)\n"
                }
            }
        }
        return out
    }

    func csv(_ o: SearchPlan.Outcome) -> String {
        var out = "query,rank,distance,width,height,path,error\n"
        for r in o.results {
            switch r.neighbours {
            case .failure(let failure):
                out += "\(RecordWriter.csvField(r.path)),,,,,,\(RecordWriter.csvField(failure.explanation))\n"
            case .success(let found):
                for (rank, nb) in found.enumerated() {
                    let f = o.images[nb.index]
                    out += "\(RecordWriter.csvField(r.path)),\(rank + 1),\(text(nb.distance)),\(f.width),\(f.height),"
                        + "\(RecordWriter.csvField(f.path)),\n"
                }
            }
        }
        return out
    }

    func object(_ r: SearchPlan.Result, _ o: SearchPlan.Outcome) -> String {
        var out = "{\"query\":\(RecordWriter.jsonString(r.path))"
        switch r.neighbours {
        case .failure(let failure):
            out += ",\"error\":\(RecordWriter.jsonString(failure.explanation)),\"category\":\(RecordWriter.jsonString(failure.category))"
        case .success(let found):
            out += ",\"results\":[" + found.enumerated().map { rank, nb in
                let f = o.images[nb.index]
                return "{\"rank\":\(rank + 1),\"path\":\(RecordWriter.jsonString(f.path)),\"distance\":\(nb.distance),"
                    + "\"width\":\(f.width),\"height\":\(f.height)}"
            }.joined(separator: ",") + "]"
        }
        return out + "}"
    }

    func html(_ o: SearchPlan.Outcome) -> String {
        let escape = HTMLText.escape
        var out = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Lookalike search: \(escape(method))</title>
        <style>
        \(HTMLText.style)
        .query { display: flex; gap: 10px; align-items: flex-start; padding: 10px 0; border-bottom: 1px solid #ddd; overflow-x: auto; }
        .query figure { margin: 0; text-align: center; width: 150px; flex: none; }
        .query img { max-width: 146px; max-height: 146px; border: 2px solid transparent; background: #f4f4f4; }
        .query figure.q img { border-color: #1565c0; }
        .query figcaption { font-size: 11px; color: #555; overflow-wrap: anywhere; }
        </style></head><body>
        <h1>\(o.results.count) \(o.results.count == 1 ? "query" : "queries")</h1>
        <p class="note">Each query (blue frame) and its nearest images of \(o.images.count) by <b>\(escape(method))</b>, \
        nearest first; caption: rank and distance (\(escape(metric.rawValue))).</p>

        """
        for r in o.results {
            out += "<div class=\"query\">"
            switch r.neighbours {
            case .failure(let failure):
                // No picture to show: the file could not be read.
                out += "<figure class=\"q\"><span class=\"missing\">\(escape(r.path))</span><figcaption>query</figcaption></figure>"
                    + "<p class=\"bad\">no results: \(escape(failure.explanation))</p>"
            case .success(let found):
                out += figure(r.path, caption: "query", css: "q")
                for (rank, nb) in found.enumerated() {
                    out += figure(o.images[nb.index].path, caption: "#\(rank + 1) · \(text(nb.distance))", css: "r")
                }
            }
            out += "</div>\n"
        }
        return out + "</body></html>\n"
    }

    func figure(_ path: String, caption: String, css: String) -> String {
        let escape = HTMLText.escape
        let source = thumbnails[path] ?? HTMLText.link(path, from: htmlBase)
        return "<figure class=\"\(css)\"><img loading=\"lazy\" src=\"\(escape(source))\" alt=\"\" title=\"\(escape(path))\">"
            + "<figcaption>\(escape(caption))<br>\(escape((path as NSString).lastPathComponent))</figcaption></figure>"
    }
}

extension String {
    /// Right-aligned in `width` characters (never cut).
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
