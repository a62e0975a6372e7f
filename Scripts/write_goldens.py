# Run from the repo root: $(bash Scripts/python-env.sh) Scripts/write_goldens.py   (Pillow 13.0.0 + imagehash 4.3.2)
"""Write Fixtures/goldens.json and Fixtures/goldens-resample.json from Fixtures/images.

goldens.json: one entry per decodable fixture (path relative to Fixtures/images):
  mode, width, height      Pillow mode and stored size as Image.open gives them
  orientation              EXIF Orientation (1 when absent)
  stored                   {"5"|"8"|"16": {ahash, dhash, phash}} of the image as stored
  oriented                 {width, height, "8": {...}} after ImageOps.exif_transpose
  gray_sha256              sha256 of numpy.asarray(im.convert("L")).tobytes() (stored orientation)
  gray8x8                  im.convert("L").resize((8, 8), LANCZOS) as a list of rows
plus "broken": {file name under broken/: expected failure category}.

goldens-resample.json: for a few fixtures, the source gray plane (base64 of the
raw row-major uint8 bytes) and im.convert("L").resize((W, H), LANCZOS) for
several sizes, as lists of rows, to debug a resampler in isolation.
"""

import base64
import hashlib
import json
import os
import re
import sys
import warnings

import imagehash
import numpy as np
import PIL
from PIL import Image, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(ROOT, "Fixtures", "images")
EXTS = (".jpg", ".jpeg", ".png")

BROKEN = {
    "empty.jpg": "empty",
    "truncated.jpg": "truncated",
    "corrupt.jpg": "corrupt",
    "truncated.png": "truncated",
    "corrupt.png": "corrupt",
    "not-an-image.jpg": "not-an-image",
    "huge-dimensions.png": "too-large",
    "huge-dimensions.jpg": "too-large",
    "unsupported.gif": "unsupported-format",
    "unsupported.bmp": "unsupported-format",
}
DECODABLE_IN_BROKEN = {"misnamed-png.jpg"}

RESAMPLE_FILES = ["jpeg/photo-city.jpg", "png/rgb-8bit.png", "png/gray-16bit.png"]
RESAMPLE_SIZES = [(8, 8), (9, 8), (32, 32), (17, 5), (120, 100)]


def hashes(im, size):
    return {
        "ahash": str(imagehash.average_hash(im, size)),
        "dhash": str(imagehash.dhash(im, size)),
        "phash": str(imagehash.phash(im, size)),
    }


def orientation(im):
    try:
        v = im.getexif().get(0x0112, 1)
    except Exception:
        return 1
    return int(v) if v else 1


def golden(full):
    im = Image.open(full)
    im.load()
    gray = im.convert("L")
    oriented = ImageOps.exif_transpose(im)
    return {
        "mode": im.mode,
        "width": im.width,
        "height": im.height,
        "orientation": orientation(im),
        "stored": {str(s): hashes(im, s) for s in (8, 16, 5)},
        "oriented": {"width": oriented.width, "height": oriented.height, "8": hashes(oriented, 8)},
        "gray_sha256": hashlib.sha256(np.asarray(gray).tobytes()).hexdigest(),
        "gray8x8": np.asarray(gray.resize((8, 8), Image.LANCZOS)).tolist(),
    }


def main():
    # Palette images with transparency warn on convert("L"); harmless here.
    warnings.simplefilter("ignore", UserWarning)
    out = {}
    for dirpath, dirnames, filenames in os.walk(IMAGES):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.lower().endswith(EXTS):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, IMAGES).replace(os.sep, "/")
            if rel.startswith("broken/") and name not in DECODABLE_IN_BROKEN:
                continue
            out[rel] = golden(full)
    present = set(os.listdir(os.path.join(IMAGES, "broken")))
    missing = set(BROKEN) - present
    if missing:
        sys.exit(f"broken fixtures missing: {sorted(missing)}")
    # sanity: every broken file really fails in Pillow (except the unsupported formats, which Pillow reads)
    for name, cause in BROKEN.items():
        if cause == "unsupported-format":
            continue
        try:
            with Image.open(os.path.join(IMAGES, "broken", name)) as im:
                im.load()
        except Exception:
            continue
        sys.exit(f"broken/{name} unexpectedly decodes in Pillow")
    out["broken"] = dict(sorted(BROKEN.items()))
    text = json.dumps(out, sort_keys=True, indent=1)
    # keep each gray8x8 row of numbers on one line
    text = re.sub(r"\[\s*(\d+(?:,\s*\d+)*)\s*\]", lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text)
    with open(os.path.join(ROOT, "Fixtures", "goldens.json"), "w") as f:
        f.write(text + "\n")

    res = {}
    for rel in RESAMPLE_FILES:
        gray = Image.open(os.path.join(IMAGES, rel)).convert("L")
        entry = {
            "width": gray.width,
            "height": gray.height,
            "gray_b64": base64.b64encode(np.asarray(gray).tobytes()).decode("ascii"),
        }
        for w, h in RESAMPLE_SIZES:
            entry[f"{w}x{h}"] = np.asarray(gray.resize((w, h), Image.LANCZOS)).tolist()
        res[rel] = entry
    with open(os.path.join(ROOT, "Fixtures", "goldens-resample.json"), "w") as f:
        json.dump(res, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print(f"Pillow {PIL.__version__}, imagehash {imagehash.__version__}: wrote {len(out) - 1} image goldens, {len(BROKEN)} broken, {len(res)} resample entries")


if __name__ == "__main__":
    main()
