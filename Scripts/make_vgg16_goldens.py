# Run: /usr/bin/python3 Scripts/make_vgg16_goldens.py   (Debian's python3-torch and python3-torchvision, CPU)
"""Golden outputs for the Swift VGG16 (torchvision's vgg16, configuration D) fc1 feature.

Two networks with seeded weights, both torchvision's VGG16 layout (13 3x3 convolutions with ReLU in stages of
2, 2, 3, 3, 3 channels x1, x2, x4, x8, x8, a 2x2 max pool after each stage, adaptive average pool to 7x7,
classifier Linear-ReLU-Dropout-Linear-ReLU-Dropout-Linear):
  narrow: first stage 8 channels, fc 64 wide (the Swift unit tests: the full one's weights are 0.5 GB);
  full:   torchvision.models.vgg16() itself (64 channels, fc 4096; checked by `LookalikeBenchmarks vgg16`).
The output is fc1 after its ReLU (classifier[0] and [1]): what Keras's VGG16 `fc1` layer gives.

Weights: the generator of make_resnet50_goldens.py (SplitMix64 counter, seed 2026, values in state_dict order),
classifier.3 and classifier.6 skipped (fc1 does not use them); 4-D and 2-D weights (2u - 1) sqrt(3 / fan_in),
biases 0.2 (2u - 1). Preprocessing: torchvision's ImageNet evaluation transform (Resize 256, CenterCrop 224).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torch import nn
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_resnet50_goldens import Generator, SEED, g7  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = ["Fixtures/images/jpeg/photo-city.jpg", "Fixtures/images/png/rgb-8bit.png"]
OUT = os.path.join(ROOT, "Fixtures", "vgg16-goldens.json")


def vgg16(width, fc):
    if width == 64 and fc == 4096:
        return torchvision.models.vgg16()
    cfg = []
    for multiple, convs in [(1, 2), (2, 2), (4, 3), (8, 3), (8, 3)]:
        cfg += [width * multiple] * convs + ["M"]
    model = torchvision.models.vgg16()
    model.features = torchvision.models.vgg.make_layers(cfg, batch_norm=False)
    model.classifier = nn.Sequential(nn.Linear(width * 8 * 49, fc), nn.ReLU(True), nn.Dropout(),
                                     nn.Linear(fc, fc), nn.ReLU(True), nn.Dropout(), nn.Linear(fc, 1000))
    return model


def fill(model, gen):
    state = {}
    for key, t in model.state_dict().items():
        if key.startswith("classifier.3") or key.startswith("classifier.6"):
            continue
        shape = tuple(t.shape)
        u = gen.uniform(int(np.prod(shape)))
        if key.endswith(".weight") and len(shape) in (2, 4):
            v = (2.0 * u - 1.0) * math.sqrt(3.0 / int(np.prod(shape[1:])))
        elif key.endswith(".bias"):
            v = 0.2 * (2.0 * u - 1.0)
        else:
            raise RuntimeError("unexpected state_dict key %s %s" % (key, shape))
        state[key] = torch.from_numpy(v.astype(np.float32).reshape(shape))
    result = model.load_state_dict(state, strict=False)
    assert all(k.startswith("classifier.3") or k.startswith("classifier.6") for k in result.missing_keys)
    assert not result.unexpected_keys
    return gen.count


def main():
    torch.set_num_threads(2)
    preprocess = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    inputs = {rel: preprocess(Image.open(os.path.join(ROOT, rel)).convert("RGB")) for rel in IMAGES}
    out = {"seed": SEED, "torch": torch.__version__, "torchvision": torchvision.__version__, "networks": {}}
    for name, width, fc in [("narrow", 8, 64), ("full", 64, 4096)]:
        model = vgg16(width, fc)
        generated = fill(model, Generator(SEED))
        model.eval()
        fc1 = nn.Sequential(model.features, model.avgpool, nn.Flatten(), model.classifier[0], model.classifier[1])
        images = {}
        for rel, x in inputs.items():
            with torch.no_grad():
                y = fc1(x.unsqueeze(0)).flatten().numpy().astype(np.float64)
            images[rel] = {"fc1": [g7(v) for v in y], "norm": g7(float(np.linalg.norm(y)))}
            print("%s %s: fc1 norm %.7g, %d of %d positive" % (name, rel, np.linalg.norm(y), (y > 0).sum(), len(y)))
        out["networks"][name] = {"width": width, "fc": fc, "generated_values": generated, "images": images}
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
