import ArgumentParser
import Foundation
import Lookalike

struct AttributesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attributes",
        abstract: "Print each image's product attributes (the attributes method): colours, pattern, silhouette, length.",
        discussion: """
        Each attribute comes with a confidence from 0 (unknown: a length without a model) to 1; the attributes \
        method compares images by the share of their confident attributes that disagree. The rules are in the README.

        Examples:
          lookalike attributes photo.jpg
          lookalike attributes --format json catalogue/ > attributes.jsonl
        """
    )

    @OptionGroup var input: InputOptions

    @Option(name: [.short, .long], help: "table (one line per image) or json (one object per line).")
    var format: AttributesFormat = .table

    enum AttributesFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    func run() throws {
        let console = Console()
        let counts = input.describe(methods: [AttributesMethod()], console: console) { _, record in
            guard case .vector(let v) = record.descriptors[0], let a = ProductAttributes(vector: v) else { return }
            let all = ProductAttributes.Attribute.allCases
            switch format {
            case .table:
                let fields = all.map { "\($0.name): \(a.value($0)) \(String(format: "%.2f", a.confidence($0)))" }
                console.out(record.path + "\n  " + fields.joined(separator: "; ") + "\n  sure: \(a.summary.isEmpty ? "nothing" : a.summary)\n")
            case .json:
                let fields = all.map {
                    "\(RecordWriter.jsonString($0.name)):{\"value\":\(RecordWriter.jsonString(a.value($0))),"
                        + "\"confidence\":\(String(format: "%.3f", a.confidence($0)))}"
                }
                console.out("{\"path\":\(RecordWriter.jsonString(record.path)),\(fields.joined(separator: ",")),"
                            + "\"summary\":\(RecordWriter.jsonString(a.summary))}\n")
            }
        }
        try finish(processed: counts.processed, failed: counts.failed, console: console, verb: "read")
    }
}
