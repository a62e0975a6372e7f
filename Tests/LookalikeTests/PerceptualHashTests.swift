import XCTest
@testable import Lookalike

final class PerceptualHashTests: XCTestCase {
    func testHexRoundTripsForOddSizes() {
        var rng = SplitMix64(seed: 7)
        for bitCount in [4, 9, 25, 63, 64, 65, 81, 256] {
            let bits = (0..<bitCount).map { _ in rng.next() & 1 == 1 }
            let hash = PerceptualHash(bits: bits)
            XCTAssertEqual(hash.hex.count, (bitCount + 3) / 4)
            XCTAssertEqual(PerceptualHash(hex: hash.hex, bitCount: bitCount), hash)
            XCTAssertEqual(hash.bits, bits)
        }
    }

    func testHexIsBigEndianBitStringLikeImagehash() {
        // imagehash: '{:0>{width}x}'.format(int('1' + '0' * 24, 2)) == '1000000' for 25 bits.
        XCTAssertEqual(PerceptualHash(bits: [true] + Array(repeating: false, count: 24)).hex, "1000000")
        XCTAssertEqual(PerceptualHash(bits: Array(repeating: false, count: 63) + [true]).hex, "0000000000000001")
    }

    func testDistanceCountsDifferingBits() {
        let a = PerceptualHash(hex: "ffffffffffffffff", bitCount: 64)!
        let b = PerceptualHash(hex: "fffffffffffffff0", bitCount: 64)!
        XCTAssertEqual(a.distance(to: b), 4)
        XCTAssertEqual(a.distance(to: a), 0)
        let long1 = PerceptualHash(bits: Array(repeating: true, count: 100))
        let long2 = PerceptualHash(bits: Array(repeating: false, count: 100))
        XCTAssertEqual(long1.distance(to: long2), 100)
    }

    func testRejectsMalformedHex() {
        XCTAssertNil(PerceptualHash(hex: "xyz", bitCount: 12))
        XCTAssertNil(PerceptualHash(hex: "ff", bitCount: 12))
        XCTAssertNil(PerceptualHash(hex: "f000000", bitCount: 25), "bits above the top one must be zero")
    }
}
