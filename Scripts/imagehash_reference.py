# Run: $(bash Scripts/python-env.sh) Scripts/imagehash_reference.py FOLDER... --out FILE.jsonl [--transpose] [--size 8] [--draft] | --time
"""Reference hashes from Python imagehash (4.3) + Pillow, for comparison with Lookalike.

Walks each FOLDER recursively (sorted; *.jpg, *.jpeg, *.png, case-insensitive)
and writes one JSON line per image:
  {"path": FOLDER/rel/path, "width": w, "height": h, "ahash": ..., "dhash": ..., "phash": ...}
width/height are those of the image that was hashed (after --transpose, if given;
before --draft's reduction, i.e. the file's real size).  Errors go to stderr and
the walk continues.

--transpose  hash ImageOps.exif_transpose(im) instead of the stored pixels
--size N     hash_size for all three hashes (default 8)
--draft      JPEG only: im.draft("L", (N*4, N*4)) before hashing, i.e. libjpeg
             DCT-domain downscaling (1/2, 1/4, 1/8, keeping both sides >= 4N) and
             decoding only the luma channel.  Faster, but NOT bit-compatible with
             plain imagehash (different pixels in, sometimes different bits out).
--time       instead of writing hashes, print throughput on one core: images/s for
             open+decode+phash (end to end) and for phash alone on pre-decoded images.
"""

import os

# one core: keep BLAS / OpenMP pools (numpy, scipy) single-threaded
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
           "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import imagehash  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

EXTS = (".jpg", ".jpeg", ".png")


def walk(folders):
    for folder in folders:
        if os.path.isfile(folder):
            yield folder
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                if name.lower().endswith(EXTS):
                    rel = os.path.relpath(os.path.join(dirpath, name), folder)
                    yield os.path.join(folder, rel)


def load(path, transpose, draft, size):
    """Open and decode; return (image to hash, width, height) with the file's real size, oriented."""
    im = Image.open(path)
    w, h = im.size
    if draft and im.format == "JPEG":
        im.draft("L", (size * 4, size * 4))
    im.load()
    if transpose:
        if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            w, h = h, w
        im = ImageOps.exif_transpose(im)
    return im, w, h


def cmd_hash(args):
    n_ok = n_err = 0
    with open(args.out, "w") as out:
        for path in walk(args.folders):
            try:
                im, w, h = load(path, args.transpose, args.draft, args.size)
                rec = {
                    "path": path,
                    "width": w,
                    "height": h,
                    "ahash": str(imagehash.average_hash(im, args.size)),
                    "dhash": str(imagehash.dhash(im, args.size)),
                    "phash": str(imagehash.phash(im, args.size)),
                }
            except Exception as e:  # noqa: BLE001
                print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
                n_err += 1
                continue
            out.write(json.dumps(rec) + "\n")
            n_ok += 1
    print(f"{n_ok} images hashed, {n_err} errors -> {args.out}", file=sys.stderr)


def cmd_time(args):
    """End-to-end throughput on one core: open + decode (+ transpose) + the hashes, nothing kept."""
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    paths = list(walk(args.folders))
    funcs = {"phash": [imagehash.phash],
             "all": [imagehash.average_hash, imagehash.dhash, imagehash.phash]}[args.time_hashes]
    imagehash.phash(Image.new("L", (64, 64)), args.size)  # warm-up (scipy import)
    n = 0
    t0 = time.perf_counter()
    for path in paths:
        try:
            im, _, _ = load(path, args.transpose, args.draft, args.size)
        except Exception as e:  # noqa: BLE001
            print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        for f in funcs:
            f(im, args.size)
        n += 1
    t1 = time.perf_counter()
    print(json.dumps({
        "images": n, "hash_size": args.size, "hashes": args.time_hashes, "draft": args.draft,
        "images_per_s": round(n / (t1 - t0), 2) if n else None,
    }))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folders", nargs="+", metavar="FOLDER")
    p.add_argument("--out", help="output JSONL file")
    p.add_argument("--transpose", action="store_true", help="apply EXIF orientation first")
    p.add_argument("--size", type=int, default=8, help="hash_size (default 8)")
    p.add_argument("--draft", action="store_true", help="JPEG draft-mode decoding (not imagehash-exact)")
    p.add_argument("--time", action="store_true", help="print throughput on one core instead")
    p.add_argument("--time-hashes", choices=["phash", "all"], default="phash", help="with --time: which hashes")
    args = p.parse_args()
    # Pillow warns when converting palette images with tRNS bytes; not an error here
    warnings.simplefilter("ignore", UserWarning)
    if args.time:
        cmd_time(args)
    elif args.out:
        cmd_hash(args)
    else:
        p.error("--out FILE.jsonl is required (or --time)")


if __name__ == "__main__":
    main()
