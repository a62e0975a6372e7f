# Run: .build/release/LookalikeBenchmarks neardup SET/labels.csv > pairs.tsv
#      $(bash Scripts/python-env.sh) Benchmarks/near_duplicates_orb.py SET pairs.tsv   (pip install opencv-python-headless)
"""ORB as the only check of every candidate pair, ours beside OpenCV's, on the same pairs: the candidate pairs the
neardup diagnosis lists (pHash views within the verifier's radius). OpenCV's ORB runs as a user would run it: the
image reduced to 256 px on the longer side, grey, 500 features, brute-force Hamming matching with the cross-check,
findHomography by RANSAC (3 px, at most 1,000 samples, confidence 0.995: our RANSAC's settings); the pair is also tried with the second image mirrored, the better kept. Both are
judged by the verifier's ORB rule (inliers at least 6 and 5% of the fewer keypoints, and 70% of the matches or 40
inliers). Scored as the near-duplicate benchmark scores groups: components of accepted pairs, pairwise precision,
and per edit the share of copies grouped with their original; beside the full verifier's verdicts from the TSV."""
import collections, csv, itertools, math, pathlib, sys, time
import cv2
import numpy as np
from PIL import Image

def prepared(path):
    im = Image.open(path).convert("RGB")
    scale = max(im.size) / 256
    if scale > 1:
        im = im.resize((max(1, round(im.width / scale)), max(1, round(im.height / scale))), Image.BOX)
    return np.asarray(im.convert("L"))

def agrees(inliers, matches, fewer):
    return inliers >= max(6, math.ceil(0.05 * fewer)) and (inliers >= 0.7 * matches or inliers >= 40)

def components(edges):
    parent = {}
    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]; x = parent[x]
        return x
    for a, b in edges:
        parent[find(a)] = find(b)
    return {x: find(x) for x in parent}

def score(labels, edges):
    group = components(edges)
    members = collections.defaultdict(list)
    for path, g in group.items():
        members[g].append(labels[path][0])
    pairs = correct = 0
    for ids in members.values():
        for a, b in itertools.combinations(ids, 2):
            pairs += 1; correct += a == b
    originals = {identity: path for path, (identity, view) in labels.items() if view == "original"}
    recall = collections.defaultdict(list)
    for path, (identity, view) in labels.items():
        if view != "original":
            o = originals[identity]
            recall[view].append(path in group and o in group and group[path] == group[o])
    return (correct / pairs if pairs else 1.0), {v: sum(h) / len(h) for v, h in sorted(recall.items())}

def main():
    folder, tsv = pathlib.Path(sys.argv[1]), sys.argv[2]
    labels = {str((folder / r["path"]).resolve()): (r["group"], r["view"]) for r in csv.DictReader(open(folder / "labels.csv"))}
    rows = [r for r in csv.DictReader(open(tsv), delimiter="\t") if r["candidate"] == "1"]
    cv2.setNumThreads(1)
    orb = cv2.ORB_create(nfeatures=500, scaleFactor=1.2, nlevels=8, fastThreshold=20)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    features = {}
    t0 = time.perf_counter()
    for path in sorted({str(pathlib.Path(r[k]).resolve()) for r in rows for k in ("pathA", "pathB")}):
        g = prepared(path)
        features[path] = (orb.detectAndCompute(g, None), orb.detectAndCompute(cv2.flip(g, 1), None))
    feature_s = time.perf_counter() - t0
    ours, opencv, verifier = [], [], []
    t0 = time.perf_counter()
    for k, r in enumerate(rows):
        a, b = str(pathlib.Path(r["pathA"]).resolve()), str(pathlib.Path(r["pathB"]).resolve())
        if agrees(int(r["inliers"]), int(r["matches"]), min(int(r["kpA"]), int(r["kpB"]))):
            ours.append((a, b))
        if r["passes"] == "1":
            verifier.append((a, b))
        (kpa, da), _ = features[a]
        best = (0, 0, 0)
        for kpb, db in features[b]:
            if da is None or db is None or len(kpa) < 4 or len(kpb) < 4:
                continue
            matches = matcher.match(da, db)
            inliers = 0
            # Under 6 matches the rule cannot pass: RANSAC is skipped (it would cost most of the time).
            if len(matches) >= 6:
                src = np.float32([kpa[m.queryIdx].pt for m in matches]).reshape(-1, 1, 2)
                dst = np.float32([kpb[m.trainIdx].pt for m in matches]).reshape(-1, 1, 2)
                h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0, maxIters=1000, confidence=0.995)
                inliers = int(mask.sum()) if mask is not None else 0
            if inliers > best[0]:
                best = (inliers, len(matches), min(len(kpa), len(kpb)))
        if agrees(*best):
            opencv.append((a, b))
        if sys.stderr.isatty() and k % 1000 == 0:
            print(f"\r{k}/{len(rows)} pairs", end="", file=sys.stderr)
    pair_ms = (time.perf_counter() - t0) * 1000 / max(1, len(rows))
    print(f"{folder.name}: {len(rows)} candidate pairs; OpenCV features {feature_s * 1000 / max(1, len(features)):.2f} ms/image "
          f"(plain and mirrored), match + RANSAC {pair_ms:.2f} ms/pair (both orientations), one thread")
    for name, edges in [("our ORB alone", ours), ("OpenCV ORB alone", opencv), ("our verifier", verifier)]:
        precision, recall = score(labels, edges)
        print(f"{folder.name:10s} {name:18s} precision {precision:.4f}  " + "  ".join(f"{v} {x:.3f}" for v, x in recall.items()))

main()
