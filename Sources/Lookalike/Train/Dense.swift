extension Train {
    /// A fully connected layer, `torch.nn.Linear`: y = x Wᵀ + b with W of shape [out, in]. Items of any shape are
    /// read as flat rows of `inputs` floats.
    public final class Dense: Layer {
        public let inputs: Int
        public let outputs: Int
        public let weight: Parameter
        public let bias: Parameter?
        private var input: Batch?

        public init(_ inputs: Int, _ outputs: Int, bias: Bool = true, rng: inout SplitMix64) {
            self.inputs = inputs
            self.outputs = outputs
            weight = Parameter(shape: [outputs, inputs], value: uniformInit(count: outputs * inputs, fanIn: inputs, rng: &rng))
            self.bias = bias ? Parameter(shape: [outputs], value: uniformInit(count: outputs, fanIn: inputs, rng: &rng)) : nil
        }

        public var parameters: [(name: String, parameter: Parameter)] {
            [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
        }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            precondition(input.itemSize == inputs || input.items == 0, "dense layer wants \(inputs) inputs, got \(input.shape)")
            self.input = input
            let n = input.items
            var out = Batch(zeros: [n, outputs])
            out.values.withUnsafeMutableBufferPointer { y in
                if let bias {
                    for i in 0..<n { for o in 0..<outputs { y[i * outputs + o] = bias.value[o] } }
                }
                gemm(transposeB: true, m: n, n: outputs, k: inputs, a: input.values, b: weight.value,
                     c: y.baseAddress!, accumulate: bias != nil)
            }
            return out
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            guard let input else { preconditionFailure("backward before forward") }
            let n = input.items
            precondition(gradOutput.shape == [n, outputs], "gradient \(gradOutput.shape) for output [\(n), \(outputs)]")
            // dW += gᵀ x; db += Σ g; dx = g W.
            weight.gradient.withUnsafeMutableBufferPointer {
                gemm(transposeA: true, m: outputs, n: inputs, k: n, a: gradOutput.values, b: input.values,
                     c: $0.baseAddress!, accumulate: true)
            }
            if let bias {
                for i in 0..<n { for o in 0..<outputs { bias.gradient[o] += gradOutput.values[i * outputs + o] } }
            }
            var gradInput = Batch(zeros: input.shape)
            gradInput.values.withUnsafeMutableBufferPointer {
                gemm(m: n, n: inputs, k: outputs, a: gradOutput.values, b: weight.value, c: $0.baseAddress!)
            }
            return gradInput
        }
    }
}
