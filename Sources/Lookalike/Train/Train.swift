/// Training on the CPU, layer by layer, with no Python: what the learned-embedding systems (`ConvAutoencoder`,
/// `TripletHead`) are built from.
///
/// Each layer's `forward` keeps what its `backward` needs, and `backward` turns the gradient of the loss with
/// respect to its output into the gradient with respect to its input, adding its parameters' gradients to
/// `Parameter.gradient`. There is no tape: a model is a fixed chain (`Sequential`) run forward, then backward in
/// reverse order, which is all an autoencoder and a triplet head need.
///
/// Activations are NCHW (batch, channel, row, column), as PyTorch's: state dicts and goldens compare without any
/// transposition, and one image's channel planes are contiguous, so im2col reads whole rows.
public enum Train {}

extension Train {
    /// A mini-batch of activations or of their gradients: `shape[0]` items, each `values.count / shape[0]` floats
    /// in row-major order ([N, C, H, W] after a convolution, [N, D] after a dense layer).
    public struct Batch: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            precondition(values.count == shape.reduce(1, *), "batch values do not match shape \(shape)")
            self.shape = shape
            self.values = values
        }

        /// Zeros of `shape`.
        public init(zeros shape: [Int]) {
            self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
        }

        /// One row per item: `rows` of equal length stacked into [rows.count, length].
        public init(rows: [[Float]]) {
            let width = rows.first?.count ?? 0
            precondition(rows.allSatisfy { $0.count == width }, "rows of different lengths")
            self.init(shape: [rows.count, width], values: rows.flatMap { $0 })
        }

        /// Items in the batch.
        public var items: Int { shape[0] }
        /// Floats per item.
        public var itemSize: Int { shape[0] == 0 ? 0 : values.count / shape[0] }

        /// Item `i` as a flat row.
        public func row(_ i: Int) -> [Float] { Array(values[(i * itemSize)..<((i + 1) * itemSize)]) }
    }

    /// A trained tensor (or a saved buffer such as a running mean) with its accumulated gradient.
    /// A class so the optimiser and the layer share one copy.
    public final class Parameter {
        public let shape: [Int]
        public var value: [Float]
        /// d loss / d value, summed over every `backward` since the last `zeroGradient`.
        public var gradient: [Float]

        public init(shape: [Int], value: [Float]) {
            precondition(value.count == shape.reduce(1, *), "parameter values do not match shape \(shape)")
            self.shape = shape
            self.value = value
            gradient = [Float](repeating: 0, count: value.count)
        }

        public func zeroGradient() {
            gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    /// One differentiable step of a model.
    public protocol Layer: AnyObject {
        /// The output for `input`; keeps what `backward` needs. `training` selects batch statistics in batch-norm.
        func forward(_ input: Batch, training: Bool) -> Batch
        /// d loss / d input from d loss / d output, for the last `forward`; adds to the parameters' gradients.
        func backward(_ gradOutput: Batch) -> Batch
        /// Trained tensors by their PyTorch names within the layer ("weight", "bias").
        var parameters: [(name: String, parameter: Parameter)] { get }
        /// Saved, untrained state (batch-norm's running statistics), by PyTorch name.
        var buffers: [(name: String, parameter: Parameter)] { get }
    }
}

extension Train.Layer {
    public var parameters: [(name: String, parameter: Train.Parameter)] { [] }
    public var buffers: [(name: String, parameter: Train.Parameter)] { [] }
    /// Parameters and buffers together: what a saved model holds.
    public var stateTensors: [(name: String, parameter: Train.Parameter)] { parameters + buffers }
}

extension Train {
    /// PyTorch's default initialisation of a dense or convolution layer (`kaiming_uniform_(a=sqrt(5))` and its bias
    /// rule): both uniform in ±1/sqrt(fanIn), drawn from a seeded SplitMix64 so a model is the same on every machine.
    static func uniformInit(count: Int, fanIn: Int, rng: inout SplitMix64) -> [Float] {
        let bound = 1 / Double(max(fanIn, 1)).squareRoot()
        return (0..<count).map { _ in Float((2 * (Double(rng.next() >> 11) * 0x1p-53) - 1) * bound) }
    }
}
