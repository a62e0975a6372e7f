import CTurboJPEG

/// JPEG encoding (report thumbnails, transformed copies): one TurboJPEG compressor per call, so calls on any
/// thread are independent (handles are not thread-safe; making one costs well under a microsecond).
public enum JPEGEncoder {
    /// Interleaved 8-bit RGB to a baseline JPEG with 4:2:0 chroma at `quality` (1-100); nil when TurboJPEG
    /// refuses (out of memory, a zero size).
    public static func encode(rgb: [UInt8], width: Int, height: Int, quality: Int) -> [UInt8]? {
        precondition(rgb.count == width * height * 3, "JPEGEncoder: \(rgb.count) bytes for \(width)x\(height)")
        guard width > 0, height > 0, let handle = tjInitCompress() else { return nil }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let rc = rgb.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), &buffer, &size,
                        Int32(TJSAMP_420.rawValue), Int32(max(1, min(100, quality))), 0)
        }
        defer { if let buffer { tjFree(buffer) } }
        guard rc == 0, let buffer else { return nil }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }
}
