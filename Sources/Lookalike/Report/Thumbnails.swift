import Foundation

/// Small JPEG copies of images for a self-contained page: decoded, oriented, area-reduced to `maxSide`, encoded,
/// as `data:` URIs. A file that cannot be decoded any more gets no thumbnail (the page shows its name instead).
public enum Thumbnails {
    public static func dataURIs(paths: [String], maxSide: Int = 160, quality: Int = 80,
                                workers: Int = ProcessInfo.processInfo.activeProcessorCount) -> [String?] {
        Parallel.mapChunks(count: paths.count, workers: workers) { range -> [String?] in
            let decoder = ImageDecoder()
            return range.map { i -> String? in
                guard case .success(let outcome) = decoder.decode(path: paths[i]) else { return nil }
                let rgb = RGBImage(outcome.image).reduced(maxSide: maxSide).applying(outcome.image.orientation)
                guard let jpeg = JPEGEncoder.encode(rgb: rgb.pixels, width: rgb.width, height: rgb.height, quality: quality) else {
                    return nil
                }
                return "data:image/jpeg;base64," + Data(jpeg).base64EncodedString()
            }
        }.flatMap { $0 }
    }
}
