import Foundation

/// `lookalike train autoencoder`: a `ConvAutoencoder` trained on the user's images (read once by `LearnedImages`),
/// a seeded share held out to watch for over-fitting, and reconstructions a person can look at.
public struct AutoencoderTraining: Sendable {
    public var size = 64
    public var latent = 16
    /// 30 passes over grocery's 948 images at 64 px: 2.5 minutes in all on 2 cores shared with another job (README).
    public var epochs = 30
    public var batchSize = 32
    public var learningRate: Float = 1e-3
    public var validationShare = 0.1
    public var seed: UInt64 = 0
    /// OpenBLAS threads for the products (the result does not depend on it).
    public var threads = 1

    public init() {}

    /// One epoch's figures: mean squared error per pixel (pixels in [0, 1]) on the training images (as trained,
    /// batch statistics) and on the held-out ones (evaluation mode); nil without held-out images.
    public struct Epoch: Sendable {
        public let epoch: Int
        public let trainLoss: Float
        public let validationLoss: Float?
        public let seconds: Double
    }

    public struct Outcome {
        public let model: ConvAutoencoder
        public let epochs: [Epoch]
        public let trainImages: [Int]
        public let validationImages: [Int]
        /// Training time alone (not reading), and training images seen per second.
        public let seconds: Double
        public var imagesPerSecond: Double { seconds > 0 ? Double(trainImages.count * epochs.count) / seconds : 0 }
    }

    /// Trains on `images` (read at `size`); `step` sees (epoch, batch, batches per epoch) after each batch, `epochDone`
    /// each epoch's figures. The same images, settings and seed give the same weights on any thread count.
    public func run(_ images: LearnedImages, step: ((Int, Int, Int) -> Void)? = nil,
                    epochDone: ((Epoch) -> Void)? = nil) -> Outcome {
        precondition(images.size == size, "images read at \(images.size) px for a \(size) px model")
        precondition(images.pixels.count >= 2, "training needs at least two images")
        Train.useThreads(threads)
        let (train, validation) = LearnedImages.split(count: images.pixels.count, share: validationShare, seed: seed)
        let model = ConvAutoencoder(inputSize: size, latent: latent, seed: seed)
        let optimiser = model.makeOptimiser(learningRate: learningRate)
        var rng = SplitMix64(seed: seed &+ 1)
        var order = train
        var figures: [Epoch] = []
        let start = Date()
        for epoch in 0..<epochs {
            let epochStart = Date()
            let trainLoss = model.epoch(&order, rng: &rng, batchSize: batchSize, optimiser: optimiser,
                                        afterBatch: { step?(epoch, $0, $1) }) { Self.batch(images, $0) }
            let figure = Epoch(epoch: epoch + 1, trainLoss: trainLoss,
                               validationLoss: validation.isEmpty ? nil : Self.loss(model, images, validation, batchSize: batchSize),
                               seconds: Date().timeIntervalSince(epochStart))
            figures.append(figure)
            epochDone?(figure)
        }
        return Outcome(model: model, epochs: figures, trainImages: train, validationImages: validation,
                       seconds: Date().timeIntervalSince(start))
    }

    /// The images `members` as one batch of floats in [0, 1].
    static func batch(_ images: LearnedImages, _ members: [Int]) -> Train.Batch {
        let size = images.size
        var values = [Float](repeating: 0, count: members.count * 3 * size * size)
        var o = 0
        for m in members { for v in images.pixels[m] { values[o] = Float(v) / 255; o += 1 } }
        return Train.Batch(shape: [members.count, 3, size, size], values: values)
    }

    /// Mean squared reconstruction error over `members` in evaluation mode, `batchSize` images at a time.
    public static func loss(_ model: ConvAutoencoder, _ images: LearnedImages, _ members: [Int], batchSize: Int = 32) -> Float {
        var sum = 0.0, count = 0
        for start in stride(from: 0, to: members.count, by: max(batchSize, 1)) {
            let input = batch(images, Array(members[start..<min(start + max(batchSize, 1), members.count)]))
            let out = model.reconstruct(input)
            for i in out.values.indices { let d = Double(out.values[i] - input.values[i]); sum += d * d }
            count += out.values.count
        }
        return Float(sum / Double(max(count, 1)))
    }

    /// Writes, for up to `count` of `members`, a PNG of the image as the model saw it beside its reconstruction
    /// (`DIR/NN-name.png`, 2s x s); returns the files written.
    public static func writePreviews(_ model: ConvAutoencoder, _ images: LearnedImages, members: [Int], count: Int = 8,
                                     folder: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: folder, reason: "cannot create the previews folder: \(error.localizedDescription)")
        }
        let s = images.size
        var written: [String] = []
        for (n, m) in members.prefix(count).enumerated() {
            let input = batch(images, [m])
            let out = model.reconstruct(input).values.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
            let left = AutoencoderInput.image(images.pixels[m], size: s), right = AutoencoderInput.image(out, size: s)
            var pixels = [UInt8](repeating: 0, count: 2 * s * s * 3)
            for y in 0..<s {
                pixels.replaceSubrange((y * 2 * s * 3)..<((y * 2 + 1) * s * 3), with: left.pixels[(y * s * 3)..<((y + 1) * s * 3)])
                pixels.replaceSubrange(((y * 2 + 1) * s * 3)..<((y * 2 + 2) * s * 3), with: right.pixels[(y * s * 3)..<((y + 1) * s * 3)])
            }
            let base = (images.paths[m] as NSString).lastPathComponent
            let name = String(format: "%02d-", n) + ((base as NSString).deletingPathExtension) + ".png"
            let path = (folder as NSString).appendingPathComponent(name)
            if let reason = NativePNG.writeRGB(width: 2 * s, height: s, pixels: pixels, to: path) {
                throw WriteError(path: path, reason: reason)
            }
            written.append(path)
        }
        return written
    }
}
