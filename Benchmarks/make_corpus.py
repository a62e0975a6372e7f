# Run: $(bash Scripts/python-env.sh) Benchmarks/make_corpus.py OUT_DIR [--count 1000] [--source ../shared/data/grocery-packages]
"""Builds a benchmark corpus of camera-sized JPEGs (1376x920 = 1.27 MP, quality 90, 4:2:0) outside the repo.

Each image is a 4x3 mosaic of crops of real photos from the source folder, so that its JPEG entropy (and so
the decoding cost) is that of real photos, not of smooth upscales. Deterministic for a given source folder."""
import argparse, pathlib, random
from PIL import Image

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--source", default=str(pathlib.Path(__file__).resolve().parents[2] / "shared/data/grocery-packages"))
    a = ap.parse_args()
    files = sorted(p for p in pathlib.Path(a.source).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not files:
        raise SystemExit(f"no images under {a.source}")
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1234)
    tile_w, tile_h, cols, rows = 344, 306, 4, 3
    for i in range(a.count):
        target = out / f"photo-{i:04d}.jpg"
        if target.exists():
            continue
        canvas = Image.new("RGB", (tile_w * cols, tile_h * rows + 2))
        for r in range(rows):
            for c in range(cols):
                src = Image.open(rng.choice(files)).convert("RGB")
                src = src.resize((max(tile_w, src.width), max(tile_h, src.height)))
                x = rng.randrange(0, src.width - tile_w + 1)
                y = rng.randrange(0, src.height - tile_h + 1)
                canvas.paste(src.crop((x, y, x + tile_w, y + tile_h)), (c * tile_w, r * tile_h))
        canvas.save(target, "JPEG", quality=90)
    print(f"{a.count} images in {out}")

main()
