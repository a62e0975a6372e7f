extension Train {
    /// `torch.nn.BatchNorm1d` on [N, C] and `BatchNorm2d` on [N, C, H, W]: per channel, (x - mean) / sqrt(var + eps)
    /// scaled by `weight` and shifted by `bias`.
    ///
    /// Training normalises by the batch's own mean and biased variance and moves the running statistics toward
    /// them by `momentum` (0.1), the running variance taking the unbiased batch variance, as torch does; evaluation
    /// normalises by the running statistics. Channel sums are made in Double, in one order.
    public final class BatchNorm: Layer {
        public let channels: Int
        public let eps: Float
        public let momentum: Float
        public let weight, bias, runningMean, runningVar: Parameter
        private var normalised: [Float] = []
        private var inverseDeviation: [Float] = []
        private var shape: [Int] = []
        private var trainedOnBatch = false

        public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
            (self.channels, self.eps, self.momentum) = (channels, eps, momentum)
            weight = Parameter(shape: [channels], value: [Float](repeating: 1, count: channels))
            bias = Parameter(shape: [channels], value: [Float](repeating: 0, count: channels))
            runningMean = Parameter(shape: [channels], value: [Float](repeating: 0, count: channels))
            runningVar = Parameter(shape: [channels], value: [Float](repeating: 1, count: channels))
        }

        public var parameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
        public var buffers: [(name: String, parameter: Parameter)] { [("running_mean", runningMean), ("running_var", runningVar)] }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            precondition((input.shape.count == 2 || input.shape.count == 4) && input.shape[1] == channels,
                         "batch-norm wants [N, \(channels)] or [N, \(channels), H, W], got \(input.shape)")
            let n = input.items, spatial = input.shape.count == 4 ? input.shape[2] * input.shape[3] : 1
            let m = n * spatial, channels = channels, eps = eps, momentum = momentum
            precondition(!training || m > 1, "batch-norm training needs more than one value per channel")
            shape = input.shape
            trainedOnBatch = training
            var normalised = [Float](repeating: 0, count: input.values.count)
            var inverseDeviation = [Float](repeating: 0, count: channels)
            var out = Batch(zeros: input.shape)
            var (runningMean, runningVar) = (self.runningMean.value, self.runningVar.value)
            let (gamma, beta) = (weight.value, bias.value)
            input.values.withUnsafeBufferPointer { x in
                normalised.withUnsafeMutableBufferPointer { xhat in
                    out.values.withUnsafeMutableBufferPointer { y in
                        for c in 0..<channels {
                            var mean: Float, variance: Float
                            if training {
                                var sum = 0.0, squares = 0.0
                                for i in 0..<n { for q in 0..<spatial { sum += Double(x[(i * channels + c) * spatial + q]) } }
                                let mu = sum / Double(m)
                                for i in 0..<n { for q in 0..<spatial {
                                    let d = Double(x[(i * channels + c) * spatial + q]) - mu
                                    squares += d * d
                                } }
                                mean = Float(mu)
                                variance = Float(squares / Double(m))
                                runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
                                runningVar[c] = (1 - momentum) * runningVar[c] + momentum * Float(squares / Double(m - 1))
                            } else {
                                (mean, variance) = (runningMean[c], runningVar[c])
                            }
                            let inverse = 1 / (variance + eps).squareRoot()
                            inverseDeviation[c] = inverse
                            for i in 0..<n { for q in 0..<spatial {
                                let at = (i * channels + c) * spatial + q
                                xhat[at] = (x[at] - mean) * inverse
                                y[at] = gamma[c] * xhat[at] + beta[c]
                            } }
                        }
                    }
                }
            }
            (self.runningMean.value, self.runningVar.value) = (runningMean, runningVar)
            (self.normalised, self.inverseDeviation) = (normalised, inverseDeviation)
            return out
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            precondition(gradOutput.shape == shape, "gradient \(gradOutput.shape) for output \(shape)")
            let n = shape[0], spatial = shape.count == 4 ? shape[2] * shape[3] : 1, m = Float(n * spatial)
            let channels = channels, trainedOnBatch = trainedOnBatch
            var gradInput = Batch(zeros: shape)
            var (dGamma, dBeta) = (weight.gradient, bias.gradient)
            let gamma = weight.value, inverseDeviation = inverseDeviation
            gradOutput.values.withUnsafeBufferPointer { g in
                normalised.withUnsafeBufferPointer { xhat in
                    gradInput.values.withUnsafeMutableBufferPointer { dx in
                        for c in 0..<channels {
                            var sum = 0.0, dot = 0.0
                            for i in 0..<n { for q in 0..<spatial {
                                let at = (i * channels + c) * spatial + q
                                sum += Double(g[at])
                                dot += Double(g[at]) * Double(xhat[at])
                            } }
                            dGamma[c] += Float(dot)
                            dBeta[c] += Float(sum)
                            let scale = gamma[c] * inverseDeviation[c]
                            let (sumF, dotF) = (Float(sum), Float(dot))
                            for i in 0..<n { for q in 0..<spatial {
                                let at = (i * channels + c) * spatial + q
                                // With batch statistics the mean and variance depend on every input: d/dx of the normalisation.
                                dx[at] = trainedOnBatch ? scale / m * (m * g[at] - sumF - xhat[at] * dotF) : scale * g[at]
                            } }
                        }
                    }
                }
            }
            (weight.gradient, bias.gradient) = (dGamma, dBeta)
            return gradInput
        }
    }
}
