/// Bounds-checked little-endian reads from a byte array; reading past the end throws `truncated`.
struct ByteCursor {
    let bytes: [UInt8]
    var position: Int
    /// Where "the end" is: a pickle inside a zip entry must not read into the next entry.
    let end: Int

    init(_ bytes: [UInt8], at position: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = position
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - position }

    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw TensorArchiveError.Cause.truncated("ends inside \(what())")
        }
        defer { position += count }
        return position..<(position + count)
    }

    mutating func byte(_ what: @autoclosure () -> String) throws -> UInt8 {
        bytes[try take(1, what()).lowerBound]
    }

    mutating func uint(_ width: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
        let range = try take(width, what())
        var value: UInt64 = 0
        for i in range.reversed() { value = value << 8 | UInt64(bytes[i]) }
        return value
    }

    /// Reads at an absolute offset without moving.
    func uint(at offset: Int, _ width: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
        var copy = ByteCursor(bytes, at: offset, end: end)
        guard offset >= 0, offset <= end else { throw TensorArchiveError.Cause.truncated("ends before \(what())") }
        return try copy.uint(width, what())
    }
}

/// A minimal ZIP reader for the archives `torch.save` writes: STORED (uncompressed) entries, ZIP64 aware.
///
/// Only what a checkpoint needs: the end-of-central-directory record (and its ZIP64 twin), the central directory,
/// and each local header (its extra field differs from the central one: torch pads data to 64-byte alignment there).
struct ZipArchive {
    struct Entry {
        let name: String
        let method: Int
        let flags: Int
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    let bytes: [UInt8]
    /// Entries in central-directory order.
    let entries: [Entry]

    static func looksLikeZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4b
            && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6))
    }

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        let cursor = ByteCursor(bytes)
        // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, so search only the tail.
        var eocd = -1
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while at >= lowest {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4b, bytes[at + 2] == 5, bytes[at + 3] == 6 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else {
            throw TensorArchiveError.Cause.truncated("zip archive has no end-of-central-directory record")
        }
        var entryCount = Int(try cursor.uint(at: eocd + 10, 2, "zip end record"))
        var directorySize = Int(try cursor.uint(at: eocd + 12, 4, "zip end record"))
        var directoryOffset = Int(try cursor.uint(at: eocd + 16, 4, "zip end record"))
        // A ZIP64 locator sits just before the EOCD; torch writes one even for small files.
        let locator = eocd - 20
        if locator >= 0, try cursor.uint(at: locator, 4, "zip64 locator") == 0x0706_4b50 {
            let record = try cursor.uint(at: locator + 8, 8, "zip64 locator")
            guard record < UInt64(bytes.count), try cursor.uint(at: Int(record), 4, "zip64 end record") == 0x0606_4b50 else {
                throw TensorArchiveError.Cause.malformed("zip64 end record missing")
            }
            entryCount = try ZipArchive.int(cursor.uint(at: Int(record) + 32, 8, "zip64 end record"))
            directorySize = try ZipArchive.int(cursor.uint(at: Int(record) + 40, 8, "zip64 end record"))
            directoryOffset = try ZipArchive.int(cursor.uint(at: Int(record) + 48, 8, "zip64 end record"))
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw TensorArchiveError.Cause.truncated("zip central directory lies past the end of the file")
        }
        var reader = ByteCursor(bytes, at: directoryOffset, end: directoryOffset + directorySize)
        var entries = [Entry]()
        for _ in 0..<entryCount {
            guard try reader.uint(4, "zip central directory") == 0x0201_4b50 else {
                throw TensorArchiveError.Cause.malformed("bad zip central directory entry")
            }
            _ = try reader.take(4, "zip central directory")  // versions
            let flags = Int(try reader.uint(2, "zip central directory"))
            let method = Int(try reader.uint(2, "zip central directory"))
            _ = try reader.take(8, "zip central directory")  // time, date, crc
            var compressed = try reader.uint(4, "zip central directory")
            var uncompressed = try reader.uint(4, "zip central directory")
            let nameLength = Int(try reader.uint(2, "zip central directory"))
            let extraLength = Int(try reader.uint(2, "zip central directory"))
            let commentLength = Int(try reader.uint(2, "zip central directory"))
            let disk = try reader.uint(2, "zip central directory")
            _ = try reader.take(6, "zip central directory")  // attributes
            var offset = try reader.uint(4, "zip central directory")
            let name = String(decoding: bytes[try reader.take(nameLength, "zip entry name")], as: UTF8.self)
            var extra = ByteCursor(bytes, at: reader.position, end: reader.position + extraLength)
            _ = try reader.take(extraLength + commentLength, "zip entry extra field")
            // ZIP64 extra (id 1) holds, in this order, only the fields whose 32-bit slot is 0xFFFFFFFF.
            while extra.remaining >= 4 {
                let id = try extra.uint(2, "zip extra field")
                let size = Int(try extra.uint(2, "zip extra field"))
                var field = ByteCursor(bytes, at: extra.position, end: extra.position + size)
                _ = try extra.take(size, "zip extra field")
                guard id == 1 else { continue }
                if uncompressed == 0xFFFF_FFFF { uncompressed = try field.uint(8, "zip64 extra field") }
                if compressed == 0xFFFF_FFFF { compressed = try field.uint(8, "zip64 extra field") }
                if offset == 0xFFFF_FFFF { offset = try field.uint(8, "zip64 extra field") }
                _ = disk
            }
            entries.append(Entry(name: name, method: method, flags: flags,
                                 compressedSize: try ZipArchive.int(compressed),
                                 uncompressedSize: try ZipArchive.int(uncompressed),
                                 localHeaderOffset: try ZipArchive.int(offset)))
        }
        self.entries = entries
    }

    private static func int(_ value: UInt64) throws -> Int {
        guard value <= UInt64(Int.max) else { throw TensorArchiveError.Cause.malformed("zip size out of range") }
        return Int(value)
    }

    func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The byte range of a stored entry's data within `bytes`.
    func dataRange(of entry: Entry) throws -> Range<Int> {
        guard entry.flags & 1 == 0 else { throw TensorArchiveError.Cause.malformed("zip entry \(entry.name) is encrypted") }
        guard entry.method == 0 else {
            throw TensorArchiveError.Cause.compressedEntry(name: entry.name, method: entry.method)
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw TensorArchiveError.Cause.malformed("stored zip entry \(entry.name) has two different sizes")
        }
        let cursor = ByteCursor(bytes)
        let header = entry.localHeaderOffset
        guard try cursor.uint(at: header, 4, "zip local header of \(entry.name)") == 0x0403_4b50 else {
            throw TensorArchiveError.Cause.malformed("bad zip local header for \(entry.name)")
        }
        let nameLength = Int(try cursor.uint(at: header + 26, 2, "zip local header"))
        let extraLength = Int(try cursor.uint(at: header + 28, 2, "zip local header"))
        let start = header + 30 + nameLength + extraLength
        guard start <= bytes.count, entry.uncompressedSize <= bytes.count - start else {
            throw TensorArchiveError.Cause.truncated("ends inside zip entry \(entry.name)")
        }
        return start..<(start + entry.uncompressedSize)
    }
}
