import XCTest
@testable import Lookalike

/// The `colour` method on drawn images, where the histograms are known.
final class ColourMethodTests: XCTestCase {
    func solid(_ c: (UInt8, UInt8, UInt8), width: Int = 64, height: Int = 48) -> RGBImage {
        RGBImage(width: width, height: height, pixels: (0..<(width * height)).flatMap { _ in [c.0, c.1, c.2] })
    }

    /// A picture drawn at any size: soft colour fields, so a smaller rendering is a resized copy.
    func picture(width: Int, height: Int) -> RGBImage {
        var px: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                let inside = (u - 0.5) * (u - 0.5) + (v - 0.55) * (v - 0.55) < 0.06
                px += inside ? [UInt8(200 + 40 * u), UInt8(60 + 30 * v), 40]
                    : [UInt8(40 + 60 * v), UInt8(90 + 100 * u), UInt8(180 - 50 * v)]
            }
        }
        return RGBImage(width: width, height: height, pixels: px)
    }

    func distance(_ a: RGBImage, _ b: RGBImage) -> Float {
        DescriptorSearch.distance(.vector(ColourMethod.vector(a)), .vector(ColourMethod.vector(b)))
    }

    func testTheDescriptorIsTwoUnitNormHistogramsOfSquareRoots() {
        XCTAssertEqual(ColourMethod.kind(MethodSettings()), .vector(444))
        let entry = MethodCatalog.entry(named: "colour")!
        XCTAssertEqual(entry.metric, .cosine)
        XCTAssertEqual(GroupingPlan.defaultRule(for: [entry]), .graph)
        let v = ColourMethod.vector(picture(width: 120, height: 90))
        XCTAssertEqual(v.count, 444)
        XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
        // Each block alone: sum of squares 1/2, so each histogram sums to 1.
        XCTAssertEqual(v[..<222].reduce(0) { $0 + $1 * $1 }, 0.5, accuracy: 1e-5)
        XCTAssertEqual(v[222...].reduce(0) { $0 + $1 * $1 }, 0.5, accuracy: 1e-5)
        // The lookup table gives each 5-bit cell the bin of its centre.
        XCTAssertEqual(ColourMethod.table.count, 32_768)
        XCTAssertEqual(Int(ColourMethod.table[(31 << 10) | (0 << 5) | 0]), ColourMethod.bin(r: 252, g: 4, b: 4))
        XCTAssertEqual(Set(ColourMethod.table).count, ColourMethod.bins, "every bin is reachable")
    }

    func testDifferentColoursAreFarAndTheDistanceIsTheMeanSquaredHellinger() {
        let red = solid((230, 20, 20)), blue = solid((20, 40, 220))
        XCTAssertEqual(distance(red, blue), 1, accuracy: 1e-6, "no colour in common")
        XCTAssertEqual(distance(red, solid((231, 22, 19), width: 30, height: 90)), 0, accuracy: 1e-6)
        // Half red, half blue (whole and centre alike) against all red: BC = sqrt(1/2) for both histograms.
        let halves = RGBImage(width: 64, height: 48, pixels: (0..<(64 * 48)).flatMap { i in i % 64 < 32 ? [230, 20, 20] : [20, 40, 220] })
        XCTAssertEqual(distance(halves, red), 1 - Float(0.5).squareRoot(), accuracy: 1e-5)
        // A red frame around a blue centre against all red: the whole image shares 3/4 (by area), the centre nothing.
        let framed = RGBImage(width: 64, height: 48, pixels: (0..<(64 * 48)).flatMap { i -> [UInt8] in
            let x = i % 64, y = i / 64
            return (16..<48).contains(x) && (12..<36).contains(y) ? [20, 40, 220] : [230, 20, 20]
        })
        XCTAssertEqual(distance(framed, red), 1 - (Float(0.75).squareRoot() + 0) / 2, accuracy: 1e-5)
    }

    func testAResizedCopyIsCloseAndAnotherPictureIsNot() {
        let original = picture(width: 400, height: 300)
        let copy = picture(width: 160, height: 120)
        let reduced = original.reduced(maxSide: 256)
        XCTAssertLessThan(distance(original, copy), 0.02)
        XCTAssertLessThan(distance(original, reduced), 0.02)
        XCTAssertGreaterThan(distance(original, solid((120, 120, 120))), 0.9)
    }

    func testTheMethodRunsOnFilesAndGroupsTheOrientedCopies() throws {
        let entry = try XCTUnwrap(MethodCatalog.entry(named: "colour"))
        let files = FileCollector().collect([FixturePaths.image("orient")]).files
        let plan = GroupingPlan(methods: [entry], rule: .components, threshold: 0.01)
        let outcome = try plan.run(files: files, methods: try plan.makeMethods(), reading: .init(workers: 2))
        XCTAssertEqual(outcome.processed, 16)
        XCTAssertTrue(outcome.failures.isEmpty)
        XCTAssertEqual(outcome.report.groups.map(\.members.count).sorted(), [8, 8])
    }
}

extension ColourMethodTests {
    /// `RGBImage.reduced` sums rows then columns; the bytes must be those of averaging each block directly.
    func testReducedIsTheBlockAverage() {
        var rng = SplitMix64(seed: 12)
        for (w, h, side) in [(1376, 920, 256), (300, 301, 256), (257, 40, 256), (999, 7, 100), (50, 50, 256)] {
            let pixels = (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let image = RGBImage(width: w, height: h, pixels: pixels)
            let got = image.reduced(maxSide: side)
            let scale = Double(max(w, h)) / Double(side)
            guard scale > 1 else { XCTAssertEqual(got, image); continue }
            let ow = max(1, Int((Double(w) / scale).rounded())), oh = max(1, Int((Double(h) / scale).rounded()))
            XCTAssertEqual(got.width, ow)
            XCTAssertEqual(got.height, oh)
            for y in 0..<oh {
                let y0 = y * h / oh, y1 = max(y0 + 1, (y + 1) * h / oh)
                for x in 0..<ow {
                    let x0 = x * w / ow, x1 = max(x0 + 1, (x + 1) * w / ow)
                    for c in 0..<3 {
                        var sum = 0
                        for yy in y0..<y1 { for xx in x0..<x1 { sum += Int(pixels[(yy * w + xx) * 3 + c]) } }
                        XCTAssertEqual(Int(got.pixels[(y * ow + x) * 3 + c]), sum / ((y1 - y0) * (x1 - x0)))
                    }
                }
            }
        }
    }
}
