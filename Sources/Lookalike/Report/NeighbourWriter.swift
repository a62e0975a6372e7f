import Foundation

/// Writes `lookalike neighbours`' lists: TSV, JSON lines or NumPy arrays, each file under a temporary name beside
/// it and renamed into place once complete, so a killed run never leaves a file that looks finished.
public enum NeighbourWriter {
    /// How the lists are written.
    public enum Format: String, Sendable, CaseIterable {
        /// `path<TAB>rank<TAB>neighbour<TAB>distance`, one line per neighbour, after a header line.
        case tsv
        /// `{"path":..., "neighbours":[{"path":..., "distance":...}, ...]}`, one line per image.
        case jsonl
        /// `BASE.indices.npy` (int32, n x k, -1 where an image has fewer than k others), `BASE.distances.npy`
        /// (float32, n x k, NaN there) and `BASE.paths.txt` (row i's path on line i).
        case npy

        /// The format an output file's name implies (.tsv, .jsonl, .npy), if any.
        public init?(fileName: String) {
            let ext = (fileName as NSString).pathExtension.lowercased()
            switch ext {
            case "tsv", "txt": self = .tsv
            case "jsonl", "ndjson": self = .jsonl
            case "npy": self = .npy
            default: return nil
            }
        }
    }

    /// The files `write` makes for `output` in `format` (npy: three files beside each other).
    public static func files(output: String, format: Format) -> [String] {
        guard format == .npy else { return [output] }
        let base = output.lowercased().hasSuffix(".npy") ? String(output.dropLast(4)) : output
        return [base + ".indices.npy", base + ".distances.npy", base + ".paths.txt"]
    }

    /// Writes the lists of `paths` (row i: `lists[i]`) to `files(output:format:)`. Each file is written under a
    /// temporary name beside it and renamed into place once complete, so a killed run never leaves a file that
    /// looks finished. Throws a `WriteError` naming the file.
    public static func write(_ lists: [[Neighbour]], paths: [String], k: Int, format: Format, output: String,
                             metric: DistanceMetric = .cosine) throws {
        // Whole bits for hashes; every digit a Float has otherwise.
        func text(_ d: Float) -> String { metric == .hamming ? String(Int(d)) : "\(d)" }
        let targets = files(output: output, format: format)
        let width = min(k, max(paths.count - 1, 0))
        var written: [(temporary: String, target: String)] = []
        defer { for w in written { unlink(w.temporary) } }
        func stream(_ target: String, _ body: (inout BufferedFile) throws -> Void) throws {
            let temporary = target + ".partial-\(getpid())"
            var file = try BufferedFile(path: temporary, reportedAs: target)
            written.append((temporary, target))
            try body(&file)
            try file.close()
        }
        switch format {
        case .tsv:
            try stream(targets[0]) { file in
                try file.write("path\trank\tneighbour\tdistance\n")
                for (i, list) in lists.enumerated() {
                    for (rank, nb) in list.enumerated() {
                        try file.write("\(tsvField(paths[i]))\t\(rank + 1)\t\(tsvField(paths[nb.index]))\t\(text(nb.distance))\n")
                    }
                }
            }
        case .jsonl:
            try stream(targets[0]) { file in
                for (i, list) in lists.enumerated() {
                    try file.write("{\"path\":\(RecordWriter.jsonString(paths[i])),\"neighbours\":["
                                   + list.map { "{\"path\":\(RecordWriter.jsonString(paths[$0.index])),\"distance\":\(text($0.distance))}" }
                                       .joined(separator: ",") + "]}\n")
                }
            }
        case .npy:
            try stream(targets[0]) { file in
                try file.write(bytes: VectorWriter.npyHeader(descr: "<i4", rows: lists.count, columns: width))
                for list in lists {
                    var row = [Int32](repeating: -1, count: width)
                    for (c, nb) in list.prefix(width).enumerated() { row[c] = Int32(nb.index) }
                    try row.withUnsafeBytes { try file.write(bytes: Array($0)) }
                }
            }
            try stream(targets[1]) { file in
                try file.write(bytes: VectorWriter.npyHeader(descr: "<f4", rows: lists.count, columns: width))
                for list in lists {
                    var row = [Float](repeating: .nan, count: width)
                    for (c, nb) in list.prefix(width).enumerated() { row[c] = nb.distance }
                    try row.withUnsafeBytes { try file.write(bytes: Array($0)) }
                }
            }
            try stream(targets[2]) { file in
                for path in paths { try file.write(path + "\n") }
            }
        }
        for w in written where rename(w.temporary, w.target) != 0 {
            throw WriteError(path: w.target, reason: String(cString: strerror(errno)))
        }
        written.removeAll()
    }

    /// A path as one TSV field: tabs, newlines and backslashes escaped (\t, \n, \r, \\).
    static func tsvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\\" }) else { return s }
        return s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }
}

/// A file written through a 1 MiB buffer; every failure a `WriteError` naming the file the user asked for.
struct BufferedFile {
    let descriptor: Int32
    let reportedAs: String
    private var buffer: [UInt8] = []

    init(path: String, reportedAs: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        self.reportedAs = reportedAs
        guard descriptor >= 0 else { throw WriteError(path: reportedAs, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(1 << 20)
    }

    mutating func write(_ text: String) throws { try write(bytes: Array(text.utf8)) }

    mutating func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(descriptor)
                throw WriteError(path: reportedAs, reason: reason)
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() throws {
        try flush()
        guard fsync(descriptor) == 0 || errno == EINVAL, Glibc.close(descriptor) == 0 else {
            throw WriteError(path: reportedAs, reason: String(cString: strerror(errno)))
        }
    }
}
