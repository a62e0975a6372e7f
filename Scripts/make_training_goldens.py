# Run: /usr/bin/python3 Scripts/make_training_goldens.py   (Debian's python3-torch, CPU)
"""Goldens for the Swift training core (Sources/Lookalike/Train): three Adam steps of two tiny models in torch.

autoencoder: Conv2d(3,4,3,s2,p1,no bias) BatchNorm2d LeakyReLU Conv2d(4,4,3,s1,p1) LeakyReLU Flatten
             Linear(64,6,no bias) BatchNorm1d LeakyReLU Linear(6,64) Unflatten(4,4,4)
             ConvTranspose2d(4,3,3,s2,p1,op1) Sigmoid, trained on mse_loss(model(x), x) for a [4,3,8,8] batch.
             Layers followed by batch-norm have no bias: its gradient is 0 up to rounding, and Adam would turn
             that rounding into full-size steps of either sign.
triplet:     Linear(5,8) ReLU Linear(8,4) then F.normalize, on 6 (anchor, positive, negative) rows with margin 0.5,
             for both distances: squared Euclidean (Wang et al. 2014, written out) and
             F.triplet_margin_loss (Euclidean, eps 1e-6).
Adam: torch.optim.Adam defaults but lr (0.01 and 0.05). Initial weights: torch's default initialisation after
torch.manual_seed(2026), batch-norm affine and running statistics drawn uniform; all stored in the JSON, so the
Swift test does not need to reproduce torch's generator. Values are float32, written with 9 significant digits.
"""
import copy
import json
import os

import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "LookalikeTests", "training-goldens.json")
SEED = 2026


def values(t):
    return [float("%.9g" % v) for v in t.detach().double().flatten().tolist()]


def tensors(named):
    return {k: {"shape": list(v.shape), "values": values(v)} for k, v in named if not k.endswith("num_batches_tracked")}


def state(model):
    return tensors(model.state_dict().items())


def adam_steps(model, loss_fn, lr, steps=3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses, first_gradients = [], None
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        if step == 0:
            first_gradients = tensors((k, p.grad) for k, p in model.named_parameters())
        opt.step()
        losses.append(float(loss.item()))
    return losses, first_gradients


def randomise_batch_norm(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.weight.copy_(0.5 + torch.rand(n, generator=gen))
                m.bias.copy_(0.2 * (2 * torch.rand(n, generator=gen) - 1))
                m.running_mean.copy_(0.1 * (2 * torch.rand(n, generator=gen) - 1))
                m.running_var.copy_(0.5 + torch.rand(n, generator=gen))


def autoencoder():
    torch.manual_seed(SEED)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(4), nn.LeakyReLU(0.01),
        nn.Conv2d(4, 4, 3, stride=1, padding=1), nn.LeakyReLU(0.01), nn.Flatten(),
        nn.Linear(64, 6, bias=False), nn.BatchNorm1d(6), nn.LeakyReLU(0.01), nn.Linear(6, 64),
        nn.Unflatten(1, (4, 4, 4)), nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
    gen = torch.Generator().manual_seed(SEED)
    randomise_batch_norm(model, gen)
    x = torch.rand(4, 3, 8, 8, generator=gen)
    initial = state(model)
    model.train()
    losses, gradients = adam_steps(model, lambda m: F.mse_loss(m(x), x), lr=0.01)
    model.eval()
    with torch.no_grad():
        evaluated = model(x)
    return {"input": {"shape": list(x.shape), "values": values(x)}, "initial": initial, "first_gradients": gradients,
            "losses": losses, "final": state(model), "eval_output": values(evaluated), "learning_rate": 0.01}


def triplet():
    torch.manual_seed(SEED + 1)
    head = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 4))
    gen = torch.Generator().manual_seed(SEED + 1)
    a, p, n = (torch.randn(6, 5, generator=gen) for _ in range(3))
    margin = 0.5
    out = {"anchor": values(a), "positive": values(p), "negative": values(n), "margin": margin,
           "learning_rate": 0.05, "initial": state(head), "runs": {}}
    for distance in ["squared", "euclidean"]:
        model = copy.deepcopy(head)

        def loss_fn(m):
            fa, fp, fn = (F.normalize(m(v), dim=1) for v in (a, p, n))
            if distance == "euclidean":
                return F.triplet_margin_loss(fa, fp, fn, margin=margin)
            return F.relu(margin + ((fa - fp) ** 2).sum(1) - ((fa - fn) ** 2).sum(1)).mean()

        losses, gradients = adam_steps(model, loss_fn, lr=0.05)
        out["runs"][distance] = {"losses": losses, "first_gradients": gradients, "final": state(model)}
    return out


def main():
    torch.set_num_threads(1)
    out = {"seed": SEED, "torch": torch.__version__, "autoencoder": autoencoder(), "triplet": triplet()}
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("autoencoder losses", out["autoencoder"]["losses"])
    for k, v in out["triplet"]["runs"].items():
        print("triplet", k, "losses", v["losses"])
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
