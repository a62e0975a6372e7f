import CFFTW
import Synchronization

/// Unnormalised 2-D DCT-II (FFTW's REDFT10 on both axes): the same transform as
/// `scipy.fftpack.dct(scipy.fftpack.dct(x, axis=0), axis=1)`. FFTW planning is not thread-safe, so plans
/// are made once per size under a lock; executing a plan on new arrays is thread-safe.
public final class DCT2D: @unchecked Sendable {
    public let size: Int
    private let plan: fftw_plan

    private static let plans = Mutex<[Int: DCT2D]>([:])

    /// The shared transform for `size` x `size` inputs.
    public static func shared(size: Int) -> DCT2D {
        plans.withLock { cache in
            if let plan = cache[size] { return plan }
            let made = DCT2D(size: size)
            cache[size] = made
            return made
        }
    }

    private init(size: Int) {
        self.size = size
        let n = size * size
        let input = fftw_alloc_real(n)!, output = fftw_alloc_real(n)!
        defer { fftw_free(input); fftw_free(output) }
        let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED)
        plan = fftw_plan_r2r_2d(Int32(size), Int32(size), input, output, FFTW_REDFT10, FFTW_REDFT10, flags)
    }

    deinit { fftw_destroy_plan(plan) }

    /// Transforms `input` (row-major, size*size values) into `output`.
    public func transform(_ input: [Double], into output: inout [Double]) {
        precondition(input.count == size * size && output.count == size * size)
        var source = input  // FFTW may use its input as scratch
        source.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                fftw_execute_r2r(plan, src.baseAddress, dst.baseAddress)
            }
        }
    }
}
