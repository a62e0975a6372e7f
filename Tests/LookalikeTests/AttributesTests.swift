import XCTest
@testable import Lookalike

/// The attributes method on drawn products whose colours and patterns are known.
final class AttributesTests: XCTestCase {
    /// A 200 x 200 white packshot with a `w` x `h` product in the middle, painted by `paint(x, y)` (product coordinates).
    func packshot(width w: Int = 120, height h: Int = 150, _ paint: (Int, Int) -> (UInt8, UInt8, UInt8)) -> RGBImage {
        var pixels = [UInt8](repeating: 255, count: 200 * 200 * 3)
        let x0 = (200 - w) / 2, y0 = (200 - h) / 2
        for y in 0..<h { for x in 0..<w {
            let (r, g, b) = paint(x, y)
            let i = 3 * ((y0 + y) * 200 + x0 + x)
            pixels[i] = r; pixels[i + 1] = g; pixels[i + 2] = b
        } }
        return RGBImage(width: 200, height: 200, pixels: pixels)
    }

    func attributes(_ image: RGBImage) -> ProductAttributes { ProductAttributes(image, mask: ProductMask(image)) }

    func testBasicColourTermsOfTheNamedColours() {
        let named: [(UInt8, UInt8, UInt8, ProductAttributes.ColourTerm)] = [
            (0, 0, 0, .black), (255, 255, 255, .white), (128, 128, 128, .grey), (255, 0, 0, .red), (194, 28, 42, .red),
            (255, 165, 0, .orange), (255, 255, 0, .yellow), (0, 128, 0, .green), (0, 0, 255, .blue), (0, 0, 128, .blue),
            (128, 0, 128, .purple), (255, 192, 203, .pink), (139, 69, 19, .brown), (101, 67, 33, .brown),
        ]
        for (r, g, b, term) in named {
            XCTAssertEqual(ProductAttributes.colourTerm(r: r, g: g, b: b), term, "(\(r), \(g), \(b))")
        }
    }

    func testSolidStripedCheckedAndPrintedProducts() {
        let solid = attributes(packshot { _, _ in (20, 130, 40) })
        XCTAssertEqual(solid.value(.colour), "green")
        XCTAssertEqual(solid.value(.pattern), "solid")
        XCTAssertEqual(solid.value(.secondColour), "none")
        XCTAssertEqual(solid.value(.silhouette), "square")  // 150 / 120 = 1.25
        XCTAssertEqual(solid.value(.fill), "block")
        XCTAssertEqual(solid.confidence(.length), 0, "no model: length unknown")

        let striped = attributes(packshot { _, y in y % 8 < 4 ? (0, 0, 128) : (250, 220, 0) })
        XCTAssertEqual(striped.value(.pattern), "striped")
        XCTAssertEqual(Set([striped.value(.colour), striped.value(.secondColour)]), ["blue", "yellow"])

        let checked = attributes(packshot { x, y in (x / 10 + y / 10) % 2 == 0 ? (200, 20, 30) : (20, 40, 160) })
        XCTAssertEqual(checked.value(.pattern), "checked")

        var rng = SplitMix64(seed: 3)
        var dots: [(Int, Int)] = []
        for _ in 0..<60 { dots.append((Int(rng.next() % 120), Int(rng.next() % 150))) }
        let printed = attributes(packshot { x, y in
            dots.contains { (x - $0.0) * (x - $0.0) + (y - $0.1) * (y - $0.1) < 16 } ? (250, 240, 60) : (110, 20, 120)
        })
        XCTAssertEqual(printed.value(.pattern), "printed")
        XCTAssertEqual(printed.value(.colour), "purple")

        let tall = attributes(packshot(width: 50, height: 170) { _, _ in (20, 20, 20) })
        XCTAssertEqual(tall.value(.silhouette), "very tall")
        XCTAssertEqual(tall.value(.colour), "black")
    }

    func testDistanceIsTheShareOfAttributesThatDisagree() {
        let a = ProductAttributes(values: [0, 11, 1, 0, 2, 2, 0], confidences: [1, 1, 1, 1, 1, 1, 0])
        var values = a.values
        values[3] = 1  // striped instead of solid: 1 of 6 sure attributes differs
        let b = ProductAttributes(values: values, confidences: a.confidences)
        let index = CosineIndex(vectors: [a.vector, b.vector])
        XCTAssertEqual(index.distance(0, 1), 1.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(ProductAttributes(vector: b.vector), b)
        XCTAssertEqual(AttributesMethod.explain(.vector(a.vector)), "black, slightly colourful, solid, tall, block")
    }
}
