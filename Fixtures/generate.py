# Run from the repo root: $(bash Scripts/python-env.sh) Fixtures/generate.py   (Pillow, numpy, pypng; cjpeg/jpegtran from libjpeg-turbo-progs)
"""Generate the synthetic decoder fixtures under Fixtures/images/.

Deterministic: the folder is removed and recreated, every picture comes from
fixed-seed numpy RNGs, and the encoders (Pillow, pypng, cjpeg, jpegtran) are
deterministic for a given library version.  Regenerating with other versions
of numpy / Pillow / libjpeg-turbo / zlib may change bytes (not meaning); if
you regenerate, rerun Scripts/write_goldens.py too.
"""

import os
import shutil
import struct
import subprocess
import tempfile
import zlib

import numpy as np
import png  # pypng
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "images")
TMP = tempfile.mkdtemp(prefix="lookalike-fixtures-")

DESCRIPTIONS = {}  # relative path -> one-line description (for README.md)


def path(rel, desc):
    DESCRIPTIONS[rel] = desc
    full = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


# ---------------------------------------------------------------- scenes ---
# Each scene returns an (h, w, 3) uint8 array.  Coordinates are normalised to
# [0, 1] so the same scene can be rendered at any size.


def _grid(w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    return x / max(w - 1, 1), y / max(h - 1, 1)


def _noise(seed, h, w, amp, channels=3):
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, amp, size=(h, w, channels))


def _finish(img):
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def scene_sunset(w, h, seed=1, noise=4.0):
    x, y = _grid(w, h)
    img = np.zeros((h, w, 3))
    # sky: orange at the horizon to purple at the top
    img[..., 0] = 120 + 130 * y
    img[..., 1] = 40 + 120 * y
    img[..., 2] = 140 - 90 * y
    # sun
    d = np.hypot((x - 0.68) * w / h, y - 0.45)
    sun = d < 0.16
    img[sun] = [255, 226, 120]
    glow = np.clip(1 - d / 0.35, 0, 1)[..., None]
    img = img * (1 - 0.4 * glow) + np.array([255, 200, 90]) * 0.4 * glow
    # hills
    ridge = 0.62 + 0.08 * np.sin(x * 9.0 + 0.5) + 0.05 * np.sin(x * 23.0)
    hill = y > ridge
    img[hill] = np.stack([20 + 30 * x, 35 + 20 * y, 30 + 10 * x], -1)[hill]
    img += _noise(seed, h, w, noise)
    return _finish(img)


def scene_still_life(w, h, seed=2, noise=3.0):
    x, y = _grid(w, h)
    img = np.zeros((h, w, 3))
    img[..., 0] = 200 - 60 * x
    img[..., 1] = 190 - 40 * y
    img[..., 2] = 160 + 40 * x * y
    # table edge
    img[y > 0.72] = [110, 70, 40]
    # red box
    box = (x > 0.08) & (x < 0.38) & (y > 0.30) & (y < 0.80)
    img[box] = [200, 30, 35]
    img[box & (x > 0.30)] = [140, 20, 25]  # shaded side
    # blue ball
    d = np.hypot((x - 0.62) * w / h, y - 0.58)
    ball = d < 0.20
    shade = np.clip(1.2 - d / 0.2, 0.3, 1.0)
    img[ball] = (np.array([40, 80, 210])[None, :] * shade[ball][:, None])
    # green bottle
    bottle = (np.abs(x - 0.86) < 0.05) & (y > 0.15) & (y < 0.78)
    img[bottle] = [30, 150, 60]
    img += _noise(seed, h, w, noise)
    return _finish(img)


def scene_stripes(w, h, seed=3, noise=2.0):
    x, y = _grid(w, h)
    t = (x * w + 0.7 * y * h) / 9.0
    band = np.floor(t).astype(int) % 4
    colours = np.array([[230, 60, 50], [240, 200, 40], [40, 120, 220], [30, 30, 40]], float)
    img = colours[band]
    img *= (0.55 + 0.45 * y)[..., None]
    d = np.hypot((x - 0.3) * w / h, y - 0.35)
    img[d < 0.18] = [250, 250, 250]
    img += _noise(seed, h, w, noise)
    return _finish(img)


