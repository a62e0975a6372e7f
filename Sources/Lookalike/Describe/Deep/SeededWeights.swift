/// Deterministic weights for tests and benchmarks, which the golden scripts (`Scripts/make_resnet50_goldens.py`,
/// `Scripts/make_effnet_goldens.py`, `Scripts/make_vgg16_goldens.py`) make too: SplitMix64 values in state-dict order, one per element, u in [0, 1);
/// convolution and fully connected weights uniform with variance 1/fan_in ((2u - 1) sqrt(3 / fan_in)), BN gamma 0.5 + u, beta 0.2(2u - 1),
/// mean 0.1(2u - 1), var 0.5 + u; num_batches_tracked skipped. Computed in Double, stored as Float.
enum SeededWeights {
    static func stateDict(_ shapes: [(name: String, shape: [Int])], seed: UInt64) -> [String: Tensor] {
        var rng = SplitMix64(seed: seed)
        func u() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        var out: [String: Tensor] = [:]
        for (name, shape) in shapes where !name.hasSuffix("num_batches_tracked") {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            if shape.count == 4 || shape.count == 2 {  // convolution or fully connected: fan_in = the rest
                let bound = (3.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot()
                for i in 0..<count { values[i] = Float((2 * u() - 1) * bound) }
            } else if name.hasSuffix(".weight") {
                for i in 0..<count { values[i] = Float(0.5 + u()) }
            } else if name.hasSuffix(".bias") {
                for i in 0..<count { values[i] = Float(0.2 * (2 * u() - 1)) }
            } else if name.hasSuffix(".running_mean") {
                for i in 0..<count { values[i] = Float(0.1 * (2 * u() - 1)) }
            } else {
                for i in 0..<count { values[i] = Float(0.5 + u()) }
            }
            out[name] = Tensor(shape: shape, values: values)
        }
        return out
    }
}
