import CLookalikeConv
import Synchronization

/// The door to conv.c: convolution networks run on packed weights with the best SIMD micro-kernel the CPU has.
enum NativeConv {
    enum Kernel: Int32, CaseIterable, Sendable {
        case portable = 0, avx2 = 1, avx512 = 2
    }

    /// The micro-kernel forward passes use now.
    static var kernel: Kernel { Kernel(rawValue: lk_conv_isa()) ?? .portable }

    /// Forces a kernel (tests of the fallbacks); nil, or one the CPU lacks, means the best. Returns the one in use.
    @discardableResult
    static func useKernel(_ kernel: Kernel?) -> Kernel {
        Kernel(rawValue: lk_conv_set_isa(kernel?.rawValue ?? -1)) ?? .portable
    }

    struct Shape: Sendable {
        var cout: Int, cin: Int, kernel: Int, stride: Int, pad: Int
        var values: [Int32] { [cout, cin, kernel, stride, pad].map { Int32($0) } }
        func outputSize(_ size: Int) -> Int { (size + 2 * pad - kernel) / stride + 1 }
    }

    /// One convolution on the calling thread (tests): input NHWC, or CHW when `chwInput`; weights cout x cin x k x k;
    /// residual and result (images * ho * wo) x cout.
    static func convolution(shape: Shape, weights: [Float], bias: [Float], chwInput: Bool, input: [Float],
                            images: Int, height: Int, width: Int, residual: [Float]?, relu: Bool) -> [Float] {
        precondition(shape.cout % 32 == 0, "output channels must be a multiple of 32")
        precondition(weights.count == shape.cout * shape.cin * shape.kernel * shape.kernel && bias.count == shape.cout)
        precondition(input.count == images * shape.cin * height * width)
        let count = images * shape.outputSize(height) * shape.outputSize(width) * shape.cout
        precondition(residual == nil || residual!.count == count)
        var out = [Float](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { o in
            let result = o.baseAddress!
            func run(_ r: UnsafePointer<Float>?) -> Int32 {
                lk_conv_forward(shape.values, weights, bias, chwInput ? 1 : 0, input, Int32(images), Int32(height),
                                Int32(width), r, relu ? 1 : 0, result)
            }
            if let residual { return residual.withUnsafeBufferPointer { run($0.baseAddress!) } }
            return run(nil)
        }
        precondition(ok != 0, "lk_conv_forward failed")
        return out
    }
}

/// A bottleneck ResNet held by conv.c, with a pool of workspaces (buffers and helper threads) so concurrent
/// callers never share one and repeated calls do not fault fresh pages in.
final class NativeResNet: @unchecked Sendable {
    struct Convolution {
        let shape: NativeConv.Shape
        let weights: [Float]   // cout x cin x k x k, batch norm folded in
        let bias: [Float]
    }

    /// Images per forward pass; larger batches run in chunks of this many. Measured on 2 Zen 5 cores, 16 images as
    /// passes of 2 or 4 beat one pass of 8 or 16 by 5-10%: the late layers' N (49 pixels an image) is already wide
    /// enough for 12-row tiles, and bigger passes push the early activations out of cache (and cost memory).
    static let maxBatch = 4
    static let inputSize = 224

    private let handle: OpaquePointer
    let outputChannels: Int

    /// Used by one caller at a time: the pool hands it out and takes it back.
    private final class Workspace: NativeWorkspace, @unchecked Sendable {
        let handle: OpaquePointer
        let threads: Int
        init?(network: OpaquePointer, threads: Int) {
            guard let made = lk_resnet_workspace_create(network, Int32(NativeResNet.maxBatch), Int32(threads),
                                                        Int32(NativeResNet.inputSize), Int32(NativeResNet.inputSize))
            else { return nil }
            handle = made
            self.threads = threads
        }
        deinit { lk_resnet_workspace_release(handle) }
    }

    private let workspaces = WorkspacePool<Workspace>()

    /// `convolution(i)` gives convolution i: the stem, then per block conv1, conv2, conv3 and the downsample where
    /// `hasDownsample`. Each is packed and dropped before the next is made, so loading holds one extra layer at most.
    init(hasDownsample: [Bool], convolution: (Int) -> Convolution) {
        let count = 1 + hasDownsample.reduce(0) { $0 + ($1 ? 4 : 3) }
        guard let made = lk_resnet_create(Int32(hasDownsample.count), hasDownsample.map { UInt8($0 ? 1 : 0) }) else {
            fatalError("lk_resnet_create: out of memory")
        }
        handle = made
        for index in 0..<count {
            let c = convolution(index)
            precondition(c.shape.cout % 32 == 0, "output channels must be a multiple of 32")
            precondition(lk_resnet_set_convolution(made, Int32(index), c.shape.values, c.weights, c.bias) != 0,
                         "lk_resnet_set_convolution: out of memory")
        }
        outputChannels = Int(lk_resnet_output_channels(made))
    }

