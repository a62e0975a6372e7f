import Foundation
import Synchronization

/// Approach 4: ImageNet ResNet50 global-average-pool features (2048-d, L2-normalised), cosine distance.
/// The network is loaded once per process and shared read-only by every worker; each worker runs its image on
/// its own thread (one image per core beats two cores on one image: no barriers between layers).
public struct ResNet50Method: DescriptorMethod {
    public static let name = "resnet50"
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(2048) }
    public var kind: DescriptorKind { .vector(2048) }
    let network: ResNet50
    /// Vectors from earlier runs with the same weights (nil: none kept, as in the tests).
    public let embeddings: EmbeddingStore?
    public var store: (any DescriptorStore)? { embeddings }

    private static let loaded = LoadedNetworks<ResNet50>()

    /// Finds and loads the weights (see `WeightsLocator` for the search order); throws a message that says
    /// where it looked and how to get the file.
    public init(settings: MethodSettings) throws {
        try self.init(weightsPath: settings.weightsPath)
    }

    public init(weightsPath: String?) throws {
        let located = try WeightsLocator(known: KnownWeights.forMethod(Self.name)).locate(explicitPath: weightsPath)
        network = try Self.loaded.network(located.path) { try ResNet50(checkpoint: located.path) }
        embeddings = EmbeddingStore.forWeights(located.path, method: Self.name, dimension: 2048)
    }

    /// A network given directly (tests: seeded weights).
    public init(network: ResNet50, store: EmbeddingStore? = nil) {
        self.network = network
        self.embeddings = store
    }

    public func describe(_ sample: ImageSample) -> Descriptor {
        .vector(embedding(sample))
    }

    public func embedding(_ sample: ImageSample) -> [Float] {
        if let kept = embeddings?.entry(path: sample.path, oriented: sample.applyOrientation) { return kept.vector }
        let vector = computeEmbedding(sample)
        let size = sample.reportedSize
        embeddings?.add(vector, path: sample.path, oriented: sample.applyOrientation, width: size.width, height: size.height)
        return vector
    }

    func computeEmbedding(_ sample: ImageSample) -> [Float] {
        let pooled = network.embed(ImageNetInput.tensor(sample.orientedRGB), threads: 1)
        let norm = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? pooled.map { $0 / norm } : pooled
    }
}