def scene_portrait(w, h, seed=4, noise=3.0):
    x, y = _grid(w, h)
    img = np.zeros((h, w, 3))
    img[..., 0] = 40 + 60 * y
    img[..., 1] = 90 + 50 * y
    img[..., 2] = 170 + 40 * x
    # shoulders
    sh = ((x - 0.5) / 0.45) ** 2 + ((y - 1.05) / 0.35) ** 2 < 1
    img[sh] = [90, 40, 60]
    # face
    face = ((x - 0.5) / 0.22) ** 2 + ((y - 0.45) / 0.30) ** 2 < 1
    img[face] = np.stack([225 - 30 * y, 180 - 30 * y, 150 - 20 * y], -1)[face]
    # hair
    hair = (((x - 0.5) / 0.25) ** 2 + ((y - 0.35) / 0.28) ** 2 < 1) & ~face | (face & (y < 0.25))
    img[hair] = [60, 35, 20]
    for ex in (0.42, 0.58):
        eye = np.hypot((x - ex) * w / h, y - 0.42) < 0.03
        img[eye] = [20, 20, 30]
    mouth = (np.abs(x - 0.5) < 0.07) & (np.abs(y - 0.6) < 0.015)
    img[mouth] = [160, 50, 60]
    img += _noise(seed, h, w, noise)
    return _finish(img)


def scene_product(w, h, seed=5, noise=1.5):
    # a dark shoe-ish shape on a near-white studio background
    x, y = _grid(w, h)
    img = np.full((h, w, 3), 246.0)
    img -= 12 * y[..., None]
    shadow = ((x - 0.52) / 0.42) ** 2 + ((y - 0.80) / 0.06) ** 2 < 1
    img[shadow] -= 40
    sole = (x > 0.12) & (x < 0.90) & (y > 0.66) & (y < 0.76)
    body = ((x - 0.45) / 0.36) ** 2 + ((y - 0.66) / 0.30) ** 2 < 1
    body &= y < 0.70
    toe = ((x - 0.74) / 0.17) ** 2 + ((y - 0.66) / 0.12) ** 2 < 1
    shoe = body | toe
    img[shoe] = np.stack([70 + 60 * x, 40 + 30 * x, 30 + 20 * y], -1)[shoe]
    img[sole] = [235, 235, 225]
    lace = shoe & (np.abs(((x - 0.35) * 14) % 1.0 - 0.5) < 0.12) & (y > 0.42) & (y < 0.55)
    img[lace] = [240, 240, 240]
    img += _noise(seed, h, w, noise)
    return _finish(img)


def scene_city(w, h, seed=6, noise=3.0):
    x, y = _grid(w, h)
    img = np.zeros((h, w, 3))
    img[..., 0] = 10 + 30 * y
    img[..., 1] = 15 + 25 * y
    img[..., 2] = 50 + 50 * y
    rng = np.random.default_rng(seed + 100)
    n = 9
    edges = np.linspace(0, 1, n + 1)
    tops = rng.uniform(0.2, 0.7, size=n)
    for i in range(n):
        b = (x >= edges[i]) & (x < edges[i + 1]) & (y > tops[i])
        img[b] = [35 + 8 * i, 35 + 5 * i, 45 + 3 * i]
        win = b & (((x * w) % 6) < 2.5) & (((y * h) % 7) < 3) & (y > tops[i] + 0.04)
        lit = rng.random(size=win.shape) < 0.55
        img[win & lit] = [250, 210, 110]
    moon = np.hypot((x - 0.15) * w / h, y - 0.15) < 0.07
    img[moon] = [235, 235, 220]
    img += _noise(seed, h, w, noise)
    return _finish(img)


