"""Seeded synthetic implicit-feedback sets for the side-by-side runs against `implicit` (benchmarks/peers/implicit_rounds.sh).

python3 make_implicit_sets.py OUT_DIR [PATH/TO/ml-100k/u.data]

Writes, per set NAME, NAME.train.u32 / NAME.train.i32 (int32 user and item index of each training pair, all values 1),
NAME.test.u32 / NAME.test.i32 (held-out pairs), NAME.meta (users items), and NAME.evalusers.i32 (a fixed sample of test users).
Shape: item popularity ∝ (rank + 100)^-1.2 (as ImplicitAlsBenchmarks' ML-20M-like set), user activity 20 + Pareto(2) tail,
and latent structure so that held-out accuracy means something: every item belongs to one of 50 topics, every user has a
favourite topic, and 60 % of a user's items are drawn from that topic (by popularity), 40 % from the whole catalogue.
Per user, a random 20 % of the distinct items is held out (users with 5 or more items).
  big:  35,000 users x 26,744 items, about 6.2M distinct pairs drawn (about 5M training)
  serve.user.f32 / serve.item.f32: 100,000 x 64 and 20,000 x 64 float32 factors, N(0, 1), for the top-10 row
  ml100k: MovieLens 100K (real data, when its u.data is given), every rating counted as 1
  ml1m: 6,040 users x 3,706 items, about 1M distinct pairs (MovieLens-1M's shape; not MovieLens data)
"""
import sys, os
import numpy as np

def split_and_write(name, users, items, pairs, rng, out):
    tu, ti, eu, ei = [], [], [], []
    order = np.argsort(pairs[:, 0], kind="stable")
    pairs = pairs[order]
    starts = np.searchsorted(pairs[:, 0], np.arange(users + 1))
    for u in range(users):
        picked = rng.permutation(pairs[starts[u]:starts[u + 1], 1])
        h = len(picked) // 5 if len(picked) >= 5 else 0
        eu.append(np.full(h, u, np.int32)); ei.append(picked[:h].astype(np.int32))
        tu.append(np.full(len(picked) - h, u, np.int32)); ti.append(picked[h:].astype(np.int32))
    write(name, users, items, tu, ti, eu, ei, rng, out)


def movielens_100k(path, out):
    """MovieLens 100K's u.data as implicit feedback (every rating counts 1), the same per-user 80/20 split."""
    raw = np.loadtxt(path, dtype=np.int64, usecols=(0, 1))
    raw -= 1
    split_and_write("ml100k", int(raw[:, 0].max()) + 1, int(raw[:, 1].max()) + 1, raw, np.random.default_rng(4), out)


def make(name, users, items, total, seed, out):
    rng = np.random.default_rng(seed)
    pop = (np.arange(items) + 100.0) ** -1.2
    order = rng.permutation(items)          # popularity rank -> item index
    w = np.empty(items); w[order] = pop
    topics = rng.integers(0, 50, items)
    cum_all = np.cumsum(w); cum_all /= cum_all[-1]
    by_topic = []
    for t in range(50):
        idx = np.flatnonzero(topics == t); c = np.cumsum(w[idx]); by_topic.append((idx, c / c[-1]))
    tail = rng.pareto(2.0, users)
    counts = 20 + tail * (total - 20 * users) / tail.sum()
    counts = np.minimum(np.round(counts).astype(np.int64), items // 4)
    fav = rng.integers(0, 50, users)
    tu, ti, eu, ei = [], [], [], []
    for u in range(users):
        n = counts[u]
        m = int(n * 4) + 20
        k = rng.random(m) < 0.6
        idx, c = by_topic[fav[u]]
        cand = np.where(k, idx[np.minimum(np.searchsorted(c, rng.random(m)), len(idx) - 1)],
                        np.minimum(np.searchsorted(cum_all, rng.random(m)), items - 1))
        _, first = np.unique(cand, return_index=True)
        picked = cand[np.sort(first)][:n]
        picked = rng.permutation(picked)
        h = len(picked) // 5 if len(picked) >= 5 else 0
        eu.append(np.full(h, u, np.int32)); ei.append(picked[:h].astype(np.int32))
        tu.append(np.full(len(picked) - h, u, np.int32)); ti.append(picked[h:].astype(np.int32))
    write(name, users, items, tu, ti, eu, ei, rng, out)


def write(name, users, items, tu, ti, eu, ei, rng, out):
    tu, ti, eu, ei = (np.concatenate(a) for a in (tu, ti, eu, ei))
    tu.tofile(f"{out}/{name}.train.u32"); ti.tofile(f"{out}/{name}.train.i32")
    eu.tofile(f"{out}/{name}.test.u32"); ei.tofile(f"{out}/{name}.test.i32")
    test_users = np.unique(eu)
    rng.choice(test_users, min(2000, len(test_users)), replace=False).astype(np.int32).tofile(f"{out}/{name}.evalusers.i32")
    with open(f"{out}/{name}.meta", "w") as f:
        f.write(f"{users} {items}\n")
    print(f"{name}: {users} users, {items} items, {len(tu)} training pairs, {len(eu)} held out, {len(test_users)} test users")

if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if len(sys.argv) > 2:
        movielens_100k(sys.argv[2], out)
    make("ml1m", 6040, 3706, 1_500_000, 1, out)
    make("big", 35_000, 26_744, 6_450_000, 2, out)
    rng = np.random.default_rng(3)
    rng.standard_normal((100_000, 64), np.float32).tofile(f"{out}/serve.user.f32")
    rng.standard_normal((20_000, 64), np.float32).tofile(f"{out}/serve.item.f32")
    print("serve: 100,000 user and 20,000 item factors, k = 64, N(0, 1)")
