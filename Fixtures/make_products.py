# Run from the repo root: /usr/bin/python3 Fixtures/make_products.py   (Pillow and numpy only)
"""Draw a small labelled set of synthetic product photos into Fixtures/products/.

Twelve drawn products (six garments, one sneaker, five packages), each shown as two white-background
packshots ("catalogue") and two photos of another kind: garments and the shoe worn on a simple figure in
front of a studio, room or outdoor backdrop ("model"), packages in a close-up phone photo on a wooden shop
shelf, 38-55% of the frame tall near the middle between neighbours cut off by the frame, slightly tilted and
under a colour cast ("shelf"). p01/p02 (navy tee: stripes vs dots) and p08/p09 (orange box: red vs blue
logo) are deliberately confusable; p05 (cream kurta), p07 (white sneaker) and p11 (white carton) are
light-on-white, the hard case for packshots. Five unlabelled distractors sit beside them. The point: a
perceptual hash should join a packshot to its zoomed copy but not to the shelf or model photo, which colour
and deep features are meant to reach. Writes images/*.jpg, labels.csv (path,group,view) and README.md.

Deterministic: the folder is deleted and recreated, every picture draws from a numpy Generator seeded
from fixed numbers, no fonts are used (text is drawn as little bars), and Pillow's drawing, resampling and
JPEG encoder are deterministic for a given Pillow/libjpeg version.
"""
import csv, pathlib, shutil
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

OUT = pathlib.Path("Fixtures/products")
SIZE, SS = 224, 2                 # final pixels; drawn at SS times that, then LANCZOS down for smooth edges
N = SIZE * SS
SEED = 7331
SKINS = [(243, 204, 172), (226, 176, 134), (196, 136, 98), (141, 90, 60), (92, 60, 42)]

def tint(c, f):                   # f < 1 darkens, f > 1 moves toward white
    return tuple(int(round(v * f if f <= 1 else v + (255 - v) * (f - 1))) for v in c)

def rand_colour(rng):
    return tuple(int(v) for v in rng.integers(25, 235, 3))

def arc(cx, cy, rx, ry, a0, a1, n=9):
    return [(cx + rx * np.cos(np.radians(a)), cy + ry * np.sin(np.radians(a))) for a in np.linspace(a0, a1, n)]

def glyphs(d, box, colour, rng, rows=2):
    """Bars of random widths standing in for printed words (no fonts, so nothing system-dependent)."""
    x0, y0, x1, y1 = box
    lh = (y1 - y0) / rows
    for r in range(rows):
        x, y = x0, y0 + r * lh + lh * 0.25
        while (w := int(rng.integers(6, 24))) and x + w <= x1:
            d.rectangle([x, y, x + w, y + lh * 0.45], fill=colour)
            x += w + 7

