# Run: $(bash Scripts/python-env.sh) Scripts/make_near_duplicates.py OUT_DIR [--source ../shared/data/hm-packshots] [--originals 300]
"""Near-duplicate evaluation set from distinct product packshots, written outside the repository.

The first N packshots each get seven edited copies (JPEG quality 30, half size, 10% border crop, +20%
brightness, a text watermark, a 10% white letterbox, a horizontal flip), labelled with the original's group; every other packshot
stays in as a distractor (a different product, often a similar style). Writes OUT_DIR/labels.csv
(path,group,view) for `lookalike evaluate`. Deterministic."""
import argparse, csv, pathlib
from PIL import Image, ImageDraw, ImageEnhance

EDITS = {
    "q30": lambda im: (im, {"quality": 30}),
    "half": lambda im: (im.resize((im.width // 2, im.height // 2), Image.LANCZOS), {}),
    "crop10": lambda im: (im.crop((im.width // 10, im.height // 10, im.width - im.width // 10, im.height - im.height // 10)), {}),
    "bright20": lambda im: (ImageEnhance.Brightness(im).enhance(1.2), {}),
    "watermark": lambda im: (watermark(im), {}),
    "letterbox": lambda im: (letterbox(im), {}),
    "flip": lambda im: (im.transpose(Image.FLIP_LEFT_RIGHT), {}),
}

def watermark(im):
    im = im.copy()
    d = ImageDraw.Draw(im)
    for y in range(im.height // 6, im.height, im.height // 3):
        d.text((im.width // 10, y), "SAMPLE  shop.example", fill=(90, 90, 90))
    return im

def letterbox(im):
    pad = im.width // 10
    out = Image.new("RGB", (im.width + 2 * pad, im.height + 2 * pad), (255, 255, 255))
    out.paste(im, (pad, pad))
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--source", default=str(pathlib.Path(__file__).resolve().parents[2] / "shared/data/hm-packshots"))
    ap.add_argument("--originals", type=int, default=300)
    ap.add_argument("--label-by", choices=["group", "file"], default="group",
                    help="identity of an original: its labels.csv group (hm-packshots) or the file itself "
                         "(sets with several photos per product, where only the edited copies are duplicates)")
    a = ap.parse_args()
    src = pathlib.Path(a.source)
    rows = list(csv.DictReader(open(src / "labels.csv")))
    out = pathlib.Path(a.out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    labels = []
    for n, row in enumerate(rows):
        im = Image.open(src / row["path"]).convert("RGB")
        name = str(pathlib.Path(row["path"]).with_suffix("")).replace("/", "_")  # unique: stems repeat across folders
        identity = row["group"] if a.label_by == "group" else name
        target = out / "images" / f"{name}.jpg"
        im.save(target, quality=95)
        labels.append((f"images/{name}.jpg", identity, "original"))
        if n >= a.originals:
            continue
        for edit, fn in EDITS.items():
            edited, opts = fn(im)
            path = out / "images" / f"{name}-{edit}.jpg"
            edited.save(path, quality=opts.get("quality", 90))
            labels.append((f"images/{name}-{edit}.jpg", identity, edit))
    with open(out / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "group", "view"])
        w.writerows(labels)
    print(f"{len(labels)} images, {a.originals} originals with {len(EDITS)} edits each -> {out}")

main()
