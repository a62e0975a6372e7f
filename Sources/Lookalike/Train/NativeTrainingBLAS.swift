import COpenBLAS

extension Train {
    /// The one sgemm the training layers use: C = op(A) · op(B) (+ C when accumulating), all row-major.
    ///
    /// OpenBLAS splits a product between its threads by blocks of C, each summing its whole depth in one order,
    /// so a result does not depend on the thread count or the run.
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                     accumulate: Bool = false) {
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max), "sgemm size over blasint")
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // OpenBLAS rejects a leading dimension of 0; an empty sum is 0.
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    accumulate ? 1 : 0, c, Int32(n))
    }
}

extension Train {
    /// Sets how many threads OpenBLAS gives each product (process-wide; other stages set their own before they run).
    /// Training is one chain of products, so all the cores: results are the same on any count (see `gemm`).
    public static func useThreads(_ count: Int) { NativeBLAS.setThreads(count) }
}
