/// A small network trained on triplets to map existing embeddings (a pretrained network's, say) to a space where
/// images of the same product are close, after "Learning Fine-grained Image Similarity with Deep Ranking" (Wang et
/// al., 2014): loss max(0, margin + D(f(q), f(p)) - D(f(q), f(n))) over (query, positive, negative) triplets.
///
/// Layout: dense `inputDimension` → `hiddenDimension` with ReLU (when there is a hidden layer), dense →
/// `outputDimension`, then L2 normalisation, so outputs are unit vectors searched by cosine like every other
/// vector method. D is the squared Euclidean distance of the paper by default (2 - 2 cos on unit vectors, so a margin
/// lies in (0, 4)); `.euclidean` is torch's `triplet_margin_loss`. No batch-norm: the three sides of a batch go
/// through as one stacked batch, which is then exactly three separate passes.
public final class TripletHead {
    public let inputDimension: Int
    /// 0 when there is no hidden layer (a linear map, then normalisation).
    public let hiddenDimension: Int
    public let outputDimension: Int
    public let network: Train.Sequential
    static let kind = "triplet"

    /// `identity`: a linear head of the input's own size that starts as the identity map, so training begins from
    /// the backbone's own ranking and only moves it as far as the triplets ask (few labelled products).
    public init(inputDimension: Int, outputDimension: Int = 128, hiddenDimension: Int = 512, seed: UInt64 = 0,
                identity: Bool = false) {
        precondition(inputDimension > 0 && outputDimension > 0 && hiddenDimension >= 0, "bad triplet head sizes")
        precondition(!identity || (hiddenDimension == 0 && outputDimension == inputDimension), "an identity start needs a square linear head")
        (self.inputDimension, self.outputDimension, self.hiddenDimension) = (inputDimension, outputDimension, hiddenDimension)
        var rng = SplitMix64(seed: seed)
        if hiddenDimension > 0 {
            network = Train.Sequential([Train.Dense(inputDimension, hiddenDimension, rng: &rng), Train.ReLU(),
                                        Train.Dense(hiddenDimension, outputDimension, rng: &rng), Train.L2Normalize()])
        } else {
            let dense = Train.Dense(inputDimension, outputDimension, rng: &rng)
            if identity {
                dense.weight.value = [Float](repeating: 0, count: inputDimension * inputDimension)
                for i in 0..<inputDimension { dense.weight.value[i * inputDimension + i] = 1 }
                dense.bias?.value = [Float](repeating: 0, count: outputDimension)
            }
            network = Train.Sequential([dense, Train.L2Normalize()])
        }
    }

    /// Unit-length embeddings of `vectors` (each `inputDimension` floats).
    public func embed(_ vectors: [[Float]]) -> [[Float]] {
        guard !vectors.isEmpty else { return [] }
        precondition(vectors.allSatisfy { $0.count == inputDimension }, "the head wants vectors of \(inputDimension) values")
        let out = network.forward(Train.Batch(rows: vectors), training: false)
        return (0..<out.items).map(out.row)
    }

    /// How triplets are trained.
    public struct TrainingOptions: Sendable {
        /// Optimiser steps, one mini-batch of triplets each.
        public var steps = 500
        /// Triplets per step.
        public var batchSize = 64
        public var learningRate: Float = 1e-3
        public var margin: Float = 0.2
        public var distance: Train.TripletDistance = .squaredEuclidean
        /// Replace each sampled negative by the batch's semi-hard one for its anchor: the nearest item of another
        /// label that is farther than the positive but within the margin (FaceNet's choice), when there is one.
        public var semiHardMining = false
        public var sameCategoryShare = 0.3
        public var seed: UInt64 = 0
        public init() {}
    }

    /// The loss of `triplets` of `vectors` under the current weights (no training): a held-out figure.
    public func loss(vectors: [[Float]], triplets: [TripletSampler.Triplet], margin: Float,
                     distance: Train.TripletDistance = .squaredEuclidean) -> Float {
        let sides = [\TripletSampler.Triplet.anchor, \.positive, \.negative].map { side in
            Train.Batch(rows: embed(triplets.map { vectors[$0[keyPath: side]] }))
        }
        return Train.tripletMarginLoss(anchor: sides[0], positive: sides[1], negative: sides[2], margin: margin, distance: distance).loss
    }

    /// Trains on triplets drawn from `labels` (and `categories`, a category per label, when given) with Adam.
    /// Returns each step's loss. The same data, options and seed give the same weights on every run.
    @discardableResult
    public func train(vectors: [[Float]], labels: [Int], categories: [Int: Int]? = nil, options: TrainingOptions = TrainingOptions(),
                      progress: ((_ step: Int, _ loss: Float) -> Void)? = nil) throws -> [Float] {
        precondition(vectors.count == labels.count, "one label per vector")
        precondition(vectors.allSatisfy { $0.count == inputDimension }, "the head wants vectors of \(inputDimension) values")
        var sampler = try TripletSampler(labels: labels, categories: categories, sameCategoryShare: options.sameCategoryShare, seed: options.seed)
        let optimiser = makeOptimiser(learningRate: options.learningRate)
        var losses: [Float] = []
        for step in 0..<options.steps {
            var triplets = (0..<options.batchSize).map { _ in sampler.next() }
            if options.semiHardMining { triplets = semiHard(triplets, vectors: vectors, labels: labels, options: options) }
            let loss = trainingStep(anchors: triplets.map { vectors[$0.anchor] }, positives: triplets.map { vectors[$0.positive] },
                                    negatives: triplets.map { vectors[$0.negative] }, optimiser: optimiser,
                                    margin: options.margin, distance: options.distance)
            losses.append(loss)
            progress?(step, loss)
        }
        return losses
    }

