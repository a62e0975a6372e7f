import XCTest
@testable import Lookalike

/// conv.c against a naive convolution, on sizes that leave partial pixel tiles, several K chunks and padding,
/// with every micro-kernel this CPU can run (so the AVX2 and portable fallbacks are checked on AVX-512 machines).
final class ConvKernelTests: XCTestCase {
    struct Case {
        let shape: NativeConv.Shape
        let images: Int, height: Int, width: Int
        let chwInput: Bool, residual: Bool, relu: Bool
    }

    static let cases: [Case] = [
        // 1x1 stride 1 over 2 x 5 x 7 pixels: 70 rows, tiles of 11 and 12.
        Case(shape: .init(cout: 64, cin: 37, kernel: 1, stride: 1, pad: 0), images: 2, height: 5, width: 7,
             chwInput: false, residual: true, relu: true),
        // 3x3 stride 2 with padding, odd input sizes.
        Case(shape: .init(cout: 32, cin: 19, kernel: 3, stride: 2, pad: 1), images: 1, height: 9, width: 11,
             chwInput: false, residual: false, relu: true),
        // K = 9 x 300 = 2700: eleven K chunks that cut through taps, accumulated in the output.
        Case(shape: .init(cout: 96, cin: 300, kernel: 3, stride: 1, pad: 1), images: 1, height: 4, width: 3,
             chwInput: false, residual: true, relu: false),
        // The stem's path: CHW input, 7x7 stride 2 padding 3.
        Case(shape: .init(cout: 64, cin: 3, kernel: 7, stride: 2, pad: 3), images: 2, height: 13, width: 10,
             chwInput: true, residual: false, relu: true),
        // Downsample: 1x1 stride 2, a single pixel row per tile at the end.
        Case(shape: .init(cout: 32, cin: 40, kernel: 1, stride: 2, pad: 0), images: 1, height: 7, width: 7,
             chwInput: false, residual: false, relu: false),
    ]

    /// Naive NCHW/NHWC convolution in Double; result (images * ho * wo) x cout.
    static func reference(_ c: Case, weights: [Float], bias: [Float], input: [Float], residual: [Float]?) -> [Float] {
        let s = c.shape, ho = s.outputSize(c.height), wo = s.outputSize(c.width)
        var out = [Float](repeating: 0, count: c.images * ho * wo * s.cout)
        for n in 0..<c.images {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let row = (n * ho + oy) * wo + ox
                    for o in 0..<s.cout {
                        var sum = Double(bias[o])
                        for ci in 0..<s.cin {
                            for ky in 0..<s.kernel {
                                for kx in 0..<s.kernel {
                                    let iy = oy * s.stride - s.pad + ky, ix = ox * s.stride - s.pad + kx
                                    guard iy >= 0 && iy < c.height && ix >= 0 && ix < c.width else { continue }
                                    let x = c.chwInput ? input[((n * s.cin + ci) * c.height + iy) * c.width + ix]
                                                       : input[((n * c.height + iy) * c.width + ix) * s.cin + ci]
                                    sum += Double(weights[((o * s.cin + ci) * s.kernel + ky) * s.kernel + kx]) * Double(x)
                                }
                            }
                        }
                        if let residual { sum += Double(residual[row * s.cout + o]) }
                        out[row * s.cout + o] = Float(c.relu ? max(0, sum) : sum)
                    }
                }
            }
        }
        return out
    }

    func testEveryKernelMatchesANaiveConvolution() {
        defer { NativeConv.useKernel(nil) }
        var rng = SplitMix64(seed: 77)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float(Double(rng.next() >> 11) * 0x1p-53 * 2 - 1) } }
        var checked: [NativeConv.Kernel] = []
        for kernel in NativeConv.Kernel.allCases {
            guard NativeConv.useKernel(kernel) == kernel else {
                print("ConvKernelTests: the \(kernel) kernel was NOT checked: this CPU cannot run it")
                continue
            }
            checked.append(kernel)
            for c in Self.cases {
                let s = c.shape, k = s.cin * s.kernel * s.kernel
                let weights = values(s.cout * k), bias = values(s.cout)
                let input = values(c.images * s.cin * c.height * c.width)
                let outCount = c.images * s.outputSize(c.height) * s.outputSize(c.width) * s.cout
                let residual = c.residual ? values(outCount) : nil
                let got = NativeConv.convolution(shape: s, weights: weights, bias: bias, chwInput: c.chwInput, input: input,
                                                 images: c.images, height: c.height, width: c.width,
                                                 residual: residual, relu: c.relu)
                let expected = Self.reference(c, weights: weights, bias: bias, input: input, residual: residual)
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-6 * Float(k) + 1e-5, "\(kernel) \(s)")
            }
        }
        XCTAssertTrue(checked.contains(.portable), "the portable kernel runs everywhere")
        print("ConvKernelTests: checked the \(checked.map { "\($0)" }.joined(separator: ", ")) kernel(s)")
    }
}

