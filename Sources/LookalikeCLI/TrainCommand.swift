import ArgumentParser
import Foundation
import Lookalike

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Learn an embedding from your own images: an autoencoder, or a triplet head over a network's features.",
        discussion: """
        The model file is then a method in every command: --method autoencoder=FILE or --method triplet=FILE.
        """,
        subcommands: [TrainAutoencoderCommand.self, TrainTripletCommand.self])
}

struct TrainAutoencoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoencoder",
        abstract: "Train a convolutional autoencoder on images; its latent code becomes the autoencoder method.",
        discussion: """
        Each image is decoded once, EXIF-oriented and squashed to SIZE x SIZE (the whole image, aspect not kept), \
        and kept as bytes. A seeded share is held out: each epoch prints the mean squared error per pixel on the \
        training and held-out images. The same files and --seed give the same model file.

        Examples:
          lookalike train autoencoder photos/ --out shop.safetensors
          lookalike group --method autoencoder=shop.safetensors photos/
        """)

    @OptionGroup var input: InputOptions

    @Option(help: "Model input: images squashed to size x size pixels (a multiple of 8).")
    var size: Int = 64

    @Option(help: "Length of the latent code (the embedding).")
    var latent: Int = 16

    @Option(help: "Passes over the training images.")
    var epochs: Int = AutoencoderTraining().epochs

    @Option(help: "Images per mini-batch (at least 2: batch-norm).")
    var batch: Int = 32

    @Option(help: "Adam's learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Share of the images held out to measure reconstruction on unseen images (0 to 0.5).")
    var validation: Double = 0.1

    @Option(help: "Seed of the initial weights, the held-out choice and the batch order.")
    var seed: UInt64 = 0

    @Option(help: "The model file to write (safetensors).")
    var out: String

    @Option(help: "Write PNGs of up to 8 held-out images beside their reconstructions into this folder.")
    var previews: String?

    func validate() throws {
        guard size >= 8, size % 8 == 0, size <= 512 else { throw ValidationError("--size must be a multiple of 8 from 8 to 512 (got \(size))") }
        guard latent > 0, latent <= 4096 else { throw ValidationError("--latent must be from 1 to 4096 (got \(latent))") }
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2 (batch-norm)") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
        guard validation >= 0, validation <= 0.5 else { throw ValidationError("--validation must be from 0 to 0.5 (got \(validation))") }
    }

    func run() throws {
        let console = Console()
        let files = input.collect(console: console)
        var failed = console.skips.count
        var reading = input.reading()
        reading.workers = input.jobs
        var bar = ProgressBar(total: files.count, console: console)
        let images = LearnedImages.read(paths: files, size: size, reading: reading) { outcome in
            bar.report(outcome, console: console)
            if case .failure = outcome.result { failed += 1 }
        }
        bar.finish()
        guard images.pixels.count >= 2 else {
            console.error("train autoencoder: \(images.pixels.count) image(s) could be read; training needs at least two")
            try finish(processed: 0, failed: max(failed, 1), console: console, verb: "read")
            return
        }
        var training = AutoencoderTraining()
        (training.size, training.latent, training.epochs, training.batchSize) = (size, latent, epochs, batch)
        (training.learningRate, training.validationShare, training.seed, training.threads) = (learningRate, validation, seed, input.jobs)
        var steps = ProgressBar(total: 0, console: console)
        let outcome = training.run(images, step: { epoch, b, batches in
            if epoch == 0 && b == 1 { steps = ProgressBar(total: batches * epochs, console: console); steps.unit = "batches" }
            steps.advance()
        }, epochDone: { e in
            steps.clear()
            let held = e.validationLoss.map { String(format: ", validation %.5f", $0) } ?? ""
            console.error(String(format: "epoch %d/%d: train %.5f", e.epoch, epochs, e.trainLoss) + held + String(format: " (%.1f s)", e.seconds))
        })
        steps.finish()
        do {
            try outcome.model.save(to: out)
        } catch {
            console.error("\(error)")
            throw ExitStatus.cannotWrite
        }
        let last = outcome.epochs.last!
        console.error("wrote \(out): autoencoder, \(size) px, latent \(latent); \(outcome.trainImages.count) training image(s), "
                      + "\(outcome.validationImages.count) held out; " + String(format: "train loss %.5f", last.trainLoss)
                      + (last.validationLoss.map { String(format: ", validation %.5f", $0) } ?? "")
                      + String(format: "; %.1f s, %.0f images/s", outcome.seconds, outcome.imagesPerSecond))
        if let previews {
            let members = outcome.validationImages.isEmpty ? outcome.trainImages : outcome.validationImages
            do {
                let written = try AutoencoderTraining.writePreviews(outcome.model, images, members: members, folder: previews)
                console.error("wrote \(written.count) preview(s) (as the model saw each image | its reconstruction) into \(previews)")
            } catch {
                console.error("\(error)")
                throw ExitStatus.cannotWrite
            }
        }
        try finish(processed: images.pixels.count, failed: failed, console: console, verb: "read")
    }
}

