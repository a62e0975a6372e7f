/// The seam every approach plugs into: a decoded image in, one descriptor out.
///
/// A method declares its name and what it makes (`kind`: bits of a given length or a vector of a given
/// dimension); everything else (metric, how thresholds scale, the default rule, which index searches it) is
/// derived from that, so nothing outside Describe needs to know a method's type or name. Adding a method is one
/// type plus one `MethodCatalog` entry.
public protocol DescriptorMethod: Sendable {
    /// Name on the command line and in reports (`ahash`, `phash`, ...).
    static var name: String { get }
    /// What `describe` returns with these settings; known before the method is made (no weights needed).
    static func kind(_ settings: MethodSettings) -> DescriptorKind
    /// Makes the method; throws a message that says what is missing (a weights file, say) and how to get it.
    init(settings: MethodSettings) throws
    /// What this instance returns (`DescriptionRun` checks every descriptor against it).
    var kind: DescriptorKind { get }
    func describe(_ sample: ImageSample) throws -> Descriptor
    /// Descriptors kept from earlier runs, when the method keeps any: with every method's answer stored,
    /// `DescriptionRun` skips decoding the image. Default: none.
    var store: (any DescriptorStore)? { get }
    /// What a descriptor says in words ("black, solid, tall"), for methods whose descriptors can be read
    /// (`attributes`); reports show it beside the images. Default: nil.
    static func explain(_ descriptor: Descriptor) -> String?
    /// The instance's name and words (default: the type's); a wrapper (`CheckpointedMethod`) gives its base's.
    var name: String { get }
    func explain(_ descriptor: Descriptor) -> String?
    /// Whether the method runs a model the user trained, named on the command line as `--method name=FILE`
    /// (`MethodSettings.modelPaths`). Default: false; "all" leaves such a method out unless its file is given.
    static var takesModelFile: Bool { get }
}

extension DescriptorMethod {
    public static func explain(_ descriptor: Descriptor) -> String? { nil }
    public func explain(_ descriptor: Descriptor) -> String? { Self.explain(descriptor) }
    public var name: String { Self.name }
    public var metric: DistanceMetric { kind.metric }
    public var store: (any DescriptorStore)? { nil }
    public static var takesModelFile: Bool { false }
}

/// One image in words: what the first of `methods` that can read its descriptor says ("black, solid, long").
public func explanation(_ methods: [any DescriptorMethod], _ descriptors: [Descriptor]) -> String? {
    for (method, descriptor) in zip(methods, descriptors) { if let text = method.explain(descriptor) { return text } }
    return nil
}

/// What a method's descriptors are: a code of `bits` bits (Hamming distance) or a vector of `dimension`
/// floats (cosine distance).
public enum DescriptorKind: Sendable, Equatable, CustomStringConvertible {
    case bits(Int)
    case vector(Int)

    public var metric: DistanceMetric {
        switch self {
        case .bits: .hamming
        case .vector: .cosine
        }
    }

    public var description: String {
        switch self {
        case .bits(let n): "\(n)-bit code"
        case .vector(let d): "\(d)-d vector"
        }
    }

    /// Whether `descriptor` is of this kind and size.
    public func admits(_ descriptor: Descriptor) -> Bool {
        switch (self, descriptor) {
        case let (.bits(n), .bits(h)): h.bitCount == n
        case let (.vector(d), .vector(v)): v.count == d
        default: false
        }
    }
}

/// A descriptor kept from an earlier run, with the image's reported size.
public struct StoredDescriptor: Sendable {
    public let descriptor: Descriptor
    public let width: Int
    public let height: Int

    public init(descriptor: Descriptor, width: Int, height: Int) {
        self.descriptor = descriptor
        self.width = width
        self.height = height
    }
}

/// Descriptors kept between runs (a capability of methods that are costly to run, such as networks).
public protocol DescriptorStore: Sendable {
    /// The descriptor kept for this file as it is on disk now, if any.
    func stored(path: String, oriented: Bool) -> StoredDescriptor?
    /// Where the descriptors are kept (for messages).
    var location: String { get }
    /// Descriptors found in the store since it was opened.
    var reusedCount: Int { get }
    /// One line to show once when the store dropped damaged records on opening; nil when it did not.
    var damageWarning: String? { get }
}

/// Settings a method may read; each method documents which it uses.
public struct MethodSettings: Sendable {
    /// Hash size for the perceptual hashes: size x size bits (imagehash's `hash_size`).
    public var hashSize: Int
    /// Deep methods: a weights file given by the user (otherwise `WeightsLocator`'s search).
    public var weightsPath: String?
    /// EfficientNet-Lite: how the head's pixels are pooled into one vector.
    public var pooling: EfficientNetLite.Pooling
    /// Deep methods: what they see, the whole image or the product with its backdrop painted out.
    public var focus: Focus
    /// Learned methods (`autoencoder`, `triplet`): the model file each was given, by method name
    /// (`--method autoencoder=FILE`).
    public var modelPaths: [String: String]

    /// `product`: the backdrop the mask method finds (the border-connected flood fill, not skin, not white panels
    /// inside the product) is painted mid-grey before the network sees the image (the seed documents' "zooming in
    /// on the apparel and removing background details").
    public enum Focus: String, CaseIterable, Sendable { case image, product }

    public init(hashSize: Int = 8, weightsPath: String? = nil, pooling: EfficientNetLite.Pooling = .avg,
                focus: Focus = .image, modelPaths: [String: String] = [:]) {
        self.modelPaths = modelPaths
        self.hashSize = hashSize
        self.weightsPath = weightsPath
        self.pooling = pooling
        self.focus = focus
    }
}

/// A perceptual hash of size x size bits, as imagehash makes it.
public protocol PerceptualHashMethod: DescriptorMethod {
    var size: Int { get }
    init(size: Int)
}

extension PerceptualHashMethod {
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .bits(settings.hashSize * settings.hashSize) }
    public init(settings: MethodSettings) { self.init(size: settings.hashSize) }
    public var kind: DescriptorKind { .bits(size * size) }
}

public struct AverageHashMethod: PerceptualHashMethod {
    public static let name = "ahash"
    public let size: Int
    public init(size: Int) { self.size = size }
    public func describe(_ sample: ImageSample) -> Descriptor {
        .bits(HashFunctions.averageHash(sample.luminance, size: size))
    }
}

public struct DifferenceHashMethod: PerceptualHashMethod {
    public static let name = "dhash"
    public let size: Int
    public init(size: Int) { self.size = size }
    public func describe(_ sample: ImageSample) -> Descriptor {
        .bits(HashFunctions.differenceHash(sample.luminance, size: size))
    }
}

public struct DCTHashMethod: PerceptualHashMethod {
    public static let name = "phash"
    public let size: Int
    public init(size: Int) { self.size = size }
    public func describe(_ sample: ImageSample) -> Descriptor {
        .bits(HashFunctions.dctHash(sample.luminance, size: size))
    }
}
