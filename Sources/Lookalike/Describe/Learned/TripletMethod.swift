import Foundation

/// A Deep-Ranking triplet head (`lookalike train triplet`) over the frozen method it was trained on: the model
/// file records that backbone's name, pooling and focus, so `--method triplet=FILE` runs the backbone as it ran
/// in training (its `--weights`, when given, still apply), then the head; outputs are unit vectors.
public struct TripletMethod: DescriptorMethod {
    public static let name = "triplet"
    public static let takesModelFile = true
    public static func kind(_ settings: MethodSettings) -> DescriptorKind {
        let dim = settings.modelPaths[name].flatMap { Train.ModelFile.metadata(path: $0)?["output_dim"] }.flatMap { Int($0) }
        return .vector(dim ?? 128)
    }
    public let kind: DescriptorKind
    public let backbone: any DescriptorMethod
    private let head: LockedModel<TripletHead>
    public var store: (any DescriptorStore)? { backbone.store.map { HeadStore(base: $0, head: head) } }

    public init(settings: MethodSettings) throws {
        let path = try modelPath(settings, method: Self.name, madeBy: "triplet")
        let head = try TripletHead(contentsOf: path)
        let metadata = Train.ModelFile.metadata(path: path) ?? [:]
        let recorded = try Self.backboneSettings(metadata, base: settings, path: path)
        guard let entry = MethodCatalog.entry(named: recorded.name), !entry.method.takesModelFile else {
            throw Train.ModelFileError(path: path, reason: "metadata backbone \"\(recorded.name)\" is not a method this build can run")
        }
        guard case .vector(let d) = entry.kind(recorded.settings), d == head.inputDimension else {
            throw Train.ModelFileError(path: path, reason: "the head takes \(head.inputDimension) values, but \(recorded.name) makes \(entry.kind(recorded.settings))")
        }
        self.init(backbone: try entry.make(recorded.settings), head: head)
    }

    public init(backbone: any DescriptorMethod, head: TripletHead) {
        self.backbone = backbone
        self.head = LockedModel(head)
        kind = .vector(head.outputDimension)
    }

    /// The backbone's name and the settings it ran with, from the file's metadata (`backbone`, `pooling`, `focus`).
    static func backboneSettings(_ metadata: [String: String], base: MethodSettings, path: String) throws
        -> (name: String, settings: MethodSettings) {
        guard let name = metadata["backbone"] else { throw Train.ModelFileError(path: path, reason: "metadata backbone is missing") }
        var settings = base
        settings.modelPaths = [:]
        if let text = metadata["pooling"] {
            guard let pooling = EfficientNetLite.Pooling(rawValue: text) else {
                throw Train.ModelFileError(path: path, reason: "metadata pooling \"\(text)\" is not avg or gem")
            }
            settings.pooling = pooling
        }
        if let text = metadata["focus"] {
            guard let focus = MethodSettings.Focus(rawValue: text) else {
                throw Train.ModelFileError(path: path, reason: "metadata focus \"\(text)\" is not image or product")
            }
            settings.focus = focus
        }
        return (name, settings)
    }

    public func describe(_ sample: ImageSample) throws -> Descriptor {
        guard case .vector(let v) = try backbone.describe(sample) else {
            throw LearnedMethodError(description: "the backbone \(backbone.name) did not return a vector")
        }
        return .vector(head.with { $0.embed([v])[0] })
    }
}

/// The backbone's stored vectors through the head: with them, a run needs no decoding (`DescriptionRun`).
struct HeadStore: DescriptorStore {
    let base: any DescriptorStore
    let head: LockedModel<TripletHead>
    func stored(path: String, oriented: Bool) -> StoredDescriptor? {
        guard let kept = base.stored(path: path, oriented: oriented), case .vector(let v) = kept.descriptor,
              v.count == head.with({ $0.inputDimension }) else { return nil }
        return StoredDescriptor(descriptor: .vector(head.with { $0.embed([v])[0] }), width: kept.width, height: kept.height)
    }
    var location: String { base.location }
    var reusedCount: Int { base.reusedCount }
    var damageWarning: String? { base.damageWarning }
}
