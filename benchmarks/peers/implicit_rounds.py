"""One measurement of the Python library `implicit` (or numpy, for EASE) on a set written by make_implicit_sets.py,
as one line: `peer WORKLOAD seconds=... [per_iteration=...] [rate=...] ndcg10=... p10=...`.

python3 implicit_rounds.py DIR WORKLOAD [ARGS...]   (implicit must be importable; this script never builds it)
python3 implicit_rounds.py DIR eval SET RECS        NDCG@10 and precision@10 of a top-10 file (int32, one row per eval user)
python3 implicit_rounds.py DIR agree A B            share of lists whose item sets are equal in two top-10 files

Workloads (hyperparameters equal to CrossRec's `peer-rounds`, see docs/performance.md "Side by side with implicit"):
  als SET K ITERATIONS   ALS, conjugate gradient 3 steps, alpha 8 (c = 8 for an observed pair), lambda 1, no loss
  topn                   top-10 for all 100,000 users of 20,000 items, k = 64, from the factors in DIR/serve.*.f32
  bpr SET EPOCHS         BPR k = 64, learning rate 0.05, regularization 0.01, one sampled triple per pair per epoch
  knn SET                item-kNN cosine, K = 100
  ease SET ITEMS         EASE (numpy float32 Gram, numpy.linalg.inv), lambda 500, the ITEMS most popular items
Times exclude reading the files and building the CSR matrix, as on the CrossRec side.
"""
import sys, time
import numpy as np
import scipy.sparse as sp

D = sys.argv[1]
ALS_ALPHA, ALS_LAMBDA, BPR_LR, BPR_REG, EASE_LAMBDA = 8.0, 1.0, 0.05, 0.01, 500.0


def load(name):
    users, items = map(int, open(f"{D}/{name}.meta").read().split())
    u = np.fromfile(f"{D}/{name}.train.u32", np.int32); i = np.fromfile(f"{D}/{name}.train.i32", np.int32)
    m = sp.csr_matrix((np.ones(len(u), np.float32), (u, i)), shape=(users, items))
    return m, np.fromfile(f"{D}/{name}.evalusers.i32", np.int32)


def topk_filtered(scores, train_rows):
    scores = scores.copy()
    for r, row in enumerate(train_rows):
        scores[r, row] = -np.inf
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    order = np.argsort(-np.take_along_axis(scores, top, 1), axis=1)
    return np.take_along_axis(top, order, 1).astype(np.int32)


def evaluate(name, recs):
    users, items = map(int, open(f"{D}/{name}.meta").read().split())
    ev = np.fromfile(f"{D}/{name}.evalusers.i32", np.int32)
    tu = np.fromfile(f"{D}/{name}.test.u32", np.int32); ti = np.fromfile(f"{D}/{name}.test.i32", np.int32)
    test = sp.csr_matrix((np.ones(len(tu)), (tu, ti)), shape=(users, items))
    disc = 1 / np.log2(np.arange(2, 12))
    ndcg = prec = 0.0
    for row, u in zip(recs, ev):
        truth = set(test.indices[test.indptr[u]:test.indptr[u + 1]])
        hits = np.array([r in truth for r in row], float)
        ndcg += (hits * disc).sum() / disc[:min(len(truth), 10)].sum()
        prec += hits.sum() / 10
    return ndcg / len(ev), prec / len(ev)


