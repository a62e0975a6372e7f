import Foundation
import XCTest
@testable import Lookalike

/// The training core (Sources/Lookalike/Train): every layer's gradients against central differences, and three
/// Adam steps of two tiny models against torch (Scripts/make_training_goldens.py).
final class TrainingTests: XCTestCase {
    typealias Batch = Train.Batch

    static func uniform(_ count: Int, seed: UInt64, low: Float = -1, high: Float = 1) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in low + (high - low) * Float(Double(rng.next() >> 11) * 0x1p-53) }
    }

    /// Values of magnitude 0.2...1 with random signs: nothing near ReLU's kink at 0, where a difference straddles it.
    static func awayFromZero(_ count: Int, seed: UInt64) -> [Float] {
        uniform(count, seed: seed, low: -1, high: 1).map { $0 < 0 ? $0 * 0.8 - 0.2 : $0 * 0.8 + 0.2 }
    }

    /// |numeric - analytic| / max(|numeric|, |analytic|) over a whole gradient, with L = Σ r ⊙ forward(x) for fixed
    /// random r: each entry by central differences in Float with step `eps`, sums in Double.
    func checkGradients(_ layer: any Train.Layer, input: Batch, training: Bool, eps: Float = 1e-2,
                        tolerance: Double = 2e-3, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let weights = Self.uniform(layer.forward(input, training: training).values.count, seed: 99)
        func loss(_ x: Batch) -> Double {
            zip(layer.forward(x, training: training).values, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        for (_, p) in layer.parameters { p.zeroGradient() }
        let output = layer.forward(input, training: training)
        let analyticInput = layer.backward(Batch(shape: output.shape, values: weights)).values
        XCTAssertEqual(analyticInput.count, input.values.count, what, file: file, line: line)
        var numericInput = [Double]()
        for i in input.values.indices {
            var plus = input, minus = input
            plus.values[i] += eps
            minus.values[i] -= eps
            numericInput.append((loss(plus) - loss(minus)) / Double(2 * eps))
        }
        assertClose(numericInput, analyticInput, tolerance, "\(what): input gradient", file: file, line: line)
        // Gradients accumulate: a second backward of the same output adds the same amount again.
        let once = layer.parameters.map(\.parameter.gradient)
        _ = layer.forward(input, training: training)
        _ = layer.backward(Batch(shape: output.shape, values: weights))
        for ((name, p), first) in zip(layer.parameters, once) {
            let worst = zip(p.gradient, first).map { abs($0 - 2 * $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-6 * (first.map(abs).max() ?? 0), "\(what): \(name) does not accumulate", file: file, line: line)
            for i in p.gradient.indices { p.gradient[i] = first[i] }
        }
        for (name, p) in layer.parameters {
            let analytic = p.gradient
            var numeric = [Double]()
            for i in p.value.indices {
                let saved = p.value[i]
                p.value[i] = saved + eps
                let up = loss(input)
                p.value[i] = saved - eps
                let down = loss(input)
                p.value[i] = saved
                numeric.append((up - down) / Double(2 * eps))
            }
            assertClose(numeric, analytic, tolerance, "\(what): \(name) gradient", file: file, line: line)
        }
    }

    func assertClose(_ numeric: [Double], _ analytic: [Float], _ tolerance: Double, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        let difference = zip(numeric, analytic).reduce(0.0) { $0 + ($1.0 - Double($1.1)) * ($1.0 - Double($1.1)) }.squareRoot()
        let size = max(numeric.reduce(0.0) { $0 + $1 * $1 }.squareRoot(), analytic.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        XCTAssertGreaterThan(size, 1e-3, "\(what): a gradient too small to check", file: file, line: line)
        XCTAssertLessThan(difference / size, tolerance, "\(what): relative error \(difference / size)", file: file, line: line)
    }

    func batch(_ shape: [Int], seed: UInt64) -> Batch { Batch(shape: shape, values: Self.uniform(shape.reduce(1, *), seed: seed)) }

    // MARK: finite differences, layer by layer

    func testDenseGradients() {
        var rng = SplitMix64(seed: 1)
        checkGradients(Train.Dense(5, 4, rng: &rng), input: batch([3, 5], seed: 2), training: true, "dense")
        checkGradients(Train.Dense(6, 2, bias: false, rng: &rng), input: batch([2, 6], seed: 3), training: true, "dense without bias")
    }

    func testConvolutionGradients() {
        var rng = SplitMix64(seed: 4)
        checkGradients(Train.Conv2D(2, 3, kernel: 3, stride: 1, padding: 1, rng: &rng), input: batch([2, 2, 5, 6], seed: 5),
                       training: true, "conv 3x3 s1 p1")
        checkGradients(Train.Conv2D(3, 2, kernel: 3, stride: 2, padding: 1, bias: false, rng: &rng),
                       input: batch([2, 3, 6, 5], seed: 6), training: true, "conv 3x3 s2 p1")
        checkGradients(Train.Conv2D(2, 2, kernel: 2, stride: 2, padding: 0, rng: &rng), input: batch([1, 2, 5, 4], seed: 7),
                       training: true, "conv 2x2 s2 p0")
        checkGradients(Train.Conv2D(1, 2, kernel: 5, stride: 1, padding: 2, rng: &rng), input: batch([2, 1, 4, 4], seed: 8),
                       training: true, "conv 5x5 s1 p2")
    }

    func testTransposedConvolutionGradients() {
        var rng = SplitMix64(seed: 9)
        checkGradients(Train.ConvTranspose2D(3, 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng),
                       input: batch([2, 3, 3, 4], seed: 10), training: true, "transposed conv 3x3 s2 p1 op1")
        checkGradients(Train.ConvTranspose2D(2, 3, kernel: 2, stride: 2, bias: false, rng: &rng),
                       input: batch([1, 2, 3, 2], seed: 11), training: true, "transposed conv 2x2 s2")
        checkGradients(Train.ConvTranspose2D(2, 2, kernel: 3, stride: 1, padding: 1, rng: &rng),
                       input: batch([2, 2, 4, 3], seed: 12), training: true, "transposed conv 3x3 s1 p1")
    }

    func randomisedBatchNorm(_ channels: Int, seed: UInt64) -> Train.BatchNorm {
        let bn = Train.BatchNorm(channels)
        bn.weight.value = Self.uniform(channels, seed: seed, low: 0.5, high: 1.5)
        bn.bias.value = Self.uniform(channels, seed: seed + 1, low: -0.2, high: 0.2)
        bn.runningMean.value = Self.uniform(channels, seed: seed + 2, low: -0.1, high: 0.1)
        bn.runningVar.value = Self.uniform(channels, seed: seed + 3, low: 0.5, high: 1.5)
        return bn
    }

    func testBatchNormGradientsWithBatchAndRunningStatistics() {
        for training in [true, false] {
            checkGradients(randomisedBatchNorm(3, seed: 13), input: batch([4, 3], seed: 14), training: training,
                           "batch-norm 1d, training \(training)")
            checkGradients(randomisedBatchNorm(2, seed: 15), input: batch([2, 2, 3, 3], seed: 16), training: training,
                           "batch-norm 2d, training \(training)")
        }
    }

    func testBatchNormMovesRunningStatisticsAsTorch() {
        let bn = Train.BatchNorm(1)
        // One channel, values 1 2 3 4: mean 2.5, biased variance 1.25, unbiased 5/3.
        _ = bn.forward(Batch(shape: [4, 1], values: [1, 2, 3, 4]), training: true)
        XCTAssertEqual(bn.runningMean.value[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVar.value[0], 0.9 + 0.1 * 5 / 3, accuracy: 1e-6)
        let y = bn.forward(Batch(shape: [4, 1], values: [1, 2, 3, 4]), training: true).values
        XCTAssertEqual(y[0], -1.5 / (1.25 + 1e-5).squareRoot(), accuracy: 1e-5)
        let evaluated = bn.forward(Batch(shape: [1, 1], values: [2]), training: false).values[0]
        XCTAssertEqual(evaluated, (2 - bn.runningMean.value[0]) / (bn.runningVar.value[0] + 1e-5).squareRoot(), accuracy: 1e-6)
    }

    func testActivationGradients() {
        let x = Batch(shape: [3, 2, 2, 2], values: Self.awayFromZero(24, seed: 17))
        checkGradients(Train.ReLU(), input: x, training: true, "relu")
        checkGradients(Train.LeakyReLU(), input: x, training: true, "leaky relu 0.01")
        checkGradients(Train.LeakyReLU(slope: 0.2), input: x, training: true, "leaky relu 0.2")
        checkGradients(Train.Sigmoid(), input: batch([2, 5], seed: 18), training: true, "sigmoid")
        checkGradients(Train.Reshape([8]), input: x, training: true, "flatten")
        checkGradients(Train.L2Normalize(), input: batch([3, 4], seed: 19), training: true, "l2 normalise")
        XCTAssertEqual(Train.LeakyReLU().forward(Batch(shape: [1, 2], values: [-2, 3]), training: false).values, [-0.02, 3])
    }

    func testSequentialGradientsAndNames() {
        var rng = SplitMix64(seed: 20)
        let model = Train.Sequential([
            Train.Conv2D(2, 3, kernel: 3, stride: 2, padding: 1, bias: false, rng: &rng), randomisedBatchNorm(3, seed: 21),
            Train.LeakyReLU(), Train.Reshape([12]), Train.Dense(12, 5, rng: &rng), Train.Sigmoid(),
        ])
        checkGradients(model, input: batch([3, 2, 4, 4], seed: 22), training: true, "conv bn leaky dense sigmoid")
        XCTAssertEqual(model.stateTensors.map(\.name), ["0.weight", "1.weight", "1.bias", "4.weight", "4.bias",
                                                         "1.running_mean", "1.running_var"])
    }

    func testLossGradients() {
        let prediction = batch([2, 3], seed: 23), target = batch([2, 3], seed: 24)
        let mse = Train.meanSquaredError(prediction, target)
        var numeric = [Double]()
        for i in prediction.values.indices {
            var plus = prediction, minus = prediction
            plus.values[i] += 1e-2
            minus.values[i] -= 1e-2
            numeric.append(Double(Train.meanSquaredError(plus, target).loss - Train.meanSquaredError(minus, target).loss) / 2e-2)
        }
        assertClose(numeric, mse.gradient.values, 1e-3, "mse")
        XCTAssertEqual(Double(mse.loss), zip(prediction.values, target.values).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 6, accuracy: 1e-6)

        let (a, p, n) = (batch([4, 3], seed: 25), batch([4, 3], seed: 26), batch([4, 3], seed: 27))
        for distance in Train.TripletDistance.allCases {
            // A margin wide enough that every hinge is open: the loss is smooth where it is sampled.
            let margin: Float = 10
            let value = Train.tripletMarginLoss(anchor: a, positive: p, negative: n, margin: margin, distance: distance)
            XCTAssertEqual(value.active, 4)
            for (which, analytic) in [(0, value.anchor), (1, value.positive), (2, value.negative)] {
                var numeric = [Double]()
                for i in a.values.indices {
                    var sides = [[a, p, n], [a, p, n]]
                    sides[0][which].values[i] += 1e-2
                    sides[1][which].values[i] -= 1e-2
                    let up = Train.tripletMarginLoss(anchor: sides[0][0], positive: sides[0][1], negative: sides[0][2], margin: margin, distance: distance).loss
                    let down = Train.tripletMarginLoss(anchor: sides[1][0], positive: sides[1][1], negative: sides[1][2], margin: margin, distance: distance).loss
                    numeric.append(Double(up - down) / 2e-2)
                }
                assertClose(numeric, analytic.values, 2e-3, "triplet \(distance) side \(which)")
            }
        }
        // A closed hinge gives no loss and no gradient.
        let closed = Train.tripletMarginLoss(anchor: a, positive: a, negative: n, margin: 0, distance: .squaredEuclidean)
        XCTAssertEqual(closed.loss, 0)
        XCTAssertTrue(closed.anchor.values.allSatisfy { $0 == 0 })
    }

    // MARK: against torch

    nonisolated(unsafe) static let goldens: [String: Any] = try! FixturePaths.json(
        FixturePaths.repositoryRoot.appendingPathComponent("Tests/LookalikeTests/training-goldens.json"))

    static func golden(_ any: Any) -> Batch {
        let entry = any as! [String: Any]
        return Batch(shape: entry["shape"] as! [Int], values: (entry["values"] as! [Double]).map(Float.init))
    }

    /// Sets every tensor of `model` from the golden's; the names must be exactly the same set.
    func assign(_ model: any Train.Layer, _ tensors: [String: Any]) {
        XCTAssertEqual(Set(model.stateTensors.map(\.name)), Set(tensors.keys))
        for (name, p) in model.stateTensors {
            let t = Self.golden(tensors[name]!)
            XCTAssertEqual(t.shape, p.shape, name)
            p.value = t.values
        }
    }

    /// Worst |got - expected| / max(|expected|, floor) over the golden's tensors.
    func compare(_ model: any Train.Layer, gradients: Bool = false, _ tensors: [String: Any], tolerance: Float,
                 floor: Float = 1e-2, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for (name, p) in gradients ? model.parameters : model.stateTensors {
            let expected = Self.golden(tensors[name]!).values
            let got = gradients ? p.gradient : p.value
            let scale = max(expected.map(abs).max()!, floor)
            let worst = zip(got, expected).map { abs($0 - $1) }.max()! / scale
            XCTAssertLessThan(worst, tolerance, "\(what) \(name): worst difference \(worst) of its largest value", file: file, line: line)
        }
    }

    func testThreeAdamStepsOfATinyAutoencoderMatchTorch() {
        let golden = Self.goldens["autoencoder"] as! [String: Any]
        var rng = SplitMix64(seed: 0)
        let model = Train.Sequential([
            Train.Conv2D(3, 4, kernel: 3, stride: 2, padding: 1, bias: false, rng: &rng), Train.BatchNorm(4), Train.LeakyReLU(),
            Train.Conv2D(4, 4, kernel: 3, stride: 1, padding: 1, rng: &rng), Train.LeakyReLU(), Train.Reshape([64]),
            Train.Dense(64, 6, bias: false, rng: &rng), Train.BatchNorm(6), Train.LeakyReLU(), Train.Dense(6, 64, rng: &rng),
            Train.Reshape([4, 4, 4]), Train.ConvTranspose2D(4, 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng),
            Train.Sigmoid(),
        ])
        assign(model, golden["initial"] as! [String: Any])
        let x = Self.golden(golden["input"]!)
        let adam = Train.Adam(parameters: model.parameters.map(\.parameter), learningRate: Float(golden["learning_rate"] as! Double))
        var losses: [Float] = []
        for step in 0..<3 {
            adam.zeroGradients()
            let value = Train.meanSquaredError(model.forward(x, training: true), x)
            _ = model.backward(value.gradient)
            if step == 0 { compare(model, gradients: true, golden["first_gradients"] as! [String: Any], tolerance: 1e-4, floor: 0, "first gradient") }
            adam.step()
            losses.append(value.loss)
        }
        for (got, expected) in zip(losses, (golden["losses"] as! [Double]).map(Float.init)) {
            XCTAssertEqual(got, expected, accuracy: 1e-5 * expected, "losses \(losses)")
        }
        compare(model, golden["final"] as! [String: Any], tolerance: 1e-5, "after three steps")
        let evaluated = model.forward(x, training: false).values
        let expected = (golden["eval_output"] as! [Double]).map(Float.init)
        XCTAssertLessThan(zip(evaluated, expected).map { abs($0 - $1) }.max()!, 1e-5, "evaluation output")
    }

    func testThreeAdamStepsOfATripletHeadMatchTorchForBothDistances() {
        let golden = Self.goldens["triplet"] as! [String: Any]
        let sides = ["anchor", "positive", "negative"].map { name in
            Batch(shape: [6, 5], values: (golden[name] as! [Double]).map(Float.init)).values.chunked(5)
        }
        for distance in Train.TripletDistance.allCases {
            let run = (golden["runs"] as! [String: Any])[distance.rawValue] as! [String: Any]
            // torch's Linear(5, 8) ReLU Linear(8, 4) then F.normalize: the head's own layout and names.
            let head = TripletHead(inputDimension: 5, outputDimension: 4, hiddenDimension: 8)
            assign(head.network, golden["initial"] as! [String: Any])
            let adam = head.makeOptimiser(learningRate: Float(golden["learning_rate"] as! Double))
            var losses: [Float] = []
            for step in 0..<3 {
                losses.append(head.trainingStep(anchors: sides[0], positives: sides[1], negatives: sides[2], optimiser: adam,
                                                margin: Float(golden["margin"] as! Double), distance: distance))
                // The step leaves the gradients it used in place.
                if step == 0 { compare(head.network, gradients: true, run["first_gradients"] as! [String: Any], tolerance: 1e-4, floor: 0, "\(distance) first gradient") }
            }
            for (got, expected) in zip(losses, (run["losses"] as! [Double]).map(Float.init)) {
                XCTAssertEqual(got, expected, accuracy: 1e-5 * max(expected, 1e-2), "\(distance) losses \(losses)")
            }
            compare(head.network, run["final"] as! [String: Any], tolerance: 1e-5, "\(distance) after three steps")
        }
    }

    func testATinyModelTrainsAndItsLossFalls() {
        var rng = SplitMix64(seed: 30)
        let model = Train.Sequential([
            Train.Conv2D(3, 8, kernel: 3, stride: 2, padding: 1, bias: false, rng: &rng), Train.BatchNorm(8), Train.LeakyReLU(),
            Train.Reshape([8 * 4 * 4]), Train.Dense(128, 4, rng: &rng), Train.Dense(4, 128, rng: &rng), Train.Reshape([8, 4, 4]),
            Train.ConvTranspose2D(8, 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng), Train.Sigmoid(),
        ])
        // Smooth images: a gradient of random direction per image, which a 4-value code can describe.
        var images: [Float] = []
        var pick = SplitMix64(seed: 31)
        for _ in 0..<8 {
            let (a, b, c) = (Float(pick.next() % 100) / 100, Float(pick.next() % 100) / 100, Float(pick.next() % 100) / 100)
            for channel in 0..<3 { for y in 0..<8 { for x in 0..<8 {
                images.append((a * Float(x) / 7 + b * Float(y) / 7 + c * Float(channel) / 2) / 3)
            } } }
        }
        let x = Batch(shape: [8, 3, 8, 8], values: images)
        let adam = Train.Adam(parameters: model.parameters.map(\.parameter), learningRate: 0.01)
        var losses: [Float] = []
        for _ in 0..<40 {
            adam.zeroGradients()
            let value = Train.meanSquaredError(model.forward(x, training: true), x)
            _ = model.backward(value.gradient)
            adam.step()
            losses.append(value.loss)
        }
        XCTAssertLessThan(losses.last!, losses.first! * 0.3, "losses \(losses)")
    }
}

private extension Array {
    /// Consecutive runs of `size` elements.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
