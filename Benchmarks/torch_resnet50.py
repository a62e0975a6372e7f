# Run: /usr/bin/python3 Benchmarks/torch_resnet50.py [--threads N] [--rounds R] [--images FOLDER [--count N]]
#      (Debian's torch and torchvision)
"""torchvision's resnet50 forward pass on CPU, random weights, eval mode, no_grad: images/s at batch 1 and batch 16,
network only and (with --images) end to end from JPEG: Pillow decode, the ImageNet evaluation transforms, the
network. Prints the same tab-separated lines as `LookalikeBenchmarks resnet`, so Benchmarks/resnet.sh can take
ratios."""
import argparse
import os
import time

from PIL import Image

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--images")
parser.add_argument("--count", type=int, default=200)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = torchvision.models.resnet50().eval()
# The same network for ONNX Runtime (Benchmarks/ort_resnet50.py), exported once.
os.makedirs("bench-out/onnx", exist_ok=True)
if not os.path.exists("bench-out/onnx/resnet50.onnx"):
    torch.onnx.export(model, torch.rand(1, 3, 224, 224), "bench-out/onnx/resnet50.onnx", input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)


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

if args.images:
    from torchvision import transforms

    files = sorted(
        os.path.relpath(os.path.join(d, f), args.images)
        for d, _, names in os.walk(args.images)
        for f in names
        if f.lower().endswith((".jpg", ".jpeg"))
    )[: args.count]
    files = [os.path.join(args.images, f) for f in files]
    prepare = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])

    def tensor(path):
        with Image.open(path) as im:
            return prepare(im.convert("RGB"))

    with torch.no_grad():
        model(tensor(files[0]).unsqueeze(0))
        for batch in (1, 16):
            start = time.perf_counter()
            for first in range(0, len(files), batch):
                model(torch.stack([tensor(f) for f in files[first:first + batch]]))
            rate = len(files) / (time.perf_counter() - start)
            print(f"torchvision JPEG to features, batch {batch}, {args.threads} threads\t{rate:.2f} images/s")
