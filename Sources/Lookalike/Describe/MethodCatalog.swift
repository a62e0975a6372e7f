import Synchronization

/// Every method Lookalike offers, with its measured grouping defaults. Adding a method means adding its entry
/// here (or `register`ing one); every command lists, validates and runs methods through this catalog. What an
/// entry says about a method beyond its defaults (metric, how bit thresholds scale) is derived from the
/// method's type, so the two can never disagree.
public enum MethodCatalog {
    /// The graph rule's default for grouping products: cutoff (bits for a 64-bit code, 1 - cos for vectors, or
    /// fused distance: each method's distance over its median over the collection), neighbours per image, Louvain
    /// resolution.
    public struct ProductGrouping: Sendable, Equatable {
        public let cutoff: Float
        public let k: Int
        public let resolution: Double

        public init(cutoff: Float, k: Int, resolution: Double) {
            self.cutoff = cutoff
            self.k = k
            self.resolution = resolution
        }
    }

    public struct Entry: Sendable {
        public let method: any DescriptorMethod.Type
        public let summary: String
        /// Near-duplicate threshold for a 64-bit code (bits) or for the vector (1 - cos): the default of the
        /// components, seed and linkage rules (and so of `dedupe`). Bit thresholds scale with the code length.
        /// See the README for the measurement behind each value.
        public let threshold: Float
        /// What a cascade's second stage divides this method's distance by, and a fusion where the method's median
        /// distance over the collection is 0 (`FusionScales`): the distance at which two images are "alike" for
        /// this method (the hashes' near-duplicate threshold; for vectors, a looser product-level distance). Never 0.
        public let unit: Float
        /// The graph rule's defaults, chosen with `lookalike tune` on two product sets at once (README).
        public let productGrouping: ProductGrouping

        public init(_ method: any DescriptorMethod.Type, summary: String, threshold: Float, unit: Float? = nil,
                    productGrouping: ProductGrouping) {
            precondition((unit ?? threshold) > 0, "\(method.name): a method's unit must be positive")
            self.method = method
            self.summary = summary
            self.threshold = threshold
            self.unit = unit ?? threshold
            self.productGrouping = productGrouping
        }

        public var name: String { method.name }
        public func kind(_ settings: MethodSettings) -> DescriptorKind { method.kind(settings) }
        /// The metric does not depend on settings (only the code length or dimension does).
        public var metric: DistanceMetric { method.kind(MethodSettings()).metric }
        /// Hashes find near-duplicates; vector methods see the same product across shots.
        public var isNearDuplicateMethod: Bool { metric == .hamming }

        public func make(_ settings: MethodSettings) throws -> any DescriptorMethod { try method.init(settings: settings) }

        public func defaultThreshold(_ settings: MethodSettings) -> Float { scaled(threshold, settings) }

        /// The unit of fused distances, scaled like the threshold.
        public func fusionUnit(_ settings: MethodSettings) -> Float { scaled(unit, settings) }

        /// The graph rule's default cutoff, scaled like the threshold.
        public func defaultCutoff(_ settings: MethodSettings) -> Float { scaled(productGrouping.cutoff, settings) }

        /// Bit distances are stated for a 64-bit code and scale with the code's length; vector distances do not.
        func scaled(_ value: Float, _ settings: MethodSettings) -> Float {
            guard case .bits(let n) = kind(settings) else { return value }
            return (value * Float(n) / 64).rounded(.down)
        }

        /// Thresholds a sweep (`evaluate`) or a tuner (`tune`) tries for this method alone: every bit up to 24
        /// (for 64 bits, scaled), or 1 - cos from near zero to 1.
        public func thresholdGrid(_ settings: MethodSettings, purpose: GridPurpose) -> [Float] {
            switch (kind(settings), purpose) {
            case (.bits(let n), _): return (0...(24 * n / 64)).map(Float.init)
            case (.vector, .sweep): return stride(from: 0.02, through: 1.0, by: 0.02).map { Float($0) }
            case (.vector, .tuning):
                // Finer near zero, where near-duplicates sit; coarser where products do.
                return [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45,
                        0.5, 0.6, 0.7, 0.8, 1.0]
            }
        }
    }