def scene_large(w, h, seed=7):
    """640x480-ish picture: smooth, so it stays small as a JPEG."""
    base = scene_sunset(w, h, seed=seed, noise=1.0).astype(np.float64)
    x, y = _grid(w, h)
    # add a product-like box and some circles so low frequencies are rich
    box = (x > 0.10) & (x < 0.32) & (y > 0.55) & (y < 0.92)
    base[box] = [200, 40, 50]
    for cx, cy, r, col in ((0.45, 0.75, 0.08, (40, 90, 200)), (0.85, 0.8, 0.1, (240, 240, 230))):
        c = np.hypot((x - cx) * w / h, y - cy) < r
        base[c] = col
    return _finish(base)


def gray_of(rgb):
    # same integer formula as Pillow's RGB->L (ITU-R 601-2 luma)
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16).astype(np.uint8)


# ----------------------------------------------------------------- JPEG ----


def save_jpeg(arr, rel, desc, **kw):
    mode = "L" if arr.ndim == 2 else ("CMYK" if arr.shape[2] == 4 else "RGB")
    kw.setdefault("quality", 80)
    Image.fromarray(arr, mode).save(path(rel, desc), "JPEG", **kw)


def cjpeg(arr, rel, desc, args):
    ppm = os.path.join(TMP, "in.ppm")
    Image.fromarray(arr).save(ppm)
    with open(path(rel, desc), "wb") as f:
        subprocess.run(["cjpeg", *args, ppm], stdout=f, check=True)


def jpegtran(src_bytes, args):
    return subprocess.run(["jpegtran", *args], input=src_bytes, stdout=subprocess.PIPE, check=True).stdout


def insert_app1_exif(jpeg_bytes, exif_bytes):
    """Insert an APP1 Exif segment after SOI (and after a JFIF APP0 if present)."""
    assert jpeg_bytes[:2] == b"\xff\xd8"
    pos = 2
    if jpeg_bytes[2:4] == b"\xff\xe0":
        pos = 4 + struct.unpack(">H", jpeg_bytes[4:6])[0]
    seg = b"\xff\xe1" + struct.pack(">H", len(exif_bytes) + 2) + exif_bytes
    return jpeg_bytes[:pos] + seg + jpeg_bytes[pos:]


def make_ycck(cmyk):
    """Bytes of a YCCK JPEG (Adobe transform 2) that decodes to ~`cmyk` in Pillow.

    libjpeg's YCCK->CMYK gives C' = 255 - R, M' = 255 - G, Y' = 255 - B, K' = K
    where (R, G, B) is the JFIF YCbCr->RGB of the stored (Y, Cb, Cr); Pillow then
    reads C'M'Y'K' as Adobe-inverted CMYK ("CMYK;I"), i.e. C = 255 - C'.  So we
    store YCbCr(R=C, G=M, B=Y) and K' = 255 - K.  Pillow can only write plain
    CMYK (Adobe transform 0, itself inverting on save), so we hand it the
    inverted planes and then patch the Adobe APP14 transform byte to 2.
    """
    c, m, yy, k = (cmyk[..., i].astype(np.float64) for i in range(4))
    Y = 0.299 * c + 0.587 * m + 0.114 * yy
    Cb = -0.168736 * c - 0.331264 * m + 0.5 * yy + 128
    Cr = 0.5 * c - 0.418688 * m - 0.081312 * yy + 128
    stored = np.stack([Y, Cb, Cr, 255 - k], -1)
    given = 255 - _finish(stored)  # Pillow inverts CMYK on save
    buf = os.path.join(TMP, "ycck.jpg")
    Image.fromarray(given.astype(np.uint8), "CMYK").save(buf, "JPEG", quality=85)
    data = bytearray(open(buf, "rb").read())
    i = data.find(b"Adobe") - 4  # APP14 "Adobe"
    assert i > 0 and data[i:i + 2] == b"\xff\xee"
    # APP14: FFEE len(2) 'Adobe'(5) version(2) flags0(2) flags1(2) transform(1)
    t = i + 4 + 11
    assert data[t] == 0, data[t]
    data[t] = 2
    return bytes(data)


