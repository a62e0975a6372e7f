/// One descriptor of the query set paired with one of the train set.
public struct ORBMatch: Sendable, Equatable {
    public let queryIndex: Int
    public let trainIndex: Int
    /// Hamming distance, 0...256.
    public let distance: Int
}

/// Brute-force Hamming matching of ORB descriptors with Lowe's ratio test and an optional mutual cross-check.
///
/// Guarantees: exact (every pair is compared); a query's match is its nearest train descriptor, the lowest index
/// among equals; it is kept only when its distance is below `ratio` times the second nearest (a query facing a
/// single train descriptor has no second and passes), and with `crossCheck` only when the query is also that
/// train descriptor's nearest. Matches come in query order.
public struct ORBMatcher: Sendable, Equatable {
    public var ratio: Double
    public var crossCheck: Bool

    public init(ratio: Double = 0.8, crossCheck: Bool = false) {
        self.ratio = ratio
        self.crossCheck = crossCheck
    }

    public func match(_ query: [ORBDescriptor], _ train: [ORBDescriptor]) -> [ORBMatch] {
        guard !query.isEmpty, !train.isEmpty else { return [] }
        // Both directions from one pass over the distances, on the CPU's popcount (the C kernel's clones).
        let (forward, backward) = NativeKernels.orbNearest(from: query.flatMap { [$0.w0, $0.w1, $0.w2, $0.w3] },
                                                           to: train.flatMap { [$0.w0, $0.w1, $0.w2, $0.w3] })
        var matches: [ORBMatch] = []
        for (q, n) in forward.enumerated() {
            // An exact match (0) with an exact runner-up (0) is ambiguous: the strict test rejects it.
            guard Double(n.bestDistance) < ratio * Double(n.secondDistance) else { continue }
            if crossCheck && backward[n.best] != q { continue }
            matches.append(ORBMatch(queryIndex: q, trainIndex: n.best, distance: n.bestDistance))
        }
        return matches
    }
}
