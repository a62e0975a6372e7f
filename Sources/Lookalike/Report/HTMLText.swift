import Foundation

/// What every HTML page needs: text escaped for an element or attribute, and image links relative to the page.
enum HTMLText {
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
