import Foundation

/// Splits 0..<count into contiguous chunks run on `workers` threads; returns each chunk's result in order,
/// so that callers concatenate them into exactly what a serial loop would have produced.
enum Parallel {
    static var defaultWorkers: Int { ProcessInfo.processInfo.activeProcessorCount }

    static func mapChunks<T>(count: Int, workers: Int = defaultWorkers, chunk: Int? = nil,
                             _ body: (Range<Int>) -> T) -> [T] {
        guard count > 0 else { return [] }
        let size = max(1, chunk ?? (count + workers * 8 - 1) / (workers * 8))
        let chunks = (count + size - 1) / size
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: chunks)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let next = ChunkCounter()
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox((body, results))
            DispatchQueue.concurrentPerform(iterations: min(max(workers, 1), chunks)) { _ in
                while let c = next.take(below: chunks) {
                    let lower = c * size
                    shared.value.1[c] = shared.value.0(lower..<min(lower + size, count))
                }
            }
        }
        return results.map { $0! }
    }
}

/// Hands out 0, 1, 2... to worker threads, once each.
public final class ChunkCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    public init() {}
    public func take(below limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// Carries non-Sendable values into concurrentPerform where each thread touches disjoint parts.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
