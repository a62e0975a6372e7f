/// A convolutional autoencoder trained on a shop's own images; its latent code is the image's embedding, searched
/// by distance.
///
/// Encoder: three 3x3 convolutions with stride 2 and padding 1 (3 → 32 → 64 → 64 channels), each followed by
/// batch-norm and LeakyReLU(0.01), then a dense layer from the 64 × (s/8)² map to `latent` values (16 by default).
/// Decoder, mirrored: dense back to 64 × (s/8)² with LeakyReLU, then three 3x3 transposed convolutions with stride 2
/// (64 → 64 → 32 → 3; the first two with batch-norm and LeakyReLU), ending in a sigmoid: inputs are pixels scaled
/// to [0, 1], and the sigmoid keeps the reconstruction in that range. Layers followed by batch-norm have no bias
/// (batch-norm removes it). Trained with Adam on the mean squared reconstruction error.
///
/// Inputs are [N, 3, s, s] batches (CHW per image, RGB in [0, 1]) with s, `inputSize`, a multiple of 8.
public final class ConvAutoencoder {
    public let inputSize: Int
    public let latent: Int
    public let encoder: Train.Sequential
    public let decoder: Train.Sequential
    static let kind = "autoencoder"

    /// A new model, initialised as torch initialises its layers, from `seed`.
    public init(inputSize: Int = 64, latent: Int = 16, seed: UInt64 = 0) {
        precondition(inputSize >= 8 && inputSize % 8 == 0, "the autoencoder's input size must be a multiple of 8, not \(inputSize)")
        precondition(latent > 0, "latent size must be positive")
        self.inputSize = inputSize
        self.latent = latent
        var rng = SplitMix64(seed: seed)
        let cell = inputSize / 8, flat = 64 * cell * cell
        func down(_ from: Int, _ to: Int) -> [any Train.Layer] {
            [Train.Conv2D(from, to, kernel: 3, stride: 2, padding: 1, bias: false, rng: &rng), Train.BatchNorm(to), Train.LeakyReLU()]
        }
        func up(_ from: Int, _ to: Int, last: Bool = false) -> [any Train.Layer] {
            let conv = Train.ConvTranspose2D(from, to, kernel: 3, stride: 2, padding: 1, outputPadding: 1, bias: last, rng: &rng)
            return last ? [conv, Train.Sigmoid()] : [conv, Train.BatchNorm(to), Train.LeakyReLU()]
        }
        encoder = Train.Sequential(down(3, 32) + down(32, 64) + down(64, 64) + [Train.Reshape([flat]), Train.Dense(flat, latent, rng: &rng)])
        decoder = Train.Sequential([Train.Dense(latent, flat, rng: &rng), Train.LeakyReLU(), Train.Reshape([64, cell, cell])]
                                   + up(64, 64) + up(64, 32) + up(32, 3, last: true))
    }

    /// Every tensor a saved model holds, "encoder.*" then "decoder.*" with torch's names within each.
    public var stateTensors: [(name: String, parameter: Train.Parameter)] {
        encoder.stateTensors.map { ("encoder." + $0.name, $0.parameter) } + decoder.stateTensors.map { ("decoder." + $0.name, $0.parameter) }
    }

    /// The trained tensors (not batch-norm's running statistics), for an optimiser.
    public var parameters: [Train.Parameter] { (encoder.parameters + decoder.parameters).map(\.parameter) }

    /// Adam over every trained tensor, torch's defaults but the learning rate.
    public func makeOptimiser(learningRate: Float = 1e-3) -> Train.Adam {
        Train.Adam(parameters: parameters, learningRate: learningRate)
    }

    private func checkInput(_ images: Train.Batch) {
        precondition(images.shape.count == 4 && Array(images.shape[1...]) == [3, inputSize, inputSize],
                     "the autoencoder wants [N, 3, \(inputSize), \(inputSize)], got \(images.shape)")
    }

    /// The latent codes of `images`, by the running statistics (evaluation mode); one row per image.
    public func encode(_ images: Train.Batch) -> [[Float]] {
        checkInput(images)
        let codes = encoder.forward(images, training: false)
        return (0..<codes.items).map(codes.row)
    }

    /// The latent codes of any number of images (each 3 × s × s floats in [0, 1]), `batchSize` at a time so memory
    /// stays bounded; evaluation mode treats every image alone, so the codes do not depend on the batching.
    public func encode(_ images: [[Float]], batchSize: Int = 64) -> [[Float]] {
        stride(from: 0, to: images.count, by: max(batchSize, 1)).flatMap { start in
            let part = images[start..<min(start + max(batchSize, 1), images.count)]
            return encode(Train.Batch(shape: [part.count, 3, inputSize, inputSize], values: part.flatMap { $0 }))
        }
    }

