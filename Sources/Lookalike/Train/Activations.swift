import Foundation

extension Train {
    /// `torch.nn.ReLU`; the gradient at exactly 0 is 0, as torch's.
    public final class ReLU: Layer {
        private var input: [Float] = []
        public init() {}

        public func forward(_ input: Batch, training: Bool) -> Batch {
            self.input = input.values
            return Batch(shape: input.shape, values: input.values.map { max($0, 0) })
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            Batch(shape: gradOutput.shape, values: zip(gradOutput.values, input).map { $1 > 0 ? $0 : 0 })
        }
    }

    /// `torch.nn.LeakyReLU(slope)`: x for x > 0, slope x otherwise (the autoencoder's 0.01, torch's default).
    public final class LeakyReLU: Layer {
        public let slope: Float
        private var input: [Float] = []
        public init(slope: Float = 0.01) { self.slope = slope }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            self.input = input.values
            let slope = slope  // a local: a property read in the loop costs an exclusivity check per element
            return Batch(shape: input.shape, values: input.values.map { $0 > 0 ? $0 : slope * $0 })
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            let slope = slope
            var gradInput = gradOutput
            input.withUnsafeBufferPointer { x in
                gradInput.values.withUnsafeMutableBufferPointer { g in
                    for i in g.indices { g[i] = x[i] > 0 ? g[i] : slope * g[i] }  // branch-free, so it vectorises
                }
            }
            return gradInput
        }
    }

    /// `torch.nn.Sigmoid`: keeps its output, since the gradient is y (1 - y).
    public final class Sigmoid: Layer {
        private var output: [Float] = []
        public init() {}

        public func forward(_ input: Batch, training: Bool) -> Batch {
            output = input.values.map { 1 / (1 + Foundation.exp(-$0)) }
            return Batch(shape: input.shape, values: output)
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            Batch(shape: gradOutput.shape, values: zip(gradOutput.values, output).map { $0 * $1 * (1 - $1) })
        }
    }

    /// Gives each item a new shape with the same number of values: [N, C, H, W] → [N, C H W] (`torch.nn.Flatten`)
    /// with `itemShape` [C H W], or back (`torch.nn.Unflatten(1, (C, H, W))`).
    public final class Reshape: Layer {
        public let itemShape: [Int]
        private var inputShape: [Int] = []
        public init(_ itemShape: [Int]) { self.itemShape = itemShape }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            precondition(input.itemSize == itemShape.reduce(1, *) || input.items == 0, "cannot reshape \(input.shape) to items of \(itemShape)")
            inputShape = input.shape
            return Batch(shape: [input.items] + itemShape, values: input.values)
        }

        public func backward(_ gradOutput: Batch) -> Batch { Batch(shape: inputShape, values: gradOutput.values) }
    }

    /// Each row divided by its Euclidean norm, `torch.nn.functional.normalize(x, dim=1, eps=1e-12)`: unit
    /// embeddings, so squared distances are 2 - 2 cos and a margin means the same at every scale.
    public final class L2Normalize: Layer {
        public let eps: Float
        private var output: Batch?
        private var norms: [Float] = []
        public init(eps: Float = 1e-12) { self.eps = eps }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            precondition(input.shape.count == 2, "normalise wants [N, D], got \(input.shape)")
            let d = input.itemSize
            norms = (0..<input.items).map { i in
                var sum = 0.0
                for j in 0..<d { sum += Double(input.values[i * d + j]) * Double(input.values[i * d + j]) }
                return Float(sum.squareRoot())
            }
            var out = input
            for i in 0..<input.items { for j in 0..<d { out.values[i * d + j] /= max(norms[i], eps) } }
            output = out
            return out
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            guard let output else { preconditionFailure("backward before forward") }
            let d = output.itemSize
            var gradInput = gradOutput
            for i in 0..<output.items {
                if norms[i] <= eps {
                    // Divided by the constant eps: a plain scale.
                    for j in 0..<d { gradInput.values[i * d + j] = gradOutput.values[i * d + j] / eps }
                    continue
                }
                // (g - y (y·g)) / |x|: the part of g along y does not change a unit vector.
                var dot: Float = 0
                for j in 0..<d { dot += output.values[i * d + j] * gradOutput.values[i * d + j] }
                for j in 0..<d { gradInput.values[i * d + j] = (gradOutput.values[i * d + j] - output.values[i * d + j] * dot) / norms[i] }
            }
            return gradInput
        }
    }

    /// Layers run in order, `torch.nn.Sequential`: tensors named "<index>.<name>" as in its state dict.
    public final class Sequential: Layer {
        public let layers: [any Layer]
        public init(_ layers: [any Layer]) { self.layers = layers }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            layers.reduce(input) { $1.forward($0, training: training) }
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            layers.reversed().reduce(gradOutput) { $1.backward($0) }
        }

        public var parameters: [(name: String, parameter: Parameter)] {
            layers.enumerated().flatMap { i, layer in layer.parameters.map { ("\(i).\($0.name)", $0.parameter) } }
        }

        public var buffers: [(name: String, parameter: Parameter)] {
            layers.enumerated().flatMap { i, layer in layer.buffers.map { ("\(i).\($0.name)", $0.parameter) } }
        }

        public func zeroGradients() { for (_, p) in parameters { p.zeroGradient() } }
    }
}
