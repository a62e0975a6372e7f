/// `attributes`: the seed documents' approach 3 on its own (`ProductAttributes`): colour terms, colourfulness,
/// pattern, silhouette, fill and length of the masked product, each one-hot and scaled by its confidence, so the
/// cosine distance is the share of attributes that disagree. Explainable: `explain` names the attributes.
public struct AttributesMethod: DescriptorMethod {
    public static let name = "attributes"
    public static func kind(_ settings: MethodSettings) -> DescriptorKind { .vector(ProductAttributes.dimension) }
    public var kind: DescriptorKind { Self.kind(MethodSettings()) }
    public init() {}
    public init(settings: MethodSettings) {}

    public func describe(_ sample: ImageSample) -> Descriptor {
        .vector(ProductAttributes(sample.smallRGB, mask: sample.productMask).vector)
    }

    public static func explain(_ descriptor: Descriptor) -> String? {
        guard case .vector(let v) = descriptor, let attributes = ProductAttributes(vector: v) else { return nil }
        let summary = attributes.summary
        return summary.isEmpty ? "no attribute is sure" : summary
    }
}
