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
