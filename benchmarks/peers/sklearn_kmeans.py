#!/usr/bin/env python3
"""scikit-learn peer for CrossRec's k-means (run with /usr/bin/python3; OpenBLAS as the BLAS).

  python3 benchmarks/peers/sklearn_kmeans.py X.npy --clusters 32 [--seed 0] [--repeats 5] [--threads 2] [--save-init INIT.npy]

Fits KMeans(n_clusters, n_init=1, init="k-means++", algorithm="lloyd") several times on the same seed
and prints the inertia, iterations and fit times. --save-init also writes the k-means++ centres that
scikit-learn starts from, so CrossRec can be run from exactly the same start.
"""
import argparse, json, os, statistics, time

p = argparse.ArgumentParser()
p.add_argument("npy")
p.add_argument("--clusters", type=int, default=32)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--repeats", type=int, default=5)
p.add_argument("--threads", default="2")
p.add_argument("--save-init")
a = p.parse_args()
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = a.threads

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans, kmeans_plusplus  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

x = np.load(a.npy)
times, model = [], None
for _ in range(a.repeats):
    model = KMeans(n_clusters=a.clusters, n_init=1, init="k-means++", algorithm="lloyd", random_state=a.seed)
    start = time.perf_counter()
    model.fit(x)
    times.append(time.perf_counter() - start)
if a.save_init:
    centres, _ = kmeans_plusplus(x, a.clusters, random_state=np.random.RandomState(a.seed))
    np.save(a.save_init, centres.astype(np.float32))
blas = [f"{i.get('internal_api')}:{i.get('num_threads')}" for i in threadpool_info()]
print(json.dumps({"peer": "sklearn KMeans(lloyd, k-means++, n_init=1)", "shape": list(x.shape), "clusters": a.clusters,
                  "inertia": float(model.inertia_), "iterations": int(model.n_iter_),
                  "fit_seconds_median": statistics.median(times), "fit_seconds_min": min(times), "threadpools": blas}))
