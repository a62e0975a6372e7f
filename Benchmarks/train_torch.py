# Run: /usr/bin/python3 Benchmarks/train_torch.py [SIZE] [BATCH]   (Debian python3-torch; the ConvAutoencoder in torch, one thread)
# Beside: swift run -c release LookalikeBenchmarks train --size SIZE --batch BATCH --threads 1
import time, torch, torch.nn as nn, torch.nn.functional as F, sys
torch.set_num_threads(1)
s, b = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (64, 32)
c = s // 8; flat = 64 * c * c
def down(i, o): return [nn.Conv2d(i, o, 3, 2, 1, bias=False), nn.BatchNorm2d(o), nn.LeakyReLU(0.01)]
def up(i, o, last=False):
    t = nn.ConvTranspose2d(i, o, 3, 2, 1, output_padding=1, bias=last)
    return [t, nn.Sigmoid()] if last else [t, nn.BatchNorm2d(o), nn.LeakyReLU(0.01)]
enc = nn.Sequential(*down(3, 32), *down(32, 64), *down(64, 64), nn.Flatten(), nn.Linear(flat, 16))
dec = nn.Sequential(nn.Linear(16, flat), nn.LeakyReLU(0.01), nn.Unflatten(1, (64, c, c)), *up(64, 64), *up(64, 32), *up(32, 3, True))
model = nn.Sequential(enc, dec)
opt = torch.optim.Adam(model.parameters())
x = torch.rand(b, 3, s, s)
def step():
    opt.zero_grad(); loss = F.mse_loss(model(x), x); loss.backward(); opt.step(); return loss
step()
n = 5; t = time.time()
for _ in range(n): step()
print("torch %s %dpx batch %d 1 thread: %.1f ms/step" % (torch.__version__, s, b, (time.time() - t) / n * 1000))
