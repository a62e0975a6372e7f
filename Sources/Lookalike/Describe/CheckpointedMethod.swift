import Foundation

/// Any method, with its descriptors kept in an `EmbeddingStore` file as they are made, so that a run killed
/// half-way and started again (`lookalike neighbours`) describes only the images it had not reached. Methods that
/// keep their own store (the networks) are used as they are. Bit codes are kept as 0/1 floats, one per bit.
public struct CheckpointedMethod: DescriptorMethod {
    public static let name = "checkpointed"
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(0) }
    public init(settings: MethodSettings) throws { preconditionFailure("CheckpointedMethod wraps a method: use init(_:file:)") }

    public let base: any DescriptorMethod
    let checkpoint: EmbeddingStore

    /// `method` itself when it keeps its own store or the file cannot be opened; else the method with its
    /// descriptors kept in `file`.
    public static func wrapping(_ method: any DescriptorMethod, file: String) -> any DescriptorMethod {
        guard method.store == nil else { return method }
        let dimension: Int
        switch method.kind {
        case .bits(let n): dimension = n
        case .vector(let d): dimension = d
        }
        guard let store = EmbeddingStore(file: file, dimension: dimension) else { return method }
        return CheckpointedMethod(base: method, checkpoint: store)
    }

    init(base: any DescriptorMethod, checkpoint: EmbeddingStore) {
        self.base = base
        self.checkpoint = checkpoint
    }

    public var name: String { base.name }
    public var kind: DescriptorKind { base.kind }
    public var store: (any DescriptorStore)? { self }
    public func explain(_ descriptor: Descriptor) -> String? { base.explain(descriptor) }

    public func describe(_ sample: ImageSample) throws -> Descriptor {
        let descriptor = try base.describe(sample)
        let size = sample.reportedSize
        let floats: [Float]
        switch descriptor {
        case .bits(let hash): floats = hash.bits.map { $0 ? 1 : 0 }
        case .vector(let v): floats = v
        }
        checkpoint.add(floats, path: sample.path, oriented: sample.applyOrientation, width: size.width, height: size.height)
        return descriptor
    }
}

extension CheckpointedMethod: DescriptorStore {
    public func stored(path: String, oriented: Bool) -> StoredDescriptor? {
        guard let entry = checkpoint.entry(path: path, oriented: oriented) else { return nil }
        let descriptor: Descriptor
        switch base.kind {
        case .bits: descriptor = .bits(PerceptualHash(bits: entry.vector.map { $0 != 0 }))
        case .vector: descriptor = .vector(entry.vector)
        }
        return StoredDescriptor(descriptor: descriptor, width: entry.width, height: entry.height)
    }

    public var location: String { checkpoint.file }
    public var reusedCount: Int { checkpoint.counts.reused }
    public var damageWarning: String? { checkpoint.damageWarning }
}