    deinit { lk_resnet_release(handle) }

    /// `images` inputs of 3 x 224 x 224 (CHW) back to back -> `images` feature vectors back to back.
    /// `threads` threads work on each chunk of images together.
    func forward(_ input: UnsafeBufferPointer<Float>, images: Int, threads: Int) -> [Float] {
        let perImage = 3 * Self.inputSize * Self.inputSize
        precondition(input.count == images * perImage)
        let workspace = workspaces.take(threads: threads) { Workspace(network: handle, threads: threads) }
        guard let workspace else { fatalError("lk_resnet_workspace_create failed (out of memory or threads)") }
        defer { workspaces.give(back: workspace) }
        var out = [Float](repeating: 0, count: images * outputChannels)
        out.withUnsafeMutableBufferPointer { o in
            var first = 0
            while first < images {
                let count = min(Self.maxBatch, images - first)
                let ok = lk_resnet_forward(workspace.handle, input.baseAddress! + first * perImage, Int32(count),
                                           o.baseAddress! + first * outputChannels)
                precondition(ok != 0)
                first += count
            }
        }
        return out
    }
}

/// A MobileNet-style network held by mobile.c (dense and depthwise convolutions with "same" padding, ReLU6,
/// block residuals, a global pooling), with a pool of workspaces as `NativeResNet` has.
final class NativeMobileNet: @unchecked Sendable {
    struct Layer {
        var depthwise: Bool
        var cout: Int, cin: Int, kernel: Int, stride: Int
        /// 0 none, 1 ReLU, 2 ReLU6.
        var activation: Int32
        /// Index of the earlier layer whose input is added (a block's skip connection), or nil.
        var residualFrom: Int?
        var weights: [Float]   // cout x cin x k x k (dense) or cout x 1 x k x k (depthwise), batch norm folded in
        var bias: [Float]
        /// A max pool over kernel x kernel windows every stride pixels (torch's MaxPool2d); no weights.
        var maxPool = false

        static func maxPool(kernel: Int, stride: Int) -> Layer {
            Layer(depthwise: false, cout: 0, cin: 0, kernel: kernel, stride: stride, activation: 0, residualFrom: nil,
                  weights: [], bias: [], maxPool: true)
        }
    }

    /// `none`: the last layer's output as it is (pixels x channels per image, NHWC), for networks that end in
    /// fully connected layers (VGG).
    enum Pooling: Int32, Sendable { case average = 0, generalisedMean = 1, none = 2 }

    /// Images per forward pass; larger batches run in chunks of this many.
    static let maxBatch = 4

    private let handle: OpaquePointer
    let outputChannels: Int
    let inputSize: Int

    private final class Workspace: NativeWorkspace, @unchecked Sendable {
        let handle: OpaquePointer
        let threads: Int
        init?(network: OpaquePointer, threads: Int, size: Int) {
            guard let made = lk_mobile_workspace_create(network, Int32(NativeMobileNet.maxBatch), Int32(threads),
                                                        Int32(size), Int32(size)) else { return nil }
            handle = made
            self.threads = threads
        }
        deinit { lk_mobile_workspace_release(handle) }
    }

    private let workspaces = WorkspacePool<Workspace>()

    /// `layer(i)` gives layer i of `count`; each is packed and dropped before the next is made.
    init(count: Int, inputSize: Int, layer: (Int) -> Layer) {
        guard let made = lk_mobile_create() else { fatalError("lk_mobile_create: out of memory") }
        handle = made
        self.inputSize = inputSize
        for i in 0..<count {
            let l = layer(i)
            if l.maxPool {
                precondition(lk_mobile_add_maxpool(made, Int32(l.kernel), Int32(l.stride)) == Int32(i), "lk_mobile_add_maxpool refused layer \(i)")
                continue
            }
            let index = lk_mobile_add(made, l.depthwise ? 1 : 0, Int32(l.cout), Int32(l.cin), Int32(l.kernel),
                                      Int32(l.stride), l.activation, Int32(l.residualFrom ?? -1), l.weights, l.bias)
            precondition(index == Int32(i), "lk_mobile_add refused layer \(i) (\(l.cout) x \(l.cin), k \(l.kernel))")
        }
        outputChannels = Int(lk_mobile_output_channels(made))
        outputPixels = Int(lk_mobile_output_pixels(made, Int32(inputSize), Int32(inputSize)))
    }

    /// Pixels of the last layer's output (what `.none` pooling returns per channel).
    let outputPixels: Int