def rgb_to_cmyk(rgb):
    f = rgb.astype(np.float64) / 255
    k = 1 - f.max(axis=2)
    denom = np.where(k < 1, 1 - k, 1)
    c = (1 - f[..., 0] - k) / denom
    m = (1 - f[..., 1] - k) / denom
    y = (1 - f[..., 2] - k) / denom
    return _finish(np.stack([c, m, y, k], -1) * 255)


def make_jpegs():
    still = scene_still_life(80, 60)
    save_jpeg(still, "jpeg/baseline-420.jpg", "baseline JPEG, YCbCr 4:2:0, 80x60 (partial MCU row)",
              subsampling="4:2:0")
    save_jpeg(scene_stripes(72, 56), "jpeg/baseline-444.jpg", "baseline JPEG, YCbCr 4:4:4, 72x56",
              subsampling="4:4:4")
    save_jpeg(scene_portrait(66, 90), "jpeg/baseline-422.jpg", "baseline JPEG, YCbCr 4:2:2, 66x90 (portrait)",
              subsampling="4:2:2")
    cjpeg(scene_sunset(84, 62), "jpeg/baseline-440.jpg", "baseline JPEG, YCbCr 4:4:0 (cjpeg -sample 1x2), 84x62",
          ["-quality", "80", "-sample", "1x2,1x1,1x1"])
    cjpeg(scene_city(88, 60), "jpeg/baseline-411.jpg", "baseline JPEG, YCbCr 4:1:1 (cjpeg -sample 4x1), 88x60",
          ["-quality", "80", "-sample", "4x1,1x1,1x1"])
    save_jpeg(scene_city(96, 64), "jpeg/progressive-420.jpg", "progressive JPEG, 4:2:0, 96x64",
              progressive=True, subsampling="4:2:0")
    cjpeg(scene_product(70, 94), "jpeg/progressive-444-optimized.jpg",
          "progressive JPEG with optimized Huffman tables, 4:4:4, 70x94 (cjpeg)",
          ["-quality", "85", "-progressive", "-optimize", "-sample", "1x1"])
    save_jpeg(gray_of(scene_portrait(76, 58)), "jpeg/grayscale.jpg", "baseline grayscale JPEG (1 component), 76x58")
    cmyk = rgb_to_cmyk(scene_stripes(80, 56))
    save_jpeg(cmyk, "jpeg/cmyk.jpg", "CMYK JPEG (4 components, Adobe APP14 transform 0, inverted), 80x56")
    with open(path("jpeg/ycck.jpg", "YCCK JPEG (4 components, Adobe APP14 transform 2), same picture as cmyk.jpg"), "wb") as f:
        f.write(make_ycck(cmyk))
    save_jpeg(scene_sunset(88, 66), "jpeg/restart-rows.jpg", "JPEG 4:2:0 with a restart marker every MCU row, 88x66",
              restart_marker_rows=1)
    save_jpeg(scene_still_life(90, 70, seed=12), "jpeg/restart-blocks.jpg",
              "JPEG 4:2:0 with a restart marker every 5 MCUs (not row aligned), 90x70",
              restart_marker_blocks=5)
    big = scene_large(640, 480)
    save_jpeg(big, "jpeg/large-640x480.jpg", "large 640x480 baseline 4:2:0 JPEG (for scaled/draft decoding)",
              quality=70)
    # photo-like variety
    scenes = [
        ("photo-sunset.jpg", scene_sunset(90, 60, seed=21), "sunset over hills, 90x60"),
        ("photo-still-life.jpg", scene_still_life(64, 80, seed=22), "still life (box, ball, bottle), 64x80"),
        ("photo-portrait.jpg", scene_portrait(60, 84, seed=23), "portrait-like face on blue, 60x84"),
        ("photo-product.jpg", scene_product(96, 72, seed=24), "dark shoe on white studio background, 96x72"),
        ("photo-city.jpg", scene_city(92, 52, seed=25), "night city skyline, 92x52"),
    ]
    for name, arr, desc in scenes:
        save_jpeg(arr, "jpeg/" + name, "photo-like JPEG 4:2:0: " + desc, quality=85)


# ------------------------------------------------------------------ PNG ----


