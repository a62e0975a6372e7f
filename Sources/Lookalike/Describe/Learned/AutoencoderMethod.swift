/// A convolutional autoencoder trained on the user's own images (`lookalike train autoencoder`): the image as
/// `AutoencoderInput` makes it, through the encoder, to the latent code, L2-normalised so cosine distance compares
/// directions of codes as for every other vector method. `--method autoencoder=FILE`.
public struct AutoencoderMethod: DescriptorMethod {
    public static let name = "autoencoder"
    public static let takesModelFile = true
    /// The latent size recorded in the model file (16, the training default, when the file cannot be read yet:
    /// making the method then says why).
    public static func kind(_ settings: MethodSettings) -> DescriptorKind {
        let latent = settings.modelPaths[name].flatMap { Train.ModelFile.metadata(path: $0)?["latent"] }.flatMap { Int($0) }
        return .vector(latent ?? 16)
    }
    public let kind: DescriptorKind
    public let inputSize: Int
    private let model: LockedModel<ConvAutoencoder>

    public init(settings: MethodSettings) throws {
        try self.init(model: ConvAutoencoder(contentsOf: modelPath(settings, method: Self.name, madeBy: "autoencoder")))
    }

    public init(model: ConvAutoencoder) {
        inputSize = model.inputSize
        kind = .vector(model.latent)
        self.model = LockedModel(model)
    }

    public func describe(_ sample: ImageSample) -> Descriptor {
        let pixels = AutoencoderInput.floats(AutoencoderInput.bytes(sample, size: inputSize))
        let code = model.with { $0.encode(Train.Batch(shape: [1, 3, inputSize, inputSize], values: pixels))[0] }
        return .vector(unitLength(code))
    }
}
