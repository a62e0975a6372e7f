# Run: $(bash Scripts/python-env.sh) Benchmarks/orb_reference.py [--rounds R] FILE...   (pip install opencv-python-headless)
"""OpenCV's ORB on the files LookalikeBenchmarks orb reads, prepared the same way (reduced to 256 px on the longer
side by box averaging, Rec. 601 grey), one thread, the same settings (500 features, scale 1.2, 8 levels, FAST 20):
mean ms per image for detectAndCompute and per consecutive pair for cross-checked Hamming matching (best of R).
With --pairs the files are pairs (first, second, ...), and each pair's matching plus findHomography (RANSAC, 3 px,
at most 1,000 samples, confidence 0.995: our RANSAC's settings) is timed too."""
import sys, time
import cv2
import numpy as np
from PIL import Image

def main():
    args = sys.argv[1:]
    rounds = 3
    by_pairs = "--pairs" in args
    if by_pairs:
        args.remove("--pairs")
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
    feature_ms, keypoints, features, keypoint_sets = 0.0, 0, [], []
    for g in grays:
        best = float("inf")
        for _ in range(rounds):
            t = time.perf_counter(); kp, des = orb.detectAndCompute(g, None); best = min(best, time.perf_counter() - t)
        feature_ms += best * 1000; keypoints += len(kp); features.append(des); keypoint_sets.append(kp)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    match_ms = 0.0
    for a, b in zip(features, features[1:]):
        best = float("inf")
        for _ in range(rounds):
            t = time.perf_counter()
            if a is not None and b is not None: matcher.match(a, b)
            best = min(best, time.perf_counter() - t)
        match_ms += best * 1000
    if by_pairs:
        check_ms, inliers, count = 0.0, 0, 0
        for a, b, ka, kb in zip(features[0::2], features[1::2], keypoint_sets[0::2], keypoint_sets[1::2]):
            best, found = float("inf"), 0
            for _ in range(rounds):
                t = time.perf_counter()
                found = 0
                if a is not None and b is not None:
                    m = matcher.match(a, b)
                    if len(m) >= 4:
                        src = np.float32([ka[x.queryIdx].pt for x in m]); dst = np.float32([kb[x.trainIdx].pt for x in m])
                        h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0, maxIters=1000, confidence=0.995)
                        found = int(mask.sum()) if mask is not None else 0
                best = min(best, time.perf_counter() - t)
            check_ms += best * 1000; inliers += found; count += 1
        print(f"opencv-orb-pairs\t{count} pairs\tmatch + RANSAC {check_ms / max(1, count):.2f} ms/pair ({inliers / max(1, count):.0f} inliers)")
    n, pairs = max(1, len(grays)), max(1, len(grays) - 1)
    print(f"opencv-orb\t{len(grays)} images\tfeatures {feature_ms / n:.2f} ms/image ({keypoints / n:.0f} keypoints)\tmatch {match_ms / pairs:.2f} ms/pair")

main()
