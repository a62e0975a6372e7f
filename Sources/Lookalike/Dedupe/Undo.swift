import Foundation

/// Puts moved files back where a manifest says they came from, and records each return in the same manifest,
/// so running it twice is harmless. Interrupted moves are resolved by looking at the disk.
public struct UndoRun {
    public var mover = FileMover()

    public init() {}

    public enum Event: Sendable {
        case restored(from: String, to: String)
        case alreadyInPlace(String)
        case cannotUndoDelete(String)
        case conflict(String, reason: String)
    }

    public struct Summary: Sendable, Equatable {
        public var restored = 0
        public var alreadyInPlace = 0
        public var problems = 0
    }

    public func run(manifestPath: String, onEvent: (Event) -> Void) throws -> Summary {
        let entries = try ManifestWriter.read(manifestPath)
        let journal = try ManifestWriter(appendingTo: manifestPath)
        var summary = Summary()
        var undone = Set<String>()
        for e in entries where e.op == .undo { undone.insert(e.from) }
        // The last move record of each original path (intent or done).
        var moves: [String: ManifestEntry] = [:]
        var order: [String] = []
        for e in entries where e.op == .move {
            if moves[e.from] == nil { order.append(e.from) }
            moves[e.from] = e
        }
        for e in entries where e.op == .delete {
            summary.problems += 1
            onEvent(.cannotUndoDelete(e.from))
        }
        for original in order.reversed() where !undone.contains(original) {
            let move = moves[original]!
            guard let moved = move.to else { continue }
            let fm = FileManager.default
            FileMover.removePartials(of: moved)  // an interrupted cross-device copy never became the file
            let hasOriginal = fm.fileExists(atPath: original), hasMoved = fm.fileExists(atPath: moved)
            switch (hasOriginal, hasMoved) {
            case (false, true):
                do {
                    try mover.move(moved, to: try FileMover.claim(original, renameIfTaken: false))
                } catch {
                    summary.problems += 1
                    onEvent(.conflict(moved, reason: "\(error)"))
                    continue
                }
                try journal.append(ManifestEntry(op: .undo, state: .done, from: original, to: moved,
                                                 size: move.size, modified: move.modified))
                summary.restored += 1
                onEvent(.restored(from: moved, to: original))
            case (true, false):
                // The move never happened (interrupted before it) or was undone by hand.
                try journal.append(ManifestEntry(op: .undo, state: .done, from: original, to: moved,
                                                 size: move.size, modified: move.modified))
                summary.alreadyInPlace += 1
                onEvent(.alreadyInPlace(original))
            case (true, true):
                // The target name was claimed exclusively by the dedupe, so what is there is its own: the empty
                // claim of a move that never happened, or a cross-device copy made before the original was
                // removed. Either goes only if it is that (empty, or byte-identical to the original).
                if Self.isEmptyClaim(moved, recordedSize: move.size) || fm.contentsEqual(atPath: original, andPath: moved) {
                    unlink(moved)
                    try journal.append(ManifestEntry(op: .undo, state: .done, from: original, to: moved,
                                                     size: move.size, modified: move.modified))
                    summary.alreadyInPlace += 1
                    onEvent(.alreadyInPlace(original))
                } else {
                    summary.problems += 1
                    onEvent(.conflict(original, reason: "both \(original) and \(moved) exist and differ; left both"))
                }
            case (false, false):
                summary.problems += 1
                onEvent(.conflict(original, reason: "neither \(original) nor \(moved) exists any more"))
            }
        }
        return summary
    }

    static func isEmptyClaim(_ path: String, recordedSize: Int) -> Bool {
        var st = stat()
        return recordedSize > 0 && lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 0
    }
}
