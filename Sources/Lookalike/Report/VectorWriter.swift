import Foundation

/// Writes float vectors for other tools: a NumPy `.npy` (format 1.0, little-endian float32, shape N x D; loads
/// with numpy.load and feeds FAISS) with the paths beside it, one per line, in the same order.
public enum VectorWriter {
    public static func npy(_ vectors: [[Float]], dimension: Int) -> Data {
        var data = Data(npyHeader(descr: "<f4", rows: vectors.count, columns: dimension))
        for v in vectors {
            precondition(v.count == dimension)
            v.withUnsafeBytes { data.append(contentsOf: $0) }  // x86-64 and arm64 are little-endian
        }
        return data
    }

    /// The header of a format 1.0 `.npy` holding a C-order rows x columns array of `descr` ("<f4", "<i4").
    static func npyHeader(descr: String, rows: Int, columns: Int) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        // Magic (6) + version (2) + header length (2) + header + newline, padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    }
}
