import Foundation
import Synchronization

/// What the three EfficientNet-Lite methods share: the network (loaded once per weights file and process), the
/// pooling, and the embedding store. Vectors are L2-normalised, compared by cosine distance.
public struct EfficientNetLiteFeatures: Sendable {
    public let network: EfficientNetLite
    public let pooling: EfficientNetLite.Pooling
    public let focus: MethodSettings.Focus
    public let embeddings: EmbeddingStore?

    private static let loaded = LoadedNetworks<EfficientNetLite>()

    /// Finds and loads the variant's weights (see `WeightsLocator`); throws a message that says where it looked
    /// and which pip command fetches them.
    public init(variant: EfficientNetLite.Variant, settings: MethodSettings, method: String) throws {
        let located = try WeightsLocator(known: KnownWeights.forMethod(method)).locate(explicitPath: settings.weightsPath)
        network = try Self.loaded.network("\(variant.rawValue)|\(located.path)") {
            try EfficientNetLite(variant: variant, checkpoint: located.path)
        }
        pooling = settings.pooling
        focus = settings.focus
        embeddings = EmbeddingStore.forWeights(located.path, method: "\(method)-\(pooling.rawValue)"
                                               + (focus == .product ? "-product" : ""), dimension: 1280)
    }

    /// A network given directly (tests: seeded weights).
    public init(network: EfficientNetLite, pooling: EfficientNetLite.Pooling = .avg, focus: MethodSettings.Focus = .image,
                store: EmbeddingStore? = nil) {
        self.network = network
        self.pooling = pooling
        self.focus = focus
        self.embeddings = store
    }

    public func describe(_ sample: ImageSample) -> Descriptor {
        if let kept = embeddings?.entry(path: sample.path, oriented: sample.applyOrientation) { return .vector(kept.vector) }
        let image = focus == .product ? sample.productFocusedRGB() : sample.orientedRGB
        let pooled = network.embed(EfficientNetInput.tensor(image, size: network.variant.inputSize), pooling: pooling, threads: 1)
        let norm = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let vector = norm > 0 ? pooled.map { $0 / norm } : pooled
        let size = sample.reportedSize
        embeddings?.add(vector, path: sample.path, oriented: sample.applyOrientation, width: size.width, height: size.height)
        return .vector(vector)
    }
}

/// One EfficientNet-Lite variant as a method: everything but the name and the variant comes from here.
public protocol EfficientNetLiteMethod: DescriptorMethod {
    static var variant: EfficientNetLite.Variant { get }
    var features: EfficientNetLiteFeatures { get }
    init(features: EfficientNetLiteFeatures)
}

extension EfficientNetLiteMethod {
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(1280) }
    public var kind: DescriptorKind { .vector(1280) }
    public init(settings: MethodSettings) throws {
        self.init(features: try EfficientNetLiteFeatures(variant: Self.variant, settings: settings, method: Self.name))
    }
    public var store: (any DescriptorStore)? { features.embeddings }
    public func describe(_ sample: ImageSample) -> Descriptor { features.describe(sample) }
}

/// EfficientNet-Lite0 (224 px, 0.4 GFLOPs), ImageNet features: the pooled 1280-d head output, L2-normalised.
public struct EfficientNetLite0Method: EfficientNetLiteMethod {
    public static let name = "effnet-lite0", variant = EfficientNetLite.Variant.lite0
    public let features: EfficientNetLiteFeatures
    public init(features: EfficientNetLiteFeatures) { self.features = features }
}

/// EfficientNet-Lite1 (240 px, 0.6 GFLOPs).
public struct EfficientNetLite1Method: EfficientNetLiteMethod {
    public static let name = "effnet-lite1", variant = EfficientNetLite.Variant.lite1
    public let features: EfficientNetLiteFeatures
    public init(features: EfficientNetLiteFeatures) { self.features = features }
}

/// EfficientNet-Lite2 (260 px, 0.9 GFLOPs).
public struct EfficientNetLite2Method: EfficientNetLiteMethod {
    public static let name = "effnet-lite2", variant = EfficientNetLite.Variant.lite2
    public let features: EfficientNetLiteFeatures
    public init(features: EfficientNetLiteFeatures) { self.features = features }
}