def noise(rng, shape, cell, amp):
    """Smooth value noise: a coarse random grid blown up bicubically; cell is the grain size in pixels."""
    small = rng.normal(0, 1, (shape[0] // cell[0] + 2, shape[1] // cell[1] + 2))
    im = Image.fromarray(np.clip(small * 40 + 128, 0, 255).astype(np.uint8))
    return (np.asarray(im.resize((shape[1], shape[0]), Image.BICUBIC), np.float32) - 128) / 40 * amp

# ---- products, drawn once each on a 400x400 transparent sprite so every view shows the same object ----

GARMENTS = {
    "tee": arc(200, 30, 35, 25, 180, 0) + [(300, 42), (388, 118), (348, 178), (305, 150), (305, 388),
                                          (95, 388), (95, 150), (52, 178), (12, 118), (100, 42)],
    "dress": arc(200, 18, 40, 40, 180, 0) + [(262, 20), (268, 95), (250, 160), (340, 390), (60, 390),
                                             (150, 160), (132, 95), (138, 20)],
    "kurta": arc(200, 22, 32, 30, 180, 0) + [(290, 32), (340, 95), (388, 285), (348, 298), (300, 150),
                                             (308, 392), (92, 392), (100, 150), (52, 298), (12, 285),
                                             (60, 95), (110, 32)],
}

def garment(rng, kind, base, print_=None, accent=None):
    im = Image.new("RGB", (400, 400), base)
    d = ImageDraw.Draw(im)
    if print_ == "stripes":
        for y in range(0, 400, 30): d.rectangle([0, y, 400, y + 11], fill=accent)
    elif print_ in ("dots", "check"):
        for row, y in enumerate(range(8, 400, 32)):
            if print_ == "dots":
                for x in range(8 + 16 * (row % 2), 400, 32): d.ellipse([x - 7, y - 7, x + 7, y + 7], fill=accent)
            else:
                d.rectangle([0, y, 400, y + 5], fill=accent); d.rectangle([y, 0, y + 5, 400], fill=accent)
    elif print_ == "logo":
        d.rectangle([160, 100, 240, 175], fill=accent)
        glyphs(d, (168, 112, 232, 165), base, rng)
    elif print_ == "belt":
        d.rectangle([0, 148, 400, 172], fill=accent); d.rectangle([188, 144, 212, 176], outline=base, width=4)
    elif print_ == "band":            # placket with buttons, hem and cuff borders
        d.rectangle([188, 20, 212, 170], fill=accent); d.rectangle([0, 362, 400, 400], fill=accent)
        d.polygon([(12, 285), (52, 298), (56, 280), (18, 268)], fill=accent)
        d.polygon([(388, 285), (348, 298), (344, 280), (382, 268)], fill=accent)
        for y in range(45, 170, 30): d.ellipse([195, y, 205, y + 10], fill=tint(base, 1.5))
    shade = Image.new("L", (400, 400), 255)   # soft folds so it reads as cloth, not a flat sticker
    sd = ImageDraw.Draw(shade)
    for _ in range(4):
        x, y = rng.integers(110, 290), rng.integers(140, 300)
        sd.line([(int(x), int(y)), (int(x + rng.integers(-30, 30)), int(y + 120))], fill=222, width=18)
    shade = shade.filter(ImageFilter.GaussianBlur(14))
    im = Image.fromarray((np.asarray(im, np.float32) * np.asarray(shade, np.float32)[..., None] / 255).astype(np.uint8))
    ImageDraw.Draw(im).polygon(GARMENTS[kind], outline=tint(base, 0.78), width=4)   # seam keeps white-on-white visible
    mask = Image.new("L", (400, 400), 0)
    ImageDraw.Draw(mask).polygon(GARMENTS[kind], fill=255)
    im.putalpha(mask)
    return im

def cylinder(im, x0, x1):         # bottles and cans: darker at the sides, a highlight left of centre
    a = np.asarray(im).astype(np.float32)
    x = np.clip((np.arange(400) - x0) / (x1 - x0) * 2 - 1, -1, 1)
    f = 1 - 0.3 * x ** 2 + 0.25 * np.exp(-((x + 0.45) / 0.12) ** 2)
    a[..., :3] = np.clip(a[..., :3] * f[None, :, None], 0, 255)
    return Image.fromarray(a.astype(np.uint8), "RGBA")

def package(rng, kind, base, label, logo):
    im = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    if kind == "box":
        d.polygon([(100, 40), (150, 15), (320, 15), (270, 40)], fill=tint(base, 1.2))
        d.polygon([(270, 40), (320, 15), (320, 355), (270, 385)], fill=tint(base, 0.7))
        d.rectangle([100, 40, 270, 385], fill=base)
        d.rectangle([100, 215, 270, 285], fill=label)
        d.polygon([(270, 215), (320, 190), (320, 260), (270, 285)], fill=tint(label, 0.75))
        d.ellipse([140, 75, 230, 165], fill=logo); d.ellipse([165, 100, 205, 140], fill=label)
        glyphs(d, (112, 225, 258, 275), tint(logo, 0.8), rng)
        glyphs(d, (112, 300, 258, 370), tint(base, 1.6), rng, rows=3)
    elif kind == "bottle":
        d.rounded_rectangle([130, 140, 270, 388], 28, fill=base)
        d.polygon([(131, 178), (172, 92), (228, 92), (269, 178)], fill=base)
        d.rectangle([174, 50, 226, 100], fill=base)
        d.rounded_rectangle([166, 18, 234, 58], 6, fill=logo)
        d.rectangle([130, 215, 270, 325], fill=label)
        d.ellipse([178, 225, 222, 269], fill=logo)
        glyphs(d, (142, 278, 258, 318), tint(logo, 0.7), rng)
        im = cylinder(im, 130, 270)
    elif kind == "carton":
        d.polygon([(120, 120), (190, 60), (260, 120)], fill=tint(base, 0.93))
        d.polygon([(190, 60), (230, 40), (300, 100), (260, 120)], fill=tint(base, 0.82))
        d.polygon([(186, 62), (188, 44), (230, 24), (232, 42)], fill=tint(base, 0.88))
        d.polygon([(260, 120), (300, 100), (300, 365), (260, 385)], fill=tint(base, 0.75))
        d.rectangle([120, 120, 260, 385], fill=base)
        d.rectangle([120, 250, 260, 320], fill=label)
        d.polygon([(260, 250), (300, 230), (300, 300), (260, 320)], fill=tint(label, 0.75))
        d.ellipse([160, 150, 220, 210], fill=logo)
        glyphs(d, (130, 260, 250, 310), tint(base, 0.98), rng)
        d.rectangle([120, 120, 260, 385], outline=tint(base, 0.85), width=3)
    elif kind == "can":
        d.rectangle([130, 62, 270, 372], fill=base)
        d.ellipse([130, 358, 270, 386], fill=tint(base, 0.8))
        xs = np.linspace(130, 270, 30)
        wave = [(x, 200 + 14 * np.sin(x / 22)) for x in xs] + [(x, 252 + 14 * np.sin(x / 22)) for x in xs[::-1]]
        d.polygon(wave, fill=label)
        d.regular_polygon((200, 130, 34), 5, fill=label)
        glyphs(d, (145, 300, 255, 350), label, rng)
        im = cylinder(im, 130, 270)
        d = ImageDraw.Draw(im)
        d.ellipse([130, 46, 270, 78], fill=(205, 205, 210), outline=(150, 150, 155), width=4)
    return im

def shoe(rng, base, accent):
    im = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    upper = [(46, 300), (44, 205), (66, 176), (150, 184), (182, 152), (212, 160), (300, 222), (356, 246),
             (380, 282), (380, 300)]                                       # side view, heel left, toe right
    d.polygon(upper, fill=base, outline=(185, 185, 188), width=4)
    d.ellipse([70, 172, 160, 196], fill=(70, 70, 75))                      # the opening
    for off in (0, 36):                                                    # side stripes
        d.polygon([(120 + off, 292), (185 + off, 196), (207 + off, 204), (146 + off, 292)], fill=accent)
    d.rectangle([44, 206, 70, 296], fill=accent)                           # heel tab
    for i in range(6): d.line([(200 + 16 * i, 172 + 11 * i), (220 + 16 * i, 160 + 11 * i)], fill=(150, 150, 155), width=5)
    d.rounded_rectangle([40, 292, 376, 340], 18, fill=(222, 222, 225), outline=(175, 175, 180), width=3)
    d.line([(46, 322), (370, 322)], fill=tint(accent, 0.8), width=4)
    return im

# label, then (kind, colours); p01/p02 and p08/p09 differ only in the print or the logo colour
NAVY, ORANGE, WHITE = (28, 40, 84), (236, 122, 24), (246, 246, 246)
PRODUCTS = [
    ("navy striped tee", "tee", dict(base=NAVY, print_="stripes", accent=WHITE)),
    ("navy dotted tee", "tee", dict(base=NAVY, print_="dots", accent=WHITE)),
    ("red tee, yellow logo", "tee", dict(base=(196, 30, 45), print_="logo", accent=(250, 200, 40))),
    ("green belted dress", "dress", dict(base=(40, 130, 72), print_="belt", accent=(30, 30, 30))),
    ("cream kurta, gold band", "kurta", dict(base=(246, 241, 230), print_="band", accent=(205, 165, 80))),
    ("teal dotted kurta", "kurta", dict(base=(20, 120, 130), print_="dots", accent=(240, 200, 90))),
    ("white sneaker", "shoe", dict(base=(250, 250, 250), accent=(60, 160, 90))),
    ("orange box, red logo", "box", dict(base=ORANGE, label=WHITE, logo=(200, 20, 30))),
    ("orange box, blue logo", "box", dict(base=ORANGE, label=WHITE, logo=(30, 70, 190))),
    ("blue bottle", "bottle", dict(base=(30, 90, 180), label=(245, 245, 245), logo=(220, 60, 40))),
    ("white milk carton", "carton", dict(base=(250, 250, 250), label=(130, 180, 225), logo=(30, 70, 160))),
    ("red can", "can", dict(base=(200, 20, 40), label=(255, 255, 255), logo=(20, 20, 20))),
]

def draw(rng, kind, p):
    return garment(rng, kind, **p) if kind in GARMENTS else shoe(rng, **p) if kind == "shoe" else package(rng, kind, **p)

def random_package(rng):
    kind = ["box", "bottle", "carton", "can"][rng.integers(4)]
    return package(rng, kind, rand_colour(rng), rand_colour(rng), rand_colour(rng))

# ---- scenes, all N x N RGB ----

def fit(sprite, size, by="max"):  # crop to the drawn pixels, scale so the longer (or given) side is `size`
    sp = sprite.crop(sprite.getchannel("A").getbbox())
    s = size / (max(sp.size) if by == "max" else sp.height)
    return sp.resize((max(1, round(sp.width * s)), max(1, round(sp.height * s))), Image.LANCZOS)

def put(scene, sp, x, y, shadow=0.0):
    x, y = int(round(x)), int(round(y))
    if shadow:                    # soft drop shadow, as a studio light would leave
        m = sp.getchannel("A").point(lambda a: int(a * shadow)).filter(ImageFilter.GaussianBlur(10))
        scene.paste((60, 60, 60), (x + 8, y + 12), m)
    scene.paste(sp, (x, y), sp)

def light(scene, rng, bright, cast_amp):
    """Brightness, a colour cast, light falling off to one side, and sensor noise."""
    a = np.asarray(scene, np.float32)
    cast = 1 + rng.uniform(-cast_amp, cast_amp, 3)
    side = np.linspace(1 - rng.uniform(0, 0.2), 1, N)[::rng.choice([-1, 1])]
    a = a * rng.uniform(*bright) * cast[None, None, :] * side[None, :, None] + rng.normal(0, 3, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))

def catalogue(rng, sprite, k):
    grey = 255 if k == 1 else int(rng.integers(243, 250))
    scene = Image.new("RGB", (N, N), (grey,) * 3)
    sp = fit(sprite, N * (0.80 if k == 1 else 0.92))
    dx, dy = (0, 0) if k == 1 else rng.uniform(-0.05, 0.05, 2) * N     # the second shot: zoomed and shifted
    put(scene, sp, (N - sp.width) / 2 + dx, (N - sp.height) / 2 + dy, shadow=0.25)
    return scene

def backdrop(rng):
    kind = rng.choice(["studio", "room", "outdoor"])
    a = np.zeros((N, N, 3), np.float32)
    t = np.linspace(0, 1, N)[:, None, None]
    if kind == "studio":
        a[:] = np.array(rand_colour(rng)) * (1 - t) + np.array(rand_colour(rng)) * t
        a += noise(rng, (N, N), (40, 40), 6)[..., None]
    elif kind == "room":          # painted wall over a planked floor, with a skirting board
        h = int(rng.uniform(0.68, 0.8) * N)
        a[:h] = np.array(tint(rand_colour(rng), 1.4)) + noise(rng, (h, N), (30, 30), 10)[..., None]
        a[h:] = np.array(tint(rand_colour(rng), 0.8)) + noise(rng, (N - h, N), (3, 60), 14)[..., None]
        a[h - 10:h] = 235
    else:                         # sky over foliage-green or paving-grey ground
        h = int(rng.uniform(0.5, 0.65) * N)
        a[:h] = np.array([120, 170, 225]) * (1 - t[:h]) + np.array([215, 230, 240]) * t[:h]
        a[h:] = np.array(rng.choice([[70, 115, 60], [130, 128, 122]])) + noise(rng, (N - h, N), (8, 8), 25)[..., None]
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))

