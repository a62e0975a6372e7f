extension Train {
    /// A loss's value and its gradient with respect to the prediction.
    public struct LossValue {
        public let loss: Float
        public let gradient: Batch
    }

    /// `torch.nn.functional.mse_loss(prediction, target)` (mean over every element) and its gradient.
    public static func meanSquaredError(_ prediction: Batch, _ target: Batch) -> LossValue {
        precondition(prediction.shape == target.shape, "prediction \(prediction.shape) and target \(target.shape) differ")
        let count = prediction.values.count
        var sum = 0.0
        var gradient = prediction
        let scale = 2 / Float(max(count, 1))
        for i in 0..<count {
            let d = prediction.values[i] - target.values[i]
            sum += Double(d) * Double(d)
            gradient.values[i] = scale * d
        }
        return LossValue(loss: Float(sum / Double(max(count, 1))), gradient: gradient)
    }

    /// How a triplet loss measures D(f(q), f(p)).
    public enum TripletDistance: String, Sendable, CaseIterable {
        /// |a - b|², Wang et al. 2014 ("Learning Fine-grained Image Similarity with Deep Ranking"); on unit vectors
        /// 2 - 2 cos, in [0, 4]. No torch function computes it; the golden writes it out in torch operations.
        case squaredEuclidean = "squared"
        /// |a - b + 1e-6|, exactly `torch.nn.functional.triplet_margin_loss` (p = 2, eps = 1e-6, no swap).
        case euclidean
    }

    /// The three gradients of a triplet loss.
    public struct TripletLossValue {
        public let loss: Float
        public let anchor: Batch
        public let positive: Batch
        public let negative: Batch
        /// Triplets whose hinge was active (they gave a gradient).
        public let active: Int
    }

    /// mean over triplets of max(0, margin + D(a, p) - D(a, n)), rows of [N, D] batches, and its gradients.
    public static func tripletMarginLoss(anchor: Batch, positive: Batch, negative: Batch, margin: Float,
                                         distance: TripletDistance) -> TripletLossValue {
        precondition(anchor.shape.count == 2 && anchor.shape == positive.shape && anchor.shape == negative.shape,
                     "triplet batches \(anchor.shape), \(positive.shape), \(negative.shape)")
        let n = anchor.items, d = anchor.itemSize
        var (ga, gp, gn) = (Batch(zeros: anchor.shape), Batch(zeros: anchor.shape), Batch(zeros: anchor.shape))
        let pairEps: Float = distance == .euclidean ? 1e-6 : 0
        // D and dD/da (the other side's gradient is its negative).
        func measure(_ other: Batch, _ i: Int) -> (Float, [Float]) {
            var diff = [Float](repeating: 0, count: d)
            var sum: Float = 0
            for j in 0..<d {
                diff[j] = anchor.values[i * d + j] - other.values[i * d + j] + pairEps
                sum += diff[j] * diff[j]
            }
            switch distance {
            case .squaredEuclidean: return (sum, diff.map { 2 * $0 })
            case .euclidean:
                let norm = sum.squareRoot()
                return (norm, diff.map { norm > 0 ? $0 / norm : 0 })
            }
        }
        var total = 0.0, active = 0
        let scale = 1 / Float(max(n, 1))
        for i in 0..<n {
            let (dp, gradP) = measure(positive, i)
            let (dn, gradN) = measure(negative, i)
            let hinge = margin + dp - dn
            guard hinge > 0 else { continue }
            total += Double(hinge)
            active += 1
            for j in 0..<d {
                ga.values[i * d + j] = scale * (gradP[j] - gradN[j])
                gp.values[i * d + j] = -scale * gradP[j]
                gn.values[i * d + j] = scale * gradN[j]
            }
        }
        return TripletLossValue(loss: Float(total / Double(max(n, 1))), anchor: ga, positive: gp, negative: gn, active: active)
    }
}
