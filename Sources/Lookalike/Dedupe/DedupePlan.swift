import Foundation

/// What a dedupe would do: every non-representative member of every group is moved (or deleted); the
/// representative stays. Built from a `GroupingReport`; touches nothing.
public struct DedupePlan: Sendable {
    public enum Kind: String, Sendable { case move, delete }

    public struct Action: Sendable, Equatable {
        public let kind: Kind
        public let path: String
        /// For moves: where the file goes, before collision renaming.
        public let target: String?
        public let kept: ImageFacts
        public let facts: ImageFacts
        public let distance: Float
    }

    public let actions: [Action]
    /// The folder duplicates are moved into, if they are moved.
    public let destination: String?

    /// `roots` are the paths the user gave: a moved file keeps its path relative to the root it was found under.
    public init(report: GroupingReport, roots: [String], moveTo: String?) {
        destination = moveTo
        var actions: [Action] = []
        for group in report.groups {
            let kept = Self.absolute(report.images[group.representative])
            for member in group.members where member.image != group.representative {
                let facts = Self.absolute(report.images[member.image])
                let target = moveTo.map { URL(fileURLWithPath: $0).appendingPathComponent(Self.relativePath(facts.path, roots: roots)).path }
                actions.append(Action(kind: moveTo == nil ? .delete : .move, path: facts.path, target: target,
                                      kept: kept, facts: facts, distance: member.distance))
            }
        }
        self.actions = actions
    }

    /// Refuses a destination that is one of the source folders: moved files would land among the files
    /// they were moved from. A destination inside a source is fine: it is left out of the input walk.
    public static func checkDestination(_ moveTo: String, roots: [String]) throws {
        guard let target = realpath(moveTo, nil).map({ p in defer { free(p) }; return String(cString: p) }) else { return }
        for root in roots {
            guard let r = realpath(root, nil) else { continue }
            defer { free(r) }
            if String(cString: r) == target {
                throw DedupeError.destination(moveTo, "is the source folder \(root) itself; choose a folder outside it "
                                              + "(or a new folder inside it, which is then left out of the input)")
            }
        }
    }

    /// Manifests hold absolute paths, so `undo` works from any folder.
    static func absolute(_ f: ImageFacts) -> ImageFacts {
        ImageFacts(path: URL(fileURLWithPath: f.path).standardizedFileURL.path, width: f.width, height: f.height,
                   fileSize: f.fileSize, modified: f.modified)
    }

    /// `path` relative to the deepest root folder containing it; a file named directly keeps only its name.
    static func relativePath(_ path: String, roots: [String]) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var best: String?
        for root in roots {
            let r = URL(fileURLWithPath: root).standardizedFileURL.path
            let prefix = r.hasSuffix("/") ? r : r + "/"
            if absolute.hasPrefix(prefix), best.map({ prefix.count > $0.count }) ?? true { best = prefix }
        }
        if let best { return String(absolute.dropFirst(best.count)) }
        return URL(fileURLWithPath: absolute).lastPathComponent
    }
}

/// Carries out a plan, journalling every step in the manifest first. A file is skipped, with a reason, when it
/// or its group's kept copy changed or vanished since it was read, when it is the kept copy itself (a hard link,
/// or the same file reached twice), or when the kept copy is a symbolic link: never remove the last copy of
/// anything. The run stops when the destination or the manifest takes nothing more (disk full, read-only,
/// permission): every later file would fail the same way.
public struct DedupeExecutor {
    public var mover = FileMover()

    public init() {}

    public enum Event: Sendable {
        case moved(from: String, to: String)
        case deleted(String)
        case skipped(String, reason: String)
        case failed(String, reason: String)
    }

    public struct Summary: Sendable, Equatable {
        public var done = 0
        public var skipped = 0
        public var failed = 0
        public var bytes = 0
        /// Why the run stopped before the end of the plan (destination or manifest unwritable), if it did.
        public var stopped: String?
    }

    public func execute(_ plan: DedupePlan, manifest: ManifestWriter, onEvent: (Event) -> Void) -> Summary {
        var summary = Summary()
        let crashAfter = ProcessInfo.processInfo.environment["LOOKALIKE_TEST_CRASH_AFTER"].flatMap(Int.init)
        var started = 0
        func skip(_ path: String, _ reason: String) {
            summary.skipped += 1
            onEvent(.skipped(path, reason: reason))
        }
        do {
            if let destination = plan.destination { try FileMover.markDestination(destination) }
            for action in plan.actions {
                if let why = Self.changed(action.facts) { skip(action.path, "\(why) since it was read; left alone"); continue }
                if let why = Self.changed(action.kept) {
                    skip(action.path, "its kept copy \(action.kept.path) \(why); left alone"); continue
                }
                if Self.sameFile(action.path, action.kept.path) {
                    skip(action.path, "is the same file as its kept copy \(action.kept.path) (a link or the same file reached twice); left alone")
                    continue
                }
                if Self.isLink(action.kept.path) {
                    skip(action.path, "its kept copy \(action.kept.path) is a symbolic link, never kept in place of a file; left alone")
                    continue
                }
                switch action.kind {
                case .move:
                    let target = try FileMover.claim(action.target!)
                    var entry = ManifestEntry(op: .move, state: .intent, from: action.path, to: target, kept: action.kept.path,
                                              size: action.facts.fileSize, modified: action.facts.modified,
                                              distance: action.distance)
                    do { try manifest.append(entry) } catch { unlink(target); throw error }
                    do {
                        try mover.move(action.path, to: target)
                    } catch let failure as FileMover.Failure {
                        if case .destinationUnwritable = failure { throw failure }
                        summary.failed += 1
                        onEvent(.failed(action.path, reason: failure.description))
                        continue
                    }
                    started += 1
                    if let crashAfter, started >= crashAfter { _exit(137) }  // tests: die between the move and its record
                    entry.state = .done
                    try manifest.append(entry)
                    summary.done += 1
                    summary.bytes += max(action.facts.fileSize, 0)
                    onEvent(.moved(from: action.path, to: target))
                case .delete:
                    guard unlink(action.path) == 0 else {
                        summary.failed += 1
                        onEvent(.failed(action.path, reason: "\(action.path): could not delete: \(String(cString: strerror(errno)))"))
                        continue
                    }
                    try manifest.append(ManifestEntry(op: .delete, state: .done, from: action.path, kept: action.kept.path,
                                                      size: action.facts.fileSize, modified: action.facts.modified,
                                                      distance: action.distance))
                    summary.done += 1
                    summary.bytes += max(action.facts.fileSize, 0)
                    onEvent(.deleted(action.path))
                }
            }
        } catch {
            summary.stopped = "\(error)"
        }
        return summary
    }

    /// Why the file on disk is no longer the one that was read, or nil when it is.
    static func changed(_ facts: ImageFacts) -> String? {
        let now = ImageFacts(path: facts.path, width: facts.width, height: facts.height)
        if now.fileSize < 0 { return "is gone" }
        if now.fileSize != facts.fileSize || now.modified != facts.modified { return "changed" }
        return nil
    }

    /// Whether two paths name one file (same device and inode, links followed).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    static func isLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }
}