struct TrainTripletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triplet",
        abstract: "Train a Deep-Ranking triplet head over a frozen network's vectors; it becomes the triplet method.",
        discussion: """
        With --labels (path,group[,view] as evaluate reads), each image is described once by the backbone and \
        triplets are drawn from the products. Without labels, give images: an image, its edited copies (crop 10%, \
        brightness +25%, mirrored) and its pHash near-duplicates are taken as one product. The model file records \
        the backbone, pooling and focus, so --method triplet=FILE runs them as in training.

        Examples:
          lookalike train triplet --labels labels.csv --backbone effnet-lite0 --out head.safetensors
          lookalike train triplet photos/ --out head.safetensors
          lookalike search --method triplet=head.safetensors --in photos/ query.jpg
        """)

    @Argument(help: "Unlabelled images and folders (without --labels).")
    var paths: [String] = []

    @Option(help: "A labels CSV (path,group[,view]): triplets from its products.")
    var labels: String?

    @Option(help: "With --labels: a column naming each product's category; that share of negatives comes from the anchor's category.")
    var categoryColumn: String?

    @Option(help: "The frozen method whose vectors the head maps (\(TripletTraining.backboneNames.joined(separator: ", "))).")
    var backbone: String = "effnet-lite0"

    @Option(help: "EfficientNet-Lite backbones: avg or gem pooling.")
    var pooling: EfficientNetLite.Pooling = .avg

    @Option(help: "Deep backbones: image or product focus.")
    var focus: MethodSettings.Focus = .image

    @Option(help: "Deep backbones: the weights file (default: LOOKALIKE_WEIGHTS, then the cache folders).")
    var weights: String?

    @Option(help: ArgumentHelp("Output dimension (the embedding); 0, the default: the backbone's own, starting as the identity map.",
        discussion: "Starting from the backbone's own ranking, a few labelled products move it only where the triplets ask: "
            + "on grocery, product-disjoint, mAP 0.465 -> 0.587 (a 128-d head from random weights: 0.434; README)."))
    var dim: Int = 0

    @Option(help: "Hidden layer width, with ReLU (0: a linear map, the default: it generalises better to unseen products with few labelled ones; README).")
    var hidden: Int = TripletTraining().hidden

    @Option(help: "Triplet margin on squared Euclidean distance between unit vectors (0 to 4).")
    var margin: Float = 0.2

    @Option(help: "Passes over the anchors (an epoch: anchors / batch steps).")
    var epochs: Int = TripletTraining().epochs

    @Option(help: "Triplets per step.")
    var batch: Int = 64

    @Option(help: "Adam's learning rate (default: 1e-4 from the identity, 1e-3 for a head of another size).")
    var learningRate: Float?

    @Flag(help: "Replace each negative by the batch's semi-hard one (farther than the positive, within the margin).")
    var semiHard = false

    @Option(help: "Seed of the initial weights and the triplets drawn.")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: "Worker threads for describing (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "The model file to write (safetensors).")
    var out: String

    func validate() throws {
        guard (labels == nil) != paths.isEmpty else {
            throw ValidationError(labels == nil ? "give --labels FILE or images to learn from" : "give --labels or images, not both")
        }
        if categoryColumn != nil && labels == nil { throw ValidationError("--category-column needs --labels") }
        guard dim >= 0, dim <= 8192, hidden >= 0, hidden <= 16384 else { throw ValidationError("--dim must be 0 to 8192 and --hidden 0 to 16384") }
        if dim == 0 && hidden > 0 { throw ValidationError("--dim 0 starts a linear head as the identity: give --dim with --hidden") }
        guard margin > 0, margin < 4 else { throw ValidationError("--margin must be between 0 and 4") }
        guard epochs > 0, batch > 0, jobs > 0 else { throw ValidationError("--epochs, --batch and --jobs must be positive") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate must be positive") }
    }

    func run() throws {
        let console = Console()
        var training = TripletTraining()
        training.backbone = backbone.lowercased()
        training.settings = MethodSettings(weightsPath: weights, pooling: pooling, focus: focus)
        (training.dimension, training.hidden, training.margin, training.epochs) = (dim, hidden, margin, epochs)
        (training.batchSize, training.semiHard, training.seed) = (batch, semiHard, seed)
        training.learningRate = learningRate ?? TripletTraining.defaultLearningRate(dimension: dim)
        let method: any DescriptorMethod
        do { method = try training.makeBackbone() } catch {
            console.error("\(backbone): \(error)")
            throw ExitStatus.methodUnavailable
        }
        sayStoreDamage([method], console: console)
        let describeStart = Date()
        var vectors: [[Float]], names: [String], images: Int, failed: Int
        var categories: [String: String]?
        var extra: [String: String] = [:]
        if let labels {
            let set: LabelSet
            do { set = try LabelSet(csvAt: labels) } catch { console.error("\(error)"); throw ExitStatus.noneProcessed }
            if let categoryColumn {
                do { categories = try TripletTraining.categories(set, column: categoryColumn, file: labels) } catch {
                    console.error("\(error)"); throw ValidationError("--category-column: \(error)")
                }
            }
            let described = describeLabelled(set, methods: [method], jobs: jobs, console: console)
            for failure in described.failures { console.skip(failure) }
            vectors = described.descriptorSets[0].compactMap { if case .vector(let v) = $0 { v } else { nil } }
            (names, images, failed) = (described.labels, described.labels.count, described.failures.count)
            extra["labels"] = (labels as NSString).lastPathComponent
        } else {
            let collector = FileCollector()
            let collection = collector.collect(paths)
            for error in collection.errors { console.skip(error) }
            failed = collection.errors.count
            var bar = ProgressBar(total: collection.files.count, console: console)
            let reading = GroupingPlan.Reading(workers: jobs)
            let found = TripletTraining.describeUnlabelled(paths: collection.files, backbone: method, reading: reading) { outcome in
                bar.report(outcome, console: console)
                if case .failure = outcome.result { failed += 1 }
            }
            bar.finish()
            (vectors, names, images) = (found.vectors, found.labels, found.paths.count)
            console.error("\(images) image(s), each with \(TripletTraining.augmentations.count) edited copies "
                          + "(\(TripletTraining.augmentations.map(\.name).joined(separator: ", "))); "
                          + "\(found.joinedByHash) joined to another by pHash")
            extra["positives"] = "edited copies and pHash near-duplicates"
        }
        let describeSeconds = Date().timeIntervalSince(describeStart)
        guard !vectors.isEmpty else {
            console.error("train triplet: no image could be described")
            try finish(processed: 0, failed: max(failed, 1), console: console, verb: "described")
            return
        }
        var bar = ProgressBar(total: 0, console: console)
        let outcome: TripletTraining.Outcome
        do {
            outcome = try training.train(vectors: vectors, labels: names, categories: categories) { step, steps, _ in
                if step == 1 { bar = ProgressBar(total: steps, console: console); bar.unit = "steps" }
                bar.advance()
            }
        } catch {
            bar.finish()
            console.error("train triplet: \(error)")
            throw ExitStatus.noneProcessed
        }
        bar.finish()
        do { try training.save(outcome.head, to: out, extra: extra) } catch {
            console.error("\(error)")
            throw ExitStatus.cannotWrite
        }
        let tail = outcome.losses.suffix(max(1, outcome.losses.count / 10))
        let early = outcome.losses.prefix(max(1, outcome.losses.count / 10))
        console.error("wrote \(out): triplet head over \(training.backbone) (\(pooling.rawValue) pooling, \(focus.rawValue) focus), "
                      + "\(vectors[0].count) → \(hidden > 0 ? "\(hidden) → " : "")\(dim == 0 ? vectors[0].count : dim)\(dim == 0 ? " from the identity" : ""); \(vectors.count) vector(s) of \(images) image(s), "
                      + "\(Set(names).count) product(s); "
                      + String(format: "loss %.4f → %.4f over %d steps; describing %.1f s (%.1f images/s), head %.1f s (%.0f triplets/s)",
                               early.reduce(0, +) / Float(early.count), tail.reduce(0, +) / Float(tail.count), outcome.losses.count,
                               describeSeconds, Double(images) / max(describeSeconds, 1e-9), outcome.seconds, outcome.tripletsPerSecond))
        try finish(processed: images, failed: failed, console: console, verb: "described")
    }
}