def write_pypng(rel, desc, rows, width, height, **kw):
    w = png.Writer(width, height, **kw)
    with open(path(rel, desc), "wb") as f:
        w.write(f, [list(map(int, r)) for r in rows])


def nearest_index(rgb, palette):
    pal = np.asarray(palette, np.int32)[:, :3]
    d = ((rgb[:, :, None, :].astype(np.int32) - pal[None, None]) ** 2).sum(-1)
    return d.argmin(-1).astype(np.uint8)


def make_pngs():
    W, H = 80, 60
    still = scene_still_life(W, H, seed=31)
    sunset = scene_sunset(W, H, seed=32)
    gray = gray_of(scene_portrait(W, H, seed=33))

    # -- grayscale, 1/2/4/8/16 bit
    for bits in (1, 2, 4):
        levels = (1 << bits) - 1
        g = gray_of(scene_stripes(72, 52, seed=34 + bits)).astype(np.float64)
        q = np.clip(np.rint(g / 255 * levels), 0, levels).astype(int)
        write_pypng(f"png/gray-{bits}bit.png", f"grayscale {bits}-bit PNG, 72x52", q, 72, 52,
                    greyscale=True, bitdepth=bits)
    write_pypng("png/gray-8bit.png", "grayscale 8-bit PNG, 80x60", gray, W, H, greyscale=True, bitdepth=8)
    # 16-bit gray: left part mostly < 256, right part mostly > 255 (Pillow's
    # I;16 -> L conversion clips values > 255 to 255; imagehash keeps that)
    x, y = _grid(W, H)
    g16 = np.where(x < 0.45, gray.astype(np.float64) * 0.9,
                   256 + gray.astype(np.float64) * 200 * (0.3 + 0.7 * y))
    band = (np.abs(y - 0.5) < 0.08)
    g16[band] = 120 + 100 * x[band]  # a band below 256 crossing the right half
    g16 = np.clip(np.rint(g16), 0, 65535).astype(np.uint16)
    write_pypng("png/gray-16bit.png", "grayscale 16-bit PNG, values <256 on the left and a band, >255 elsewhere, 80x60",
                g16, W, H, greyscale=True, bitdepth=16)
    write_pypng("png/gray-8bit-trns.png", "grayscale 8-bit PNG with tRNS (one grey level transparent), 80x60",
                gray, W, H, greyscale=True, bitdepth=8, transparent=int(gray[0, 0]))

    # -- gray + alpha
    alpha = _finish(255 * np.clip(1.5 - 1.2 * np.hypot(x - 0.5, y - 0.5) * 2, 0, 1))
    la8 = np.stack([gray, alpha], -1).reshape(H, W * 2)
    write_pypng("png/gray-alpha-8bit.png", "grayscale+alpha 8-bit PNG, radial alpha, 80x60", la8, W, H,
                greyscale=True, alpha=True, bitdepth=8)
    g16b = gray.astype(np.uint32) * 257 + ((x * 200).astype(np.uint32))  # low bytes vary too
    g16b = np.minimum(g16b, 65535)
    a16 = alpha.astype(np.uint32) * 257
    la16 = np.stack([g16b, a16], -1).reshape(H, W * 2)
    write_pypng("png/gray-alpha-16bit.png", "grayscale+alpha 16-bit PNG, 80x60 (Pillow opens it as RGBA)", la16, W, H,
                greyscale=True, alpha=True, bitdepth=16)

    # -- palette 1/2/4/8 bit
    pal1 = [(20, 30, 90), (250, 220, 60)]
    pal2 = [(30, 30, 40), (200, 40, 40), (60, 160, 80), (240, 240, 230)]
    pal4 = [(int(r), int(g), int(b)) for r, g, b in
            np.array([[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128],
                      [0, 128, 128], [192, 192, 192], [128, 128, 128], [255, 0, 0], [0, 255, 0],
                      [255, 255, 0], [0, 0, 255], [255, 0, 255], [0, 255, 255], [255, 255, 255]])]
    cube = [(r, g, b) for r in range(0, 256, 51) for g in range(0, 256, 51) for b in range(0, 256, 51)]
    pal8 = cube + [(v, v, v) for v in range(6, 256, 6)][:40]
    assert len(pal8) == 256
    for bits, pal, scene in ((1, pal1, scene_city(76, 54, seed=41)), (2, pal2, scene_still_life(76, 54, seed=42)),
                             (4, pal4, scene_stripes(76, 54, seed=43)), (8, pal8, scene_sunset(76, 54, seed=44))):
        idx = nearest_index(scene, pal)
        write_pypng(f"png/palette-{bits}bit.png", f"palette PNG, {bits}-bit indices, {len(pal)} colours, 76x54",
                    idx, 76, 54, palette=pal, bitdepth=bits)
    # palette with tRNS: the sunset palette, some entries translucent / transparent
    idx = nearest_index(scene_product(76, 54, seed=45), pal8)
    pal8t = [(r, g, b, 255) for (r, g, b) in pal8]
    for i in range(0, 256, 7):
        r, g, b, _ = pal8t[i]
        pal8t[i] = (r, g, b, (i * 37) % 256)
    pal8t[int(idx[0, 0])] = pal8t[int(idx[0, 0])][:3] + (0,)
    write_pypng("png/palette-8bit-trns.png", "palette 8-bit PNG with tRNS (alpha per palette entry), 76x54",
                idx, 76, 54, palette=pal8t, bitdepth=8)

    # -- RGB / RGBA 8 and 16 bit
    write_pypng("png/rgb-8bit.png", "RGB 8-bit PNG, 80x60", still.reshape(H, W * 3), W, H, greyscale=False, bitdepth=8)
    rng = np.random.default_rng(51)
    rgb16 = sunset.astype(np.uint32) * 257
    rgb16 = rgb16 ^ rng.integers(0, 256, size=rgb16.shape, dtype=np.uint32)  # noise only in the low byte
    write_pypng("png/rgb-16bit.png", "RGB 16-bit PNG (random low bytes), 80x60", rgb16.reshape(H, W * 3), W, H,
                greyscale=False, bitdepth=16)
    rgba = np.concatenate([still, alpha[..., None]], -1)
    write_pypng("png/rgba-8bit.png", "RGBA 8-bit PNG, radial alpha, 80x60", rgba.reshape(H, W * 4), W, H,
                greyscale=False, alpha=True, bitdepth=8)
    rgba16 = np.concatenate([rgb16, (alpha.astype(np.uint32) * 257)[..., None]], -1)
    write_pypng("png/rgba-16bit.png", "RGBA 16-bit PNG, 80x60", rgba16.reshape(H, W * 4), W, H,
                greyscale=False, alpha=True, bitdepth=16)
    write_pypng("png/rgb-8bit-trns.png", "RGB 8-bit PNG with tRNS (one colour transparent), 80x60",
                still.reshape(H, W * 3), W, H, greyscale=False, bitdepth=8,
                transparent=tuple(int(v) for v in still[0, 0]))

    # -- Adam7 interlaced
    city = scene_city(83, 61, seed=52)
    write_pypng("png/interlaced-rgb.png", "Adam7-interlaced RGB 8-bit PNG, 83x61 (odd sizes)",
                city.reshape(61, 83 * 3), 83, 61, greyscale=False, bitdepth=8, interlace=True)
    g2 = gray_of(scene_product(67, 45, seed=53))
    write_pypng("png/interlaced-gray.png", "Adam7-interlaced grayscale 8-bit PNG, 67x45", g2, 67, 45,
                greyscale=True, bitdepth=8, interlace=True)
    q = np.rint(gray_of(scene_stripes(61, 47, seed=54)) / 255 * 15).astype(int)
    write_pypng("png/interlaced-gray-4bit.png", "Adam7-interlaced grayscale 4-bit PNG, 61x47", q, 61, 47,
                greyscale=True, bitdepth=4, interlace=True)
    rgba16i = np.concatenate([rgb16[:, :, :], (alpha.astype(np.uint32) * 257)[..., None]], -1)
    write_pypng("png/interlaced-rgba-16bit.png", "Adam7-interlaced RGBA 16-bit PNG, 80x60",
                rgba16i.reshape(H, W * 4), W, H, greyscale=False, alpha=True, bitdepth=16, interlace=True)