    /// A sweep scores every threshold of a fine grid; a tuner tries fewer, since it also tries k and resolution.
    public enum GridPurpose: Sendable { case sweep, tuning }

    /// Thresholds for one method or a fusion (fused distances: each method's distance over its median over the
    /// collection, so a typical pair is near 1), or for re-ranked distances.
    public static func thresholdGrid(_ entries: [Entry], _ settings: MethodSettings, rerank: Bool,
                                     purpose: GridPurpose) -> [Float] {
        if rerank { return stride(from: 0.02, through: 1.0, by: 0.02).map { Float($0) } }
        if entries.count > 1 {
            switch purpose {
            case .sweep: return stride(from: 0.02, through: 1.5, by: 0.02).map { Float($0) }
            case .tuning:
                return [0.02, 0.04, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6,
                        0.65, 0.7, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5]
            }
        }
        return entries[0].thresholdGrid(settings, purpose: purpose)
    }

    /// Fused methods: the graph rule's default, in fused distance (each method's distance over its median over the
    /// collection; see the README for the measurement).
    /// Best mean over mask + colour and mask + pHash on both product sets.
    public static let fusedProductGrouping = ProductGrouping(cutoff: 0.64, k: 20, resolution: 2)

    /// Fused methods: the near-duplicate threshold (components, seed and linkage rules, `dedupe`), in fused
    /// distance: the best shared setting of pHash + dHash and of mask + pHash on the two near-duplicate sets
    /// (README).
    public static let fusedNearDuplicateThreshold: Float = 0.15

    /// What `lookalike group` runs when no method is named: the best product grouping measured on the shared
    /// sets with one setting for both (README, "How the defaults were chosen"), and what it falls back to when a
    /// network's weights are missing.
    public struct ProductDefault: Sendable {
        public let methods: [String]
        public let weights: [Float]
        public let pooling: EfficientNetLite.Pooling
        public let focus: MethodSettings.Focus
        /// The graph rule's setting for this fusion without ORB re-scoring (chosen with `tune` on seed + grocery
        /// together).
        public let grouping: ProductGrouping
        /// The best method that needs no weights.
        public let fallback: String
        /// The graph rule's setting when the k-nearest pairs are re-scored by ORB inliers (`--verify-orb`), which
        /// the default does; nil: no re-scoring by default. Chosen with `tune --verify-orb` on both sets (README).
        public let keypoints: ProductGrouping?

        /// The setting for the default with or without ORB re-scoring.
        public func grouping(keypoints withKeypoints: Bool) -> ProductGrouping {
            withKeypoints ? keypoints ?? grouping : grouping
        }
    }

    public static let productDefault = ProductDefault(methods: ["effnet-lite0", "colour"], weights: [1, 0.4],
                                                      pooling: .gem, focus: .product,
                                                      grouping: ProductGrouping(cutoff: 0.8, k: 10, resolution: 2),
                                                      fallback: "mask",
                                                      keypoints: ProductGrouping(cutoff: 0.8, k: 20, resolution: 2))

    /// The graph rule's default for one method or several fused.
    public static func productGrouping(_ entries: [Entry], _ settings: MethodSettings) -> ProductGrouping {
        guard entries.count == 1 else { return fusedProductGrouping }
        let g = entries[0].productGrouping
        return ProductGrouping(cutoff: entries[0].defaultCutoff(settings), k: g.k, resolution: g.resolution)
    }

