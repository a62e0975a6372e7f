import Foundation

/// Output formats for per-image records.
public enum RecordFormat: String, Sendable, CaseIterable {
    case table, csv, json, jsonl
}

/// Writes image records as they arrive (streaming), in one of the `RecordFormat`s.
/// Columns: path, width, height, then one per method, named by the method.
public struct RecordWriter {
    public let format: RecordFormat
    public let methodNames: [String]
    private var written = 0
    private let emit: (String) -> Void

    public init(format: RecordFormat, methodNames: [String], emit: @escaping (String) -> Void) {
        self.format = format
        self.methodNames = methodNames
        self.emit = emit
    }

    public mutating func begin() {
        switch format {
        case .csv: emit((["path", "width", "height"] + methodNames).joined(separator: ",") + "\n")
        case .json: emit("[")
        case .table, .jsonl: break
        }
    }

    public mutating func write(_ record: ImageRecord) {
        let values = record.descriptors.map(\.text)
        switch format {
        case .table:
            // Fixed-width columns first, the path last, so rows align while streaming.
            let size = "\(record.width)x\(record.height)"
            emit((values + [size.padding(toLength: max(size.count, 11), withPad: " ", startingAt: 0), record.path])
                .joined(separator: "  ") + "\n")
        case .csv:
            emit(([Self.csvField(record.path), String(record.width), String(record.height)] + values)
                .joined(separator: ",") + "\n")
        case .json, .jsonl:
            var object = "{\"path\":\(Self.jsonString(record.path)),\"width\":\(record.width),\"height\":\(record.height)"
            for (name, descriptor) in zip(methodNames, record.descriptors) {
                switch descriptor {
                case .bits(let hash): object += ",\(Self.jsonString(name)):\"\(hash.hex)\""
                case .vector(let v): object += ",\(Self.jsonString(name)):[\(v.map { String($0) }.joined(separator: ","))]"
                }
            }
            object += "}"
            if format == .jsonl { emit(object + "\n") } else { emit((written == 0 ? "\n" : ",\n") + object) }
        }
        written += 1
    }

    public mutating func end() {
        if format == .json { emit(written == 0 ? "]\n" : "\n]\n") }
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
