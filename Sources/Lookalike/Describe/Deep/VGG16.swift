import Foundation

/// torchvision's VGG16 (Simonyan and Zisserman, configuration D; the layout of Keras's VGG16 too): 13 3x3
/// convolutions with ReLU in five stages of 2, 2, 3, 3 and 3, each stage closed by a 2x2 max pool, then the fully
/// connected layers. `embed` returns `fc1` after its ReLU (4,096 numbers: what Keras's `fc1` layer gives), the
/// image feature of the design documents' visual search. The convolutions and pools run on mobile.c's sequential
/// network (the implicit-GEMM convolution of conv.c, "same" padding, which for 3x3 stride 1 is torch's padding 1);
/// `fc1` is one sgemm over the flattened 7x7x512 map, its columns permuted once at load from torch's CHW
/// flattening to the engine's HWC.
public final class VGG16: Sendable {
    let native: NativeMobileNet
    /// fc1's weights, fc x (7 * 7 * last stage width), columns in HWC order; and its bias.
    let fcWeights: [Float]
    let fcBias: [Float]
    public let outputDimension: Int
    let flattened: Int

    /// Output channels of the 13 convolutions per stage, as multiples of the first stage's width.
    static let stages: [[Int]] = [[1, 1], [2, 2], [4, 4, 4], [8, 8, 8], [8, 8, 8]]
    public static let inputSize = 224

    /// The state-dict shapes of a VGG16 whose first stage has `width` channels and whose fc layers `fc` outputs
    /// (torchvision's: 64 and 4096), in torchvision's order: `features.N.weight/bias` at the convolutions' indices
    /// of the `features` Sequential (pools and ReLUs hold no tensors), then `classifier.0` (fc1), `classifier.3`
    /// (fc2) and `classifier.6` (the 1,000 classes).
    public static func stateDictShapes(width: Int = 64, fc: Int = 4096) -> [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = []
        var index = 0, cin = 3
        for stage in stages {
            for multiple in stage {
                let cout = width * multiple
                out.append(("features.\(index).weight", [cout, cin, 3, 3]))
                out.append(("features.\(index).bias", [cout]))
                index += 2  // the convolution, then its ReLU
                cin = cout
            }
            index += 1  // the stage's max pool
        }
        out.append(("classifier.0.weight", [fc, cin * 7 * 7]))
        out.append(("classifier.0.bias", [fc]))
        out.append(("classifier.3.weight", [fc, fc]))
        out.append(("classifier.3.bias", [fc]))
        out.append(("classifier.6.weight", [1000, fc]))
        out.append(("classifier.6.bias", [1000]))
        return out
    }

    /// torchvision's VGG16 from its state dict (torch zip or legacy checkpoint, safetensors); refuses missing,
    /// extra or mis-shaped tensors, naming them. `classifier.3` and `classifier.6` may be absent (unused).
    public convenience init(stateDict: [String: Tensor]) throws {
        try self.init(stateDict: stateDict, width: 64, fc: 4096)
    }

    /// Any width (tests run a narrow VGG16 of the same layout: the full one's seeded weights are 0.5 GB).
    init(stateDict: [String: Tensor], width: Int, fc: Int) throws {
        try StateDictCheck.check(stateDict, shapes: Self.stateDictShapes(width: width, fc: fc), network: "a torchvision VGG16",
                                 optional: Self.unused)
        // Layers for the engine: each convolution (ReLU fused), and a 2x2 max pool after each stage.
        var layers: [NativeMobileNet.Layer] = []
        var index = 0, cin = 3
        for stage in Self.stages {
            for multiple in stage {
                let cout = width * multiple
                layers.append(.init(depthwise: false, cout: cout, cin: cin, kernel: 3, stride: 1, activation: 1, residualFrom: nil,
                                    weights: stateDict["features.\(index).weight"]!.values,
                                    bias: stateDict["features.\(index).bias"]!.values))
                index += 2
                cin = cout
            }
            layers.append(.maxPool(kernel: 2, stride: 2))
            index += 1
        }
        native = NativeMobileNet(count: layers.count, inputSize: Self.inputSize) { layers[$0] }
        precondition(native.outputPixels == 49 && native.outputChannels == cin)
        // torch flattens the 512 x 7 x 7 map channel-major (c * 49 + p); the engine's map is pixel-major (p * 512 + c).
        let torchWeights = stateDict["classifier.0.weight"]!.values
        let columns = cin * 49
        var permuted = [Float](repeating: 0, count: fc * columns)
        for o in 0..<fc {
            for c in 0..<cin { for p in 0..<49 { permuted[o * columns + p * cin + c] = torchWeights[o * columns + c * 49 + p] } }
        }
        fcWeights = permuted
        fcBias = stateDict["classifier.0.bias"]!.values
        outputDimension = fc
        flattened = columns
    }

