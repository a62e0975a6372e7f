#!/usr/bin/env bash
# Run: bash Benchmarks/run.sh [FOLDER]   (default: 1,000 generated 1.27 MP JPEGs in bench-out/corpus)
# Images/s for Lookalike's hash modes on 1 and all cores, beside imagehash (Pillow 13) and raw TurboJPEG
# decoding of the same files, all measured in this run. Release build; Python only for the reference.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product LookalikeBenchmarks >&2
PY=$(bash Scripts/python-env.sh)
folder=${1:-bench-out/corpus}
if [ -z "${1:-}" ] && [ ! -f bench-out/corpus/photo-0999.jpg ]; then
  "$PY" Benchmarks/make_corpus.py bench-out/corpus --count 1000 >&2
fi
cores=$(nproc)
out=$(mktemp)
.build/release/LookalikeBenchmarks hash "$folder" --jobs "$cores" | tee "$out" >&2
ih_phash=$("$PY" Scripts/imagehash_reference.py "$folder" --time --time-hashes phash | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
ih_all=$("$PY" Scripts/imagehash_reference.py "$folder" --time --time-hashes all | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
ih_draft=$("$PY" Scripts/imagehash_reference.py "$folder" --time --draft | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
"$PY" - "$out" "$cores" "$ih_phash" "$ih_all" "$ih_draft" <<'PYEOF'
import sys
lines = [l.split("\t") for l in open(sys.argv[1]) if not l.startswith("#")]
r = {(n, int(w)): float(v) for n, w, v in lines}
cores, ih_phash, ih_all, ih_draft = int(sys.argv[2]), *map(float, sys.argv[3:6])
print(f"{'measurement':34} {'1 core':>9} {f'{cores} cores':>9} {'scaling':>8}")
for name in ["turbojpeg-rgb-full", "turbojpeg-gray-full", "turbojpeg-gray-1/8", "lookalike-phash", "lookalike-all",
             "lookalike-fast-phash", "lookalike-fast-all"]:
    one, many = r[(name, 1)], r.get((name, cores), float("nan"))
    print(f"{name:34} {one:9.1f} {many:9.1f} {many / one:7.2f}x")
print(f"{'imagehash phash (Pillow 13)':34} {ih_phash:9.1f}")
print(f"{'imagehash ahash+dhash+phash':34} {ih_all:9.1f}")
print(f"{'imagehash phash, draft trick':34} {ih_draft:9.1f}   (not exact)")
print()
print("per core, same files, same run:")
print(f"  default phash     vs imagehash phash          {r[('lookalike-phash', 1)] / ih_phash:5.2f}x   (target 2x)")
print(f"  default all three vs imagehash all three      {r[('lookalike-all', 1)] / ih_all:5.2f}x   (target 2x)")
print(f"  fast phash        vs TurboJPEG 1/8 decoding   {r[('lookalike-fast-phash', 1)] / r[('turbojpeg-gray-1/8', 1)]:5.2f}x   (target 0.8x)")
print(f"  fast phash        vs imagehash draft trick    {r[('lookalike-fast-phash', 1)] / ih_draft:5.2f}x")
PYEOF
rm -f "$out"
