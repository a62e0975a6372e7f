# Run: through Benchmarks/effnet.sh. Either /usr/bin/python3 Benchmarks/effnet_reference.py torch ... (Debian's
# torch: also exports the ONNX models) or .venv-ref/bin/python Benchmarks/effnet_reference.py onnxruntime ...
"""EfficientNet-Lite (the definition of Scripts/make_effnet_goldens.py, random weights) in PyTorch or ONNX Runtime on
CPU: images/s at batch 1 and 16, network only, and with --images end to end from JPEG (Pillow decode, the Lite
preprocessing: centre crop size/(size+32), bicubic resize, (x-127)/128). Tab-separated lines like
`LookalikeBenchmarks effnet`."""
import argparse
import os
import sys
import time

import numpy as np
from PIL import Image

parser = argparse.ArgumentParser()
parser.add_argument("engine", choices=["torch", "onnxruntime"])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--onnx-dir", default="bench-out/onnx")
parser.add_argument("--variant", action="append")
parser.add_argument("--images")
parser.add_argument("--count", type=int, default=200)
args = parser.parse_args()
SIZES = {"lite0": 224, "lite1": 240, "lite2": 260}
MACS = {"lite0": 0.385, "lite1": 0.600, "lite2": 0.860}
variants = args.variant or list(SIZES)
label = "pytorch" if args.engine == "torch" else "onnxruntime"

if args.engine == "torch":
    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Scripts"))
    from make_effnet_goldens import EfficientNetLite
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    os.makedirs(args.onnx_dir, exist_ok=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
else:
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    print(f"onnxruntime {ort.__version__}, {args.threads} threads")


def load(variant):
    size = SIZES[variant]
    if args.engine == "torch":
        model = EfficientNetLite(variant).eval()
        path = os.path.join(args.onnx_dir, f"efficientnet-{variant}.onnx")
        if not os.path.exists(path):
            torch.onnx.export(model, torch.rand(1, 3, size, size), path, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)

        def run(x):
            with torch.no_grad():
                return model(torch.from_numpy(x)).numpy()
        return run
    session = ort.InferenceSession(os.path.join(args.onnx_dir, f"efficientnet-{variant}.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {"x": x})[0]


def preprocess(path, size):
    with Image.open(path) as im:
        img = im.convert("RGB")
    w, h = img.size
    crop = max(1, int(size / (size + 32) * min(w, h)))
    top, left = (h - crop + 1) // 2, (w - crop + 1) // 2
    img = img.crop((left, top, left + crop, top + crop)).resize((size, size), Image.BICUBIC)
    return ((np.asarray(img, dtype=np.float32) - 127.0) / 128.0).transpose(2, 0, 1)


for variant in variants:
    size, run = SIZES[variant], load(variant)
    rng = np.random.default_rng(5)
    inputs = rng.uniform(-1, 1, (16, 3, size, size)).astype(np.float32)
    for batch, passes in [(1, 32 * args.rounds), (16, 2 * args.rounds)]:
        x = inputs[:batch]
        run(x); run(x)  # warm up
        start = time.perf_counter()
        for _ in range(passes):
            run(x)
        rate = batch * passes / (time.perf_counter() - start)
        print(f"{label} effnet-{variant} batch {batch}, {args.threads} threads\t{rate:.2f} images/s\t{rate * MACS[variant]:.1f} GFLOPS")
    if args.images:
        files = sorted(os.path.join(d, f) for d, _, names in os.walk(args.images) for f in names
                       if f.lower().endswith((".jpg", ".jpeg")))[: args.count]
        for batch in (1, 16):
            start = time.perf_counter()
            for first in range(0, len(files), batch):
                run(np.stack([preprocess(f, size) for f in files[first:first + batch]]))
            rate = len(files) / (time.perf_counter() - start)
            print(f"{label} effnet-{variant} JPEG to features, batch {batch}, {args.threads} threads\t{rate:.2f} images/s")
