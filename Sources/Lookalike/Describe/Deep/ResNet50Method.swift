import Foundation
import Synchronization

/// Approach 4: ImageNet ResNet50 global-average-pool features (2048-d, L2-normalised), cosine distance.
/// The network is loaded once per process and shared read-only by every worker; each worker runs its image on
/// its own thread (one image per core beats two cores on one image: no barriers between layers).
public struct ResNet50Method: StoredDescriptorMethod {
    public var name: String { "resnet50" }
    public var metric: DistanceMetric { .cosine }
    let network: ResNet50
    /// Vectors from earlier runs with the same weights (nil: none kept, as in the tests).
    public let store: EmbeddingStore?

    private static let loaded = Mutex<[String: ResNet50]>([:])

    /// Finds and loads the weights (see `WeightsLocator` for the search order); throws a message that says
    /// where it looked and how to get the file.
    public init(weightsPath: String?) throws {
        let located = try WeightsLocator().locate(explicitPath: weightsPath)
        if let cached = Self.loaded.withLock({ $0[located.path] }) {
            network = cached
        } else {
            let made = try ResNet50(checkpoint: located.path)
            Self.loaded.withLock { $0[located.path] = made }
            network = made
        }
        store = EmbeddingStore.forWeights(located.path, method: "resnet50", dimension: 2048)
    }

    /// A network given directly (tests: seeded weights).
    public init(network: ResNet50, store: EmbeddingStore? = nil) {
        self.network = network
        self.store = store
    }

    public func describe(_ sample: ImageSample) -> Descriptor {
        .vector(embedding(sample))
    }

    public func embedding(_ sample: ImageSample) -> [Float] {
        if let kept = store?.entry(path: sample.path, oriented: sample.applyOrientation) { return kept.vector }
        let vector = computeEmbedding(sample)
        let size = sample.reportedSize
        store?.add(vector, path: sample.path, oriented: sample.applyOrientation, width: size.width, height: size.height)
        return vector
    }

    public func storedDescriptor(path: String, oriented: Bool) -> StoredDescriptor? {
        store?.entry(path: path, oriented: oriented).map {
            StoredDescriptor(descriptor: .vector($0.vector), width: $0.width, height: $0.height)
        }
    }

    func computeEmbedding(_ sample: ImageSample) -> [Float] {
        let pooled = network.embed(ImageNetInput.tensor(sample.orientedRGB), threads: 1)
        let norm = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? pooled.map { $0 / norm } : pooled
    }
}
