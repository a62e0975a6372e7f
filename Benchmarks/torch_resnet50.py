# Run: /usr/bin/python3 Benchmarks/torch_resnet50.py [--threads N] [--rounds R]   (Debian's torch and torchvision)
"""torchvision's resnet50 forward pass on CPU, random weights, eval mode, no_grad: images/s at batch 1 and batch 16.
Prints the same tab-separated lines as `LookalikeBenchmarks resnet`, so Benchmarks/resnet.sh can take ratios."""
import argparse
import time

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = torchvision.models.resnet50().eval()


def images_per_second(batch, passes):
    x = torch.rand(batch, 3, 224, 224)
    with torch.no_grad():
        for _ in range(2):  # warm up: oneDNN primitives, allocator
            model(x)
        start = time.perf_counter()
        for _ in range(passes):
            model(x)
        return batch * passes / (time.perf_counter() - start)


print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.get_num_threads()} threads")
for batch, passes in [(1, 16 * args.rounds), (16, args.rounds)]:
    rate = images_per_second(batch, passes)
    print(f"torchvision batch {batch}, {args.threads} threads\t{rate:.2f} images/s\t{rate * 4.11:.0f} GFLOPS")
