# Run: through Benchmarks/vgg16.sh. Either /usr/bin/python3 Benchmarks/vgg16_reference.py torch ... (Debian's torch:
# also exports the ONNX model) or .venv-ref/bin/python Benchmarks/vgg16_reference.py onnxruntime ...
"""torchvision's VGG16 up to fc1 + ReLU (random weights) in PyTorch or ONNX Runtime on CPU: images/s at batch 1 and
16. Tab-separated lines like `LookalikeBenchmarks vgg16`."""
import argparse
import os
import time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("engine", choices=["torch", "onnxruntime"])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--onnx-dir", default="bench-out/onnx")
args = parser.parse_args()
MACS = 15.449  # G multiply-adds an image: 13 convolutions and fc1
path = os.path.join(args.onnx_dir, "vgg16-fc1.onnx")
label = "pytorch" if args.engine == "torch" else "onnxruntime"

if args.engine == "torch":
    import torch
    import torchvision
    from torch import nn
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    full = torchvision.models.vgg16().eval()
    model = nn.Sequential(full.features, full.avgpool, nn.Flatten(), full.classifier[0], full.classifier[1]).eval()
    os.makedirs(args.onnx_dir, exist_ok=True)
    if not os.path.exists(path):
        torch.onnx.export(model, torch.rand(1, 3, 224, 224), path, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    def run(x):
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
else:
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    print(f"onnxruntime {ort.__version__}, {args.threads} threads")

    def run(x):
        return session.run(None, {"x": x})[0]

inputs = np.random.default_rng(5).uniform(-2, 2, (16, 3, 224, 224)).astype(np.float32)
for batch, passes in [(1, 8 * args.rounds), (16, args.rounds)]:
    x = inputs[:batch]
    run(x)  # warm up
    start = time.perf_counter()
    for _ in range(passes):
        run(x)
    rate = batch * passes / (time.perf_counter() - start)
    print(f"{label} vgg16 batch {batch}, {args.threads} threads\t{rate:.2f} images/s\t{rate * MACS * 2:.1f} GFLOPS")
