import Foundation

/// Why a weights file could not be read; `description` names the file first, then the cause (a `PathError`,
/// as a `FileError` is for images, with causes of its own).
public struct TensorArchiveError: PathError, Sendable, Equatable {
    /// What went wrong, independent of the file.
    public enum Cause: Error, CustomStringConvertible, Sendable, Equatable {
        /// The file could not be opened or read at all.
        case unreadable(String)
        /// The file ends before its own structure says it should: an interrupted download or copy.
        case truncated(String)
        /// Not a PyTorch checkpoint or safetensors file.
        case notACheckpoint(String)
        /// An element type this reader does not convert (complex, float8, quantized...).
        case unsupportedDType(String)
        /// The pickle names a Python global this reader does not interpret; it is never executed.
        case unknownGlobal(String)
        /// A zip entry compressed with `method`; `torch.save` writes entries stored, so this zip was re-packed.
        case compressedEntry(name: String, method: Int)
        /// Internally inconsistent: sizes that disagree, bad records, odd pickle.
        case malformed(String)
        /// A valid file with no tensors in it (or none in a state dict it could find).
        case noTensors

        public var description: String {
            switch self {
            case .unreadable(let why): return "cannot read: \(why)"
            case .truncated(let why): return "truncated: \(why)"
            case .notACheckpoint(let why): return "not a checkpoint: \(why)"
            case .unsupportedDType(let dtype): return "unsupported dtype \(dtype)"
            case .unknownGlobal(let name): return "unknown global \(name) in the pickle (not interpreted, never run)"
            case .compressedEntry(let name, let method):
                return "zip entry \(name) is compressed (method \(method)); torch.save writes stored entries, re-save it with torch.save"
            case .malformed(let why): return "malformed: \(why)"
            case .noTensors: return "no tensors found"
            }
        }
    }

    /// The file that failed.
    public let path: String
    /// Why.
    public let cause: Cause

    /// Makes an error for `path`.
    public init(path: String, cause: Cause) {
        self.path = path
        self.cause = cause
    }

    public var explanation: String { cause.description }
}

