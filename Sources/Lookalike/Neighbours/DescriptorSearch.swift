/// Builds the exact neighbour index that fits a method's descriptors, and their pairwise distance.
public enum DescriptorSearch {
    /// Hamming index for bit codes, cosine index for vectors. All descriptors must be of one kind and size.
    public static func index(_ descriptors: [Descriptor], workers: Int? = nil) -> any NeighbourIndex {
        if descriptors.allSatisfy({ $0.metric == .hamming }) {
            return HammingIndex(hashes: descriptors.map { if case .bits(let h) = $0 { h } else { fatalError() } },
                                workers: workers)
        }
        precondition(descriptors.allSatisfy { $0.metric == .cosine }, "one method's descriptors mix metrics")
        return CosineIndex(vectors: descriptors.map { if case .vector(let v) = $0 { v } else { fatalError() } })
    }

    /// Hamming bits for codes, 1 - cos for vectors (the same values the indexes report).
    public static func distance(_ a: Descriptor, _ b: Descriptor) -> Float {
        switch (a, b) {
        case let (.bits(x), .bits(y)): return Float(x.distance(to: y))
        case let (.vector(x), .vector(y)):
            var dot = 0.0, nx = 0.0, ny = 0.0
            for k in 0..<min(x.count, y.count) {
                dot += Double(x[k]) * Double(y[k])
                nx += Double(x[k]) * Double(x[k])
                ny += Double(y[k]) * Double(y[k])
            }
            guard nx > 0, ny > 0 else { return 1 }
            return Float(min(2, max(0, 1 - dot / (nx.squareRoot() * ny.squareRoot()))))
        default:
            preconditionFailure("distance between a bit code and a vector")
        }
    }
}
