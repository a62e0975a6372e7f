# Run: through Benchmarks/resnet.sh (.venv-ref/bin/python Benchmarks/ort_resnet50.py [--threads N] [--rounds R]),
# after Benchmarks/torch_resnet50.py has exported bench-out/onnx/resnet50.onnx (torchvision's resnet50).
"""torchvision's resnet50 in ONNX Runtime on CPU: images/s at batch 1 and 16, network only, random input. Prints the
same tab-separated lines as `LookalikeBenchmarks resnet`, so Benchmarks/resnet.sh can take ratios."""
import argparse
import time

import numpy as np
import onnxruntime as ort

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--model", default="bench-out/onnx/resnet50.onnx")
args = parser.parse_args()
options = ort.SessionOptions()
options.intra_op_num_threads = args.threads
options.inter_op_num_threads = 1
session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
print(f"onnxruntime {ort.__version__}, {args.threads} threads")
inputs = np.random.default_rng(5).uniform(-1, 1, (16, 3, 224, 224)).astype(np.float32)
for batch, passes in [(1, 16 * args.rounds), (16, args.rounds)]:
    x = inputs[:batch]
    session.run(None, {"x": x}); session.run(None, {"x": x})
    start = time.perf_counter()
    for _ in range(passes):
        session.run(None, {"x": x})
    rate = batch * passes / (time.perf_counter() - start)
    print(f"onnxruntime batch {batch}, {args.threads} threads\t{rate:.2f} images/s\t{rate * 4.11:.0f} GFLOPS")
