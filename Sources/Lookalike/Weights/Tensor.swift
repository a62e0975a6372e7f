/// A dense tensor read from a weights file: row-major `values` in float32, whatever the stored type was.
///
/// Everything becomes `Float` because the network runs in float32; integer tensors (BatchNorm's
/// `num_batches_tracked`) come through too so a state dict's key set stays complete.
public struct Tensor: Sendable, Equatable {
    /// Sizes of each dimension, outermost first; `[]` is a scalar.
    public let shape: [Int]
    /// `shape.reduce(1, *)` values in row-major (C) order.
    public let values: [Float]

    /// Makes a tensor; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "tensor values do not match shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// Number of elements.
    public var count: Int { values.count }
}

/// Element types found in checkpoints, with the names each format uses for them.
enum DType: String, Sendable, CaseIterable {
    case float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// `torch.FloatStorage` style names (legacy typed storages, still written in persistent ids).
    init?(storageName: String) {
        switch storageName {
        case "DoubleStorage": self = .float64
        case "FloatStorage": self = .float32
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage", "UntypedStorage": self = .uint8  // torch reads an untyped storage as bytes
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// `torch.float32` style names, aliases included.
    init?(torchName: String) {
        switch torchName {
        case "float64", "double": self = .float64
        case "float32", "float": self = .float32
        case "float16", "half": self = .float16
        case "bfloat16": self = .bfloat16
        case "int64", "long": self = .int64
        case "int32", "int": self = .int32
        case "int16", "short": self = .int16
        case "int8": self = .int8
        case "uint8": self = .uint8
        case "bool": self = .bool
        default: return nil
        }
    }

    /// safetensors header names.
    init?(safetensorsName: String) {
        switch safetensorsName {
        case "F64": self = .float64
        case "F32": self = .float32
        case "F16": self = .float16
        case "BF16": self = .bfloat16
        case "I64": self = .int64
        case "I32": self = .int32
        case "I16": self = .int16
        case "I8": self = .int8
        case "U8": self = .uint8
        case "BOOL": self = .bool
        default: return nil
        }
    }

    /// Reads element `index` of a buffer of this type as Float. Callers have checked the bounds.
    @inline(__always)
    func load(_ raw: UnsafeRawBufferPointer, element index: Int, bigEndian: Bool) -> Float {
        let at = index &* size
        switch self {
        case .float32:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return Float(bitPattern: bigEndian ? bits.byteSwapped : bits)
        case .float16:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return DType.halfToFloat(bigEndian ? bits.byteSwapped : bits)
        case .bfloat16:
            // bfloat16 is the top half of a float32.
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return Float(bitPattern: UInt32(bigEndian ? bits.byteSwapped : bits) << 16)
        case .float64:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            return Float(Double(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int64:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            return Float(Int64(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int32:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return Float(Int32(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int16:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return Float(Int16(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int8: return Float(Int8(bitPattern: raw[at]))
        case .uint8: return Float(raw[at])
        case .bool: return raw[at] == 0 ? 0 : 1
        }
    }

    /// IEEE binary16 → binary32, exact (every half is a float); done by hand since `Float16` is not on every platform.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32((h >> 10) & 0x1f)
        let mantissa = UInt32(h & 0x3ff)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24.
            let magnitude = Float(mantissa) * Float(bitPattern: 0x3380_0000)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}

extension DType {
    /// Copies a strided view out of a storage into row-major order.
    ///
    /// `storage` holds `storageCount` elements of this type; every index the view touches is checked
    /// against it first, so a lying header gives an error rather than a read past the buffer.
    func gather(_ storage: UnsafeRawBufferPointer, storageCount: Int, offset: Int, shape: [Int], stride: [Int],
                bigEndian: Bool) throws -> [Float] {
        guard shape.count == stride.count else {
            throw TensorArchiveError.Cause.malformed("tensor has \(shape.count) sizes but \(stride.count) strides")
        }
        guard offset >= 0, shape.allSatisfy({ $0 >= 0 }) else { throw TensorArchiveError.Cause.malformed("negative size or offset") }
        var (count, overflow) = (1, false)
        for size in shape {
            (count, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { throw TensorArchiveError.Cause.malformed("tensor size \(shape) overflows") }
        }
        if count == 0 { return [] }
        // Lowest and highest element the view reaches (strides may be negative in principle).
        var low = offset, high = offset
        for (size, step) in zip(shape, stride) {
            // size × step is checked too: the odometer below steps back by it.
            let (full, o1) = size.multipliedReportingOverflow(by: step)
            let reach = full &- step  // (size - 1) × step: no larger than `full`
            let (moved, o2) = (reach < 0 ? low : high).addingReportingOverflow(reach)
            if o1 || o2 { throw TensorArchiveError.Cause.malformed("tensor stride \(stride) overflows") }
            if reach < 0 { low = moved } else { high = moved }
        }
        guard low >= 0, high < storageCount else {
            throw TensorArchiveError.Cause.malformed("tensor view \(shape) at offset \(offset) stride \(stride) reaches past its storage of \(storageCount) elements")
        }
        let contiguousStride = TensorArchive.contiguousStride(shape)
        if stride == contiguousStride || shape.count == 0 {
            return (0..<count).map { load(storage, element: offset + $0, bigEndian: bigEndian) }
        }
        var values = [Float]()
        values.reserveCapacity(count)
        var index = [Int](repeating: 0, count: shape.count)
        var position = offset
        for _ in 0..<count {
            values.append(load(storage, element: position, bigEndian: bigEndian))
            // Odometer step over the row-major index, moving `position` by the strides.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                position += stride[axis]
                if index[axis] < shape[axis] { break }
                position -= stride[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return values
    }
}