def main():
    w = sys.argv[2]
    if w == "eval":
        n, p = evaluate(sys.argv[3], np.fromfile(sys.argv[4], np.int32).reshape(-1, 10))
        print(f"ndcg10={n:.4f} p10={p:.4f}")
        return
    if w == "agree":
        a = np.sort(np.fromfile(sys.argv[3], np.int32).reshape(-1, 10), 1)
        b = np.sort(np.fromfile(sys.argv[4], np.int32).reshape(-1, 10), 1)
        print(f"identical_lists={np.mean(np.all(a == b, 1)):.4f}")
        return
    import implicit
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import CosineRecommender
    out = f"{D}/peer.recs.i32"
    if w == "als":
        m, ev = load(sys.argv[3]); k, iters = int(sys.argv[4]), int(sys.argv[5])
        model = AlternatingLeastSquares(factors=k, regularization=ALS_LAMBDA, alpha=ALS_ALPHA, iterations=iters,
                                        use_cg=True, calculate_training_loss=False, random_state=42)
        its = []
        t = time.perf_counter()
        model.fit(m, show_progress=False, callback=lambda it, el, loss: its.append(el))
        total = time.perf_counter() - t
        ids, _ = model.recommend(ev, m[ev], N=10, filter_already_liked_items=True)
        ids.astype(np.int32).tofile(out)
        steady = min(its[1:]) if len(its) > 1 else its[0]
        extra = f"per_iteration={total / iters:.4f} steady_iteration={steady:.4f}"
    elif w == "topn":
        uf = np.fromfile(f"{D}/serve.user.f32", np.float32).reshape(100_000, 64)
        itf = np.fromfile(f"{D}/serve.item.f32", np.float32).reshape(20_000, 64)
        model = AlternatingLeastSquares(factors=64)
        model.user_factors, model.item_factors = uf, itf
        t = time.perf_counter()
        ids, _ = model.recommend(np.arange(100_000), None, N=10, filter_already_liked_items=False)
        total = time.perf_counter() - t
        ids.astype(np.int32).tofile(out)
        print(f"peer topn seconds={total:.4f} rate={100_000 / total:.1f}")
        return
    elif w == "bpr":
        m, ev = load(sys.argv[3]); epochs = int(sys.argv[4])
        model = BayesianPersonalizedRanking(factors=64, learning_rate=BPR_LR, regularization=BPR_REG, iterations=epochs, random_state=42)
        t = time.perf_counter()
        model.fit(m, show_progress=False)
        total = time.perf_counter() - t
        ids, _ = model.recommend(ev, m[ev], N=10, filter_already_liked_items=True)
        ids.astype(np.int32).tofile(out)
        extra = f"rate={m.nnz * epochs / total:.0f}"
    elif w == "knn":
        m, ev = load(sys.argv[3])
        model = CosineRecommender(K=100)
        t = time.perf_counter()
        model.fit(m, show_progress=False)
        total = time.perf_counter() - t
        ids, _ = model.recommend(ev, m[ev], N=10, filter_already_liked_items=True)
        ids.astype(np.int32).tofile(out)
        extra = ""
    elif w == "ease":
        m, ev = load(sys.argv[3]); n = int(sys.argv[4])
        counts = np.diff(m.tocsc().indptr)
        # CrossRec's rule: the smallest support threshold that keeps at most n items
        srt = np.sort(counts)[::-1]
        threshold = srt[n] + 1 if n < len(srt) else 1
        keep = np.flatnonzero(counts >= max(threshold, 1))
        x = m[:, keep].tocsr()
        t = time.perf_counter()
        g = (x.T @ x).toarray().astype(np.float32)
        g[np.diag_indices_from(g)] += EASE_LAMBDA
        gram = time.perf_counter() - t
        p = np.linalg.inv(g)
        b = p / (-np.diag(p))
        b[np.diag_indices_from(b)] = 0
        total = time.perf_counter() - t
        scores = np.full((len(ev), m.shape[1]), -np.inf, np.float32)
        scores[:, keep] = (x[ev] @ b)
        ids = topk_filtered(scores, [m.indices[m.indptr[u]:m.indptr[u + 1]] for u in ev])
        ids.tofile(out)
        extra = f"kept_items={len(keep)} gram_seconds={gram:.4f}"
    n, p = evaluate(sys.argv[3], ids.reshape(-1, 10))
    print(f"peer {w} seconds={total:.4f} {extra} ndcg10={n:.4f} p10={p:.4f}")


if __name__ == "__main__":
    main()
