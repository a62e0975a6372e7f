#!/usr/bin/env bash
# Run: bash Benchmarks/resnet.sh [--rounds N] [--images FOLDER [--count N]]   (also ONNX Runtime, pip in .venv-ref)
# (--images defaults to ../shared/data/grocery-packages/images when it exists: end to end from JPEG as well)
# ResNet50 forward pass, network only, seeded/random weights: Lookalike (conv.c) beside torchvision's resnet50 on
# the same cores in the same run, batch 1 and batch 16, with the ratios. Release build; Debian's /usr/bin/python3
# has torch and torchvision. GFLOPS count 4.11 G multiply-adds per 224 x 224 image.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product LookalikeBenchmarks >&2
cores=$(nproc)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
args=("$@")
if [[ " $* " != *" --images "* && -d ../shared/data/grocery-packages/images ]]; then
    args+=(--images ../shared/data/grocery-packages/images)
fi
images=()
for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ ${args[i]} == --images || ${args[i]} == --count ]]; then images+=("${args[i]}" "${args[i + 1]}"); fi
done
.build/release/LookalikeBenchmarks resnet "${args[@]}" | tee "$out"
/usr/bin/python3 Benchmarks/torch_resnet50.py --threads "$cores" "${images[@]}" 2>/dev/null | tee -a "$out"
PY=$(bash Scripts/python-env.sh)
"$PY" -c "import onnxruntime" 2>/dev/null || "$PY" -m pip install -q onnxruntime >&2
"$PY" Benchmarks/ort_resnet50.py --threads "$cores" | tee -a "$out"
/usr/bin/python3 - "$out" "$cores" <<'PYEOF'
import sys
rates = {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) >= 2 and parts[1].endswith("images/s"):
        rates[parts[0]] = float(parts[1].split()[0])
cores = sys.argv[2]
print()
for batch in (1, 16):
    ours, theirs = rates[f"resnet50 batch {batch}, {cores} threads"], rates[f"torchvision batch {batch}, {cores} threads"]
    onnx = rates.get(f"onnxruntime batch {batch}, {cores} threads")
    print(f"batch {batch:2}: Lookalike {ours:6.2f} images/s, torchvision {theirs:6.2f} images/s: {ours / theirs:4.2f}x"
          + (f", ONNX Runtime {onnx:6.2f} images/s: {ours / onnx:4.2f}x" if onnx else ""))
for batch in (1, 16):
    ours = rates.get(f"JPEG to features, batch {batch}, {cores} threads")
    theirs = rates.get(f"torchvision JPEG to features, batch {batch}, {cores} threads")
    if ours and theirs:
        print(f"JPEG to features, batch {batch:2}: Lookalike {ours:6.2f} images/s, torchvision {theirs:6.2f} images/s: "
              f"{ours / theirs:4.2f}x")
workers = rates.get(f"resnet50 {cores} images at once, 1 thread each")
if workers:
    print(f"one image per core (grouper's workers): {workers:6.2f} images/s, "
          f"{workers / rates[f'torchvision batch 1, {cores} threads']:4.2f}x torchvision batch 1")
PYEOF