# ------------------------------------------------------ EXIF orientation ----

# ImageOps.exif_transpose applies this method for each orientation; we store
# the inverse so that applying the orientation gives back the upright base.
EXIF_METHOD = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
INVERSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_270}
# jpegtran (clockwise rotations) equivalents of INVERSE, lossless because the
# base JPEG is 96x64 with 16x16 MCUs (-perfect checks that)
JPEGTRAN = {2: ["-flip", "horizontal"], 3: ["-rotate", "180"], 4: ["-flip", "vertical"], 5: ["-transpose"],
            6: ["-rotate", "270"], 7: ["-transverse"], 8: ["-rotate", "90"]}
NAMES = {1: "normal", 2: "mirrored horizontally", 3: "rotated 180", 4: "mirrored vertically",
         5: "transposed", 6: "stored rotated 90 CCW (view: rotate 90 CW)", 7: "transversed",
         8: "stored rotated 90 CW (view: rotate 90 CCW)"}


def exif_bytes(n):
    exif = Image.Exif()
    exif[0x0112] = n
    return exif.tobytes()


def make_orientation():
    # JPEG: encode the upright 96x64 base once, then lossless jpegtran transforms
    base = scene_portrait(96, 64, seed=61)
    buf = os.path.join(TMP, "orient-base.jpg")
    Image.fromarray(base).save(buf, "JPEG", quality=85, subsampling="4:2:0")
    base_bytes = open(buf, "rb").read()
    for n in range(1, 9):
        src = base_bytes if n == 1 else jpegtran(base_bytes, ["-perfect", "-copy", "none", *JPEGTRAN[n]])
        data = insert_app1_exif(src, exif_bytes(n))
        with open(path(f"orient/jpeg-o{n}.jpg", f"JPEG with EXIF Orientation {n} ({NAMES[n]}); upright 96x64"), "wb") as f:
            f.write(data)
    # PNG: eXIf chunk, pixels transformed by Pillow (exact)
    base = Image.fromarray(scene_still_life(75, 50, seed=62))
    for n in range(1, 9):
        im = base if n == 1 else base.transpose(INVERSE[n])
        im.save(path(f"orient/png-o{n}.png", f"RGB PNG with eXIf Orientation {n} ({NAMES[n]}); upright 75x50"),
                "PNG", exif=exif_bytes(n))


