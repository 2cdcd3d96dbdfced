"""User cold start on MovieLens 100K: which attribute-only model ranks a new user's films best?

A side study for docs/accuracy.md ("User cold start"). Five seeded 20 % user splits; a held-out user is known only
by age band (MovieLens 1M's bands), gender and occupation; NDCG@10 over the whole catalogue, every film the user
rated relevant. Compares segment popularity (each attribute's item shares, summed: FeatureBaseline.SegmentPopularity),
global popularity, ridge regression of the users' items on one-hot attributes (the mapped model's "interactions" user
map), ridge with crossed attributes, naive Bayes over the attributes, and attribute-similarity kernel smoothing.

Run: CROSSREC_DATA=/path/to/data /usr/bin/python3 benchmarks/peers/new_users_attribute_models.py
"""
import os

import numpy as np

root = os.path.join(os.environ.get("CROSSREC_DATA", "../shared/data"), "ml-100k")
d = np.loadtxt(os.path.join(root, "u.data"), dtype=int)
U, I = d[:, 0].max(), d[:, 1].max()
X = np.zeros((U, I), dtype=np.float32)
X[d[:, 0] - 1, d[:, 1] - 1] = 1


def band(a):
    return 0 if a < 18 else 1 if a < 25 else 2 if a < 35 else 3 if a < 45 else 4 if a < 50 else 5 if a < 56 else 6


occupations = {}
rows = []
for line in open(os.path.join(root, "u.user"), encoding="latin-1"):
    f = line.strip().split("|")
    rows.append((band(int(f[1])), 0 if f[2] == "M" else 1, occupations.setdefault(f[3], len(occupations))))
F = np.zeros((U, 9 + len(occupations)), dtype=np.float32)
for u, (a, g, o) in enumerate(rows):
    F[u, a] = F[u, 7 + g] = F[u, 9 + o] = 1
GROUPS = [range(0, 7), range(7, 9), range(9, F.shape[1])]
DISCOUNT = 1 / np.log2(np.arange(2, 12))


def ndcg(scores, truth):
    out = []
    for s, t in zip(scores, truth):
        top = np.argsort(-s, kind="stable")[:10]
        out.append((t[top] * DISCOUNT).sum() / DISCOUNT[: min(int(t.sum()), 10)].sum())
    return np.array(out)


def segment_popularity(Xtr, Ftr, Fte):
    counts = Ftr.T @ Xtr
    return Fte @ (counts / np.maximum(counts.sum(1, keepdims=True), 1e-9))


def ridge(Xtr, Ftr, Fte, lam):
    mu, fm = Xtr.mean(0), Ftr.mean(0)
    fc = Ftr - fm
    W = np.linalg.solve(fc.T @ fc + lam * np.eye(Ftr.shape[1]), fc.T @ (Xtr - mu))
    return mu + (Fte - fm) @ W


def crossed(F):
    a, g, o = F[:, 0:7], F[:, 7:9], F[:, 9:]
    pairs = [(a, g), (g, o), (a, o)]
    return np.hstack([F] + [(x[:, :, None] * y[:, None, :]).reshape(len(F), -1) for x, y in pairs])


def naive_bayes(Xtr, Ftr, Fte, alpha, power):
    n_i = Xtr.sum(0)
    s = np.log((n_i + 1) / (len(Xtr) + 2))[None, :].repeat(len(Fte), 0)
    for g in GROUPS:
        g = list(g)
        counts = Ftr[:, g].T @ Xtr
        p_a_given_i = (counts + alpha) / (n_i[None, :] + alpha * len(g))
        p_a = (Ftr[:, g].sum(0) + alpha) / (len(Xtr) + alpha * len(g))
        s += power * (Fte[:, g] @ np.log(p_a_given_i / p_a[:, None]))
    return s


def kernel(Xtr, Ftr, Fte, beta):
    return np.exp(beta * (Fte @ Ftr.T)) @ Xtr


results = {}
for seed in range(5):
    perm = np.random.default_rng(seed).permutation(U)
    test, train = perm[: U // 5], perm[U // 5:]
    Xtr, Ftr, Fte, truth = X[train], F[train], F[test], X[test]
    candidates = {"segment popularity": segment_popularity(Xtr, Ftr, Fte), "popularity": np.tile(Xtr.sum(0), (len(test), 1))}
    for lam in [3, 10, 30, 100, 300, 1000]:
        candidates[f"ridge λ {lam}"] = ridge(Xtr, Ftr, Fte, lam)
    for lam in [30, 100, 300, 1000]:
        candidates[f"ridge, crossed λ {lam}"] = ridge(Xtr, crossed(Ftr), crossed(Fte), lam)
    for alpha in [1, 5, 20]:
        for power in [0.5, 1.0]:
            candidates[f"naive Bayes α {alpha}, power {power}"] = naive_bayes(Xtr, Ftr, Fte, alpha, power)
    for beta in [0.5, 1, 2, 3, 5]:
        candidates[f"kernel β {beta}"] = kernel(Xtr, Ftr, Fte, beta)
    for name, scores in candidates.items():
        results.setdefault(name, []).append(ndcg(scores, truth).mean())

for name, values in results.items():
    print(f"{name:32s} {np.mean(values):.4f}   " + " ".join(f"{v:.4f}" for v in values))
