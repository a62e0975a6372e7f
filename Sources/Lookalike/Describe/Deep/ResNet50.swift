import Foundation

/// torchvision's ResNet50 (v1.5: stride 2 on the 3x3 convolution of each down-sampling bottleneck), run on CPU
/// with OpenBLAS: batch-norm folded into the convolutions at load time, convolutions as im2col + sgemm (1x1
/// stride-1 convolutions need no im2col). `embed` returns the 2048-d global-average-pool output.
public final class ResNet50: @unchecked Sendable {
    struct Conv {
        let cout: Int, cin: Int, kernel: Int, stride: Int, pad: Int
        let weights: [Float]   // cout x (cin * kernel * kernel)
        let bias: [Float]
    }

    struct Bottleneck {
        let conv1: Conv, conv2: Conv, conv3: Conv
        let downsample: Conv?
    }

    let stem: Conv
    let blocks: [Bottleneck]

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
        var problems: [String] = []
        let expected = Dictionary(uniqueKeysWithValues: Self.stateDictShapes.map { ($0.name, $0.shape) })
        for (name, shape) in Self.stateDictShapes where !name.hasPrefix("fc.") && !name.hasSuffix("num_batches_tracked") {
            guard let t = stateDict[name] else { problems.append("missing \(name)"); continue }
            if t.shape != shape { problems.append("\(name) has shape \(t.shape), expected \(shape)") }
        }
        let extra = stateDict.keys.filter { expected[$0] == nil }.sorted()
        if !extra.isEmpty { problems.append("unexpected tensors: \(extra.prefix(8).joined(separator: ", "))\(extra.count > 8 ? ", ..." : "")") }
        guard problems.isEmpty else {
            throw LoadError(description: "not a torchvision ResNet50 state dict: " + problems.prefix(12).joined(separator: "; "))
        }
        func conv(_ name: String, bn: String, stride: Int, pad: Int) -> Conv {
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
            return Conv(cout: cout, cin: cin, kernel: k, stride: stride, pad: pad, weights: weights, bias: bias)
        }
        stem = conv("conv1", bn: "bn1", stride: 2, pad: 3)
        var blocks: [Bottleneck] = []
        for (s, stage) in Self.stages.enumerated() {
            for b in 0..<stage.blocks {
                let p = "layer\(s + 1).\(b)", stride = b == 0 ? stage.stride : 1
                blocks.append(Bottleneck(
                    conv1: conv(p + ".conv1", bn: p + ".bn1", stride: 1, pad: 0),
                    conv2: conv(p + ".conv2", bn: p + ".bn2", stride: stride, pad: 1),
                    conv3: conv(p + ".conv3", bn: p + ".bn3", stride: 1, pad: 0),
                    downsample: b == 0 ? conv(p + ".downsample.0", bn: p + ".downsample.1", stride: stride, pad: 0) : nil))
            }
        }
        self.blocks = blocks
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
        var rng = SplitMix64(seed: seed)
        func u() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        var out: [String: Tensor] = [:]
        for (name, shape) in stateDictShapes where !name.hasPrefix("fc.") && !name.hasSuffix("num_batches_tracked") {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            if shape.count == 4 {
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

    // MARK: Forward

    /// The 2048-d global-average-pool output for one 3 x 224 x 224 input (CHW), not normalised.
    public func embed(_ input: [Float]) -> [Float] {
        precondition(input.count == 3 * 224 * 224, "ResNet50 wants 3 x 224 x 224 floats")
        var x = Activation(channels: 3, height: 224, width: 224, values: input)
        x = Self.run(stem, x, relu: true)
        x = Self.maxPool(x)
        for block in blocks {
            let identity = block.downsample.map { Self.run($0, x, relu: false) } ?? x
            var y = Self.run(block.conv1, x, relu: true)
            y = Self.run(block.conv2, y, relu: true)
            y = Self.run(block.conv3, y, relu: false)
            for i in y.values.indices { y.values[i] = max(0, y.values[i] + identity.values[i]) }
            x = y
        }
        let hw = x.height * x.width
        return (0..<x.channels).map { c in
            var sum: Float = 0
            for i in 0..<hw { sum += x.values[c * hw + i] }
            return sum / Float(hw)
        }
    }

    struct Activation {
        var channels: Int, height: Int, width: Int
        var values: [Float]
    }

    static func run(_ conv: Conv, _ x: Activation, relu: Bool) -> Activation {
        let ho = (x.height + 2 * conv.pad - conv.kernel) / conv.stride + 1
        let wo = (x.width + 2 * conv.pad - conv.kernel) / conv.stride + 1
        let hw = ho * wo, k = conv.cin * conv.kernel * conv.kernel
        var out = [Float](repeating: 0, count: conv.cout * hw)
        let direct = conv.kernel == 1 && conv.stride == 1 && conv.pad == 0
        let columns = direct ? x.values : im2col(x, conv: conv, ho: ho, wo: wo)
        conv.weights.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { col in
                out.withUnsafeMutableBufferPointer { o in
                    NativeBLAS.product(m: conv.cout, n: hw, k: k, a: w.baseAddress!, b: col.baseAddress!, c: o.baseAddress!)
                }
            }
        }
        out.withUnsafeMutableBufferPointer { o in
            for c in 0..<conv.cout {
                let b = conv.bias[c]
                let row = UnsafeMutableBufferPointer(rebasing: o[(c * hw)..<((c + 1) * hw)])
                if relu { for i in row.indices { row[i] = max(0, row[i] + b) } } else { for i in row.indices { row[i] += b } }
            }
        }
        return Activation(channels: conv.cout, height: ho, width: wo, values: out)
    }

    /// Rows (channel, ky, kx), columns output pixels; zero outside the image.
    static func im2col(_ x: Activation, conv: Conv, ho: Int, wo: Int) -> [Float] {
        let k = conv.kernel, hw = ho * wo
        var col = [Float](repeating: 0, count: conv.cin * k * k * hw)
        x.values.withUnsafeBufferPointer { src in
            col.withUnsafeMutableBufferPointer { dst in
                for c in 0..<conv.cin {
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let row = ((c * k + ky) * k + kx) * hw
                            for oy in 0..<ho {
                                let iy = oy * conv.stride - conv.pad + ky
                                guard iy >= 0 && iy < x.height else { continue }
                                let srcRow = (c * x.height + iy) * x.width
                                let dstRow = row + oy * wo
                                for ox in 0..<wo {
                                    let ix = ox * conv.stride - conv.pad + kx
                                    if ix >= 0 && ix < x.width { dst[dstRow + ox] = src[srcRow + ix] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return col
    }

    /// 3 x 3, stride 2, padding 1 (padding never wins: it is -infinity).
    static func maxPool(_ x: Activation) -> Activation {
        let ho = (x.height + 2 - 3) / 2 + 1, wo = (x.width + 2 - 3) / 2 + 1
        var out = [Float](repeating: -.infinity, count: x.channels * ho * wo)
        for c in 0..<x.channels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var m = -Float.infinity
                    for ky in 0..<3 {
                        let iy = oy * 2 - 1 + ky
                        guard iy >= 0 && iy < x.height else { continue }
                        for kx in 0..<3 {
                            let ix = ox * 2 - 1 + kx
                            if ix >= 0 && ix < x.width { m = max(m, x.values[(c * x.height + iy) * x.width + ix]) }
                        }
                    }
                    out[(c * ho + oy) * wo + ox] = m
                }
            }
        }
        return Activation(channels: x.channels, height: ho, width: wo, values: out)
    }
}
