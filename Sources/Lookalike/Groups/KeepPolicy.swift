#if canImport(Glibc)
import Glibc
#endif

/// What is known about one image file when choosing which copy of a group to keep.
public struct ImageFacts: Sendable, Equatable {
    public let path: String
    public let width: Int
    public let height: Int
    /// Bytes on disk; -1 when the file cannot be stat'ed any more.
    public let fileSize: Int
    /// Modification time, seconds since 1970 (with fraction); .infinity when unknown.
    public let modified: Double
    /// Pixels of the picture inside uniform borders, when a near-duplicate check measured it (`--verify`): the
    /// `resolution` criterion then compares content, so a letterboxed or padded copy is not kept for its bars.
    public var contentPixels: Int?
    /// Whether the near-duplicate check found on it a mark the folder shares (a shop's watermark, `--verify`): such
    /// a copy is never kept over one without it, whatever the criteria (its letters add bytes and content).
    public var carriesMark = false

    public init(path: String, width: Int, height: Int, fileSize: Int, modified: Double) {
        self.path = path
        self.width = width
        self.height = height
        self.fileSize = fileSize
        self.modified = modified
    }

    /// Reads size and modification time from the file system.
    public init(path: String, width: Int, height: Int) {
        var st = stat()
        if stat(path, &st) == 0 {
            self.init(path: path, width: width, height: height, fileSize: Int(st.st_size),
                      modified: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        } else {
            self.init(path: path, width: width, height: height, fileSize: -1, modified: .infinity)
        }
    }
}

/// Which member of a group is its representative (the copy a dedupe keeps): criteria in order, each breaking
/// the previous one's ties; the path decides last, so the choice never depends on input order.
public struct KeepPolicy: Sendable, Equatable, CustomStringConvertible {
    public enum Criterion: String, Sendable, CaseIterable {
        case resolution  // most pixels
        case size        // largest file
        case oldest      // earliest modification time
        case newest
        case shortest    // shortest path (often the original, not "copy (2)")
    }

    public let criteria: [Criterion]

    public static let standard = KeepPolicy(criteria: [.resolution, .size, .oldest])

    public init(criteria: [Criterion]) { self.criteria = criteria }

    /// Parses "resolution,size,oldest".
    public init?(parsing text: String) {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let parsed = parts.compactMap(Criterion.init(rawValue:))
        guard !parsed.isEmpty, parsed.count == parts.count else { return nil }
        criteria = parsed
    }

    public var description: String { criteria.map(\.rawValue).joined(separator: ",") }

    /// True when `a` should be kept in preference to `b`.
    public func prefers(_ a: ImageFacts, over b: ImageFacts) -> Bool {
        if a.carriesMark != b.carriesMark { return b.carriesMark }
        for criterion in criteria {
            switch criterion {
            case .resolution:
                let pa = a.width * a.height, pb = b.width * b.height
                if let ca = a.contentPixels, let cb = b.contentPixels {
                    // Content measured at 256 px and scaled back: within 10% it is the same picture (a trimmed band can
                    // differ between a copy and its original), and the copy with fewer pixels around it (no bars, no
                    // frame) is the one to keep.
                    if Double(abs(ca - cb)) > 0.1 * Double(max(ca, cb)) { return ca > cb }
                    if pa != pb { return pa < pb }
                } else if pa != pb { return pa > pb }
            case .size:
                if a.fileSize != b.fileSize { return a.fileSize > b.fileSize }
            case .oldest:
                if a.modified != b.modified { return a.modified < b.modified }
            case .newest:
                if a.modified != b.modified { return a.modified > b.modified }
            case .shortest:
                if a.path.count != b.path.count { return a.path.count < b.path.count }
            }
        }
        return a.path < b.path
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop(while: set.contains).reversed().drop(while: set.contains).reversed())
    }
}

extension Set where Element == Character {
    static let whitespaces: Set<Character> = [" ", "\t"]
}