ARMS = {"tee": [(45, 240), (40, 380), (48, 500)], "kurta": [(85, 215), (52, 330), (36, 450)],
        "dress": [(145, 140), (100, 320), (85, 470)]}

def figure(rng, sprite, kind):
    """The garment worn by a plain figure (head, hair, arms, legs) on a 400x770 canvas, garment at y 110."""
    fig = Image.new("RGBA", (400, 770), (0, 0, 0, 0))
    d = ImageDraw.Draw(fig)
    skin = SKINS[rng.integers(len(SKINS))]
    legs = skin if kind == "dress" else tuple(int(v) for v in rng.choice([[40, 60, 110], [30, 30, 35], [180, 160, 120]]))
    for s in (1, -1):             # s = -1 mirrors the left limb to the right
        m = lambda pts: [(200 + s * (x - 200), y) for x, y in pts]
        d.polygon(m([(112, 470), (198, 470), (190, 745), (126, 745)]), fill=legs)
        x0, x1 = sorted(200 + s * dx for dx in (-96, -4))
        d.ellipse([x0, 730, x1, 768], fill=(35, 30, 30))
        d.line(m(ARMS[kind]), fill=skin, width=40, joint="curve")
        hx, hy = m(ARMS[kind])[-1]
        d.ellipse([hx - 22, hy - 10, hx + 22, hy + 38], fill=skin)
    d.rectangle([178, 95, 222, 150], fill=tint(skin, 0.9))
    d.ellipse([150, 0, 250, 90], fill=tuple(int(v) for v in rng.choice([[40, 28, 20], [15, 15, 15], [150, 100, 50]])))
    d.ellipse([158, 12, 242, 118], fill=skin)
    fig.alpha_composite(sprite, (0, 110))
    return fig

