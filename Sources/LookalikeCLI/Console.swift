import Foundation
import Lookalike

/// Buffered stdout and unbuffered stderr; knows whether stderr is a terminal (progress only then).
/// Also keeps every file the command could not use, for the closing summary and `--errors FILE`.
final class Console {
    private var buffer: [UInt8] = []
    let stderrIsTerminal = isatty(2) == 1

    /// One file left out: its path, the cause's category (`FileError.Cause.category`, or "move-failed"...) and
    /// the line that was printed.
    struct Skip: Encodable { let path: String; let category: String; let message: String }
    private(set) var skips: [Skip] = []
    /// Where `--errors` writes the skips as JSON lines, when given.
    var errorsFile: String?

    /// Prints the error and keeps it for the summary.
    func skip(_ error: FileError) {
        skip(path: error.path, category: error.cause.category, message: error.description)
    }

    func skip(_ failure: ImageFailure) {
        skip(path: failure.path, category: failure.category, message: failure.description)
    }

    func skip(path: String, category: String, message: String) {
        self.error(message)
        skips.append(Skip(path: path, category: category, message: message))
    }

    /// "3 corrupt, 1 truncated": the skips counted by category, largest first.
    func breakdown(_ filter: (Skip) -> Bool = { _ in true }) -> String {
        var counts: [String: Int] = [:]
        for s in skips where filter(s) { counts[s.category, default: 0] += 1 }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// Writes the skips to `errorsFile` (one JSON object a line); false, with a message, when it cannot.
    func writeErrorsFile() -> Bool {
        guard let errorsFile else { return true }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for s in skips {
            data.append((try? encoder.encode(s)) ?? Data())
            data.append(UInt8(ascii: "\n"))
        }
        do { try data.write(to: URL(fileURLWithPath: errorsFile)) } catch {
            self.error("\(errorsFile): cannot write the error list: \((error as NSError).localizedFailureReason ?? "\(error)")")
            return false
        }
        return true
    }

    func out(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if errno == EINTR { continue }; break }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func error(_ line: String) {
        flush()
        FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
    }

    func rawError(_ text: String) {
        FileHandle.standardError.write(text.data(using: .utf8)!)
    }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal, at most ~10 times a second.
struct ProgressBar {
    let total: Int
    let console: Console
    /// What is counted, for the rate ("images/s"; training counts "batches").
    var unit = "images"
    private var done = 0
    private var lastDraw = 0.0
    private var visible = false
    private let start = Date()

    init(total: Int, console: Console) {
        self.total = total
        self.console = console
    }

    mutating func advance() {
        done += 1
        guard console.stderrIsTerminal else { return }
        let now = Date().timeIntervalSince(start)
        if now - lastDraw >= 0.1 || done == total {
            lastDraw = now
            draw(elapsed: now)
        }
    }

    private mutating func draw(elapsed: Double) {
        let width = 30
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        console.rawError("\r[\(bar)] \(done)/\(total)  \(String(format: "%.0f", rate)) \(unit)/s ")
        visible = true
    }

    mutating func clear() {
        guard visible else { return }
        console.rawError("\r\u{1B}[2K")
        visible = false
    }

    mutating func finish() { clear() }

    /// One file's outcome: its warnings and failure on stderr (the bar cleared first), then the bar advanced.
    mutating func report(_ outcome: FileOutcome, console: Console) {
        for warning in outcome.warnings { clear(); console.error(warning) }
        if case .failure(let failure) = outcome.result { clear(); console.skip(failure) }
        advance()
    }
}
