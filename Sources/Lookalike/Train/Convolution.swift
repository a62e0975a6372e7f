extension Train {
    /// Where a kernel's taps land: an image of `channels` × `height` × `width` read by a `kernel`² window moved by
    /// `stride` over the image padded by `padding` zeros, giving `outHeight` × `outWidth` positions.
    struct Window {
        let channels, height, width, kernel, stride, padding, outHeight, outWidth: Int
        var rows: Int { channels * kernel * kernel }
        var positions: Int { outHeight * outWidth }

        /// The output columns ox whose input column ox stride - padding + kj lies in 0..<width.
        func columns(_ kj: Int) -> (first: Int, end: Int) {
            let low = padding - kj  // ox stride >= low
            let first = low <= 0 ? 0 : (low + stride - 1) / stride
            let high = width - 1 + padding - kj  // ox stride <= high
            let end = high < 0 ? 0 : min(outWidth, high / stride + 1)
            return (min(first, end), end)
        }

        /// im2col of a whole batch [N, C, H, W] into `cols` [C k k, N P]: column n P + p holds the window of item
        /// n at position p, so one sgemm covers the batch (OpenBLAS threads large products, not a batch of small ones).
        func im2col(_ x: UnsafePointer<Float>, items: Int, into cols: UnsafeMutablePointer<Float>) {
            let p = positions, width2 = items * p, plane = height * width
            for c in 0..<channels {
                for ki in 0..<kernel {
                    for kj in 0..<kernel {
                        let row = cols + ((c * kernel + ki) * kernel + kj) * width2
                        for n in 0..<items {
                            let src = x + (n * channels + c) * plane
                            let dst = row + n * p
                            let (first, end) = columns(kj)
                            for oy in 0..<outHeight {
                                let iy = oy * stride - padding + ki
                                let line = dst + oy * outWidth
                                guard iy >= 0, iy < height, first < end else { line.update(repeating: 0, count: outWidth); continue }
                                // Zeros left and right of the columns that land inside the image; no test per element.
                                line.update(repeating: 0, count: first)
                                (line + end).update(repeating: 0, count: outWidth - end)
                                let from = src + iy * width - padding + kj
                                for ox in first..<end { line[ox] = from[ox * stride] }
                            }
                        }
                    }
                }
            }
        }

        /// The transpose of `im2col`: adds every column entry back onto the image element it was read from
        /// (`x` is not cleared first). Serial, so sums are made in one fixed order.
        func col2im(_ cols: UnsafePointer<Float>, items: Int, into x: UnsafeMutablePointer<Float>) {
            let p = positions, width2 = items * p, plane = height * width
            for c in 0..<channels {
                for ki in 0..<kernel {
                    for kj in 0..<kernel {
                        let row = cols + ((c * kernel + ki) * kernel + kj) * width2
                        for n in 0..<items {
                            let dst = x + (n * channels + c) * plane
                            let src = row + n * p
                            let (first, end) = columns(kj)
                            for oy in 0..<outHeight {
                                let iy = oy * stride - padding + ki
                                guard iy >= 0, iy < height else { continue }
                                let line = src + oy * outWidth
                                let to = dst + iy * width - padding + kj
                                for ox in first..<end { to[ox * stride] += line[ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A layer's im2col buffer, kept between steps: a fresh one each time costs a page fault per 4 KB (15% of a
    /// 256-pixel step). Every use overwrites what it reads, so it is never cleared.
    final class Workspace {
        private var buffer: [Float] = []

        func use<T>(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) -> T) -> T {
            if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
            return buffer.withUnsafeMutableBufferPointer { body(UnsafeMutableBufferPointer(rebasing: $0[..<count])) }
        }
    }

    /// [N, C, P] (NCHW with the plane flattened) ⇄ [C, N P] (channel-major, what the batched sgemm gives and takes).
    static func channelMajor(_ x: UnsafePointer<Float>, items: Int, channels: Int, plane: Int,
                             into out: UnsafeMutablePointer<Float>) {
        for n in 0..<items { for c in 0..<channels { (out + (c * items + n) * plane).update(from: x + (n * channels + c) * plane, count: plane) } }
    }

    static func itemMajor(_ x: UnsafePointer<Float>, items: Int, channels: Int, plane: Int,
                          into out: UnsafeMutablePointer<Float>) {
        for n in 0..<items { for c in 0..<channels { (out + (n * channels + c) * plane).update(from: x + (c * items + n) * plane, count: plane) } }
    }

    /// `torch.nn.Conv2d` with a square kernel: weight [out, in, k, k], optional bias [out]; zero padding.
    ///
    /// By im2col and one sgemm per batch. Only the input is kept for `backward`, which builds the columns again:
    /// the columns are k² times the input (9 × a 256-pixel batch would be hundreds of MB).
    public final class Conv2D: Layer {
        public let inChannels, outChannels, kernel, stride, padding: Int
        public let weight: Parameter
        public let bias: Parameter?
        private var input: Batch?
        private let columns = Workspace()

        public init(_ inChannels: Int, _ outChannels: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 0,
                    bias: Bool = true, rng: inout SplitMix64) {
            precondition(kernel > 0 && stride > 0 && padding >= 0, "bad convolution geometry")
            (self.inChannels, self.outChannels, self.kernel, self.stride, self.padding) = (inChannels, outChannels, kernel, stride, padding)
            let fanIn = inChannels * kernel * kernel
            weight = Parameter(shape: [outChannels, inChannels, kernel, kernel],
                               value: uniformInit(count: outChannels * fanIn, fanIn: fanIn, rng: &rng))
            self.bias = bias ? Parameter(shape: [outChannels], value: uniformInit(count: outChannels, fanIn: fanIn, rng: &rng)) : nil
        }

        public var parameters: [(name: String, parameter: Parameter)] {
            [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
        }

        func window(_ shape: [Int]) -> Window {
            precondition(shape.count == 4 && shape[1] == inChannels, "convolution wants [N, \(inChannels), H, W], got \(shape)")
            let outHeight = (shape[2] + 2 * padding - kernel) / stride + 1
            let outWidth = (shape[3] + 2 * padding - kernel) / stride + 1
            precondition(outHeight > 0 && outWidth > 0, "input \(shape) smaller than the kernel")
            return Window(channels: inChannels, height: shape[2], width: shape[3], kernel: kernel, stride: stride,
                          padding: padding, outHeight: outHeight, outWidth: outWidth)
        }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            let w = window(input.shape), n = input.items, p = w.positions
            self.input = input
            var y = [Float](repeating: 0, count: outChannels * n * p)
            columns.use(count: w.rows * n * p) { cols in
                w.im2col(input.values, items: n, into: cols.baseAddress!)
                y.withUnsafeMutableBufferPointer {
                    gemm(m: outChannels, n: n * p, k: w.rows, a: weight.value, b: cols.baseAddress!, c: $0.baseAddress!)
                }
            }
            var out = Batch(zeros: [n, outChannels, w.outHeight, w.outWidth])
            out.values.withUnsafeMutableBufferPointer { o in
                Train.itemMajor(y, items: n, channels: outChannels, plane: p, into: o.baseAddress!)
                if let bias { Train.addBias(bias.value, to: o, items: n, plane: p) }
            }
            return out
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            guard let input else { preconditionFailure("backward before forward") }
            let w = window(input.shape), n = input.items, p = w.positions
            precondition(gradOutput.shape == [n, outChannels, w.outHeight, w.outWidth], "gradient \(gradOutput.shape) does not match the output")
            var g = [Float](repeating: 0, count: outChannels * n * p)
            g.withUnsafeMutableBufferPointer { Train.channelMajor(gradOutput.values, items: n, channels: outChannels, plane: p, into: $0.baseAddress!) }
            if let bias {
                // Each channel's n P gradients are contiguous in g.
                for c in 0..<outChannels { bias.gradient[c] += g[(c * n * p)..<((c + 1) * n * p)].reduce(0, +) }
            }
            var gradInput = Batch(zeros: input.shape)
            columns.use(count: w.rows * n * p) { cols in
                w.im2col(input.values, items: n, into: cols.baseAddress!)
                // dW [out, C k k] += g [out, N P] · colsᵀ
                weight.gradient.withUnsafeMutableBufferPointer {
                    gemm(transposeB: true, m: outChannels, n: w.rows, k: n * p, a: g, b: cols.baseAddress!,
                         c: $0.baseAddress!, accumulate: true)
                }
                // dcols [C k k, N P] = Wᵀ · g, then back onto the image.
                gemm(transposeA: true, m: w.rows, n: n * p, k: outChannels, a: weight.value, b: g, c: cols.baseAddress!)
                gradInput.values.withUnsafeMutableBufferPointer { w.col2im(cols.baseAddress!, items: n, into: $0.baseAddress!) }
            }
            return gradInput
        }
    }

    /// `torch.nn.ConvTranspose2d` with a square kernel: weight [in, out, k, k], optional bias [out]; output side
    /// (H - 1) stride - 2 padding + k + outputPadding. The transpose of `Conv2D`: its forward is a convolution's
    /// input gradient (sgemm then col2im) and its input gradient is a convolution (im2col then sgemm).
    public final class ConvTranspose2D: Layer {
        public let inChannels, outChannels, kernel, stride, padding, outputPadding: Int
        public let weight: Parameter
        public let bias: Parameter?
        private var input: Batch?
        private let columns = Workspace()

        public init(_ inChannels: Int, _ outChannels: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 0,
                    outputPadding: Int = 0, bias: Bool = true, rng: inout SplitMix64) {
            precondition(kernel > 0 && stride > 0 && padding >= 0 && outputPadding >= 0 && outputPadding < stride,
                         "bad transposed convolution geometry")
            (self.inChannels, self.outChannels, self.kernel, self.stride, self.padding, self.outputPadding) =
                (inChannels, outChannels, kernel, stride, padding, outputPadding)
            // torch takes the fan-in from weight.size(1), which is the output channels here.
            let fanIn = outChannels * kernel * kernel
            weight = Parameter(shape: [inChannels, outChannels, kernel, kernel],
                               value: uniformInit(count: inChannels * fanIn, fanIn: fanIn, rng: &rng))
            self.bias = bias ? Parameter(shape: [outChannels], value: uniformInit(count: outChannels, fanIn: fanIn, rng: &rng)) : nil
        }

        public var parameters: [(name: String, parameter: Parameter)] {
            [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
        }

        /// The window over the output that a convolution would read to give the input's positions.
        func window(_ shape: [Int]) -> Window {
            precondition(shape.count == 4 && shape[1] == inChannels, "transposed convolution wants [N, \(inChannels), H, W], got \(shape)")
            let height = (shape[2] - 1) * stride - 2 * padding + kernel + outputPadding
            let width = (shape[3] - 1) * stride - 2 * padding + kernel + outputPadding
            precondition(height > 0 && width > 0, "output of \(shape) would be empty")
            return Window(channels: outChannels, height: height, width: width, kernel: kernel, stride: stride,
                          padding: padding, outHeight: shape[2], outWidth: shape[3])
        }

        public func forward(_ input: Batch, training: Bool) -> Batch {
            let w = window(input.shape), n = input.items, p = w.positions
            self.input = input
            var x = [Float](repeating: 0, count: inChannels * n * p)
            x.withUnsafeMutableBufferPointer { Train.channelMajor(input.values, items: n, channels: inChannels, plane: p, into: $0.baseAddress!) }
            var out = Batch(zeros: [n, outChannels, w.height, w.width])
            columns.use(count: w.rows * n * p) { cols in
                // cols [out k k, N P] = Wᵀ · x, W read as [in, out k k].
                gemm(transposeA: true, m: w.rows, n: n * p, k: inChannels, a: weight.value, b: x, c: cols.baseAddress!)
                out.values.withUnsafeMutableBufferPointer { o in
                    w.col2im(cols.baseAddress!, items: n, into: o.baseAddress!)
                    if let bias { Train.addBias(bias.value, to: o, items: n, plane: w.height * w.width) }
                }
            }
            return out
        }

        public func backward(_ gradOutput: Batch) -> Batch {
            guard let input else { preconditionFailure("backward before forward") }
            let w = window(input.shape), n = input.items, p = w.positions
            precondition(gradOutput.shape == [n, outChannels, w.height, w.width], "gradient \(gradOutput.shape) does not match the output")
            if let bias {
                let plane = w.height * w.width
                for c in 0..<outChannels {
                    var sum: Float = 0
                    for i in 0..<n { sum += gradOutput.values[((i * outChannels + c) * plane)..<((i * outChannels + c + 1) * plane)].reduce(0, +) }
                    bias.gradient[c] += sum
                }
            }
            var x = [Float](repeating: 0, count: inChannels * n * p)
            var gx = [Float](repeating: 0, count: inChannels * n * p)
            columns.use(count: w.rows * n * p) { cols in
                w.im2col(gradOutput.values, items: n, into: cols.baseAddress!)
                x.withUnsafeMutableBufferPointer { Train.channelMajor(input.values, items: n, channels: inChannels, plane: p, into: $0.baseAddress!) }
                // dW [in, out k k] += x [in, N P] · colsᵀ; dx [in, N P] = W · cols.
                weight.gradient.withUnsafeMutableBufferPointer {
                    gemm(transposeB: true, m: inChannels, n: w.rows, k: n * p, a: x, b: cols.baseAddress!,
                         c: $0.baseAddress!, accumulate: true)
                }
                gx.withUnsafeMutableBufferPointer {
                    gemm(m: inChannels, n: n * p, k: w.rows, a: weight.value, b: cols.baseAddress!, c: $0.baseAddress!)
                }
            }
            var gradInput = Batch(zeros: input.shape)
            gradInput.values.withUnsafeMutableBufferPointer { Train.itemMajor(gx, items: n, channels: inChannels, plane: p, into: $0.baseAddress!) }
            return gradInput
        }
    }
}

extension Train {
    /// Adds each channel's bias to every position of its plane, in NCHW output of `items` items.
    static func addBias(_ bias: [Float], to out: UnsafeMutableBufferPointer<Float>, items: Int, plane: Int) {
        let channels = bias.count
        for i in 0..<items { for c in 0..<channels {
            let b = bias[c], start = (i * channels + c) * plane
            for q in start..<(start + plane) { out[q] += b }
        } }
    }
}