def model(rng, sprite, kind):
    scene = backdrop(rng)
    if kind == "shoe":            # a jeans leg into the shoe, standing on the floor, a second foot behind
        worn = Image.new("RGBA", (400, 800), (0, 0, 0, 0))
        worn.alpha_composite(sprite, (0, 400))
        ImageDraw.Draw(worn).polygon([(50, 0), (205, 0), (198, 592), (60, 592)], fill=(45, 65, 115))
        for back in (1, 0):
            sp = fit(worn, N * rng.uniform(1.0, 1.2) * (0.85 if back else 1), by="h")
            x = rng.uniform(0.0, 0.35) * N - back * 0.18 * N
            if back:              # the far foot in a little shade
                sp = Image.merge("RGBA", [c.point(lambda v: v * 0.8) for c in sp.split()[:3]] + [sp.getchannel("A")])
            put(scene, sp, x, N * rng.uniform(0.9, 0.97) - sp.height)
    else:
        fig = fit(figure(rng, sprite, kind), N * rng.uniform(0.85, 1.0), by="h")
        fig = fig.rotate(float(rng.uniform(-6, 6)), Image.BICUBIC, expand=True)
        put(scene, fig, rng.uniform(0.02 * N, 0.98 * N - fig.width), rng.uniform(0.0, 0.1) * N)   # off-centre, whole
    return light(scene, rng, (0.85, 1.05), 0.08)

