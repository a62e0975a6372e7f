import Foundation
import Synchronization

/// The design documents' visual-search feature: torchvision's ImageNet VGG16, `fc1` after its ReLU (4,096-d,
/// L2-normalised), on torchvision's ImageNet preprocessing; cosine distance. Loaded once per process and shared
/// read-only by every worker, each running its image on its own thread; vectors kept in the embedding store.
public struct VGG16Method: DescriptorMethod {
    public static let name = "vgg16"
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(4096) }
    public var kind: DescriptorKind { .vector(network.outputDimension) }
    let network: VGG16
    public let embeddings: EmbeddingStore?
    public var store: (any DescriptorStore)? { embeddings }

    private static let loaded = LoadedNetworks<VGG16>()

    /// Finds and loads `vgg16-397923af.pth` (see `WeightsLocator`); throws a message that says where it looked
    /// and how to get the file.
    public init(settings: MethodSettings) throws {
        let located = try WeightsLocator(known: KnownWeights.forMethod(Self.name)).locate(explicitPath: settings.weightsPath)
        network = try Self.loaded.network(located.path) { try VGG16(checkpoint: located.path) }
        embeddings = EmbeddingStore.forWeights(located.path, method: Self.name, dimension: 4096)
    }

    /// A network given directly (tests: seeded weights).
    public init(network: VGG16, store: EmbeddingStore? = nil) {
        self.network = network
        embeddings = store
    }

    public func describe(_ sample: ImageSample) -> Descriptor {
        if let kept = embeddings?.entry(path: sample.path, oriented: sample.applyOrientation) { return .vector(kept.vector) }
        let fc1 = network.embed(ImageNetInput.tensor(sample.orientedRGB), threads: 1)
        let norm = fc1.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let vector = norm > 0 ? fc1.map { $0 / norm } : fc1
        let size = sample.reportedSize
        embeddings?.add(vector, path: sample.path, oriented: sample.applyOrientation, width: size.width, height: size.height)
        return .vector(vector)
    }
}
