import Foundation
import Synchronization

/// One image's descriptors, in the order of the methods that made them.
public struct ImageRecord: Sendable {
    public let path: String
    public let width: Int
    public let height: Int
    public let descriptors: [Descriptor]
}

/// Why one image gave no record: its file could not be read or decoded, or a method failed on its pixels.
public enum ImageFailure: PathError, Sendable {
    case file(FileError)
    case describe(DescribeError)

    public var path: String {
        switch self {
        case .file(let e): e.path
        case .describe(let e): e.path
        }
    }

    public var explanation: String {
        switch self {
        case .file(let e): e.explanation
        case .describe(let e): e.explanation
        }
    }

    /// Short machine-readable category (`FileError.Cause.category`, or "method-failed").
    public var category: String {
        switch self {
        case .file(let e): e.cause.category
        case .describe: "method-failed"
        }
    }
}

/// What happened to one input file.
public struct FileOutcome: Sendable {
    public let index: Int
    public let result: Result<ImageRecord, ImageFailure>
    /// Non-fatal notes (recoverable corruption, misleading extension), one line each.
    public let warnings: [String]
}

/// Decodes and describes files on several threads and hands outcomes back in input order.
/// Each worker owns its decoder (TurboJPEG handles are not thread-safe).
public struct DescriptionRun: Sendable {
    public var methods: [any DescriptorMethod]
    public var decodeOptions: DecodeOptions
    public var applyOrientation: Bool
    public var workers: Int
    /// When set, every decode and every method's `describe` is timed into it (`compare`'s time per image).
    public var clock: DescriptionClock?

    public init(methods: [any DescriptorMethod], decodeOptions: DecodeOptions = DecodeOptions(),
                applyOrientation: Bool = true, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.methods = methods
        self.decodeOptions = decodeOptions
        self.applyOrientation = applyOrientation
        self.workers = max(1, workers)
    }

    /// Every method's stored answer for the file, when all have one for the same size (no decoding needed).
    func storedRecord(path: String) -> ImageRecord? {
        let stores = methods.compactMap(\.store)
        guard stores.count == methods.count else { return nil }
        var stored: [StoredDescriptor] = []
        for (method, store) in zip(methods, stores) {
            guard let s = store.stored(path: path, oriented: applyOrientation), method.kind.admits(s.descriptor) else { return nil }
            stored.append(s)
        }
        guard let first = stored.first, stored.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            return nil
        }
        return ImageRecord(path: path, width: first.width, height: first.height, descriptors: stored.map(\.descriptor))
    }

    /// Describes one file with a caller-owned decoder.
    public func describe(path: String, decoder: ImageDecoder, visit: ((ImageSample) -> Void)? = nil)
        -> (Result<ImageRecord, ImageFailure>, [String])
    {
        if visit == nil, let record = storedRecord(path: path) { return (.success(record), []) }
        var started = DispatchTime.now().uptimeNanoseconds
        let decoded = decoder.decode(path: path)
        var times: [UInt64] = []
        if clock != nil { times.append(DispatchTime.now().uptimeNanoseconds - started) }
        defer { clock?.add(times) }
        switch decoded {
        case .failure(let error): return (.failure(.file(error)), [])
        case .success(let outcome):
            let sample = ImageSample(path: path, decoded: outcome.image, applyOrientation: applyOrientation)
            var descriptors: [Descriptor] = []
            for method in methods {
                let descriptor: Descriptor
                started = DispatchTime.now().uptimeNanoseconds
                defer { if clock != nil { times.append(DispatchTime.now().uptimeNanoseconds - started) } }
                do { descriptor = try method.describe(sample) } catch {
                    return (.failure(.describe(DescribeError(path: path, method: method.name, message: "\(error)"))), outcome.warnings)
                }
                // The kind a method declares is what grouping relies on: a mismatch is the method's bug, caught here.
                guard method.kind.admits(descriptor) else {
                    let message = "returned a descriptor that is not its declared \(method.kind)"
                    return (.failure(.describe(DescribeError(path: path, method: method.name, message: message))), outcome.warnings)
                }
                descriptors.append(descriptor)
            }
            visit?(sample)
            let size = sample.reportedSize
            return (.success(ImageRecord(path: path, width: size.width, height: size.height, descriptors: descriptors)),
                    outcome.warnings)
        }
    }

    /// Runs over `paths`; `deliver` is called on the calling thread, once per file, in input order.
    /// `visit`, when given, sees every decoded image on its worker thread after the methods (for side products
    /// such as mask overlays, so nothing is decoded twice); it must be thread-safe.
    public func run(paths: [String], visit: (@Sendable (Int, ImageSample) -> Void)? = nil, deliver: (FileOutcome) -> Void) {
        let board = OutcomeBoard(count: paths.count)
        let workerCount = min(workers, max(paths.count, 1))
        let run = self
        let group = DispatchGroup()
        for _ in 0..<workerCount {
            DispatchQueue.global().async(group: group) {
                let decoder = ImageDecoder(options: run.decodeOptions)
                while let index = board.claim() {
                    let (result, warnings) = run.describe(path: paths[index], decoder: decoder,
                                                          visit: visit.map { v in { v(index, $0) } })
                    board.post(FileOutcome(index: index, result: result, warnings: warnings))
                }
            }
        }
        for index in 0..<paths.count {
            deliver(board.take(index))
        }
        group.wait()
    }
}

/// Nanoseconds spent decoding and in each method's `describe`, summed over workers and images. A view several
/// methods share (the product mask, the small RGB) is charged to the first method that asks for it.
public final class DescriptionClock: Sendable {
    private let sums: Mutex<(decoded: Int, decode: UInt64, methods: [UInt64])>

    public init(methods: Int) { sums = Mutex((0, 0, Array(repeating: 0, count: methods))) }

    /// `times`: the decode, then one per method that ran.
    func add(_ times: [UInt64]) {
        guard let decode = times.first else { return }
        sums.withLock { t in
            t.decoded += 1
            t.decode += decode
            for (m, ns) in times.dropFirst().enumerated() { t.methods[m] += ns }
        }
    }

    /// Images decoded (a file answered from every method's store is not), and the seconds spent decoding them
    /// and in each method, summed.
    public var totals: (decoded: Int, decode: Double, methods: [Double]) {
        sums.withLock { t in (t.decoded, Double(t.decode) / 1e9, t.methods.map { Double($0) / 1e9 }) }
    }
}

/// Hand-off between workers and the ordered consumer.
private final class OutcomeBoard: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0
    private let count: Int
    private var slots: [Int: FileOutcome] = [:]

    init(count: Int) { self.count = count }

    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func post(_ outcome: FileOutcome) {
        condition.lock()
        slots[outcome.index] = outcome
        condition.broadcast()
        condition.unlock()
    }

    func take(_ index: Int) -> FileOutcome {
        condition.lock()
        defer { condition.unlock() }
        while slots[index] == nil { condition.wait() }
        return slots.removeValue(forKey: index)!
    }
}