    static let builtIn: [Entry] = [
        // Near-duplicate thresholds: the best shared setting on two near-duplicate sets (README); aHash's and
        // dHash's units stay at the looser 1 and 4 bits, since a unit cannot be 0.
        Entry(AverageHashMethod.self, summary: "average hash (imagehash.average_hash)", threshold: 0, unit: 1,
              productGrouping: ProductGrouping(cutoff: 14, k: 5, resolution: 3)),
        Entry(DifferenceHashMethod.self, summary: "difference hash, horizontal (imagehash.dhash)", threshold: 1, unit: 4,
              productGrouping: ProductGrouping(cutoff: 18, k: 20, resolution: 2)),
        Entry(DCTHashMethod.self, summary: "DCT perceptual hash (imagehash.phash)", threshold: 4,
              productGrouping: ProductGrouping(cutoff: 22, k: 5, resolution: 0.5)),
        Entry(MaskedProductMethod.self, summary: "background and skin removed; colour, shape and texture of the product",
              threshold: 0.01, unit: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
        // attributes: graph setting from `tune` on seed + grocery (README); its near-duplicate threshold and unit
        // are the mask method's, not measured on their own (attributes are not meant to find copies).
        Entry(AttributesMethod.self, summary: "discrete attributes of the masked product (colour terms, pattern, silhouette, length), matched by count",
              threshold: 0.01, unit: 0.15, productGrouping: ProductGrouping(cutoff: 0.3, k: 20, resolution: 3)),
        // colour: near-duplicate threshold and graph setting chosen with `tune` like the others (README); its unit
        // is the mask method's (both are 1 - cos of square-rooted histograms; not measured on its own).
        Entry(ColourMethod.self, summary: "HSV colour histograms of the whole image and its centre (Hellinger)",
              threshold: 0.02, unit: 0.15, productGrouping: ProductGrouping(cutoff: 0.2, k: 10, resolution: 2)),
        // Not measured with the real weights here: the mask method's vector defaults, until someone can.
        Entry(ResNet50Method.self, summary: "ImageNet ResNet50 global-average-pool features (needs the weights file)",
              threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
        // Graph setting 0.25, k 10, res 2, measured against `tune`'s best shared setting on seed + grocery (0.35,
        // looser): the same F1 on the labelled images (0.933 / 0.747 against 0.933 / 0.750 for Lite0) but with the
        // seed folder's distractors in, 0.913 against 0.724 (README). Near-duplicate thresholds not measured.
        Entry(EfficientNetLite0Method.self, summary: "ImageNet EfficientNet-Lite0 pooled features (weights: pip package)",
              threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
        Entry(EfficientNetLite1Method.self, summary: "ImageNet EfficientNet-Lite1 pooled features (weights: pip package)",
              threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
        Entry(EfficientNetLite2Method.self, summary: "ImageNet EfficientNet-Lite2 pooled features (weights: pip package)",
              threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
        // Not measured with the real weights (a download no machine here reaches): ResNet50's defaults.
        Entry(VGG16Method.self, summary: "ImageNet VGG16 fc1 features, the design documents' visual search (needs the weights file)",
              threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
        // Learned on the user's own images, so no fixed number fits every model: the deep methods' vector defaults
        // (README, "Learned embeddings", has what they score on the product sets; tune a model with `tune`).
        Entry(AutoencoderMethod.self, summary: "latent code of a convolutional autoencoder trained on your images (--method autoencoder=FILE)",
              threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
        Entry(TripletMethod.self,
              summary: "a triplet-trained head over a frozen backbone (--method triplet=FILE)",
              threshold: 0.15, productGrouping: ProductGrouping(cutoff: 0.25, k: 10, resolution: 2)),
    ]

    private static let registry = Mutex<[Entry]>(builtIn)

    /// Every method, built-in ones first.
    public static var all: [Entry] { registry.withLock { $0 } }

    /// Adds a method (a plug-in, or a test's own method); a later entry of the same name replaces the earlier.
    public static func register(_ entry: Entry) {
        registry.withLock { entries in
            entries.removeAll { $0.name == entry.name }
            entries.append(entry)
        }
    }

    /// Removes a registered method (tests clean up after themselves); built-in methods stay.
    public static func unregister(named name: String) {
        registry.withLock { entries in
            entries.removeAll { $0.name == name && !builtIn.contains { b in b.name == name } }
        }
    }

    public static var names: [String] { all.map(\.name) }

    /// What "all" runs: every method but those that need a model file not given in `settings`.
    public static func all(for settings: MethodSettings) -> [Entry] {
        all.filter { !$0.method.takesModelFile || settings.modelPaths[$0.name] != nil }
    }

    public static func entry(named name: String) -> Entry? {
        all.first { $0.name == name.lowercased() }
    }
}
