import Foundation

/// Query by example (`lookalike search`): each query image's k nearest images of a collection under one method
/// or a fusion, exactly (`QuerySearch`); and every image's k nearest within the collection (`lookalike neighbours`,
/// `everyNearest`). The collection is described once (network vectors from the embedding
/// store where it has them), the queries after it with the same methods; a query that cannot be read is one
/// failure and the others still run.
public struct SearchPlan: Sendable {
    public let methods: [MethodCatalog.Entry]
    public let settings: MethodSettings
    /// With several methods: their weights in the fused distance (nil: equal).
    public let weights: [Float]?
    /// Results per query; more than the collection holds returns all of it.
    public let k: Int

    public init(methods: [MethodCatalog.Entry], settings: MethodSettings = MethodSettings(), weights: [Float]? = nil, k: Int = 10) {
        precondition(!methods.isEmpty, "a search needs a method")
        precondition(k > 0, "k must be positive")
        precondition(weights.map { $0.count == methods.count } ?? true, "one weight per method")
        self.methods = methods
        self.settings = settings
        self.weights = weights
        self.k = k
    }

    /// "phash", or "effnet-lite0+colour" for a fusion.
    public var methodName: String { methods.map(\.name).joined(separator: "+") }
    /// What the reported distances measure.
    public var metric: DistanceMetric { methods.count > 1 ? .fused : methods[0].metric }

    /// `neighbours`: each item's min(k, n - 1) nearest others in the collection itself, nearest first, ties by the
    /// smaller index; exact (a popcount scan for hashes, upper-triangle sgemm tiles for vectors, each item searched
    /// against the others for a fusion). Memory: the descriptors and n x k neighbours, never n x n.
    public func everyNearest(_ sets: [[Descriptor]], workers: Int? = nil, progress: WorkProgress? = nil) -> [[Neighbour]] {
        precondition(sets.count == methods.count)
        if sets.count > 1 {
            // Every item searched against the others, as `FusedIndex.nearest` does, without building the fused
            // index's per-method indexes that this never reads.
            let search = QuerySearch(collection: sets, units: methods.map { $0.fusionUnit(settings) }, weights: weights,
                                     workers: workers)
            let items = (0..<search.count).map { i in sets.map { $0[i] } }
            return search.nearest(to: items, k: k, excluding: Array(0..<search.count), progress: progress)
        }
        let descriptors = sets[0]
        if descriptors.allSatisfy({ $0.metric == .hamming }) {
            let hashes = descriptors.map { if case .bits(let h) = $0 { h } else { preconditionFailure() } }
            return HammingIndex(hashes: hashes, workers: workers).nearest(k: k, progress: progress)
        }
        let vectors = descriptors.map { if case .vector(let v) = $0 { v } else { preconditionFailure("one method mixes kinds") } }
        return CosineIndex(vectors: vectors, rowBlock: 1024, columnBlock: 4096, workers: workers, blasThreads: nil)
            .nearest(k: k, progress: progress)
    }

    public struct Result: Sendable {
        /// The query as given.
        public let path: String
        /// Its neighbours (indexes into `Outcome.images`), nearest first; or why the query gave none.
        public let neighbours: Swift.Result<[Neighbour], ImageFailure>
    }

    public struct Outcome: Sendable {
        /// The collection's images that were described, in collection order.
        public let images: [ImageFacts]
        /// One per query, in query order.
        public let results: [Result]
        /// Collection images that gave no descriptor.
        public let failures: [ImageFailure]
    }

    /// Which of the two passes an outcome belongs to (for progress and messages).
    public enum Phase: Sendable { case collection, queries }

    /// Describes `collection`, then `queries`, and ranks. A query that is one of the collection's files (the same
    /// device and inode) is never among its own results; its copies are. `observe` sees every file's outcome in
    /// order, on the calling thread.
    public func run(collection: [String], queries: [String], methods made: [any DescriptorMethod],
                    reading: GroupingPlan.Reading = GroupingPlan.Reading(),
                    observe: (Phase, FileOutcome) -> Void = { _, _ in }) -> Outcome {
        let run = DescriptionRun(methods: made, decodeOptions: reading.decode, applyOrientation: reading.applyOrientation,
                                 workers: reading.workers)
        var images: [ImageFacts] = []
        var sets: [[Descriptor]] = Array(repeating: [], count: made.count)
        var failures: [ImageFailure] = []
        run.run(paths: collection) { outcome in
            switch outcome.result {
            case .success(let record):
                images.append(ImageFacts(path: record.path, width: record.width, height: record.height))
                for m in made.indices { sets[m].append(record.descriptors[m]) }
            case .failure(let failure): failures.append(failure)
            }
            observe(.collection, outcome)
        }
        var described: [[Descriptor]] = []
        var slots: [Swift.Result<Int, ImageFailure>] = []
        run.run(paths: queries) { outcome in
            switch outcome.result {
            case .success(let record):
                slots.append(.success(described.count))
                described.append(record.descriptors)
            case .failure(let failure): slots.append(.failure(failure))
            }
            observe(.queries, outcome)
        }
        guard !images.isEmpty else {
            return Outcome(images: [], results: zip(queries, slots).map { path, slot in
                Result(path: path, neighbours: slot.map { _ in [] })
            }, failures: failures)
        }
        let units = methods.count > 1 ? methods.map { $0.fusionUnit(settings) } : [1]
        let search = QuerySearch(collection: sets, units: units, weights: weights, workers: reading.workers)
        // A query's own file in the collection, by device and inode (the collector lists each file once).
        var position: [FileIdentity: Int] = [:]
        for (i, facts) in images.enumerated() { if let id = FileIdentity(facts.path) { position[id] = i } }
        let asked = queries.indices.compactMap { q -> Int? in if case .success = slots[q] { q } else { nil } }
        let found = search.nearest(to: asked.map { q in if case .success(let d) = slots[q] { described[d] } else { [] } },
                                   k: k, excluding: asked.map { FileIdentity(queries[$0]).flatMap { position[$0] } })
        var byQuery: [Int: [Neighbour]] = [:]
        for (q, neighbours) in zip(asked, found) { byQuery[q] = neighbours }
        let results = queries.indices.map { q in
            Result(path: queries[q], neighbours: slots[q].map { _ in byQuery[q]! })
        }
        return Outcome(images: images, results: results, failures: failures)
    }
}

/// A file's device and inode: the same file whatever path reaches it.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}
