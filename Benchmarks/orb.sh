#!/usr/bin/env bash
# Run: bash Benchmarks/orb.sh [FOLDER] [COUNT]   (release build; OpenCV from the reference venv)
# Our ORB beside OpenCV's on the same COUNT images of FOLDER (default: 100 of ../shared/data/hm-packshots/images),
# one thread each: features per image and cross-checked matching per pair.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:-../shared/data/hm-packshots/images}
count=${2:-100}
mapfile -t files < <(ls "$folder"/*.jpg | head -n "$count")
PY=$(bash Scripts/python-env.sh)
"$PY" -c "import cv2" 2>/dev/null || "$PY" -m pip install -q opencv-python-headless
swift build -c release --product LookalikeBenchmarks >/dev/null
.build/release/LookalikeBenchmarks orb --rounds 3 "${files[@]}"
"$PY" Benchmarks/orb_reference.py --rounds 3 "${files[@]}"
