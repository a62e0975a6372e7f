# Run: python3 Benchmarks/methods_table.py [--binary .build/release/lookalike] [LABELS.csv ...]
"""Every method at its defaults on each labelled set, one markdown table (the README's "every method" table):
pairwise and BCubed F1 at the default setting, Recall@1, recall of catalogue-vs-other-view pairs and time per
image from `lookalike compare --format json` (avg pooling, whole image; then GeM; then GeM on the product), and
the cross-validated F1 of the graph rule from `lookalike tune --cluster graph` (products dealt into halves, 3
splits). Set LOOKALIKE_EMBEDDINGS to reuse stored network vectors."""
import json, pathlib, subprocess, sys, tempfile

args = sys.argv[1:]
binary = ".build/release/lookalike"
if args[:1] == ["--binary"]:
    binary, args = args[1], args[2:]
sets = args or ["../shared/data/seed-product-grouping/labels.csv", "../shared/data/grocery-packages/labels.csv"]
configs = [("", []), ("gem", ["--pooling", "gem"]), ("gem, product", ["--pooling", "gem", "--focus", "product"])]

def compare(labels, extra):
    with tempfile.TemporaryDirectory() as d:
        out = pathlib.Path(d) / "c.json"
        subprocess.run([binary, "compare", "--format", "json", "--output", str(out), *extra, labels],
                       capture_output=True, text=True, check=False)
        return json.loads(out.read_text())["comparison"]["methods"]

def cross_validated(labels, method, extra):
    run = subprocess.run([binary, "tune", "--cluster", "graph", "-m", method, *extra, labels], capture_output=True, text=True)
    for line in run.stdout.splitlines():
        if line.startswith("graph"):
            return float(line.split("(")[0].split()[-1])  # the figure before the folds' list
    return None

networks = {"effnet-lite0", "effnet-lite1", "effnet-lite2", "resnet50", "vgg16", "colour"}
print("| set | method | pairwise F1 | BCubed F1 | cross-validated F1 | catalogue-vs-other recall | Recall@1 | ms / image |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for labels in sets:
    name = pathlib.Path(labels).parent.name
    for label, extra in configs:
        for m in compare(labels, extra):
            base = m["name"]
            if label and base not in networks and not base.startswith("default"):
                continue  # pooling and focus change only the networks (and colour's focus)
            if label == "gem" and base == "colour":
                continue  # pooling does not change colour
            if label and base.startswith("default"):
                continue
            shown = base + (f" ({label})" if label else "")
            views = [v for v in m.get("viewPairs", []) if v["views"].startswith("catalogue/") and v["views"] != "catalogue/catalogue"
                     and v.get("samePairs", 0) > 0]
            cat = (sum(v["joinedAtDefault"] for v in views) / sum(v["samePairs"] for v in views)) if views else None
            cv = None if base.startswith("default") else cross_validated(labels, base, extra)
            ms = m.get("secondsPerImage")
            print(f"| {name} | {shown} | {m['atDefault']['f1']:.3f} | {m['atDefault']['bcubedF1']:.3f} | "
                  + (f"{cv:.3f}" if cv is not None else "–") + " | " + (f"{cat:.3f}" if cat is not None else "–")
                  + f" | {m['recallAt1']:.3f} | " + (f"{ms * 1000:.2f}" if ms else "stored") + " |", flush=True)
