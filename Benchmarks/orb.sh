#!/usr/bin/env bash
# Run: bash Benchmarks/orb.sh [FOLDER] [COUNT]   (release build; OpenCV from the reference venv)
#      bash Benchmarks/orb.sh --pairs SET [EDIT] [COUNT]
# Our ORB beside OpenCV's on the same COUNT images of FOLDER (default: 100 of ../shared/data/hm-packshots/images),
# one thread each: features per image and cross-checked matching per pair. With --pairs, on COUNT originals of a
# near-duplicate set (Scripts/make_near_duplicates.py) and their EDIT copies (default q30): also matching and
# RANSAC per pair, the verifier's cost once features are made.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=()
if [[ ${1:-} == --pairs ]]; then
  set_dir=$2; edit=${3:-q30}; count=${4:-100}; pairs=(--pairs)
  # original, copy, original, copy ... from the set's labels.
  mapfile -t files < <(python3 - "$set_dir" "$edit" "$count" <<'PY'
import csv, sys, pathlib
root, edit, count = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(root / "labels.csv")))
copy = {r["group"]: r["path"] for r in rows if r["view"] == edit}
originals = [r for r in rows if r["view"] == "original" and r["group"] in copy][:count]
for r in originals:
    print(root / r["path"]); print(root / copy[r["group"]])
PY
)
else
  folder=${1:-../shared/data/hm-packshots/images}
  count=${2:-100}
  mapfile -t files < <(ls "$folder"/*.jpg | head -n "$count")
fi
PY=$(bash Scripts/python-env.sh)
"$PY" -c "import cv2" 2>/dev/null || "$PY" -m pip install -q opencv-python-headless
swift build -c release --product LookalikeBenchmarks >/dev/null
.build/release/LookalikeBenchmarks orb --rounds 3 ${pairs[@]+"${pairs[@]}"} "${files[@]}"
"$PY" Benchmarks/orb_reference.py --rounds 3 ${pairs[@]+"${pairs[@]}"} "${files[@]}"
