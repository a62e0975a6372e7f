/// The seam every approach plugs into: a decoded image in, one descriptor out.
public protocol DescriptorMethod: Sendable {
    /// Name used on the command line and as the report column (`ahash`, `phash`, ...).
    var name: String { get }
    var metric: DistanceMetric { get }
    func describe(_ sample: ImageSample) throws -> Descriptor
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
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        public let metric: DistanceMetric
        /// Default grouping threshold for a hash size of 8 (bits) or for the vector (1 - cos); see the README
        /// for the measurement behind each value. Bit thresholds scale with the code length.
        public let threshold: Float
        public let make: @Sendable (MethodOptions) throws -> any DescriptorMethod

        public func defaultThreshold(_ options: MethodOptions) -> Float {
            metric == .hamming ? (threshold * Float(options.hashSize * options.hashSize) / 64).rounded(.down) : threshold
        }
    }

    public static let all: [Entry] = [
        Entry(name: "ahash", summary: "average hash (imagehash.average_hash)", metric: .hamming, threshold: 1) {
            AverageHashMethod(size: $0.hashSize)
        },
        Entry(name: "dhash", summary: "difference hash, horizontal (imagehash.dhash)", metric: .hamming, threshold: 4) {
            DifferenceHashMethod(size: $0.hashSize)
        },
        Entry(name: "phash", summary: "DCT perceptual hash (imagehash.phash)", metric: .hamming, threshold: 4) {
            DCTHashMethod(size: $0.hashSize)
        },
        Entry(name: "mask", summary: "background and skin removed; colour, shape and texture of the product",
              metric: .cosine, threshold: 0.15) { _ in
            MaskedProductMethod()
        },
        Entry(name: "resnet50", summary: "ImageNet ResNet50 global-average-pool features (needs the weights file)",
              metric: .cosine, threshold: 0.15) {
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