/// mobile.c's pieces against naive references: depthwise convolutions and dense ones with TensorFlow's "same"
/// padding (odd padding after), output channels that are not a multiple of 32, and ReLU6; every kernel the CPU has.
final class MobileKernelTests: XCTestCase {
    /// "same" geometry: output ceil(size / stride), padding before = half the total (rounded down).
    static func same(_ size: Int, _ k: Int, _ s: Int) -> (out: Int, before: Int) {
        let out = (size + s - 1) / s
        return (out, max((out - 1) * s + k - size, 0) / 2)
    }

    static func activate(_ v: Double, _ act: Int32) -> Float {
        Float(act == 0 ? v : act == 1 ? max(0, v) : min(6, max(0, v)))
    }

    func values(_ count: Int, _ rng: inout SplitMix64, scale: Double = 1) -> [Float] {
        (0..<count).map { _ in Float((Double(rng.next() >> 11) * 0x1p-53 * 2 - 1) * scale) }
    }

    func testDepthwiseMatchesANaiveConvolution() {
        defer { NativeConv.useKernel(nil) }
        var rng = SplitMix64(seed: 5)
        var checked: [NativeConv.Kernel] = []
        for kernel in NativeConv.Kernel.allCases {
            guard NativeConv.useKernel(kernel) == kernel else { continue }
            checked.append(kernel)
            for (c, k, s, h, w, act) in [(32, 3, 1, 5, 7, Int32(2)), (64, 5, 2, 9, 8, 2), (96, 3, 2, 8, 8, 1), (32, 5, 1, 3, 4, 0)] {
                let weights = values(c * k * k, &rng, scale: 2), bias = values(c, &rng)
                let input = values(2 * h * w * c, &rng, scale: 3)
                let got = NativeMobileNet.depthwise(channels: c, kernel: k, stride: s, weights: weights, bias: bias,
                                                    activation: act, input: input, images: 2, height: h, width: w)
                let (ho, py) = Self.same(h, k, s), (wo, px) = Self.same(w, k, s)
                var worst: Float = 0
                for n in 0..<2 { for oy in 0..<ho { for ox in 0..<wo { for ch in 0..<c {
                    var sum = Double(bias[ch])
                    for ky in 0..<k { for kx in 0..<k {
                        let iy = oy * s - py + ky, ix = ox * s - px + kx
                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                        sum += Double(input[((n * h + iy) * w + ix) * c + ch]) * Double(weights[(ch * k + ky) * k + kx])
                    } }
                    worst = max(worst, abs(got[((n * ho + oy) * wo + ox) * c + ch] - Self.activate(sum, act)))
                } } } }
                XCTAssertLessThan(worst, 1e-4, "\(kernel) c \(c) k \(k) s \(s) \(h)x\(w)")
            }
        }
        print("MobileKernelTests: depthwise checked with the \(checked.map { "\($0)" }.joined(separator: ", ")) kernel(s)")
    }

