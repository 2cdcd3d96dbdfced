#!/usr/bin/env python3
"""Writes the deterministic Gaussian-mixture matrix used to compare CrossRec's k-means with scikit-learn.

  python3 benchmarks/peers/make_mixture.py OUT.npy [--rows 200000] [--dims 64] [--components 32] [--seed 0]

Component centres ~ N(0, 1.2²) per coordinate, unit-variance noise, unequal component weights
(Dirichlet(2)), float32, C order.
"""
import argparse
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--rows", type=int, default=200_000)
p.add_argument("--dims", type=int, default=64)
p.add_argument("--components", type=int, default=32)
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
centres = rng.normal(0, 1.2, size=(a.components, a.dims))
weights = rng.dirichlet(np.full(a.components, 2.0))
labels = rng.choice(a.components, size=a.rows, p=weights)
x = (centres[labels] + rng.normal(0, 1.0, size=(a.rows, a.dims))).astype(np.float32)
np.save(a.out, np.ascontiguousarray(x))
print(f"wrote {a.out}: {x.shape} {x.dtype}")