# ---------------------------------------------------------------- broken ----


def png_chunk(cid, data):
    return struct.pack(">I", len(data)) + cid + data + struct.pack(">I", zlib.crc32(cid + data) & 0xFFFFFFFF)


def make_broken():
    b = lambda rel, desc: path("broken/" + rel, desc)  # noqa: E731
    open(b("empty.jpg", "zero-byte file named .jpg"), "wb").close()

    # a valid JPEG to damage
    buf = os.path.join(TMP, "victim.jpg")
    Image.fromarray(scene_city(96, 64, seed=71)).save(buf, "JPEG", quality=85)
    jpg = open(buf, "rb").read()
    with open(b("truncated.jpg", "valid 96x64 JPEG cut at half its bytes (no EOI)"), "wb") as f:
        f.write(jpg[: len(jpg) // 2])
    # garbage over the middle of the entropy-coded data: random bytes plus a
    # stray SOI marker (FFD8) inside the scan, which libjpeg treats as fatal
    sos = jpg.find(b"\xff\xda")
    start = sos + 2 + struct.unpack(">H", jpg[sos + 2:sos + 4])[0]
    end = len(jpg) - 2
    mid = (start + end) // 2
    rng = np.random.default_rng(72)
    garbage = bytearray(rng.integers(0, 256, size=160, dtype=np.uint8).tobytes())
    garbage[80:82] = b"\xff\xd8"
    cj = bytearray(jpg)
    cj[mid - 80:mid + 80] = garbage
    with open(b("corrupt.jpg", "valid JPEG header, 160 garbage bytes (with a stray FFD8) over the middle of the scan data"), "wb") as f:
        f.write(bytes(cj))

    # a valid PNG to damage
    buf = os.path.join(TMP, "victim.png")
    Image.fromarray(scene_sunset(80, 60, seed=73)).save(buf, "PNG")
    pngb = open(buf, "rb").read()
    idat = pngb.find(b"IDAT")
    idat_len = struct.unpack(">I", pngb[idat - 4:idat])[0]
    with open(b("truncated.png", "valid 80x60 RGB PNG cut in the middle of its IDAT"), "wb") as f:
        f.write(pngb[: idat + 4 + idat_len // 2])
    cp = bytearray(pngb)
    data0 = idat + 4 + 2  # skip the zlib header
    cp[data0:data0 + 64] = rng.integers(0, 256, size=64, dtype=np.uint8).tobytes()  # CRC now wrong too
    with open(b("corrupt.png", "valid PNG with the start of the IDAT deflate data garbled (bad CRC, bad deflate)"), "wb") as f:
        f.write(bytes(cp))

    with open(b("not-an-image.jpg", "a text file named .jpg"), "w") as f:
        f.write("This is not an image.\nIt is a plain text file with a .jpg name, used to test decoder errors.\n")

    Image.fromarray(scene_stripes(64, 48, seed=74)).save(
        b("misnamed-png.jpg", "a valid 64x48 RGB PNG with a .jpg name (decodable: format is sniffed from content)"), "PNG")

    # IHDR claims 100000 x 100000 8-bit gray; IDAT holds one tiny zlib stream
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
    huge = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64, 9))
            + png_chunk(b"IEND", b""))
    with open(b("huge-dimensions.png", "tiny PNG whose IHDR claims 100000x100000 8-bit gray (must hit the pixel limit)"), "wb") as f:
        f.write(huge)

    # tiny gray JPEG with its SOF0 patched to 60000 x 60000
    buf = os.path.join(TMP, "tiny.jpg")
    Image.fromarray(gray_of(scene_still_life(16, 16, seed=75))).save(buf, "JPEG", quality=50)
    tj = bytearray(open(buf, "rb").read())
    sof = tj.find(b"\xff\xc0")
    assert sof > 0
    tj[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)  # height, width
    with open(b("huge-dimensions.jpg", "tiny 16x16 gray JPEG whose SOF0 claims 60000x60000 (must hit the pixel limit)"), "wb") as f:
        f.write(bytes(tj))

    Image.fromarray(scene_portrait(48, 40, seed=76)).quantize(32, dither=Image.Dither.NONE).save(
        b("unsupported.gif", "a valid 48x40 GIF (unsupported format)"), "GIF")
    Image.fromarray(scene_product(40, 30, seed=77)).save(b("unsupported.bmp", "a valid 40x30 24-bit BMP (unsupported format)"), "BMP")


# ---------------------------------------------------------------- README ----


def write_readme():
    lines = [
        "# Fixture images",
        "",
        "Generated by `Fixtures/generate.py` (run: `$(bash Scripts/python-env.sh) Fixtures/generate.py`);",
        "do not edit by hand. Synthetic pictures only. Goldens: `Scripts/write_goldens.py` writes",
        "`Fixtures/goldens.json` and `Fixtures/goldens-resample.json` from these files with Pillow + imagehash.",
        "",
        "Not produced: nothing from the requested list is missing (YCCK is made by writing a CMYK JPEG",
        "with pre-converted planes and patching the Adobe APP14 transform byte to 2).",
        "",
        "| file | what |",
        "|---|---|",
    ]
    for rel in sorted(DESCRIPTIONS):
        lines.append(f"| `{rel}` | {DESCRIPTIONS[rel]} |")
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    try:
        make_jpegs()
        make_pngs()
        make_orientation()
        make_broken()
        write_readme()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"wrote {len(DESCRIPTIONS)} files under {OUT}")


if __name__ == "__main__":
    main()
