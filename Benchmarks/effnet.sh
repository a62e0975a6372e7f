#!/usr/bin/env bash
# Run: bash Benchmarks/effnet.sh [--rounds N] [--variant lite0] [--images FOLDER [--count N]]
# (--images defaults to ../shared/data/grocery-packages/images when it exists: end to end from JPEG as well)
# EfficientNet-Lite0/1/2 forward pass, random weights, on 2 cores: Lookalike (mobile.c) beside PyTorch (Debian's
# /usr/bin/python3) and ONNX Runtime (pip onnxruntime in .venv-ref; the models exported from PyTorch by
# Benchmarks/effnet_reference.py) in the same run, batch 1 and 16, with the ratios. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product LookalikeBenchmarks >&2
PY=$(bash Scripts/python-env.sh)
"$PY" -c "import onnxruntime" 2>/dev/null || "$PY" -m pip install -q onnxruntime >&2
cores=$(nproc)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
args=("$@")
if [[ " $* " != *" --images "* && -d ../shared/data/grocery-packages/images ]]; then
    args+=(--images ../shared/data/grocery-packages/images)
fi
.build/release/LookalikeBenchmarks effnet "${args[@]}" | tee "$out"
/usr/bin/python3 Benchmarks/effnet_reference.py torch --threads "$cores" "${args[@]}" 2>/dev/null | tee -a "$out"
"$PY" Benchmarks/effnet_reference.py onnxruntime --threads "$cores" "${args[@]}" | tee -a "$out"
"$PY" - "$out" "$cores" <<'PYEOF'
import sys
rates = {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) >= 2 and parts[1].endswith("images/s"):
        rates[parts[0]] = float(parts[1].split()[0])
cores = sys.argv[2]
print()
for v in ("lite0", "lite1", "lite2"):
    for what in (f"batch 1, {cores} threads", f"batch 16, {cores} threads", f"JPEG to features, batch 1, {cores} threads",
                 f"JPEG to features, batch 16, {cores} threads"):
        ours = rates.get(f"effnet-{v} {what}")
        torch, onnx = rates.get(f"pytorch effnet-{v} {what}"), rates.get(f"onnxruntime effnet-{v} {what}")
        if ours and torch and onnx:
            print(f"effnet-{v} {what:38} Lookalike {ours:7.2f}  PyTorch {torch:7.2f} ({ours / torch:4.2f}x)  "
                  f"ONNX Runtime {onnx:7.2f} ({ours / onnx:4.2f}x)")
PYEOF