    func testSamePaddedConvolutionWithAnyChannelCountAndReLU6() {
        defer { NativeConv.useKernel(nil) }
        var rng = SplitMix64(seed: 6)
        for kernel in NativeConv.Kernel.allCases {
            guard NativeConv.useKernel(kernel) == kernel else { continue }
            // The stem (3 -> 32, 3x3 stride 2 on an even size: one row of padding after only), a 1x1 to 40 outputs,
            // and a 1x1 from 24 to 16.
            for (cout, cin, k, s, h, w, act) in [(32, 3, 3, 2, 10, 12, Int32(2)), (40, 24, 1, 1, 5, 3, 0), (16, 24, 1, 1, 4, 4, 2)] {
                let weights = values(cout * cin * k * k, &rng), bias = values(cout, &rng)
                let input = values(2 * h * w * cin, &rng, scale: 4)
                let got = NativeMobileNet.sameConvolution(cout: cout, cin: cin, kernel: k, stride: s, weights: weights,
                                                          bias: bias, activation: act, input: input, images: 2, height: h, width: w)
                let (ho, py) = Self.same(h, k, s), (wo, px) = Self.same(w, k, s)
                var worst: Float = 0
                for n in 0..<2 { for oy in 0..<ho { for ox in 0..<wo { for o in 0..<cout {
                    var sum = Double(bias[o])
                    for c in 0..<cin { for ky in 0..<k { for kx in 0..<k {
                        let iy = oy * s - py + ky, ix = ox * s - px + kx
                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                        sum += Double(input[((n * h + iy) * w + ix) * cin + c]) * Double(weights[((o * cin + c) * k + ky) * k + kx])
                    } } }
                    worst = max(worst, abs(got[((n * ho + oy) * wo + ox) * cout + o] - Self.activate(sum, act)))
                } } } }
                XCTAssertLessThan(worst, 1e-4, "\(kernel) \(cout)x\(cin) k \(k) s \(s)")
            }
        }
    }

    /// Winograd F(2x2, 3x3) against a direct sum in Double: odd and even sizes (a last row or column of tiles
    /// half outside), channel counts that are not whole panels, more input channels than one K chunk, ReLU and
    /// none, on every micro-kernel the CPU has.
    func testWinogradConvolutionMatchesTheDirectSum() {
        defer { NativeConv.useKernel(nil) }
        var rng = SplitMix64(seed: 7)
        for kernel in NativeConv.Kernel.allCases {
            guard NativeConv.useKernel(kernel) == kernel else { continue }
            for (cout, cin, h, w, act) in [(32, 16, 6, 8, Int32(1)), (40, 24, 5, 7, 0), (64, 300, 3, 4, 1), (8, 37, 1, 1, 0),
                                           (33, 64, 9, 2, 1)] {
                let weights = values(cout * cin * 9, &rng), bias = values(cout, &rng)
                let input = values(2 * h * w * cin, &rng, scale: 4)
                let got = NativeMobileNet.winogradConvolution(cout: cout, cin: cin, weights: weights, bias: bias, activation: act,
                                                              input: input, images: 2, height: h, width: w)
                var worst: Float = 0, largest: Float = 0
                for n in 0..<2 { for oy in 0..<h { for ox in 0..<w { for o in 0..<cout {
                    var sum = Double(bias[o])
                    for c in 0..<cin { for ky in 0..<3 { for kx in 0..<3 {
                        let iy = oy - 1 + ky, ix = ox - 1 + kx
                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                        sum += Double(input[((n * h + iy) * w + ix) * cin + c]) * Double(weights[((o * cin + c) * 3 + ky) * 3 + kx])
                    } } }
                    let expected = Self.activate(sum, act)
                    largest = max(largest, abs(expected))
                    worst = max(worst, abs(got[((n * h + oy) * w + ox) * cout + o] - expected))
                } } } }
                XCTAssertLessThan(worst, 1e-5 * max(1, largest), "\(kernel) \(cout)x\(cin) \(h)x\(w): worst \(worst) of \(largest)")
            }
        }
    }
}
