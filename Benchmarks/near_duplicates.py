# Run: python3 Benchmarks/near_duplicates.py SET_DIR [--binary .build/release/lookalike] [-- extra group options]
"""Near-duplicate grouping scored per edit on a set made by Scripts/make_near_duplicates.py (labels.csv:
path,group,view with view = original or the edit's name). Runs `lookalike group -f csv` with pHash components
(the old default) and with --verify, and prints, per edit, the share of copies grouped with their original
(recall), plus pairwise precision over every grouped pair and the time of each run."""
import csv, itertools, pathlib, subprocess, sys, time

def run(binary, folder, extra):
    t = time.time()
    out = subprocess.run([binary, "group", "-f", "csv", *extra, str(folder / "images")], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(out.stderr)
    groups = {}
    for row in csv.DictReader(out.stdout.splitlines()):
        groups[str(pathlib.Path(row["path"]).resolve())] = row["group"]
    return groups, time.time() - t

def score(labels, groups):
    by_group = {}
    for path, (identity, view) in labels.items():
        g = groups.get(path)
        if g is not None:
            by_group.setdefault(g, []).append((identity, view))
    pairs = correct = 0
    for members in by_group.values():
        for (a, _), (b, _) in itertools.combinations(members, 2):
            pairs += 1
            correct += a == b
    originals = {identity: path for path, (identity, view) in labels.items() if view == "original"}
    recall = {}
    for path, (identity, view) in labels.items():
        if view == "original":
            continue
        o = originals[identity]
        hit = groups.get(path) is not None and groups.get(path) == groups.get(o)
        recall.setdefault(view, []).append(hit)
    return pairs, (correct / pairs if pairs else 1.0), {v: sum(h) / len(h) for v, h in recall.items()}

def main():
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    folder = pathlib.Path(args[0])
    binary = args[args.index("--binary") + 1] if "--binary" in args else ".build/release/lookalike"
    labels = {str((folder / r["path"]).resolve()): (r["group"], r["view"]) for r in csv.DictReader(open(folder / "labels.csv"))}
    for name, options in [("phash components", ["--method", "phash"]), ("verified", ["--verify", *extra])]:
        groups, seconds = run(binary, folder, options)
        pairs, precision, recall = score(labels, groups)
        edits = "  ".join(f"{v} {r:.3f}" for v, r in sorted(recall.items()))
        print(f"{folder.name:10s} {name:18s} pairs {pairs:6d}  precision {precision:.4f}  {edits}  ({seconds:.1f} s)")

main()
