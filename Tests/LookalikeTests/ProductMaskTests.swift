import XCTest
@testable import Lookalike

/// Synthetic garments on backdrops where the right mask is known.
final class ProductMaskTests: XCTestCase {
    struct Scene {
        var image: RGBImage
        var garment: [Bool]
        var skin: [Bool]
    }

    enum Backdrop { case white, gradient, coloured, shelf }

    func draw(backdrop: Backdrop, garment colour: (Int, Int, Int), figure: Bool, seed: UInt64 = 1) -> Scene {
        let w = 160, h = 200
        var rng = SplitMix64(seed: seed)
        var px = [UInt8](repeating: 0, count: w * h * 3)
        var garment = [Bool](repeating: false, count: w * h), skin = garment
        func put(_ i: Int, _ c: (Int, Int, Int)) {
            let noise = { Int(rng.next() % 7) - 3 }
            px[3 * i] = UInt8(max(0, min(255, c.0 + noise()))); px[3 * i + 1] = UInt8(max(0, min(255, c.1 + noise())))
            px[3 * i + 2] = UInt8(max(0, min(255, c.2 + noise())))
        }
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                switch backdrop {
                case .white: put(i, (248, 248, 246))
                case .gradient: let g = 190 + 50 * y / h; put(i, (g, g, g + 2))
                case .coloured: put(i, (170, 200, 230))
                case .shelf: put(i, (Int(rng.next() % 256), Int(rng.next() % 256), Int(rng.next() % 256)))
                }
                // Garment: a body (rectangle) and two sleeves.
                let body = x >= 50 && x < 110 && y >= 60 && y < 170
                let sleeve = y >= 60 && y < 95 && ((x >= 30 && x < 50) || (x >= 110 && x < 130))
                if body || sleeve { put(i, colour); garment[i] = true; continue }
                guard figure else { continue }
                // A skin-coloured head and forearms.
                let head = (x - 80) * (x - 80) + (y - 35) * (y - 35) < 18 * 18
                let arms = y >= 95 && y < 140 && ((x >= 32 && x < 46) || (x >= 114 && x < 128))
                if head || arms { put(i, (226, 170, 138)); skin[i] = true }
            }
        }
        return Scene(image: RGBImage(width: w, height: h, pixels: px), garment: garment, skin: skin)
    }

    func iou(_ a: [Bool], _ b: [Bool]) -> Double {
        let inter = zip(a, b).filter { $0 && $1 }.count, union = zip(a, b).filter { $0 || $1 }.count
        return union == 0 ? 1 : Double(inter) / Double(union)
    }

    func product(_ mask: ProductMask) -> [Bool] { mask.labels.map { $0 == .product } }

    func testGarmentOnPlainGradientAndColouredBackdrops() {
        for backdrop in [Backdrop.white, .gradient, .coloured] {
            let scene = draw(backdrop: backdrop, garment: (30, 45, 110), figure: false)
            let mask = ProductMask(scene.image)
            XCTAssertTrue(mask.backdropFound, "\(backdrop)")
            XCTAssertGreaterThan(iou(product(mask), scene.garment), 0.95, "\(backdrop)")
        }
    }

    func testSkinOfAFigureIsRemovedAndTheGarmentKept() {
        for backdrop in [Backdrop.white, .gradient] {
            let scene = draw(backdrop: backdrop, garment: (30, 45, 110), figure: true)
            let mask = ProductMask(scene.image)
            XCTAssertGreaterThan(iou(product(mask), scene.garment), 0.9, "\(backdrop)")
            XCTAssertGreaterThan(iou(mask.labels.map { $0 == .skin }, scene.skin), 0.8, "\(backdrop)")
        }
    }

    func testSkinColouredGarmentIsNotRemoved() {
        let scene = draw(backdrop: .white, garment: (225, 172, 140), figure: false)
        let mask = ProductMask(scene.image)
        XCTAssertGreaterThan(iou(product(mask), scene.garment), 0.9, "a beige dress is the product, not skin")
    }

    func testTexturedSceneGivesUpGracefullyAndKeepsTheCentre() {
        let scene = draw(backdrop: .shelf, garment: (30, 45, 110), figure: false)
        let mask = ProductMask(scene.image)
        XCTAssertFalse(mask.backdropFound)
        XCTAssertTrue(zip(product(mask), scene.garment).allSatisfy { !$1 || $0 }, "the whole garment is kept")
        XCTAssertEqual(mask.labels[(scene.image.height / 2) * scene.image.width + scene.image.width / 2], .product)
    }

    func testSameGarmentOnOtherBackdropsIsCloserThanAnotherGarment() {
        func vector(_ s: Scene) -> [Float] { MaskedProductMethod.vector(s.image, mask: ProductMask(s.image)) }
        func distance(_ a: [Float], _ b: [Float]) -> Float { DescriptorSearch.distance(.vector(a), .vector(b)) }
        let blueOnWhite = vector(draw(backdrop: .white, garment: (30, 45, 110), figure: false))
        let blueWornOnGrey = vector(draw(backdrop: .gradient, garment: (30, 45, 110), figure: true, seed: 2))
        let redOnWhite = vector(draw(backdrop: .white, garment: (170, 30, 40), figure: false))
        XCTAssertLessThan(distance(blueOnWhite, blueWornOnGrey), distance(blueOnWhite, redOnWhite))
        XCTAssertLessThan(distance(blueOnWhite, blueWornOnGrey), 0.15)
    }
}
