/// The seam every approach plugs into: a decoded image in, one descriptor out.
public protocol DescriptorMethod: Sendable {
    /// Name used on the command line and as the report column (`ahash`, `phash`, ...).
    var name: String { get }
    var metric: DistanceMetric { get }
    func describe(_ sample: ImageSample) throws -> Descriptor
}

/// A descriptor kept from an earlier run, with the image's reported size.
public struct StoredDescriptor: Sendable {
    public let descriptor: Descriptor
    public let width: Int
    public let height: Int
}

/// A method that may answer for an image without decoding it: when every method of a run has its answer
/// stored, `DescriptionRun` skips the decoding.
public protocol StoredDescriptorMethod: DescriptorMethod {
    /// The descriptor kept for this file as it is on disk now, if any.
    func storedDescriptor(path: String, oriented: Bool) -> StoredDescriptor?
}

/// Settings a method may read; each method documents which it uses.
public struct MethodOptions: Sendable {
    /// Hash size for the perceptual hashes: size x size bits (imagehash's `hash_size`).
    public var hashSize: Int
    /// Deep methods: a weights file given by the user (otherwise `WeightsLocator`'s search).
    public var weightsPath: String?

    public init(hashSize: Int = 8, weightsPath: String? = nil) {
        self.hashSize = hashSize
        self.weightsPath = weightsPath
    }
}

/// Every method Lookalike offers. Adding a method means adding its entry here; every command lists,
/// validates and runs methods through this catalog.
public enum MethodCatalog {
    /// The graph rule's default for grouping products: cutoff (bits for a hash size of 8, 1 - cos for vectors,
    /// or units of each method's threshold when fused), neighbours per image, Louvain resolution.
    public struct ProductGrouping: Sendable, Equatable {
        public let cutoff: Float
        public let k: Int
        public let resolution: Double
    }

    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        public let metric: DistanceMetric
        /// Near-duplicate threshold for a hash size of 8 (bits) or for the vector (1 - cos): the default of the
        /// components, seed and linkage rules (and so of `dedupe`). Bit thresholds scale with the code length.
        /// See the README for the measurement behind each value.
        public let threshold: Float
        /// What fused distances and a cascade's second stage divide this method's distance by: the distance at
        /// which two images are "alike" for this method (the hashes' near-duplicate threshold; for vectors, a
        /// looser product-level distance, so a fusion is not drowned by one vector method).
        public let unit: Float
        /// The graph rule's defaults, chosen with `lookalike tune` on two product sets at once (README).
        public let productGrouping: ProductGrouping
        public let make: @Sendable (MethodOptions) throws -> any DescriptorMethod

        init(name: String, summary: String, metric: DistanceMetric, threshold: Float, unit: Float? = nil,
             productGrouping: ProductGrouping, make: @escaping @Sendable (MethodOptions) throws -> any DescriptorMethod) {
            self.name = name
            self.summary = summary
            self.metric = metric
            self.threshold = threshold
            self.unit = unit ?? threshold
            self.productGrouping = productGrouping
            self.make = make
        }

        public func defaultThreshold(_ options: MethodOptions) -> Float { scaled(threshold, options) }

        /// The unit of fused distances, scaled like the threshold.
        public func fusionUnit(_ options: MethodOptions) -> Float { scaled(unit, options) }

        /// The graph rule's default cutoff, scaled like the threshold.
        public func defaultCutoff(_ options: MethodOptions) -> Float { scaled(productGrouping.cutoff, options) }

        /// Hashes are for near-duplicates (components); vectors see the same product across shots (graph).
        public var defaultRule: ClusteringRule { metric == .hamming ? .components : .graph }

        func scaled(_ bits: Float, _ options: MethodOptions) -> Float {
            metric == .hamming ? (bits * Float(options.hashSize * options.hashSize) / 64).rounded(.down) : bits
        }
    }

    /// Fused methods: the graph rule's default, in units of each method's near-duplicate threshold (measured
    /// best for mask + pHash; see the README).
    public static let fusedProductGrouping = ProductGrouping(cutoff: 4, k: 20, resolution: 2)

    /// The rule `group` uses when none is given: graph as soon as a vector method is involved.
    public static func defaultRule(_ entries: [Entry]) -> ClusteringRule {
        entries.contains { $0.metric != .hamming } ? .graph : .components
    }

    /// The graph rule's default for one method or several fused.
    public static func productGrouping(_ entries: [Entry], _ options: MethodOptions) -> ProductGrouping {
        guard entries.count == 1 else { return fusedProductGrouping }
        let g = entries[0].productGrouping
        return ProductGrouping(cutoff: entries[0].defaultCutoff(options), k: g.k, resolution: g.resolution)
    }

    public static let all: [Entry] = [
        // Near-duplicate thresholds: the best shared setting on two near-duplicate sets (README); aHash's and
        // dHash's units stay at the looser 1 and 4 bits, since a unit cannot be 0.
        Entry(name: "ahash", summary: "average hash (imagehash.average_hash)", metric: .hamming, threshold: 0, unit: 1,
              productGrouping: ProductGrouping(cutoff: 14, k: 5, resolution: 3)) {
            AverageHashMethod(size: $0.hashSize)
        },
        Entry(name: "dhash", summary: "difference hash, horizontal (imagehash.dhash)", metric: .hamming, threshold: 1, unit: 4,
              productGrouping: ProductGrouping(cutoff: 18, k: 20, resolution: 2)) {
            DifferenceHashMethod(size: $0.hashSize)
        },
        Entry(name: "phash", summary: "DCT perceptual hash (imagehash.phash)", metric: .hamming, threshold: 4,
              productGrouping: ProductGrouping(cutoff: 22, k: 5, resolution: 0.5)) {
            DCTHashMethod(size: $0.hashSize)
        },
        Entry(name: "mask", summary: "background and skin removed; colour, shape and texture of the product",
              metric: .cosine, threshold: 0.01, unit: 0.15,
              productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)) { _ in
            MaskedProductMethod()
        },
        Entry(name: "resnet50", summary: "ImageNet ResNet50 global-average-pool features (needs the weights file)",
              // Not measured with the real weights here: the mask method's vector defaults, until someone can.
              metric: .cosine, threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)) {
            try ResNet50Method(weightsPath: $0.weightsPath)
        },
    ]

    public static var names: [String] { all.map(\.name) }

    public static func entry(named name: String) -> Entry? {
        all.first { $0.name == name.lowercased() }
    }
}

public struct AverageHashMethod: DescriptorMethod {
    public let size: Int
    public var name: String { "ahash" }
    public var metric: DistanceMetric { .hamming }
    public func describe(_ sample: ImageSample) -> Descriptor {
        .bits(HashFunctions.averageHash(sample.luminance, size: size))
    }
}

public struct DifferenceHashMethod: DescriptorMethod {
    public let size: Int
    public var name: String { "dhash" }
    public var metric: DistanceMetric { .hamming }
    public func describe(_ sample: ImageSample) -> Descriptor {
        .bits(HashFunctions.differenceHash(sample.luminance, size: size))
    }
}

public struct DCTHashMethod: DescriptorMethod {
    public let size: Int
    public var name: String { "phash" }
    public var metric: DistanceMetric { .hamming }
    public func describe(_ sample: ImageSample) -> Descriptor {
        .bits(HashFunctions.dctHash(sample.luminance, size: size))
    }
}
