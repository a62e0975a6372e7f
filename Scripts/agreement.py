# Run: $(bash Scripts/python-env.sh) Scripts/agreement.py REFERENCE.jsonl OURS.jsonl [--fast]
"""Compares Lookalike's hashes with imagehash's (from Scripts/imagehash_reference.py), image by image.

Prints, per algorithm, how many hex strings are identical and the distribution of Hamming distances of the
others (with --fast the distances are the point: fast mode trades exactness for speed)."""
import argparse, collections, json

def bits(hexstr):
    return bin(int(hexstr, 16)).count("1")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reference")
    ap.add_argument("ours")
    ap.add_argument("--fast", action="store_true")
    a = ap.parse_args()
    ref = {json.loads(l)["path"]: json.loads(l) for l in open(a.reference)}
    ours = {json.loads(l)["path"]: json.loads(l) for l in open(a.ours)}
    common = sorted(set(ref) & set(ours))
    print(f"{len(common)} images in both ({len(ref)} reference, {len(ours)} ours)")
    for alg in ("ahash", "dhash", "phash"):
        dist = collections.Counter()
        mismatches = []
        for p in common:
            d = bits(f"{int(ref[p][alg], 16) ^ int(ours[p][alg], 16):x}")
            dist[d] += 1
            if d:
                mismatches.append((d, p))
        same = dist[0]
        line = f"{alg}: {same}/{len(common)} identical ({100.0 * same / max(len(common), 1):.2f}%)"
        if a.fast or mismatches:
            total = sum(dist.values())
            cum = 0
            quant = {}
            for d in sorted(dist):
                cum += dist[d]
                for q in (0.5, 0.9, 0.99):
                    if q not in quant and cum >= q * total:
                        quant[q] = d
            line += f"; distance median {quant[0.5]}, p90 {quant[0.9]}, p99 {quant[0.99]}, max {max(dist)}"
            line += "; histogram " + " ".join(f"{d}:{dist[d]}" for d in sorted(dist))
        print(line)
        if not a.fast:
            for d, p in sorted(mismatches, reverse=True)[:10]:
                print(f"   {d} bits  {p}")

main()