    /// Adam over the head's weights, torch's defaults but the learning rate.
    public func makeOptimiser(learningRate: Float = 1e-3) -> Train.Adam {
        Train.Adam(parameters: network.parameters.map(\.parameter), learningRate: learningRate)
    }

    /// One step on explicit triplets (row i of each side is one triplet): the margin loss, backward, one optimiser
    /// step. Returns the loss before the step; the gradients it used stay in the parameters until the next step.
    @discardableResult
    public func trainingStep(anchors: [[Float]], positives: [[Float]], negatives: [[Float]], optimiser: Train.Adam,
                             margin: Float, distance: Train.TripletDistance = .squaredEuclidean) -> Float {
        let b = anchors.count
        precondition(b > 0 && positives.count == b && negatives.count == b, "as many anchors, positives and negatives")
        let rows = anchors + positives + negatives
        precondition(rows.allSatisfy { $0.count == inputDimension }, "the head wants vectors of \(inputDimension) values")
        optimiser.zeroGradients()
        let out = network.forward(Train.Batch(rows: rows), training: true)
        let d = outputDimension
        let side = (0..<3).map { Train.Batch(shape: [b, d], values: Array(out.values[($0 * b * d)..<(($0 + 1) * b * d)])) }
        let value = Train.tripletMarginLoss(anchor: side[0], positive: side[1], negative: side[2], margin: margin, distance: distance)
        _ = network.backward(Train.Batch(shape: [3 * b, d], values: value.anchor.values + value.positive.values + value.negative.values))
        optimiser.step()
        return value.loss
    }

    /// Each triplet's negative replaced by the nearest item of the batch (any side of any triplet) with another
    /// label that lies farther from the anchor than the positive but within the margin; kept when there is none.
    /// Ties go to the first such item, so the choice is deterministic.
    func semiHard(_ triplets: [TripletSampler.Triplet], vectors: [[Float]], labels: [Int], options: TrainingOptions) -> [TripletSampler.Triplet] {
        let items = triplets.map(\.anchor) + triplets.map(\.positive) + triplets.map(\.negative)
        let embedded = embed(items.map { vectors[$0] })
        func distance(_ x: [Float], _ y: [Float]) -> Float {
            let squared = zip(x, y).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return options.distance == .squaredEuclidean ? squared : squared.squareRoot()
        }
        return triplets.indices.map { i in
            let t = triplets[i]
            let anchor = embedded[i]
            let positive = distance(anchor, embedded[triplets.count + i])
            var best: (item: Int, distance: Float)?
            for (j, item) in items.enumerated() where labels[item] != labels[t.anchor] {
                let d = distance(anchor, embedded[j])
                if d > positive, d < positive + options.margin, d < best?.distance ?? .infinity { best = (item, d) }
            }
            guard let best else { return t }
            return TripletSampler.Triplet(anchor: t.anchor, positive: t.positive, negative: best.item)
        }
    }

    /// Saves the head as safetensors (kind `triplet`, with its three sizes, and `metadata`: what the `triplet`
    /// method needs to know of the vectors it was trained on, such as the backbone's name).
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        let sizes = ["input_dim": "\(inputDimension)", "hidden_dim": "\(hiddenDimension)", "output_dim": "\(outputDimension)"]
        try Train.ModelFile.write(path: path, kind: Self.kind, metadata: metadata.merging(sizes) { _, size in size },
                                  tensors: network.stateTensors)
    }

    /// Loads a head saved by `save(to:)`; anything else throws a `Train.ModelFileError` naming the file and the cause.
    public convenience init(contentsOf path: String) throws {
        let (metadata, tensors) = try Train.ModelFile.read(path: path, kind: Self.kind)
        let input = try Train.ModelFile.size(metadata, "input_dim", path: path)
        let output = try Train.ModelFile.size(metadata, "output_dim", path: path)
        guard let hidden = metadata["hidden_dim"].flatMap(Int.init), hidden >= 0 else {
            throw Train.ModelFileError(path: path, reason: "metadata hidden_dim is \(metadata["hidden_dim"].map { "\"\($0)\"" } ?? "missing"), expected an integer of 0 or more")
        }
        // The first layer's weight is checked before anything is allocated: metadata cannot ask for more than the file holds.
        let first = [hidden > 0 ? hidden : output, input]
        guard let weight = tensors["0.weight"] else { throw Train.ModelFileError(path: path, reason: "missing 0.weight") }
        guard weight.shape == first else {
            throw Train.ModelFileError(path: path, reason: "0.weight has shape \(weight.shape), expected \(first) for the sizes in its metadata")
        }
        if hidden > 0 {
            guard let second = tensors["2.weight"] else { throw Train.ModelFileError(path: path, reason: "missing 2.weight") }
            guard second.shape == [output, hidden] else {
                throw Train.ModelFileError(path: path, reason: "2.weight has shape \(second.shape), expected [\(output), \(hidden)] for the sizes in its metadata")
            }
        }
        self.init(inputDimension: input, outputDimension: output, hiddenDimension: hidden)
        try Train.ModelFile.assign(tensors, to: network.stateTensors, path: path)
    }
}