def wood(rng, h, base, w=N):      # planks with grain streaks and dark seams
    a = np.array(base, np.float32) + noise(rng, (h, w), (2, 50), 12)[..., None]
    for y in np.cumsum(rng.integers(40, 90, 12)):
        a[y:y + 3] *= 0.6
    return a[:h]

def wide_shelf(rng, sprite):
    """A wide view of a wooden shelf, 3-5 random packages on it and another shelf's goods above (distractor-4)."""
    back, board = tuple(int(v) for v in rng.integers(60, 120, 3)), tint((150, 105, 60), rng.uniform(0.8, 1.2))
    a = wood(rng, N, back)
    top, floor = int(rng.uniform(0.12, 0.2) * N), int(rng.uniform(0.8, 0.87) * N)
    for y in (top, floor):
        a[y:y + 28] = wood(rng, 28, board); a[y + 26:y + 34] *= 0.5
    scene = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    x = rng.uniform(-0.2, 0) * N
    while x < N:                  # goods on the shelf above, mostly cut off by the frame
        sp = fit(random_package(rng), N * rng.uniform(0.35, 0.5), by="h")
        put(scene, sp, x, top - sp.height + 4); x += sp.width + rng.uniform(0, 0.05) * N
    n = int(rng.integers(3, 6)); slot = int(rng.integers(n)) if sprite is not None else -1
    items = [fit(sprite if i == slot else random_package(rng), N * rng.uniform(0.35, 0.55), by="h") for i in range(n)]
    xs = np.cumsum([0] + [sp.width + rng.uniform(0.01, 0.05) * N for sp in items[:-1]]) + rng.uniform(-0.15, 0.05) * N
    if slot >= 0:                 # slide the row so the labelled product is wholly in frame
        xs += max(0, 0.02 * N - xs[slot]) - max(0, xs[slot] + items[slot].width - 0.98 * N)
    for sp, x in zip(items, xs):
        put(scene, sp, x, floor + 6 - sp.height, shadow=0.3)
    return light(scene, rng, (0.65, 1.1), 0.15)

