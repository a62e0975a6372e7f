import Foundation

extension Train {
    /// Why a trained model could not be loaded: the file, then the cause ("PATH: is a triplet model, not an autoencoder").
    public struct ModelFileError: PathError, Sendable, Equatable {
        public let path: String
        public let reason: String
        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
        public var explanation: String { reason }
    }

    /// Trained models as safetensors: the tensors in float32 under their PyTorch state-dict names (torch's
    /// `safetensors.torch.load_file` reads them), and a `__metadata__` entry saying what the file is: `format`
    /// "lookalike-model", `version` "1", `kind` (`autoencoder`, `triplet`) and the sizes needed to build the model.
    /// Reading goes through `TensorArchive`, so the header and every tensor's bounds are checked there.
    enum ModelFile {
        static let format = "lookalike-model"
        static let version = "1"

        /// Writes `tensors` and `metadata` (plus format, version and kind) to `path`, under a temporary name first.
        static func write(path: String, kind: String, metadata: [String: String],
                          tensors: [(name: String, parameter: Parameter)]) throws {
            var header: [String: Any] = [:]
            var offset = 0
            for (name, p) in tensors {
                precondition(header[name] == nil && name != "__metadata__", "tensor name \(name) twice")
                header[name] = ["dtype": "F32", "shape": p.shape, "data_offsets": [offset, offset + 4 * p.value.count]]
                offset += 4 * p.value.count
            }
            header["__metadata__"] = metadata.merging(["format": format, "version": version, "kind": kind]) { _, fixed in fixed }
            var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
            // The format lets the header end in spaces; padding to 8 bytes keeps the float data aligned.
            json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
            var bytes = Data(capacity: 8 + json.count + offset)
            withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(json)
            for (_, p) in tensors {
                let littleEndian = p.value.map { $0.bitPattern.littleEndian }
                littleEndian.withUnsafeBytes { bytes.append(contentsOf: $0) }
            }
            do {
                try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw WriteError(path: path, reason: "\(error.localizedDescription)")
            }
        }

        /// The tensors and metadata of a model file of `kind`, or an error naming the file and what is wrong.
        static func read(path: String, kind: String) throws -> (metadata: [String: String], tensors: [String: Tensor]) {
            let tensors: [String: Tensor]
            do {
                tensors = try TensorArchive.load(path: path)
            } catch let error as TensorArchiveError {
                throw ModelFileError(path: path, reason: "not a model file: \(error.explanation)")
            }
            guard let metadata = safetensorsMetadata(path), metadata["format"] == format else {
                throw ModelFileError(path: path, reason: "not a Lookalike model: tensors without the metadata Lookalike writes (format \(format))")
            }
            guard metadata["version"] == version else {
                throw ModelFileError(path: path, reason: "model format version \(metadata["version"] ?? "none"); this build reads version \(version)")
            }
            guard metadata["kind"] == kind else {
                let found = metadata["kind"] ?? "unknown"
                throw ModelFileError(path: path, reason: "\(article(found)) \(found) model, not \(article(kind)) \(kind) model")
            }
            return (metadata, tensors)
        }

        private static func article(_ word: String) -> String { "aeiou".contains(word.first ?? "x") ? "an" : "a" }

        /// A positive integer from the metadata.
        static func size(_ metadata: [String: String], _ key: String, path: String) throws -> Int {
            guard let text = metadata[key], let value = Int(text), value > 0 else {
                throw ModelFileError(path: path, reason: "metadata \(key) is \(metadata[key].map { "\"\($0)\"" } ?? "missing"), expected a positive integer")
            }
            return value
        }

        /// Copies `tensors` into a model's `state`, after checking that each is there with its shape and nothing
        /// else is; every problem named (the first twelve), as `StateDictCheck` does for the pretrained networks.
        static func assign(_ tensors: [String: Tensor], to state: [(name: String, parameter: Parameter)], path: String) throws {
            var problems: [String] = []
            for (name, p) in state {
                guard let t = tensors[name] else { problems.append("missing \(name)"); continue }
                if t.shape != p.shape { problems.append("\(name) has shape \(t.shape), expected \(p.shape)") }
                else if !t.values.allSatisfy(\.isFinite) { problems.append("\(name) holds values that are not finite") }
            }
            let known = Set(state.map(\.name))
            let extra = tensors.keys.filter { !known.contains($0) }.sorted()
            if !extra.isEmpty { problems.append("unexpected tensors: \(extra.prefix(8).joined(separator: ", "))\(extra.count > 8 ? ", ..." : "")") }
            guard problems.isEmpty else {
                throw ModelFileError(path: path, reason: problems.prefix(12).joined(separator: "; "))
            }
            for (name, p) in state { p.value = tensors[name]!.values }
        }

        /// A model file's metadata without reading its tensors (a method's kind is known before it is made); nil
        /// when the file is not there or not safetensors with string metadata.
        static func metadata(path: String) -> [String: String]? { safetensorsMetadata(path) }

        /// The string map under `__metadata__` in a safetensors header (which `TensorArchive` has already checked).
        private static func safetensorsMetadata(_ path: String) -> [String: String]? {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            guard let prefix = try? handle.read(upToCount: 8), prefix.count == 8 else { return nil }
            let length = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard length < 100_000_000, let json = try? handle.read(upToCount: Int(length)), json.count == Int(length),
                  let header = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else { return nil }
            return header["__metadata__"] as? [String: String]
        }
    }
}
