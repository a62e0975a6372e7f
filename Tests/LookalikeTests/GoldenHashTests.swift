import Foundation
import XCTest
@testable import Lookalike

/// Every fixture against imagehash 4.3 + Pillow 13, as written by Scripts/write_goldens.py.
final class GoldenHashTests: XCTestCase {
    func hashes(_ path: String, size: Int, oriented: Bool) throws -> (GrayImage, [String: String], DecodedImage) {
        let decoded = try ImageDecoder().decode(path: path).get().image
        let sample = ImageSample(path: path, decoded: decoded, applyOrientation: oriented)
        let gray = sample.luminance
        return (gray, [
            "ahash": HashFunctions.averageHash(gray, size: size).hex,
            "dhash": HashFunctions.differenceHash(gray, size: size).hex,
            "phash": HashFunctions.dctHash(gray, size: size).hex,
        ], decoded)
    }

    func testEveryFixtureMatchesImagehashForStoredPixels() throws {
        let goldens = try FixturePaths.json(FixturePaths.goldens)
        var checked = 0
        for (relative, value) in goldens.sorted(by: { $0.key < $1.key }) where relative != "broken" {
            let entry = value as! [String: Any]
            let stored = entry["stored"] as! [String: [String: String]]
            for (sizeText, expected) in stored {
                let (gray, got, decoded) = try hashes(FixturePaths.image(relative), size: Int(sizeText)!, oriented: false)
                XCTAssertEqual(got, expected, "\(relative) size \(sizeText)")
                XCTAssertEqual(decoded.width, entry["width"] as? Int, relative)
                XCTAssertEqual(decoded.height, entry["height"] as? Int, relative)
                if sizeText == "8" {
                    let thumb = PillowResampler.resize(gray, width: 8, height: 8)
                    let expectedThumb = (entry["gray8x8"] as! [[Int]]).flatMap { $0 }.map(UInt8.init)
                    XCTAssertEqual(thumb.pixels, expectedThumb, "\(relative) 8x8 Lanczos thumbnail")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testOrientedHashesMatchExifTranspose() throws {
        let goldens = try FixturePaths.json(FixturePaths.goldens)
        for (relative, value) in goldens where relative != "broken" {
            let entry = value as! [String: Any]
            let oriented = entry["oriented"] as! [String: Any]
            let (gray, got, decoded) = try hashes(FixturePaths.image(relative), size: 8, oriented: true)
            XCTAssertEqual(got, oriented["8"] as! [String: String], "\(relative) oriented")
            XCTAssertEqual(gray.width, oriented["width"] as? Int, relative)
            XCTAssertEqual(gray.height, oriented["height"] as? Int, relative)
            XCTAssertEqual(decoded.orientation.rawValue, entry["orientation"] as? Int, relative)
        }
    }

    func testAllEightOrientationsShowTheSamePicture() throws {
        for format in ["jpeg", "png"] {
            let ext = format == "jpeg" ? "jpg" : "png"
            var seen = Set<String>()
            for o in 1...8 {
                let (_, got, _) = try hashes(FixturePaths.image("orient/\(format)-o\(o).\(ext)"), size: 8, oriented: true)
                seen.insert(got["phash"]!)
            }
            XCTAssertEqual(seen.count, 1, "\(format): orientations disagree after applying EXIF")
        }
    }

    func testResamplerMatchesPillowLanczosAtEverySize() throws {
        let goldens = try FixturePaths.json(FixturePaths.resampleGoldens)
        for (name, value) in goldens {
            let entry = value as! [String: Any]
            let source = GrayImage(width: entry["width"] as! Int, height: entry["height"] as! Int,
                                   pixels: [UInt8](Data(base64Encoded: entry["gray_b64"] as! String)!))
            for (key, rows) in entry where key.contains("x") && key != "gray_b64" {
                let parts = key.split(separator: "x").map { Int($0)! }
                let expected = (rows as! [[Int]]).flatMap { $0 }.map(UInt8.init)
                let got = PillowResampler.resize(source, width: parts[0], height: parts[1])
                XCTAssertEqual(got.pixels, expected, "\(name) -> \(key)")
            }
        }
    }
}
