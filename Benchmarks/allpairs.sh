#!/usr/bin/env bash
# Exact all-pairs top-10 at catalogue scale, Lookalike beside FAISS IndexFlatIP and scikit-learn on the same
# vectors, one after the other in one run (release build; the vectors are written to a scratch folder):
#   bash Benchmarks/allpairs.sh [SCRATCH]      (default /tmp/lookalike-allpairs; about 4.5 GB of disk)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${1:-/tmp/lookalike-allpairs}
mkdir -p "$scratch"
PY=$(bash Scripts/python-env.sh)
"$PY" -c "import faiss, sklearn" 2>/dev/null || "$PY" -m pip install -q faiss-cpu scikit-learn >&2
swift build -c release --product LookalikeBenchmarks >&2
for shape in "50000 2048 0 2000" "137280 4096 10000 500"; do
  set -- $shape
  echo "== $1 x $2"
  .build/release/LookalikeBenchmarks allpairs --vectors "$1" --dim "$2" --write "$scratch/v$1"
  "$PY" Benchmarks/allpairs_reference.py "$scratch/v$1" --faiss-queries "$3" --sklearn-queries "$4"
  rm -f "$scratch/v$1".*.npy
done
