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

    /// Width and height as reported: oriented unless orientation is ignored; always at the stored scale.
    public var reportedSize: (width: Int, height: Int) {
        applyOrientation ? decoded.orientedSize : (decoded.storedWidth, decoded.storedHeight)
    }
}
