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
        subcommands: [TrainAutoencoderCommand.self])
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
