import Foundation
import Synchronization

/// `lookalike train triplet`: a `TripletHead` trained on the vectors of a frozen method (the backbone: a network,
/// or any vector method), from labelled images, or from unlabelled ones with positives made as the issue asks
/// ("use traditional image similarity algorithms to generate triplets"): edited copies of each image (crop,
/// brightness, mirror: `ImageTransform`'s edits) and its pHash near-duplicates count as the same product.
public struct TripletTraining: Sendable {
    public var backbone = "effnet-lite0"
    /// The backbone's settings (pooling, focus, weights); recorded in the model file so the method runs it alike.
    public var settings = MethodSettings()
    /// Output size; 0: the backbone's own size, starting from the identity map (`TripletHead(identity:)`). Measured
    /// on grocery, product-disjoint, 2 folds (README): mAP over the frozen effnet-lite0 0.465 -> 0.587 from the
    /// identity at a learning rate of 1e-4 (0.522 at 1e-3), against 0.434 for a 128-d head from random weights.
    public var dimension = 0
    /// 0: a linear map, then normalisation. Measured on grocery, product-disjoint (README): with 8 or 12 training
    /// products the 512-wide hidden layer of Deep Ranking over-fits them (mAP 0.31 against the linear map's 0.43
    /// on 2 folds); `--hidden 512` for many products.
    public var hidden = 0
    public var margin: Float = 0.2
    /// Passes over the anchors: an epoch is ceil(anchors / batch) steps of `batchSize` triplets.
    public var epochs = 30
    public var batchSize = 64
    public var learningRate: Float = TripletTraining.defaultLearningRate(dimension: 0)
    public var semiHard = false
    public var sameCategoryShare = 0.3
    public var seed: UInt64 = 0

    public init() {}

    /// From the identity the head should move a little (1e-4); from random weights it has to learn a map (1e-3).
    public static func defaultLearningRate(dimension: Int) -> Float { dimension == 0 ? 1e-4 : 1e-3 }

    public struct SetupError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The frozen method, made from the catalog; a bit code or a learned method cannot be a backbone.
    public func makeBackbone() throws -> any DescriptorMethod {
        guard let entry = MethodCatalog.entry(named: backbone) else {
            throw SetupError(description: "unknown backbone '\(backbone)'; choose from \(Self.backboneNames.joined(separator: ", "))")
        }
        guard Self.backboneNames.contains(entry.name) else {
            throw SetupError(description: "\(entry.name) cannot be a backbone (it makes \(entry.kind(settings)), or is itself learned); choose from \(Self.backboneNames.joined(separator: ", "))")
        }
        var s = settings
        s.modelPaths = [:]
        return try entry.make(s)
    }

    /// Vector methods that need no model of the user's: the networks, and the hand-made vectors.
    public static var backboneNames: [String] {
        MethodCatalog.all.filter { !$0.method.takesModelFile && $0.metric == .cosine }.map(\.name)
    }

    public struct Outcome {
        public let head: TripletHead
        /// Each step's loss.
        public let losses: [Float]
        public let seconds: Double
        public let triplets: Int
        public var tripletsPerSecond: Double { seconds > 0 ? Double(triplets) / seconds : 0 }
    }

    /// Trains a head on `vectors` labelled by `labels` (and `categories`, a category per label, when given).
    public func train(vectors: [[Float]], labels: [String], categories: [String: String]? = nil,
                      progress: ((Int, Int, Float) -> Void)? = nil) throws -> Outcome {
        guard let first = vectors.first else { throw SetupError(description: "no vectors to train on") }
        let names = Array(Set(labels)).sorted()
        let number = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var categoryOf: [Int: Int]?
        if let categories {
            let categoryNames = Array(Set(categories.values)).sorted()
            let c = Dictionary(uniqueKeysWithValues: categoryNames.enumerated().map { ($1, $0) })
            var map: [Int: Int] = [:]
            for name in names {
                guard let category = categories[name] else { throw SetupError(description: "product \(name) has no category") }
                map[number[name]!] = c[category]!
            }
            categoryOf = map
        }
        let identity = dimension == 0
        if identity && hidden > 0 { throw SetupError(description: "an identity start (dimension 0) is a linear head: no hidden layer") }
        let head = TripletHead(inputDimension: first.count, outputDimension: identity ? first.count : dimension,
                               hiddenDimension: hidden, seed: seed, identity: identity)
        var options = TripletHead.TrainingOptions()
        let anchors = Dictionary(grouping: labels, by: { $0 }).values.filter { $0.count > 1 }.reduce(0) { $0 + $1.count }
        options.steps = epochs * max(1, (anchors + batchSize - 1) / batchSize)
        (options.batchSize, options.learningRate, options.margin) = (batchSize, learningRate, margin)
        (options.semiHardMining, options.sameCategoryShare, options.seed) = (semiHard, sameCategoryShare, seed)
        let start = Date()
        let losses: [Float]
        do {
            losses = try head.train(vectors: vectors, labels: labels.map { number[$0]! }, categories: categoryOf, options: options) { step, loss in
                progress?(step + 1, options.steps, loss)
            }
        } catch let error as TripletSampler.DataError {
            throw SetupError(description: error.description)
        }
        return Outcome(head: head, losses: losses, seconds: Date().timeIntervalSince(start), triplets: options.steps * batchSize)
    }

