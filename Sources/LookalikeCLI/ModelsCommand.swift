import ArgumentParser
import Foundation
import Lookalike

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the deep methods' weights: where each file was found (and checked) or what to run to get it.",
        discussion: """
        Looks where the methods look (--weights, LOOKALIKE_WEIGHTS, ~/.cache/lookalike/weights, torch's hub cache, \
        site-packages) and checks each file's SHA-256 against the hash in its name. Exit status 0 when every \
        method has its weights, 69 when some are missing.

        Examples:
          lookalike models
          bash Scripts/get-weights.sh && lookalike models
        """
    )

    @Option(help: "A weights file or folder to look in first, as --weights does for the other commands.")
    var weights: String?

    @Flag(help: "One JSON object per method instead of the table.")
    var json = false

    func run() throws {
        let console = Console()
        var missing = 0
        let methods = MethodCatalog.all.filter { !KnownWeights.forMethod($0.name).isEmpty }
        if !json { console.out("method         size      sha256             weights\n") }
        for entry in methods {
            let known = KnownWeights.forMethod(entry.name)
            do {
                let found = try WeightsLocator(known: known).locate(explicitPath: weights)
                let size = (try? FileManager.default.attributesOfItem(atPath: found.path)[.size] as? Int) ?? 0
                let digest = try found.sha256 ?? SHA256.hex(ofFile: found.path)
                if json {
                    console.out("{\"method\":\(RecordWriter.jsonString(entry.name)),\"path\":\(RecordWriter.jsonString(found.path)),"
                                + "\"origin\":\(RecordWriter.jsonString(found.origin)),\"bytes\":\(size),\"sha256\":\"\(digest)\"}\n")
                } else {
                    console.out(entry.name.padded(14) + " " + String(format: "%5.1f MB", Double(size) / 1e6).padded(9)
                                + " " + String(digest.prefix(16)) + "   " + found.path + " (\(found.origin))\n")
                }
            } catch {
                missing += 1
                let how = known.map { $0.howToGet(into: WeightsLocator().lookalikeFolder) }
                if json {
                    console.out("{\"method\":\(RecordWriter.jsonString(entry.name)),\"missing\":true,"
                                + "\"get\":[\(how.map(RecordWriter.jsonString).joined(separator: ","))]}\n")
                } else {
                    console.out(entry.name.padded(14) + " " + "-".padded(9) + " " + "-".padded(16) + "   not found; "
                                + (how.first ?? "") + "\n")
                }
            }
        }
        console.flush()
        if missing > 0 { throw ExitStatus.methodUnavailable }
    }
}
