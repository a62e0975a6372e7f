import Foundation

/// A picture of an ORB check for a person to look at (`lookalike verify --matches`): the two images side by side
/// (the trimmed contents the keypoints were found in), each cross-checked match a line between its keypoints,
/// green where it agrees with the fitted homography, red where it does not.
public enum MatchPicture {
    public static let gap = 8
    public static let maximumLines = 150

    /// The picture; `b` is drawn as the check saw it (mirrored already, when the check was of a mirrored view).
    public static func render(_ a: RGBImage, _ b: RGBImage, _ check: ORBCheck) -> RGBImage {
        let width = a.width + gap + b.width, height = max(a.height, b.height)
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        func paste(_ image: RGBImage, at x0: Int) {
            for y in 0..<image.height {
                let row = image.pixels[(y * image.width * 3)..<((y + 1) * image.width * 3)]
                pixels.replaceSubrange(((y * width + x0) * 3)..<((y * width + x0 + image.width) * 3), with: row)
            }
        }
        paste(a, at: 0)
        paste(b, at: a.width + gap)
        // At most `maximumLines` matches, evenly spread, so the picture stays readable; outliers first, so inliers
        // are drawn over them.
        let stride = max(1, (check.matches.count + maximumLines - 1) / maximumLines)
        // Keypoints are in the coordinates of the images ORB ran on (`NearDuplicateKeypoints.side`).
        let sa = Double(a.width) / Double(max(1, check.first.width)), sb = Double(b.width) / Double(max(1, check.second.width))
        for pass in [false, true] {
            for (m, match) in check.matches.enumerated() where check.inliers[m] == pass && m % stride == 0 {
                let p = check.first.keypoints[match.queryIndex], q = check.second.keypoints[match.trainIndex]
                let colour: (UInt8, UInt8, UInt8) = pass ? (0, 190, 60) : (220, 30, 30)
                line(&pixels, width: width, height: height, from: (p.x * sa, p.y * sa), to: (q.x * sb + Double(a.width + gap), q.y * sb), colour)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Writes the picture as a PNG; the cause in words when it cannot.
    public static func write(_ picture: RGBImage, to path: String) -> String? {
        NativePNG.writeRGB(width: picture.width, height: picture.height, pixels: picture.pixels, to: path)
    }

    /// A one-pixel line, one point per step along the longer axis.
    static func line(_ pixels: inout [UInt8], width: Int, height: Int, from p: (Double, Double), to q: (Double, Double),
                     _ colour: (UInt8, UInt8, UInt8)) {
        let steps = max(1, Int(max(abs(q.0 - p.0), abs(q.1 - p.1)).rounded(.up)))
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            let x = Int((p.0 + (q.0 - p.0) * t).rounded()), y = Int((p.1 + (q.1 - p.1) * t).rounded())
            guard x >= 0, y >= 0, x < width, y < height else { continue }
            let k = (y * width + x) * 3
            pixels[k] = colour.0; pixels[k + 1] = colour.1; pixels[k + 2] = colour.2
        }
    }
}
