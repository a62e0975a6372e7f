# Run: $(bash Scripts/python-env.sh) Benchmarks/orb_reference.py [--rounds R] FILE...   (pip install opencv-python-headless)
"""OpenCV's ORB on the files LookalikeBenchmarks orb reads, prepared the same way (reduced to 256 px on the longer
side by box averaging, Rec. 601 grey), one thread, the same settings (500 features, scale 1.2, 8 levels, FAST 20):
mean ms per image for detectAndCompute and per consecutive pair for cross-checked Hamming matching (best of R)."""
import sys, time
import cv2
import numpy as np
from PIL import Image

def main():
    args = sys.argv[1:]
    rounds = 3
    if "--rounds" in args:
        i = args.index("--rounds"); rounds = int(args[i + 1]); del args[i:i + 2]
    cv2.setNumThreads(1)
    orb = cv2.ORB_create(nfeatures=500, scaleFactor=1.2, nlevels=8, fastThreshold=20)
    grays = []
    for path in args:
        im = Image.open(path).convert("RGB")
        scale = max(im.size) / 256
        if scale > 1:
            im = im.resize((max(1, round(im.width / scale)), max(1, round(im.height / scale))), Image.BOX)
        a = np.asarray(im, dtype=np.int32)
        grays.append(((a[..., 0] * 299 + a[..., 1] * 587 + a[..., 2] * 114 + 500) // 1000).astype(np.uint8))
    feature_ms, keypoints, features = 0.0, 0, []
    for g in grays:
        best = float("inf")
        for _ in range(rounds):
            t = time.perf_counter(); kp, des = orb.detectAndCompute(g, None); best = min(best, time.perf_counter() - t)
        feature_ms += best * 1000; keypoints += len(kp); features.append(des)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    match_ms = 0.0
    for a, b in zip(features, features[1:]):
        best = float("inf")
        for _ in range(rounds):
            t = time.perf_counter()
            if a is not None and b is not None: matcher.match(a, b)
            best = min(best, time.perf_counter() - t)
        match_ms += best * 1000
    n, pairs = max(1, len(grays)), max(1, len(grays) - 1)
    print(f"opencv-orb\t{len(grays)} images\tfeatures {feature_ms / n:.2f} ms/image ({keypoints / n:.0f} keypoints)\tmatch {match_ms / pairs:.2f} ms/pair")

main()
