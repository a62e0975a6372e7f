import Foundation

extension Train {
    /// `torch.optim.Adam` (Kingma and Ba), step for step as torch 1.13's single-tensor loop: moments
    /// m = β1 m + (1 - β1) g and v = β2 v + (1 - β2) g², then p -= lr / (1 - β1ᵗ) · m / (sqrt(v) / sqrt(1 - β2ᵗ) + eps),
    /// the bias corrections computed in Double as Python computes them. Weight decay, when not 0, is torch's L2
    /// form (g += wd p), not AdamW's.
    public final class Adam {
        public let parameters: [Parameter]
        public var learningRate: Float
        public let beta1, beta2: Double
        public let eps: Float
        public let weightDecay: Float
        /// Steps taken: t in the bias corrections.
        public private(set) var steps = 0
        private var firstMoment: [[Float]]
        private var secondMoment: [[Float]]

        public init(parameters: [Parameter], learningRate: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                    eps: Float = 1e-8, weightDecay: Float = 0) {
            precondition(Set(parameters.map(ObjectIdentifier.init)).count == parameters.count, "a parameter given twice")
            self.parameters = parameters
            self.learningRate = learningRate
            (beta1, beta2) = betas
            self.eps = eps
            self.weightDecay = weightDecay
            firstMoment = parameters.map { [Float](repeating: 0, count: $0.value.count) }
            secondMoment = firstMoment
        }

        /// Clears every parameter's gradient (torch's `zero_grad`), before the next forward and backward.
        public func zeroGradients() { for p in parameters { p.zeroGradient() } }

        /// Moves every parameter by its accumulated gradient.
        public func step() {
            steps += 1
            let b1 = Float(beta1), b2 = Float(beta2), oneMinusB1 = Float(1 - beta1), oneMinusB2 = Float(1 - beta2)
            let stepSize = Float(Double(learningRate) / (1 - Foundation.pow(beta1, Double(steps))))
            let correction2 = Float((1 - Foundation.pow(beta2, Double(steps))).squareRoot())
            for (k, parameter) in parameters.enumerated() {
                let count = parameter.value.count
                firstMoment[k].withUnsafeMutableBufferPointer { m in
                    secondMoment[k].withUnsafeMutableBufferPointer { v in
                        parameter.value.withUnsafeMutableBufferPointer { p in
                            parameter.gradient.withUnsafeBufferPointer { g in
                                for i in 0..<count {
                                    let grad = weightDecay == 0 ? g[i] : g[i] + weightDecay * p[i]
                                    m[i] = m[i] * b1 + oneMinusB1 * grad
                                    v[i] = v[i] * b2 + oneMinusB2 * grad * grad
                                    let denominator = v[i].squareRoot() / correction2 + eps
                                    p[i] += -stepSize * m[i] / denominator
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
