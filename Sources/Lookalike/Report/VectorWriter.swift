import Foundation

/// Writes float vectors for other tools: a NumPy `.npy` (format 1.0, little-endian float32, shape N x D; loads
/// with numpy.load and feeds FAISS) with the paths beside it, one per line, in the same order.
public enum VectorWriter {
    public static func npy(_ vectors: [[Float]], dimension: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(vectors.count), \(dimension)), }"
        // Magic (6) + version (2) + header length (2) + header + newline, padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in vectors {
            precondition(v.count == dimension)
            v.withUnsafeBytes { data.append(contentsOf: $0) }  // x86-64 and arm64 are little-endian
        }
        return data
    }
}
