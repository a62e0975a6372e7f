# Run: /usr/bin/python3 Scripts/make_resnet50_goldens.py   (Debian's python3-torch and python3-torchvision, CPU)
"""Golden outputs for the Swift ResNet-50 (torchvision v1.5) feature extractor.

Builds torchvision's resnet50() with no pretrained weights, fills every
parameter and BatchNorm buffer (except fc.* and num_batches_tracked) from a
seeded SplitMix64 counter generator that the Swift tests reproduce exactly,
runs the ImageNet evaluation preprocessing on three fixture images and writes
the 2048-d global-average-pool outputs to Fixtures/resnet50-goldens.json.

Generator: value number n (n = 1, 2, 3, ... continuing across all tensors, in
state_dict() key order) is mix(seed + n * 0x9E3779B97F4A7C15 mod 2^64),
seed = 2026; u = (mix >> 11) * 2^-53.
  conv .weight (4-D):  (2u - 1) * sqrt(3 / fan_in), fan_in = prod(shape[1:])
  BN .weight:          0.5 + u
  BN .bias:            0.2 * (2u - 1)
  BN .running_mean:    0.1 * (2u - 1)
  BN .running_var:     0.5 + u
Values are computed in double precision, then cast to float32.

Options:
  --check-generator   print the first 5 values of conv1.weight (float32,
                      9 significant digits) and exit.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms

SEED = 2026
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = [
    "Fixtures/images/jpeg/large-640x480.jpg",
    "Fixtures/images/jpeg/photo-city.jpg",
    "Fixtures/images/png/rgb-8bit.png",
]
OUT = os.path.join(ROOT, "Fixtures", "resnet50-goldens.json")


def mix(z):
    """SplitMix64 finaliser on a uint64 array (wraps modulo 2^64)."""
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


class Generator:
    def __init__(self, seed):
        self.seed = np.uint64(seed)
        self.count = 0  # values consumed so far

    def uniform(self, k):
        """Next k values u in [0, 1) as float64."""
        n = np.arange(self.count + 1, self.count + k + 1, dtype=np.uint64)
        self.count += k
        with np.errstate(over="ignore"):
            z = mix(self.seed + n * GOLDEN)
        return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def fill_model(model, gen):
    state = model.state_dict()
    new_state = {}
    for key, t in state.items():
        if key.endswith("num_batches_tracked") or key.startswith("fc."):
            continue
        shape = tuple(t.shape)
        k = int(np.prod(shape)) if shape else 1
        u = gen.uniform(k)
        if key.endswith(".weight") and len(shape) == 4:
            fan_in = int(np.prod(shape[1:]))
            v = (2.0 * u - 1.0) * math.sqrt(3.0 / fan_in)
        elif key.endswith(".weight") and len(shape) == 1:
            v = 0.5 + u
        elif key.endswith(".bias"):
            v = 0.2 * (2.0 * u - 1.0)
        elif key.endswith(".running_mean"):
            v = 0.1 * (2.0 * u - 1.0)
        elif key.endswith(".running_var"):
            v = 0.5 + u
        else:
            raise RuntimeError("unexpected state_dict key %s %s" % (key, shape))
        new_state[key] = torch.from_numpy(v.astype(np.float32).reshape(shape))
    missing = model.load_state_dict(new_state, strict=False)
    # Only fc.* and num_batches_tracked may stay untouched.
    for key in missing.missing_keys:
        assert key.startswith("fc.") or key.endswith("num_batches_tracked"), key
    assert not missing.unexpected_keys
    return new_state


def conv1_first5():
    u = Generator(SEED).uniform(5)
    fan_in = 3 * 7 * 7
    v = ((2.0 * u - 1.0) * math.sqrt(3.0 / fan_in)).astype(np.float32)
    return [float(x) for x in v]


def g7(x):
    return float("%.7g" % x)


def main():
    if "--check-generator" in sys.argv[1:]:
        for x in conv1_first5():
            print("%.9g" % np.float32(x))
        return

    torch.set_num_threads(2)
    model = torchvision.models.resnet50()
    gen = Generator(SEED)
    state = fill_model(model, gen)
    model.eval()
    print("generated values:", gen.count)

    first5 = [float(x) for x in state["conv1.weight"].flatten()[:5]]
    assert first5 == conv1_first5()

    features = torch.nn.Sequential(*list(model.children())[:-1])
    resize = transforms.Resize(256)
    rest = transforms.Compose([
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])

    images = {}
    for rel in IMAGES:
        img = Image.open(os.path.join(ROOT, rel)).convert("RGB")
        resized = resize(img)  # PIL path: Pillow bilinear with antialiasing
        x = rest(resized)
        assert x.shape == (3, 224, 224) and x.dtype == torch.float32
        with torch.no_grad():
            pooled = features(x.unsqueeze(0)).flatten()
        pooled_np = pooled.numpy().astype(np.float64)
        norm = float(np.linalg.norm(pooled_np))
        images[rel] = {
            "pooled": [g7(v) for v in pooled_np],
            "norm": g7(norm),
            "input_checksum": float(x.double().sum()),
            "input_corner": [g7(v) for v in x[0, 0, :5].tolist()],
            "resized_size": list(resized.size),
        }
        print("%s: original %s resized %s norm %.7g" % (rel, img.size, resized.size, norm))

    out = {
        "seed": SEED,
        "generated_values": gen.count,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "conv1_first5": [float("%.9g" % v) for v in first5],
        "images": images,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
