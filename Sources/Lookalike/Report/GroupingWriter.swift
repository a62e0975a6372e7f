import Foundation

/// Output formats for a `GroupingReport`.
public enum GroupingFormat: String, Sendable, CaseIterable {
    case table, csv, json, html
}

/// Renders a `GroupingReport`. Paths in HTML are made relative to `htmlBase` (the folder the page is written
/// to) so the gallery keeps working when the folder tree is moved together.
public struct GroupingWriter {
    public let format: GroupingFormat
    public var htmlBase: String?
    /// HTML: image path -> its product-mask overlay, shown beside the thumbnail.
    public var maskOverlays: [String: String] = [:]
    /// HTML: image path -> its descriptor in words (the attributes method), shown under the thumbnail.
    public var explanations: [String: String] = [:]

    public init(format: GroupingFormat, htmlBase: String? = nil) {
        self.format = format
        self.htmlBase = htmlBase
    }

    public func render(_ report: GroupingReport) -> String {
        switch format {
        case .table: table(report)
        case .csv: csv(report)
        case .json: json(report)
        case .html: html(report)
        }
    }

    func distanceText(_ d: Float, _ report: GroupingReport) -> String {
        report.metric.format(d)
    }

    func table(_ r: GroupingReport) -> String {
        var out = "# \(r.groups.count) groups, \(r.groups.reduce(0) { $0 + $1.members.count }) images in groups, "
            + "\(r.singletons.count) alone; method \(r.method), \(r.rule.rawValue), threshold \(distanceText(r.threshold, r)), "
            + "keep \(r.keep)\n"
        for (n, group) in r.groups.enumerated() {
            out += "\ngroup \(n + 1) (\(group.members.count) images)\n"
            for m in group.members {
                let facts = r.images[m.image]
                let role = m.image == group.representative ? "keep" : "d=\(distanceText(m.distance, r))"
                out += "  \(role.padding(toLength: 8, withPad: " ", startingAt: 0)) \("\(facts.width)x\(facts.height)".padding(toLength: 11, withPad: " ", startingAt: 0)) \(facts.path)\n"
            }
        }
        return out
    }

    func csv(_ r: GroupingReport) -> String {
        var out = "group,role,distance,width,height,path\n"
        for (n, group) in r.groups.enumerated() {
            for m in group.members {
                let f = r.images[m.image]
                let role = m.image == group.representative ? "keep" : "duplicate"
                out += "\(n + 1),\(role),\(distanceText(m.distance, r)),\(f.width),\(f.height),\(RecordWriter.csvField(f.path))\n"
            }
        }
        return out
    }

    func json(_ r: GroupingReport) -> String {
        var out = "{\"method\":\(RecordWriter.jsonString(r.method)),\"metric\":\"\(r.metric.rawValue)\","
            + "\"cluster\":\"\(r.rule.rawValue)\",\"threshold\":\(r.threshold),\"keep\":\"\(r.keep)\",\"groups\":["
        out += r.groups.map { group in
            "\n{\"keep\":\(RecordWriter.jsonString(r.images[group.representative].path)),\"members\":["
                + group.members.map { m in
                    let f = r.images[m.image]
                    return "{\"path\":\(RecordWriter.jsonString(f.path)),\"distance\":\(m.distance),\"width\":\(f.width),\"height\":\(f.height)}"
                }.joined(separator: ",") + "]}"
        }.joined(separator: ",")
        out += "\n],\"alone\":[" + r.singletons.map { RecordWriter.jsonString(r.images[$0].path) }.joined(separator: ",") + "]}\n"
        return out
    }

    func html(_ r: GroupingReport) -> String {
        let escape = HTMLText.escape
        var out = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Lookalike groups: \(escape(r.method))</title>
        <style>
        body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
        .group { display: flex; gap: 10px; align-items: flex-start; padding: 10px 0; border-bottom: 1px solid #ddd; overflow-x: auto; }
        .n { min-width: 4em; color: #666; }
        figure { margin: 0; text-align: center; }
        img { height: 140px; border: 3px solid transparent; background: #f4f4f4; }
        figure.keep img { border-color: #2a7; }
        figure img.mask { margin-left: 2px; border-color: transparent; }
        figcaption { font-size: 12px; color: #555; max-width: 180px; overflow-wrap: anywhere; }
        </style></head><body>
        <h1>\(r.groups.count) groups</h1>
        <p>method <b>\(escape(r.method))</b>, \(r.rule.rawValue), threshold \(distanceText(r.threshold, r)); \
        green frame: the copy kept (\(r.keep)); caption: distance to it. \(r.singletons.count) images are in no group.\
        \(maskOverlays.isEmpty ? "" : " Beside each photo, its product mask: background dimmed, skin tinted magenta, the product's box in green.")</p>

        """
        for (n, group) in r.groups.enumerated() {
            out += "<div class=\"group\"><div class=\"n\">#\(n + 1)<br>\(group.members.count) images</div>\n"
            for m in group.members {
                let f = r.images[m.image]
                let keep = m.image == group.representative
                let caption = keep ? "keep" : "distance \(distanceText(m.distance, r))"
                let overlay = maskOverlays[f.path].map {
                    "<img class=\"mask\" loading=\"lazy\" src=\"\(escape(link($0)))\" title=\"product mask of \(escape(f.path))\">"
                } ?? ""
                out += "<figure class=\"\(keep ? "keep" : "dup")\"><img loading=\"lazy\" src=\"\(escape(link(f.path)))\" "
                    + "title=\"\(escape(f.path)) — \(caption)\">\(overlay)<figcaption>\(caption)<br>\(f.width)×\(f.height)<br>"
                    + "\(escape((f.path as NSString).lastPathComponent))"
                    + (explanations[f.path].map { "<br><i>\(escape($0))</i>" } ?? "") + "</figcaption></figure>\n"
            }
            out += "</div>\n"
        }
        return out + "</body></html>\n"
    }

    /// A URL for the image, relative to the page's folder when known.
    func link(_ path: String) -> String { HTMLText.link(path, from: htmlBase) }
}
