/// One decoded image as methods see it. Derived views (Pillow's luminance, oriented) are computed on
/// first use and shared by every method that runs on the image. Used by one worker at a time.
public final class ImageSample {
    public let path: String
    public let decoded: DecodedImage
    /// Apply the EXIF orientation before describing (default); false reproduces imagehash on raw pixels.
    public let applyOrientation: Bool

    public init(path: String, decoded: DecodedImage, applyOrientation: Bool) {
        self.path = path
        self.decoded = decoded
        self.applyOrientation = applyOrientation
    }

    /// `Image.convert("L")`, then oriented when `applyOrientation` is set.
    public private(set) lazy var luminance: GrayImage = {
        let gray = Luminance.pillowL(decoded)
        return applyOrientation ? gray.applying(decoded.orientation) : gray
    }()

    /// Full-size RGB, oriented like `luminance` (Pillow's `convert("RGB")` of the decoded pixels).
    public var orientedRGB: RGBImage {
        let rgb = RGBImage(decoded)
        return applyOrientation ? rgb.applying(decoded.orientation) : rgb
    }

    /// RGB reduced to at most 256 px on the longer side, oriented like `luminance`: for colour-based methods.
    public private(set) lazy var smallRGB: RGBImage = {
        let rgb = RGBImage(decoded).reduced(maxSide: 256)
        return applyOrientation ? rgb.applying(decoded.orientation) : rgb
    }()

    /// The product mask of `smallRGB` (backdrop and skin removed), shared by the mask method and overlays.
    public private(set) lazy var productMask: ProductMask = ProductMask(smallRGB)

    /// `orientedRGB` with the product mask's backdrop painted mid-grey (127, which the networks' normalisation
    /// takes to about 0). The mask is made at `smallRGB`'s scale and read back at full size by nearest pixel.
    public func productFocusedRGB() -> RGBImage {
        var image = orientedRGB
        let mask = productMask
        let (w, h) = (image.width, image.height)
        guard mask.width > 0, mask.height > 0 else { return image }
        for y in 0..<h {
            let my = min(mask.height - 1, y * mask.height / h)
            for x in 0..<w where mask.labels[my * mask.width + min(mask.width - 1, x * mask.width / w)] == .background {
                let i = 3 * (y * w + x)
                image.pixels[i] = 127; image.pixels[i + 1] = 127; image.pixels[i + 2] = 127
            }
        }
        return image
    }

    /// Width and height as reported: oriented unless orientation is ignored; always at the stored scale.
    public var reportedSize: (width: Int, height: Int) {
        applyOrientation ? decoded.orientedSize : (decoded.storedWidth, decoded.storedHeight)
    }
}
