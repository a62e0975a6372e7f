/// EXIF orientation (tag 0x0112): how the stored pixels must be turned to show the picture upright.
/// Raw values follow the EXIF spec; `transform` names Pillow's `ImageOps.exif_transpose` step.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    /// Orientations 5...8 exchange width and height.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// Reads the orientation from a TIFF-structured EXIF block ("II*\0" or "MM\0*" header first).
    /// Anything malformed yields `.up`: a broken tag should not stop a file from being hashed.
    static func parse(tiff bytes: UnsafeRawBufferPointer) -> ExifOrientation {
        guard bytes.count >= 8 else { return .up }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return .up
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            let a = Int(bytes[at]), b = Int(bytes[at + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(little ? at : at + 2), let hi = u16(little ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return .up }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry) else { break }
            if tag == 0x0112, let type = u16(entry + 2), type == 3, let value = u16(entry + 8) {
                return ExifOrientation(rawValue: value) ?? .up
            }
        }
        return .up
    }

    /// Finds the first APP1 "Exif" segment of a JPEG (before the first scan) and reads its orientation.
    static func parse(jpeg bytes: UnsafeRawBufferPointer) -> ExifOrientation {
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else { return .up }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return .up }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else { return .up }
            if marker == 0xE1, length >= 8 {
                let payload = UnsafeRawBufferPointer(rebasing: bytes[(i + 4)..<(i + 2 + length)])
                if payload.starts(with: Array("Exif\0\0".utf8)) {
                    return parse(tiff: UnsafeRawBufferPointer(rebasing: payload[6...]))
                }
            }
            i += 2 + length
        }
        return .up
    }
}