    deinit { lk_mobile_release(handle) }

    /// `images` inputs of 3 x size x size (CHW) back to back -> `images` pooled vectors (or, unpooled, activation
    /// maps) back to back.
    func forward(_ input: UnsafeBufferPointer<Float>, images: Int, threads: Int, pooling: Pooling) -> [Float] {
        let perImage = 3 * inputSize * inputSize
        precondition(input.count == images * perImage)
        let workspace = workspaces.take(threads: threads) { Workspace(network: handle, threads: threads, size: inputSize) }
        guard let workspace else { fatalError("lk_mobile_workspace_create failed (out of memory or threads)") }
        defer { workspaces.give(back: workspace) }
        let perOutput = outputChannels * (pooling == .none ? outputPixels : 1)
        var out = [Float](repeating: 0, count: images * perOutput)
        out.withUnsafeMutableBufferPointer { o in
            var first = 0
            while first < images {
                let count = min(Self.maxBatch, images - first)
                let ok = lk_mobile_forward(workspace.handle, input.baseAddress! + first * perImage, Int32(count),
                                           pooling.rawValue, o.baseAddress! + first * perOutput)
                precondition(ok != 0)
                first += count
            }
        }
        return out
    }

    /// One depthwise convolution on the calling thread (tests): channels a multiple of 32, input NHWC.
    static func depthwise(channels: Int, kernel: Int, stride: Int, weights: [Float], bias: [Float], activation: Int32,
                          input: [Float], images: Int, height: Int, width: Int) -> [Float] {
        let ho = (height + stride - 1) / stride, wo = (width + stride - 1) / stride
        var out = [Float](repeating: 0, count: images * ho * wo * channels)
        let ok = out.withUnsafeMutableBufferPointer {
            lk_depthwise_forward(Int32(channels), Int32(kernel), Int32(stride), weights, bias, activation, input,
                                 Int32(images), Int32(height), Int32(width), $0.baseAddress!)
        }
        precondition(ok != 0, "lk_depthwise_forward failed")
        return out
    }

    /// Whether networks made from now on run 3x3 stride-1 convolutions past the first layer by Winograd F(2x2, 3x3)
    /// (on by default); returns the setting before. Benchmarks and tests compare the two.
    @discardableResult
    static func useWinograd(_ enabled: Bool) -> Bool { lk_set_winograd(enabled ? 1 : 0) != 0 }

    /// One 3x3 stride-1 "same" convolution by Winograd F(2x2, 3x3) on the calling thread (tests): input NHWC.
    static func winogradConvolution(cout: Int, cin: Int, weights: [Float], bias: [Float], activation: Int32,
                                    input: [Float], images: Int, height: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: images * height * width * cout)
        let ok = out.withUnsafeMutableBufferPointer {
            lk_wino_forward(Int32(cout), Int32(cin), activation, weights, bias, input, Int32(images), Int32(height),
                            Int32(width), $0.baseAddress!)
        }
        precondition(ok != 0, "lk_wino_forward failed")
        return out
    }

    /// One dense convolution with "same" padding and any number of outputs (tests): input NHWC.
    static func sameConvolution(cout: Int, cin: Int, kernel: Int, stride: Int, weights: [Float], bias: [Float],
                                activation: Int32, input: [Float], images: Int, height: Int, width: Int) -> [Float] {
        let ho = (height + stride - 1) / stride, wo = (width + stride - 1) / stride
        var out = [Float](repeating: 0, count: images * ho * wo * cout)
        let ok = out.withUnsafeMutableBufferPointer {
            lk_conv_same_forward(Int32(cout), Int32(cin), Int32(kernel), Int32(stride), activation, weights, bias, input,
                                 Int32(images), Int32(height), Int32(width), $0.baseAddress!)
        }
        precondition(ok != 0, "lk_conv_same_forward failed")
        return out
    }
}

/// A network's buffers and helper threads, used by one caller at a time.
protocol NativeWorkspace: AnyObject, Sendable {
    var threads: Int { get }
}

/// Workspaces kept for reuse, so concurrent callers never share one and repeated calls do not fault fresh pages in.
final class WorkspacePool<Workspace: NativeWorkspace>: @unchecked Sendable {
    private let idle = Mutex<[Workspace]>([])

    /// An idle workspace with `threads` threads, or a new one from `make` (nil when it cannot be made).
    func take(threads: Int, make: () -> Workspace?) -> Workspace? {
        idle.withLock { pool in pool.firstIndex { $0.threads == threads }.map { pool.remove(at: $0) } } ?? make()
    }

    func give(back workspace: Workspace) { idle.withLock { $0.append(workspace) } }
}
