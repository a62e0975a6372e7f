import ArgumentParser
import Foundation
import Lookalike

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Export each image's feature vector (ResNet50 by default) as .npy or JSON lines.",
        discussion: """
        --format npy writes OUT.npy (float32, N x D, numpy.load / FAISS) and OUT.paths.txt (one path per line, \
        same order). --format jsonl writes {"path":..., "resnet50":[...]} lines to OUT or standard output.

        Examples:
          lookalike embed photos/ --format npy --output features
          lookalike embed --weights resnet50-11ad3fa6.pth --format jsonl photos/ > features.jsonl
        """
    )

    @OptionGroup var input: InputOptions

    @OptionGroup var settings: MethodSettingsOptions

    @Option(name: [.short, .long], help: "A vector method: \(Self.vectorMethods.joined(separator: ", ")) (a learned one as autoencoder=FILE).")
    var method: String = "resnet50"

    @Option(name: [.short, .long], help: "npy or jsonl.")
    var format: String = "jsonl"

    @Option(name: [.short, .long], help: "Output file (npy: the name without .npy is fine); jsonl default: standard output.")
    var output: String?

    func validate() throws {
        let (name, file) = MethodList.split(method)
        guard Self.vectorMethods.contains(name.lowercased()) else {
            throw ValidationError("--method must be a vector method (\(Self.vectorMethods.joined(separator: ", ")))")
        }
        guard ["npy", "jsonl"].contains(format) else { throw ValidationError("--format is npy or jsonl") }
        if format == "npy" && output == nil { throw ValidationError("--format npy needs --output") }
        if file != nil { _ = try MethodList.parseWithModels(method) }
    }

    static var vectorMethods: [String] { MethodCatalog.all.filter { !$0.isNearDuplicateMethod }.map(\.name) }

    func run() throws {
        let console = Console()
        let (entries, models) = try MethodList.parseWithModels(method)
        let entry = entries[0]
        var methodSettings = settings.settings
        methodSettings.modelPaths = models
        let methods = try makeMethods([entry], methodSettings, console: console)
        var paths: [String] = []
        var vectors: [[Float]] = []
        var lines = ""
        let counts = input.describe(methods: methods, console: console) { _, record in
            guard case .vector(let v) = record.descriptors[0] else { return }
            if format == "npy" {
                paths.append(record.path)
                vectors.append(v)
            } else {
                let line = "{\"path\":\(RecordWriter.jsonString(record.path)),\"\(entry.name)\":[\(v.map { String($0) }.joined(separator: ","))]}\n"
                if output == nil { console.out(line) } else { lines += line }
            }
        }
        do {
            if format == "npy" {
                let base = output!.hasSuffix(".npy") ? String(output!.dropLast(4)) : output!
                try VectorWriter.npy(vectors, dimension: vectors.first?.count ?? 0).write(to: URL(fileURLWithPath: base + ".npy"))
                try (paths.joined(separator: "\n") + (paths.isEmpty ? "" : "\n")).write(toFile: base + ".paths.txt", atomically: true, encoding: .utf8)
                console.error("wrote \(base).npy (\(vectors.count) x \(vectors.first?.count ?? 0)) and \(base).paths.txt")
            } else if let output {
                try lines.write(toFile: output, atomically: true, encoding: .utf8)
            }
        } catch {
            console.error("cannot write the output: \(error.localizedDescription)")
            throw ExitStatus.cannotWrite
        }
        try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "embedded")
    }
}
