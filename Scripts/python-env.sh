#!/usr/bin/env bash
# Makes .venv-ref with the pinned Python reference (Pillow 13.0.0, imagehash 4.3.2) used only to write
# goldens and for side-by-side benchmarks; prints the interpreter's path:  PY=$(bash Scripts/python-env.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-ref/bin/python ]; then
  python3 -m venv .venv-ref >&2
  .venv-ref/bin/pip install -q pillow==13.0.0 imagehash==4.3.2 numpy scipy pypng >&2
fi
echo "$PWD/.venv-ref/bin/python"
