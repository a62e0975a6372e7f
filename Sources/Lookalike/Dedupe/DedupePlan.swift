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

    /// `roots` are the paths the user gave: a moved file keeps its path relative to the root it was found under.
    public init(report: GroupingReport, roots: [String], moveTo: String?) {
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
/// or its group's kept copy changed or vanished since it was read: never remove the last copy of anything.
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
    }

    public func execute(_ plan: DedupePlan, manifest: ManifestWriter, onEvent: (Event) -> Void) throws -> Summary {
        var summary = Summary()
        let crashAfter = ProcessInfo.processInfo.environment["LOOKALIKE_TEST_CRASH_AFTER"].flatMap(Int.init)
        var started = 0
        for action in plan.actions {
            if let why = Self.changed(action.facts) {
                summary.skipped += 1
                onEvent(.skipped(action.path, reason: "\(why) since it was read; left alone"))
                continue
            }
            if let why = Self.changed(action.kept) {
                summary.skipped += 1
                onEvent(.skipped(action.path, reason: "its kept copy \(action.kept.path) \(why); left alone"))
                continue
            }
            switch action.kind {
            case .move:
                let target = FileMover.freePath(for: action.target!)
                var entry = ManifestEntry(op: .move, state: .intent, from: action.path, to: target, kept: action.kept.path,
                                          size: action.facts.fileSize, modified: action.facts.modified,
                                          distance: action.distance)
                try manifest.append(entry)
                do {
                    try mover.move(action.path, to: target)
                } catch {
                    summary.failed += 1
                    onEvent(.failed(action.path, reason: "\(error)"))
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
                    onEvent(.failed(action.path, reason: "cannot delete: \(String(cString: strerror(errno)))"))
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
        return summary
    }

    /// Why the file on disk is no longer the one that was read, or nil when it is.
    static func changed(_ facts: ImageFacts) -> String? {
        let now = ImageFacts(path: facts.path, width: facts.width, height: facts.height)
        if now.fileSize < 0 { return "is gone" }
        if now.fileSize != facts.fileSize || now.modified != facts.modified { return "changed" }
        return nil
    }
}
