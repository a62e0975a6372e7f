import Foundation

/// What every HTML page needs: text escaped for an element or attribute, and image links relative to the page.
enum HTMLText {
    /// The reports' shared look: tables, notes, colour swatches, pairs of thumbnails.
    static let style = """
    body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }
    h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 15px; }
    table { border-collapse: collapse; margin: .5em 0; } th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #eee; white-space: nowrap; }
    th { background: #f4f4f4; font-weight: 600; } td:first-child, th:first-child { text-align: left; white-space: normal; }
    th { white-space: normal; }
    td.top { font-weight: 700; background: #e8f5e9; } .note { color: #555; font-size: 13px; max-width: 900px; }
    .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; }
    .pairs { display: flex; flex-wrap: wrap; gap: 12px; } .pair { border: 1px solid #ddd; border-radius: 6px; padding: 6px; width: 340px; }
    .pair .imgs { display: flex; gap: 6px; } .pair figure { margin: 0; width: 164px; text-align: center; }
    .pair img { max-width: 160px; max-height: 160px; background: #f4f4f4; }
    .pair figcaption { font-size: 11px; color: #555; overflow-wrap: anywhere; }
    .pair table { font-size: 12px; width: 100%; } .ok { color: #1b7f2a; } .bad { color: #c62828; font-weight: 600; }
    .missing { display: inline-block; width: 160px; height: 100px; background: #eee; font-size: 11px; overflow-wrap: anywhere; }
    svg text { font: 11px system-ui, sans-serif; fill: #333; }

    """

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A URL for `path`: relative to the page's folder `base` when known (so the folder tree can move together),
    /// else an absolute file URL.
    static func link(_ path: String, from base: String?) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let base else { return URL(fileURLWithPath: absolute).absoluteString }
        let from = URL(fileURLWithPath: base).standardizedFileURL.pathComponents
        let to = URL(fileURLWithPath: absolute).pathComponents
        var common = 0
        while common < min(from.count, to.count) && from[common] == to[common] { common += 1 }
        let parts = Array(repeating: "..", count: from.count - common) + to[common...]
        return parts.map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? $0 }.joined(separator: "/")
    }
}