def shelf(rng, sprite):
    """A close-up phone photo of the product on a shop shelf: it stands near, not at, the middle, 38-55% of
    the frame tall and in focus, between slightly blurred neighbours that the frame's edges cut off (one a
    side, with a whole one between where the product is narrow), under the next shelf's edge and goods; then a
    tilt of a few degrees, a slight perspective, and the shop's lighting."""
    M, m = int(N * 1.3), int(N * 0.15)  # drawn on a larger canvas; the final frame is its middle, m in from each side
    h = rng.uniform(0.38, 0.55) * N
    sp = fit(sprite, h, by="h")
    cx = m + N * (0.5 + rng.choice([-1, 1]) * rng.uniform(0.03, 0.12))      # near, never at, the centre
    cy = m + N * (0.5 + rng.uniform(-0.08, 0.08))
    floor = int(cy + h / 2)
    a = wood(rng, M, tuple(int(v) for v in rng.integers(60, 120, 3)), M)
    board = tint((150, 105, 60), rng.uniform(0.8, 1.2))
    top = int(cy - h / 2 - rng.uniform(0.1, 0.2) * N)                     # the shelf above, its edge in frame
    for y in (top, floor):
        a[y:y + 34] = wood(rng, 34, board, M); a[y + 32:y + 42] *= 0.5
    scene = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    x = rng.uniform(-0.3, 0) * N
    while x < M:                  # goods on the shelf above, mostly cut off by the frame
        g = fit(random_package(rng), N * rng.uniform(0.4, 0.6), by="h")
        put(scene, g, x, top - g.height + 5); x += g.width + rng.uniform(0, 0.05) * N
    x0, row = cx - sp.width / 2, []
    for side in (-1, 1):          # per side one neighbour cut by the frame's edge, one whole between if there is room
        edge = x0 if side < 0 else x0 + sp.width
        while True:
            kind = rng.choice(["box", "carton", "bottle", "can"], p=[0.4, 0.3, 0.15, 0.15])   # mostly wide ones
            g = fit(package(rng, kind, rand_colour(rng), rand_colour(rng), rand_colour(rng)), h * rng.uniform(0.8, 1.15), by="h")
            space = edge - m if side < 0 else m + N - edge                  # product edge to frame edge
            if space - 0.9 * g.width > 0.15 * N:                            # too far to reach: stand it whole
                gap = rng.uniform(0.015, 0.05) * N
            else:                                                           # 35-90% of it in view
                gap = np.clip(space - rng.uniform(0.35, 0.9) * g.width, 0.015 * N, 0.15 * N)
            gx = edge - gap - g.width if side < 0 else edge + gap
            row.append((g, gx)); edge = gx if side < 0 else gx + g.width
            if (edge <= m) if side < 0 else (edge >= m + N): break
    for g, gx in row:
        put(scene, g, gx, floor + 8 - g.height, shadow=0.3)
    d = ImageDraw.Draw(scene)     # price tags on the shelf edge
    for tx in (cx, *[gx + g.width / 2 for g, gx in row]):
        tx, tw = tx + rng.uniform(-0.03, 0.03) * N, rng.uniform(0.08, 0.12) * N
        d.rectangle([tx - tw / 2, floor + 12, tx + tw / 2, floor + 30], fill=(245, 240, 225))
        glyphs(d, (tx - tw / 2 + 4, floor + 14, tx + tw / 2 - 4, floor + 28), (40, 40, 40), rng, rows=1)
    scene = scene.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 2.0)))  # focus is on the product, not around it
    put(scene, sp, x0, floor + 8 - sp.height, shadow=0.3)
    t = np.radians(rng.uniform(-4, 4))        # the frame's corners in the canvas: rotated, each nudged a little
    corners = [(-1, -1), (-1, 1), (1, 1), (1, -1)]  # PIL QUAD order: top-left, bottom-left, bottom-right, top-right
    quad = []
    for ux, uy in corners:
        px, py = ux * N / 2, uy * N / 2
        qx, qy = px * np.cos(t) - py * np.sin(t), px * np.sin(t) + py * np.cos(t)
        jx, jy = rng.uniform(-0.03, 0.03, 2) * N
        quad += [M / 2 + qx + jx, M / 2 + qy + jy]
    scene = scene.transform((N, N), Image.QUAD, [float(v) for v in quad], Image.BICUBIC)
    return light(scene, rng, (0.65, 1.1), 0.15)