    /// Writes the head with what the `triplet` method needs to run its backbone as in training.
    public func save(_ head: TripletHead, to path: String, extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["backbone"] = backbone
        metadata["pooling"] = settings.pooling.rawValue
        metadata["focus"] = settings.focus.rawValue
        metadata["margin"] = "\(margin)"
        metadata["seed"] = "\(seed)"
        try head.save(to: path, metadata: metadata)
    }

    // MARK: unlabelled images

    /// The edits whose copies count as the same product (a shop's own re-shoots: framing, light, mirror).
    public static let augmentations: [ImageTransform] = ["crop-10%", "brightness+25%", "flip"].map { name in
        ImageTransform.standard.first { $0.name == name }!
    }

    /// Backbone vectors of unlabelled images and of their edited copies, labelled so that an image, its copies
    /// and its pHash near-duplicates (within pHash's near-duplicate threshold) share a label.
    public struct Unlabelled: Sendable {
        public let vectors: [[Float]]
        public let labels: [String]
        /// The images that decoded, in input order.
        public let paths: [String]
        /// For each vector, the index in `paths` of the image it or its copy came from.
        public let owners: [Int]
        /// Images joined to another by pHash (not only to their own copies).
        public let joinedByHash: Int
    }

    public static func describeUnlabelled(paths: [String], backbone: any DescriptorMethod, reading: GroupingPlan.Reading,
                                          observe: (FileOutcome) -> Void) -> Unlabelled {
        let copies = Mutex<[Int: [[Float]]]>([:])
        let edits = augmentations
        let phash = DCTHashMethod(size: 8)
        var kept: [(index: Int, vector: [Float], hash: PerceptualHash)] = []
        DescriptionRun(methods: [backbone, phash], decodeOptions: reading.decode, applyOrientation: reading.applyOrientation,
                       workers: reading.workers).run(paths: paths, visit: { index, sample in
            let rgb = sample.orientedRGB
            var vectors: [[Float]] = []
            for (n, edit) in edits.enumerated() {
                let edited = edit(rgb, seed: UInt64(index * 16 + n))
                let decoded = DecodedImage(width: edited.width, height: edited.height, pixels: .rgb8(edited.pixels), format: .png)
                // A path that cannot be opened (a file name followed by a folder part), so no store keeps a copy's vector.
                let copy = ImageSample(path: sample.path + "//edited/\(edit.name)", decoded: decoded, applyOrientation: false)
                if case .vector(let v)? = try? backbone.describe(copy) { vectors.append(v) }
            }
            copies.withLock { $0[index] = vectors }
        }) { outcome in
            if case .success(let record) = outcome.result, case .vector(let v) = record.descriptors[0],
               case .bits(let h) = record.descriptors[1] {
                kept.append((outcome.index, v, h))
            }
            observe(outcome)
        }
        // Near-duplicates by pHash: every pair within the catalog's threshold joins one label.
        let threshold = Int(MethodCatalog.entry(named: DCTHashMethod.name)!.defaultThreshold(MethodSettings()))
        var sets = UnionFind(count: kept.count)
        var joined = Set<Int>()
        // The exact Hamming search every near-duplicate command uses; pairs joined in (i, j) order, as a scan would.
        let pairs = HammingIndex(hashes: kept.map(\.hash), workers: reading.workers).pairs(within: Float(threshold))
        for (i, j) in pairs.map({ (min($0.i, $0.j), max($0.i, $0.j)) }).sorted(by: <) {
            _ = sets.union(i, j)
            joined.insert(i); joined.insert(j)
        }
        let edited = copies.withLock { $0 }
        var vectors: [[Float]] = [], labels: [String] = [], owners: [Int] = []
        for (k, item) in kept.enumerated() {
            let label = "image-\(sets.find(k))"
            vectors.append(item.vector); labels.append(label); owners.append(k)
            for v in edited[item.index] ?? [] { vectors.append(v); labels.append(label); owners.append(k) }
        }
        return Unlabelled(vectors: vectors, labels: labels, paths: kept.map { paths[$0.index] }, owners: owners,
                          joinedByHash: joined.count)
    }

    /// The category of each product from the labels file's `column` (a product with several: the first seen).
    public static func categories(_ set: LabelSet, column: String, file: String) throws -> [String: String] {
        guard let values = set.columns[column] else {
            throw SetupError(description: "\(file): no column named \(column) (columns: \(set.columnNames.joined(separator: ", ")))")
        }
        var result: [String: String] = [:]
        for (group, value) in zip(set.groups, values) where result[group] == nil {
            if let value { result[group] = value }
        }
        return result
    }
}