    /// Whether networks made from now on run the 3x3 convolutions past the first by Winograd F(2x2, 3x3) (the
    /// default) or directly (benchmarks compare the two). Returns the setting before.
    @discardableResult
    public static func useWinograd(_ enabled: Bool) -> Bool { NativeMobileNet.useWinograd(enabled) }

    /// Loads a checkpoint file.
    public convenience init(checkpoint path: String) throws {
        do { try self.init(stateDict: try TensorArchive.load(path: path)) } catch let error as ResNet50.LoadError {
            throw ResNet50.LoadError(description: "\(path): \(error.description)")
        }
    }

    /// Weights from a seeded generator, as `ResNet50.seededStateDict` (convolution and fc weights uniform with
    /// variance 1/fan_in, biases 0.2(2u - 1)), fc2 and the classes skipped; `Scripts/make_vgg16_goldens.py` makes
    /// the same in PyTorch.
    public static func seededStateDict(width: Int = 64, fc: Int = 4096, seed: UInt64 = 2026) -> [String: Tensor] {
        SeededWeights.stateDict(stateDictShapes(width: width, fc: fc).filter { !unused($0.name) }, seed: seed)
    }

    /// fc2 and the class layer: in every checkpoint, read by nothing here.
    static func unused(_ name: String) -> Bool { name.hasPrefix("classifier.3") || name.hasPrefix("classifier.6") }

    /// fc1 after its ReLU for one 3 x 224 x 224 input (CHW, `ImageNetInput`), not normalised.
    public func embed(_ input: [Float], threads: Int = ResNet50.defaultThreads) -> [Float] {
        embedBatch([input], threads: threads)[0]
    }

    /// `embed` for several images: the convolutions in passes of up to 4 images, fc1 as one product for all.
    public func embedBatch(_ inputs: [[Float]], threads: Int = ResNet50.defaultThreads) -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let side = Self.inputSize
        precondition(inputs.allSatisfy { $0.count == 3 * side * side }, "VGG16 wants 3 x 224 x 224 floats")
        // One image is run from its own array: joining would copy (and fault in) 0.6 MB for nothing.
        let maps = inputs.count == 1
            ? inputs[0].withUnsafeBufferPointer { native.forward($0, images: 1, threads: max(1, threads), pooling: .none) }
            : Array(inputs.joined()).withUnsafeBufferPointer { native.forward($0, images: inputs.count, threads: max(1, threads), pooling: .none) }
        var out = [Float](repeating: 0, count: inputs.count * outputDimension)
        NativeBLAS.setThreads(max(1, threads))
        maps.withUnsafeBufferPointer { a in
            fcWeights.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    if inputs.count == 1 {
                        // fc1's 411 MB streamed once; sgemm would first copy them into its panels.
                        NativeBLAS.matrixVector(m: outputDimension, n: flattened, a: b.baseAddress!, x: a.baseAddress!, y: c.baseAddress!)
                    } else {
                        NativeBLAS.productWithTranspose(m: inputs.count, n: outputDimension, depth: flattened,
                                                        a: a.baseAddress!, b: b.baseAddress!, c: c.baseAddress!)
                    }
                }
            }
        }
        NativeBLAS.setThreads(1)
        for i in 0..<inputs.count {
            for o in 0..<outputDimension { out[i * outputDimension + o] = max(0, out[i * outputDimension + o] + fcBias[o]) }
        }
        return (0..<inputs.count).map { Array(out[($0 * outputDimension)..<(($0 + 1) * outputDimension)]) }
    }
}