def main():
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "images").mkdir(parents=True)
    rows, counts = [], {}
    def save(im, name, group=None, view=None):
        im.resize((SIZE, SIZE), Image.LANCZOS).save(OUT / "images" / name, quality=85)
        if group:
            rows.append((f"images/{name}", group, view)); counts[view] = counts.get(view, 0) + 1
    for i, (_, kind, p) in enumerate(PRODUCTS, 1):
        sprite = draw(np.random.default_rng([SEED, i]), kind, p)
        other = "shelf" if kind in ("box", "bottle", "carton", "can") else "model"
        for k in (1, 2):          # each picture has its own seed, so changing one never shifts the others
            rng = np.random.default_rng([SEED, i, 1, k])
            save(catalogue(rng, sprite, k), f"p{i:02d}-catalogue-{k}.jpg", f"p{i:02d}", "catalogue")
        for k in (1, 2):
            rng = np.random.default_rng([SEED, i, 2, k])
            scene = shelf(rng, sprite) if other == "shelf" else model(rng, sprite, kind)
            save(scene, f"p{i:02d}-{other}-{k}.jpg", f"p{i:02d}", other)
    # Distractors: other products and scenes, in the folder but not in labels.csv
    r = lambda k: np.random.default_rng([SEED, 99, k])
    save(catalogue(r(1), garment(r(1), "tee", (232, 110, 40)), 1), "distractor-1.jpg")
    save(catalogue(r(2), random_package(r(2)), 1), "distractor-2.jpg")
    save(model(r(3), garment(r(3), "dress", (235, 200, 60), "dots", (40, 40, 40)), "dress"), "distractor-3.jpg")
    save(wide_shelf(r(4), None), "distractor-4.jpg")
    save(model(r(5), garment(r(5), "tee", NAVY, "check", WHITE), "tee"), "distractor-5.jpg")
    with open(OUT / "labels.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n"); w.writerow(["path", "group", "view"]); w.writerows(rows)
    table = "\n".join(f"| p{i:02d} | {name} |" for i, (name, _, _) in enumerate(PRODUCTS, 1))
    (OUT / "README.md").write_text(f"""# Synthetic products

Generated by `Fixtures/make_products.py` (run from the repo root: `/usr/bin/python3 Fixtures/make_products.py`);
do not edit by hand. Licence: drawn by the project with Pillow from that script (no photographs, no third-party
material), under the same terms as the rest of the repository.

{len(PRODUCTS)} products, {len(rows)} labelled images ({", ".join(f"{v} {c}" for v, c in counts.items())}) in
`labels.csv` (path,group,view), and 5 unlabelled `distractor-*.jpg` that the tools treat as distractors.
All are {SIZE}x{SIZE} JPEGs. `catalogue` is a packshot on white (the second zoomed and shifted), `model` the
garment or shoe worn on a drawn figure in front of a studio, room or outdoor backdrop, `shelf` a close-up
phone photo of the package on a wooden shop shelf (38-55% of the frame tall, near the middle, neighbours cut
off at the sides, tilted a few degrees, under a colour cast). p01/p02 and p08/p09 are deliberately
confusable; p05, p07 and p11 are light products on white.

| group | product |
|---|---|
{table}
""")

if __name__ == "__main__":
    main()
