import COpenBLAS

/// The only door to OpenBLAS: the one product the cosine index needs, and OpenBLAS's thread count.
enum NativeBLAS {
    /// OpenBLAS's process-wide thread count. Its threads spin for a while after each call, so the count must
    /// match what the caller runs beside them: 1 when callers run their own workers, the core count otherwise.
    static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// c (m x n, row-major, row stride n) = a · bᵀ, where a holds m rows and b holds n rows of `depth` floats
    /// each, back to back. With depth 0 every dot product is 0 (OpenBLAS rejects a leading dimension of 0).
    static func productWithTranspose(m: Int, n: Int, depth: Int,
                                     a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                     c: UnsafeMutablePointer<Float>) {
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && depth <= Int(Int32.max), "sgemm size over blasint")
        guard depth > 0 else {
            c.update(repeating: 0, count: m * n)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(depth),
                    1, a, Int32(depth), b, Int32(depth), 0, c, Int32(n))
    }

    /// c (m x n) = a (m x k) · b (k x n), all row-major; c is overwritten.
    static func product(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                        c: UnsafeMutablePointer<Float>) {
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max), "sgemm size over blasint")
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 0, c, Int32(n))
    }

    /// y (m) = a (m x n, row-major) · x (n); y is overwritten. Streams `a` once without packing it: what a fully
    /// connected layer wants for one image (sgemm would copy all of `a` into its panels first).
    static func matrixVector(m: Int, n: Int, a: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max), "sgemv size over blasint")
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, 0, y, 1)
    }
}