    /// The reconstruction of `images` in evaluation mode.
    public func reconstruct(_ images: Train.Batch) -> Train.Batch {
        checkInput(images)
        return decoder.forward(encoder.forward(images, training: false), training: false)
    }

    /// One mini-batch step: forward with batch statistics, the mean squared error against the input, backward, and
    /// one optimiser step. Returns the loss before the step. A batch needs at least two images (batch-norm).
    @discardableResult
    public func trainingStep(_ images: Train.Batch, optimiser: Train.Adam) -> Float {
        checkInput(images)
        optimiser.zeroGradients()
        let reconstruction = decoder.forward(encoder.forward(images, training: true), training: true)
        let value = Train.meanSquaredError(reconstruction, images)
        _ = encoder.backward(decoder.backward(value.gradient))
        optimiser.step()
        return value.loss
    }

    /// Trains for `epochs` passes over `images` (each 3 × s × s floats in [0, 1]) in a seeded random order, in
    /// mini-batches of `batchSize`; a last batch of one image is left out (batch-norm cannot train on it).
    /// Returns each epoch's mean loss.
    public func train(images: [[Float]], epochs: Int, batchSize: Int = 32, optimiser: Train.Adam, seed: UInt64 = 0,
                      progress: ((_ epoch: Int, _ loss: Float) -> Void)? = nil) -> [Float] {
        precondition(batchSize >= 2, "batch-norm needs batches of at least two images")
        let size = 3 * inputSize * inputSize
        precondition(images.allSatisfy { $0.count == size }, "every image must hold 3 x \(inputSize) x \(inputSize) floats")
        var rng = SplitMix64(seed: seed)
        var order = Array(images.indices)
        var losses: [Float] = []
        for epoch in 0..<epochs {
            let loss = self.epoch(&order, rng: &rng, batchSize: batchSize, optimiser: optimiser) { members in
                Train.Batch(shape: [members.count, 3, inputSize, inputSize], values: members.flatMap { images[$0] })
            }
            losses.append(loss)
            progress?(epoch, loss)
        }
        return losses
    }

    /// One pass over `order`, shuffled first by `rng`, in mini-batches of `batchSize` made by `batch`; a last batch
    /// of one image is left out (batch-norm cannot train on it). `afterBatch` sees (batch, batches) after each.
    /// Returns the mean loss per image trained on.
    public func epoch(_ order: inout [Int], rng: inout SplitMix64, batchSize: Int, optimiser: Train.Adam,
                      afterBatch: ((Int, Int) -> Void)? = nil, batch: ([Int]) -> Train.Batch) -> Float {
        rng.shuffle(&order)
        let batches = (order.count + batchSize - 1) / batchSize
        var sum = 0.0, count = 0
        for (b, start) in stride(from: 0, to: order.count, by: batchSize).enumerated() {
            let members = Array(order[start..<min(start + batchSize, order.count)])
            if members.count >= 2 {
                sum += Double(trainingStep(batch(members), optimiser: optimiser)) * Double(members.count)
                count += members.count
            }
            afterBatch?(b + 1, batches)
        }
        return Float(sum / Double(max(count, 1)))
    }

    /// Saves the model as safetensors (kind `autoencoder`, with its input size and latent size).
    public func save(to path: String) throws {
        try Train.ModelFile.write(path: path, kind: Self.kind, metadata: ["input_size": "\(inputSize)", "latent": "\(latent)"],
                                  tensors: stateTensors)
    }

    /// Loads a model saved by `save(to:)`; a file of another kind, with missing, extra or misshapen tensors, or not a
    /// model at all, throws a `Train.ModelFileError` naming the file and the cause.
    public convenience init(contentsOf path: String) throws {
        let (metadata, tensors) = try Train.ModelFile.read(path: path, kind: Self.kind)
        let inputSize = try Train.ModelFile.size(metadata, "input_size", path: path)
        guard inputSize % 8 == 0, inputSize <= 4096 else {
            throw Train.ModelFileError(path: path, reason: "metadata input_size \(inputSize) is not a multiple of 8 up to 4096")
        }
        let latent = try Train.ModelFile.size(metadata, "latent", path: path)
        // The largest tensor is checked before anything is allocated: metadata cannot ask for more than the file holds.
        let flat = 64 * (inputSize / 8) * (inputSize / 8)
        guard let code = tensors["encoder.10.weight"] else { throw Train.ModelFileError(path: path, reason: "missing encoder.10.weight") }
        guard code.shape == [latent, flat] else {
            throw Train.ModelFileError(path: path, reason: "encoder.10.weight has shape \(code.shape), expected [\(latent), \(flat)] for input size \(inputSize) and latent \(latent)")
        }
        self.init(inputSize: inputSize, latent: latent)
        try Train.ModelFile.assign(tensors, to: stateTensors, path: path)
    }
}