/// Reads the tensors of a PyTorch checkpoint or a safetensors file, in Swift, with no Python.
///
/// Formats are told apart by content, not by name: the zip `torch.save` has written since torch 1.6, the legacy
/// `torch.save(..., _use_new_zipfile_serialization=False)` stream, and safetensors. Pickles are interpreted
/// symbolically: only the handful of torch globals a state dict needs are understood, and nothing is executed.
public enum TensorArchive {
    /// Loads every tensor of the state dict in `path`, keyed by name.
    ///
    /// A checkpoint that wraps its state dict (`{'state_dict': ...}`, `{'model': ...}`) gives the inner dict, and a
    /// `module.` prefix (left by `DataParallel`) is removed from keys. Views are copied out in row-major order.
    public static func load(path: String) throws -> [String: Tensor] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TensorArchiveError(path: path, cause: .unreadable("no such file"))
        }
        guard !isFolder.boolValue else { throw TensorArchiveError(path: path, cause: .unreadable("is a folder")) }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
        } catch {
            throw TensorArchiveError(path: path, cause: .unreadable("\(error)"))
        }
        do {
            return try load(bytes: bytes)
        } catch let cause as TensorArchiveError.Cause {
            throw TensorArchiveError(path: path, cause: cause)
        }
    }

    /// Loads from bytes already in memory; errors are bare causes (the caller knows the name).
    static func load(bytes: [UInt8]) throws -> [String: Tensor] {
        if ZipArchive.looksLikeZip(bytes) { return try loadZip(bytes) }
        if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) { return try loadLegacy(bytes) }
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") { return try loadSafetensors(bytes) }
        throw TensorArchiveError.Cause.notACheckpoint("neither a torch zip, a legacy torch file nor safetensors")
    }

    // MARK: torch zip (torch >= 1.6)

    private static func loadZip(_ bytes: [UInt8]) throws -> [String: Tensor] {
        let archive = try ZipArchive(bytes: bytes)
        // Entries are `<prefix>/data.pkl`, `<prefix>/data/<key>`; the prefix is the file's stem at save time.
        guard let pickle = archive.entries.filter({ $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") })
            .min(by: { $0.name.count < $1.name.count }) else {
            throw TensorArchiveError.Cause.notACheckpoint("zip archive without data.pkl")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        var bigEndian = false
        if let order = archive.entry(named: prefix + "byteorder") {
            // Written since torch 2.1; older files are little-endian.
            let text = String(decoding: bytes[try archive.dataRange(of: order)], as: UTF8.self)
            bigEndian = text.trimmingCharacters(in: .whitespacesAndNewlines) == "big"
        }
        let range = try archive.dataRange(of: pickle)
        let top = try Pickle.load(bytes, from: range.lowerBound, end: range.upperBound, hooks: torchHooks { _ in }).value
        return try tensors(of: top, bigEndian: bigEndian) { storage in
            guard let entry = archive.entry(named: prefix + "data/" + storage.key) else {
                throw TensorArchiveError.Cause.malformed("storage \(storage.key) missing from the zip")
            }
            let data = try archive.dataRange(of: entry)
            return (data, data.count / storage.dtype.size)
        }.bytes(bytes)
    }

    // MARK: legacy torch stream

    /// 0x1950a86a20f9469cfc6c as LONG1 little-endian bytes: the first pickle of a legacy torch file.
    private static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    private static func loadLegacy(_ bytes: [UInt8]) throws -> [String: Tensor] {
        let noStorage = torchHooks { _ in throw TensorArchiveError.Cause.malformed("storage in a legacy header") }
        let magic: (value: PickleValue, end: Int)
        do {
            magic = try Pickle.load(bytes, hooks: noStorage)
        } catch TensorArchiveError.Cause.truncated(let why) {
            // A short file that starts like the legacy magic number is a cut one; anything else is not ours.
            if bytes.count >= 4, bytes[2] == 0x8a, bytes[3] == 0x0a { throw TensorArchiveError.Cause.truncated(why) }
            throw TensorArchiveError.Cause.notACheckpoint("a pickle, but not a torch checkpoint")
        } catch {
            throw TensorArchiveError.Cause.notACheckpoint("a pickle, but not a torch checkpoint")
        }
        guard case .bigInt(let number) = magic.value, number == legacyMagic else {
            throw TensorArchiveError.Cause.notACheckpoint("a pickle without torch's magic number")
        }
        let version = try Pickle.load(bytes, from: magic.end, hooks: noStorage)
        guard case .int(1001) = version.value else {
            throw TensorArchiveError.Cause.malformed("legacy torch protocol version \(version.value.kind), expected 1001")
        }
        let sysInfo = try Pickle.load(bytes, from: version.end, hooks: noStorage)
        var bigEndian = false
        if case .dict(let info) = sysInfo.value, case .bool(let little)? = info["little_endian"] { bigEndian = !little }

        var storageTypes: [String: DType] = [:]
        let object = try Pickle.load(bytes, from: sysInfo.end, hooks: torchHooks { storageTypes[$0.key] = $0.dtype })
        let keyList = try Pickle.load(bytes, from: object.end, hooks: noStorage)
        guard case .list(let keys) = keyList.value else {
            throw TensorArchiveError.Cause.malformed("legacy storage key list is a \(keyList.value.kind)")
        }
        // Storages follow in the key list's order, each an 8-byte LE element count then the raw bytes.
        var cursor = ByteCursor(bytes, at: keyList.end)
        var ranges: [String: (Range<Int>, Int)] = [:]
        for key in keys.items {
            guard case .string(let name) = key, let dtype = storageTypes[name] else {
                throw TensorArchiveError.Cause.malformed("legacy storage key \(key.kind) not used by any tensor")
            }
            let count = try cursor.uint(8, "storage \(name)'s size")
            guard count <= UInt64(cursor.remaining / dtype.size) else {
                throw TensorArchiveError.Cause.truncated("ends inside storage \(name)")
            }
            ranges[name] = (try cursor.take(Int(count) * dtype.size, "storage \(name)"), Int(count))
        }
        return try tensors(of: object.value, bigEndian: bigEndian) { storage in
            guard let found = ranges[storage.key] else {
                throw TensorArchiveError.Cause.malformed("storage \(storage.key) missing")
            }
            return found
        }.bytes(bytes)
    }

    // MARK: safetensors

    private static func loadSafetensors(_ bytes: [UInt8]) throws -> [String: Tensor] {
        let headerLength = try ByteCursor(bytes).uint(at: 0, 8, "safetensors header length")
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw TensorArchiveError.Cause.truncated("ends inside the safetensors header")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw TensorArchiveError.Cause.notACheckpoint("safetensors-like, but the header is not a JSON object")
        }
        var result: [String: Tensor] = [:]
        try bytes.withUnsafeBytes { raw in
            for (name, entry) in header where name != "__metadata__" {
                guard let fields = entry as? [String: Any], let dtypeName = fields["dtype"] as? String,
                      let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int],
                      offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                    throw TensorArchiveError.Cause.malformed("safetensors entry \(name) lacks dtype, shape or data_offsets")
                }
                guard let dtype = DType(safetensorsName: dtypeName) else {
                    throw TensorArchiveError.Cause.unsupportedDType("\(dtypeName) (tensor \(name))")
                }
                guard offsets[1] <= bytes.count - dataStart else {
                    throw TensorArchiveError.Cause.truncated("ends inside tensor \(name)")
                }
                let byteCount = offsets[1] - offsets[0]
                guard byteCount % dtype.size == 0 else {
                    throw TensorArchiveError.Cause.malformed("tensor \(name) has \(byteCount) bytes, not a whole number of \(dtypeName)")
                }
                let storage = UnsafeRawBufferPointer(rebasing: raw[(dataStart + offsets[0])..<(dataStart + offsets[1])])
                let values = try dtype.gather(storage, storageCount: byteCount / dtype.size, offset: 0, shape: shape,
                                              stride: contiguousStride(shape), bigEndian: false)
                guard values.count == byteCount / dtype.size else {
                    throw TensorArchiveError.Cause.malformed("tensor \(name) has shape \(shape) but \(byteCount) bytes")
                }
                result[stripModule(name)] = Tensor(shape: shape, values: values)
            }
        }
        guard !result.isEmpty else { throw TensorArchiveError.Cause.noTensors }
        return result
    }

    // MARK: shared torch pickle handling

    /// The torch globals a state dict uses; anything else is refused by name.
    private static func torchHooks(onStorage: @escaping (StorageRef) throws -> Void) -> PickleHooks {
        PickleHooks(
            global: { module, name in
                switch (module, name) {
                case ("collections", "OrderedDict"), ("builtins", "dict"), ("__builtin__", "dict"),
                     ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"),
                     ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"),
                     ("_codecs", "encode"):
                    return .global(module: module, name: name)
                case ("torch", _), ("torch.storage", _):
                    if DType(storageName: name) != nil { return .global(module: "torch", name: name) }
                    if let dtype = DType(torchName: name) { return .dtype(dtype) }
                    if name.hasSuffix("Storage") { throw TensorArchiveError.Cause.unsupportedDType("torch.\(name)") }
                default: break
                }
                throw TensorArchiveError.Cause.unknownGlobal("\(module).\(name)")
            },
            call: { callable, args in
                guard case .global(let module, let name) = callable else {
                    throw TensorArchiveError.Cause.malformed("pickle calls a \(callable.kind)")
                }
                switch name {
                case "OrderedDict", "dict":
                    // Items come afterwards through SETITEMS; a pair list argument is rare but legal.
                    let dict = PickleDict()
                    if case .list(let pairs)? = args.first {
                        for case .tuple(let pair) in pairs.items where pair.count == 2 { dict.set(pair[0], pair[1]) }
                    }
                    return .dict(dict)
                case "_rebuild_tensor_v2", "_rebuild_tensor":
                    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                    guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                          let shape = ints(args[2]), let stride = ints(args[3]) else {
                        throw TensorArchiveError.Cause.malformed("\(module).\(name) with unexpected arguments")
                    }
                    return .tensor(TensorSpec(storage: storage, offset: offset, shape: shape, stride: stride))
                case "_rebuild_parameter", "_rebuild_parameter_with_state":
                    guard let data = args.first else { throw TensorArchiveError.Cause.malformed("\(name) without data") }
                    return data
                case "encode":
                    // Protocol 2 pickles Python 3 bytes as _codecs.encode(latin-1 text, 'latin1').
                    guard case .string(let text)? = args.first else { throw TensorArchiveError.Cause.malformed("_codecs.encode") }
                    return .bytes(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
                default:
                    // Storage type objects are only arguments, never called in a state dict.
                    throw TensorArchiveError.Cause.unknownGlobal("\(module).\(name) (called)")
                }
            },
            persistentLoad: { pid in
                // ('storage', storage_type, key, location, numel[, view_metadata])
                guard case .tuple(let parts) = pid, parts.count >= 5, case .string("storage") = parts[0] else {
                    throw TensorArchiveError.Cause.malformed("unexpected persistent id \(pid.kind)")
                }
                let dtype: DType
                switch parts[1] {
                case .global(_, let name):
                    guard let d = DType(storageName: name) else { throw TensorArchiveError.Cause.unsupportedDType("torch.\(name)") }
                    dtype = d
                case .dtype(let d): dtype = d
                default: throw TensorArchiveError.Cause.malformed("storage type is a \(parts[1].kind)")
                }
                let key: String
                switch parts[2] {
                case .string(let s): key = s
                case .int(let i): key = String(i)
                default: throw TensorArchiveError.Cause.malformed("storage key is a \(parts[2].kind)")
                }
                if parts.count > 5, case .tuple = parts[5] {
                    // Storage views were dropped in torch 0.4; nothing current writes them.
                    throw TensorArchiveError.Cause.malformed("legacy storage view \(key) is not supported")
                }
                let storage = StorageRef(key: key, dtype: dtype)
                try onStorage(storage)
                return .storage(storage)
            })
    }

    private static func ints(_ value: PickleValue) -> [Int]? {
        let items: [PickleValue]
        switch value {
        case .tuple(let t): items = t
        case .list(let l): items = l.items
        default: return nil
        }
        var out = [Int]()
        for case .int(let i) in items { out.append(i) }
        return out.count == items.count ? out : nil
    }

    /// Row-major strides. Wrapping products: they only overflow when another size is 0, and then nothing is read.
    static func contiguousStride(_ shape: [Int]) -> [Int] {
        shape.indices.map { shape[($0 + 1)...].reduce(1, &*) }
    }

    private static func stripModule(_ key: String) -> String {
        key.hasPrefix("module.") ? String(key.dropFirst("module.".count)) : key
    }

    /// The state dict inside a checkpoint: the top dict itself, or the one it wraps under a usual key.
    private static func stateDict(_ top: PickleValue) throws -> PickleDict {
        guard case .dict(let dict) = top else {
            throw TensorArchiveError.Cause.notACheckpoint("the pickled object is a \(top.kind), not a dict of tensors")
        }
        func hasTensors(_ d: PickleDict) -> Bool { d.values.contains { if case .tensor = $0 { true } else { false } } }
        if hasTensors(dict) { return dict }
        for key in ["state_dict", "model_state_dict", "model", "net", "network", "module", "ema"] {
            if case .dict(let inner)? = dict[key], hasTensors(inner) { return inner }
        }
        // Otherwise the only nested dict holding tensors, if exactly one does.
        let nested = dict.values.compactMap { value -> PickleDict? in
            if case .dict(let inner) = value, hasTensors(inner) { return inner }
            return nil
        }
        if nested.count == 1 { return nested[0] }
        throw TensorArchiveError.Cause.noTensors
    }

    /// A deferred materialization: the storages' bytes are only known once the format has been walked.
    private struct Pending {
        let specs: [(String, TensorSpec)]
        let bigEndian: Bool
        let locate: (StorageRef) throws -> (Range<Int>, Int)

        func bytes(_ bytes: [UInt8]) throws -> [String: Tensor] {
            var result: [String: Tensor] = [:]
            try bytes.withUnsafeBytes { raw in
                for (name, spec) in specs {
                    let (range, count) = try locate(spec.storage)
                    let storage = UnsafeRawBufferPointer(rebasing: raw[range])
                    let values = try spec.storage.dtype.gather(storage, storageCount: count, offset: spec.offset,
                                                               shape: spec.shape, stride: spec.stride, bigEndian: bigEndian)
                    result[name] = Tensor(shape: spec.shape, values: values)
                }
            }
            return result
        }
    }

    private static func tensors(of top: PickleValue, bigEndian: Bool,
                                locate: @escaping (StorageRef) throws -> (Range<Int>, Int)) throws -> Pending {
        let dict = try stateDict(top)
        var specs: [(String, TensorSpec)] = []
        // Non-tensor entries (an epoch number, `_extra_state`) are not weights; they are skipped.
        for (key, value) in dict.pairs {
            if case .string(let name) = key, case .tensor(let spec) = value { specs.append((stripModule(name), spec)) }
        }
        guard !specs.isEmpty else { throw TensorArchiveError.Cause.noTensors }
        return Pending(specs: specs, bigEndian: bigEndian, locate: locate)
    }
}
