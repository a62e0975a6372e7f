#!/usr/bin/env bash
# Run: bash Benchmarks/vgg16.sh [--rounds N]
# VGG16 to fc1 (random weights) on all cores: Lookalike (mobile.c + one sgemm for fc1) beside PyTorch (Debian's
# /usr/bin/python3) and ONNX Runtime (pip, in .venv-ref; the model exported from PyTorch by
# Benchmarks/vgg16_reference.py) in the same run, batch 1 and 16, with the ratios. Release build. Lookalike's run
# first checks the full-width network against Fixtures/vgg16-goldens.json.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product LookalikeBenchmarks >&2
PY=$(bash Scripts/python-env.sh)
"$PY" -c "import onnxruntime" 2>/dev/null || "$PY" -m pip install -q onnxruntime >&2
cores=$(nproc)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
/usr/bin/python3 Benchmarks/vgg16_reference.py torch --threads "$cores" "$@" 2>/dev/null | tee "$out"
.build/release/LookalikeBenchmarks vgg16 "$@" | tee -a "$out"
"$PY" Benchmarks/vgg16_reference.py onnxruntime --threads "$cores" "$@" | tee -a "$out"
"$PY" - "$out" "$cores" <<'PYEOF'
import sys
rates = {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) >= 2 and parts[1].endswith("images/s"):
        rates[parts[0]] = float(parts[1].split()[0])
cores = sys.argv[2]
print()
for what in (f"batch 1, {cores} threads", f"batch 16, {cores} threads"):
    ours, torch, onnx = rates.get(f"vgg16 {what}"), rates.get(f"pytorch vgg16 {what}"), rates.get(f"onnxruntime vgg16 {what}")
    if ours and torch and onnx:
        print(f"vgg16 {what:20} Lookalike {ours:6.2f}  PyTorch {torch:6.2f} ({ours / torch:4.2f}x)  "
              f"ONNX Runtime {onnx:6.2f} ({ours / onnx:4.2f}x)")
PYEOF
