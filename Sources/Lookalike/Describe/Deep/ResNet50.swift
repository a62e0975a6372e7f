import Foundation

/// torchvision's ResNet50 (v1.5: stride 2 on the 3x3 convolution of each down-sampling bottleneck), run on CPU
/// by conv.c (`NativeResNet`): batch-norm folded into the convolutions at load time, weights packed once,
/// NHWC activations, implicit-GEMM convolutions with fused bias/residual/ReLU. `embed` returns the 2048-d
/// global-average-pool output.
public final class ResNet50: Sendable {
    let native: NativeResNet

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Layer widths and block counts of ResNet50.
    static let stages: [(width: Int, blocks: Int, stride: Int)] = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]

    /// Every tensor torchvision's resnet50 state dict holds, in its order, with its shape.
    public static let stateDictShapes: [(name: String, shape: [Int])] = {
        var out: [(String, [Int])] = []
        func bn(_ prefix: String, _ c: Int) {
            for s in ["weight", "bias", "running_mean", "running_var"] { out.append(("\(prefix).\(s)", [c])) }
            out.append(("\(prefix).num_batches_tracked", []))
        }
        out.append(("conv1.weight", [64, 3, 7, 7]))
        bn("bn1", 64)
        var inplanes = 64
        for (s, stage) in stages.enumerated() {
            for b in 0..<stage.blocks {
                let p = "layer\(s + 1).\(b)", w = stage.width
                out.append(("\(p).conv1.weight", [w, inplanes, 1, 1])); bn("\(p).bn1", w)
                out.append(("\(p).conv2.weight", [w, w, 3, 3])); bn("\(p).bn2", w)
                out.append(("\(p).conv3.weight", [4 * w, w, 1, 1])); bn("\(p).bn3", 4 * w)
                if b == 0 {
                    out.append(("\(p).downsample.0.weight", [4 * w, inplanes, 1, 1])); bn("\(p).downsample.1", 4 * w)
                }
                inplanes = 4 * w
            }
        }
        out.append(("fc.weight", [1000, 2048]))
        out.append(("fc.bias", [1000]))
        return out
    }()

    /// Builds the network from a state dict; refuses missing, extra or mis-shaped tensors, naming them.
    /// `fc.*` may be absent (the embedding does not use it).
    public init(stateDict: [String: Tensor]) throws {
        try StateDictCheck.check(stateDict, shapes: Self.stateDictShapes, network: "a torchvision ResNet50",
                                 optional: { $0.hasPrefix("fc.") || $0.hasSuffix("num_batches_tracked") })
        func conv(_ name: String, bn: String, stride: Int, pad: Int) -> NativeResNet.Convolution {
            let w = stateDict[name + ".weight"]!
            let (cout, cin, k) = (w.shape[0], w.shape[1], w.shape[2])
            let gamma = stateDict[bn + ".weight"]!.values, beta = stateDict[bn + ".bias"]!.values
            let mean = stateDict[bn + ".running_mean"]!.values, variance = stateDict[bn + ".running_var"]!.values
            var weights = w.values
            var bias = [Float](repeating: 0, count: cout)
            let per = cin * k * k
            for o in 0..<cout {
                let scale = Double(gamma[o]) / (Double(variance[o]) + 1e-5).squareRoot()
                for i in 0..<per { weights[o * per + i] = Float(Double(weights[o * per + i]) * scale) }
                bias[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
            }
            return .init(shape: .init(cout: cout, cin: cin, kernel: k, stride: stride, pad: pad), weights: weights, bias: bias)
        }
        // Layer order NativeResNet wants: stem, then per block conv1, conv2, conv3, downsample (first blocks).
        var layers: [(name: String, bn: String, stride: Int, pad: Int)] = [("conv1", "bn1", 2, 3)]
        var hasDownsample: [Bool] = []
        for (s, stage) in Self.stages.enumerated() {
            for b in 0..<stage.blocks {
                let p = "layer\(s + 1).\(b)", stride = b == 0 ? stage.stride : 1
                layers.append((p + ".conv1", p + ".bn1", 1, 0))
                layers.append((p + ".conv2", p + ".bn2", stride, 1))
                layers.append((p + ".conv3", p + ".bn3", 1, 0))
                if b == 0 { layers.append((p + ".downsample.0", p + ".downsample.1", stride, 0)) }
                hasDownsample.append(b == 0)
            }
        }
        native = NativeResNet(hasDownsample: hasDownsample) { i in
            conv(layers[i].name, bn: layers[i].bn, stride: layers[i].stride, pad: layers[i].pad)
        }
    }

    /// Loads a checkpoint file (torch zip or legacy, safetensors).
    public convenience init(checkpoint path: String) throws {
        do { try self.init(stateDict: try TensorArchive.load(path: path)) } catch let error as LoadError {
            throw LoadError(description: "\(path): \(error.description)")
        }
    }

    /// Weights from a seeded generator (tests and benchmarks; `Scripts/make_resnet50_goldens.py` makes the same
    /// ones in PyTorch): SplitMix64 values in state-dict order, fc and num_batches_tracked skipped; convolutions
    /// uniform with variance 1/fan_in, BN gamma 0.5 + u, beta 0.2(2u - 1), mean 0.1(2u - 1), var 0.5 + u.
    public static func seededStateDict(seed: UInt64 = 2026) -> [String: Tensor] {
        SeededWeights.stateDict(stateDictShapes.filter { !$0.name.hasPrefix("fc.") }, seed: seed)
    }

    // MARK: Forward

    /// The convolution micro-kernel in use: `avx512`, `avx2` or `portable`.
    public static var kernelName: String { "\(NativeConv.kernel)" }

    /// Forces a micro-kernel by name (benchmarks and tests of the fallbacks); nil or an unknown or unsupported
    /// name means the best the CPU has. Returns the name of the one in use.
    @discardableResult
    public static func useKernel(named name: String?) -> String {
        "\(NativeConv.useKernel(NativeConv.Kernel.allCases.first { "\($0)" == name }))"
    }

    /// Whether networks made from now on run the bottlenecks' 3x3 stride-1 convolutions by Winograd F(2x2, 3x3)
    /// (the default) or directly (benchmarks compare the two). Returns the setting before.
    @discardableResult
    public static func useWinograd(_ enabled: Bool) -> Bool { NativeMobileNet.useWinograd(enabled) }

    /// Threads a forward pass uses unless told: every core.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The 2048-d global-average-pool output for one 3 x 224 x 224 input (CHW), not normalised. `threads` work
    /// on this image together; callers that run their own workers pass 1.
    public func embed(_ input: [Float], threads: Int = ResNet50.defaultThreads) -> [Float] {
        precondition(input.count == 3 * 224 * 224, "ResNet50 wants 3 x 224 x 224 floats")
        return input.withUnsafeBufferPointer { native.forward($0, images: 1, threads: max(1, threads)) }
    }

    /// `embed` for several images, run as passes of up to `NativeResNet.maxBatch` images, every thread on each
    /// pass: late layers (49 pixels an image) get more rows per weight panel while early activations stay in cache.
    public func embedBatch(_ inputs: [[Float]], threads: Int = ResNet50.defaultThreads) -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        precondition(inputs.allSatisfy { $0.count == 3 * 224 * 224 }, "ResNet50 wants 3 x 224 x 224 floats")
        if threads > 1 && inputs.count >= threads {
            // At least an image per thread: each thread runs whole images alone, with no barrier between layers
            // and its own activations in its own cache. Measured on 2 Zen 5 cores, 16 images: 24.6 images/s
            // against 21.3 for passes of 4 with both threads on each (52.3 against 50.3 on another machine).
            // Each image's arithmetic does not depend on the thread count, so the features are the same.
            return Parallel.mapChunks(count: inputs.count, workers: threads, chunk: 1) { embed(inputs[$0.lowerBound], threads: 1) }
        }
        let joined = Array(inputs.joined())
        let out = joined.withUnsafeBufferPointer { native.forward($0, images: inputs.count, threads: max(1, threads)) }
        let width = native.outputChannels
        return (0..<inputs.count).map { Array(out[($0 * width)..<(($0 + 1) * width)]) }
    }
}
