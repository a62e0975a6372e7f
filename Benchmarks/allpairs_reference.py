"""FAISS IndexFlatIP and scikit-learn's brute-force NearestNeighbors on the vectors LookalikeBenchmarks allpairs
wrote (BASE.vectors.npy), in the same run: exact top-k of every vector by cosine, timed on a query subset and
extrapolated to all (both scale linearly with the number of queries), and Lookalike's lists of its sampled
items (BASE.lists.npy) compared with FAISS's.

    python allpairs_reference.py BASE [--k 10] [--faiss-queries 10000] [--sklearn-queries 1000] [--threads 2]
"""
import argparse, resource, sys, time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("--k", type=int, default=10)
parser.add_argument("--faiss-queries", type=int, default=10000, help="0: every vector")
parser.add_argument("--sklearn-queries", type=int, default=1000)
parser.add_argument("--threads", type=int, default=2)
a = parser.parse_args()

import faiss
from sklearn.neighbors import NearestNeighbors

faiss.omp_set_num_threads(a.threads)
x = np.load(a.base + ".vectors.npy", mmap_mode="r")
n, d = x.shape
start = time.perf_counter()
units = np.array(x, dtype=np.float32, order="C", copy=True)  # x is a read-only map
faiss.normalize_L2(units)
index = faiss.IndexFlatIP(d)
index.add(units)
prepare = time.perf_counter() - start
q = n if a.faiss_queries == 0 else min(n, a.faiss_queries)
start = time.perf_counter()
similarity, found = index.search(units[:q], a.k + 1)  # +1: each vector finds itself
faiss_seconds = time.perf_counter() - start
faiss_all = faiss_seconds * n / q
print(f"faiss {faiss.__version__} IndexFlatIP\t{q} of {n} queries in {faiss_seconds:.1f} s\t"
      f"all {n}: {faiss_all:.0f} s ({faiss_all / 60:.1f} min){'' if q == n else ' extrapolated'}\t(add + normalise {prepare:.1f} s)")

# Lookalike's lists of its sampled items against FAISS's (self removed; ties within 1e-6 count as equal).
try:
    sample = np.load(a.base + ".sample.npy")[:, 0].astype(np.int64)
    lists = np.load(a.base + ".lists.npy").astype(np.int64)
    sim, ids = index.search(units[sample], a.k + 1)
    agree = 0
    for row, i in enumerate(sample):
        keep = ids[row] != i
        theirs, theirs_sim = ids[row][keep][: a.k], sim[row][keep][: a.k]
        ours_sim = units[lists[row]] @ units[i]
        if set(theirs) == set(lists[row]) or np.allclose(np.sort(ours_sim), np.sort(theirs_sim), atol=1e-6):
            agree += 1
    print(f"Lookalike's lists equal FAISS's\t{agree} of {len(sample)} sampled items")
except FileNotFoundError:
    pass

qs = min(n, a.sklearn_queries)
nn = NearestNeighbors(n_neighbors=a.k + 1, metric="cosine", algorithm="brute", n_jobs=a.threads).fit(x)
start = time.perf_counter()
nn.kneighbors(np.asarray(x[:qs]))
sk_seconds = time.perf_counter() - start
print(f"scikit-learn NearestNeighbors(brute, cosine)\t{qs} queries in {sk_seconds:.1f} s\t"
      f"all {n}: {sk_seconds * n / qs:.0f} s ({sk_seconds * n / qs / 3600:.1f} h) extrapolated")
print(f"peak memory (this process)\t{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
