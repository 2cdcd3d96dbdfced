#!/usr/bin/env python3
"""scikit-learn peer for CrossRec's conversion scoring (run with /usr/bin/python3).

Reads the same CSV and the same test-row indices that `crossrec-conversion --write-test-rows` wrote,
applies the same encoding as CrossRec's FeatureEncoder (numeric columns standardised with the training
mean and population std; other columns one-hot over the training levels, unseen levels all zeros), fits
LogisticRegression(solver="lbfgs", C=1) and prints test ROC AUC, log-loss and the fit time (median of
several repeats, encoding excluded).

  python3 benchmarks/peers/sklearn_logistic.py --data bank-full.csv --target y --positive yes \
      --drop duration --test-rows rows.txt [--repeats 7] [--threads 2]
"""
import argparse, csv, json, os, statistics, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--target", required=True)
parser.add_argument("--positive", required=True)
parser.add_argument("--drop", default="")
parser.add_argument("--test-rows", required=True)
parser.add_argument("--repeats", type=int, default=7)
parser.add_argument("--threads", default="2")
parser.add_argument("--tol", type=float, default=1e-4)
args = parser.parse_args()
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = args.threads

import numpy as np  # noqa: E402  (after the thread variables)
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score, log_loss  # noqa: E402

with open(args.data, newline="") as f:
    sample = f.readline()
    delim = ";" if sample.count(";") > sample.count(",") else ","
    f.seek(0)
    rows = list(csv.reader(f, delimiter=delim))
header, rows = [h.strip() for h in rows[0]], [r for r in rows[1:] if any(c.strip() for c in r)]
test_idx = sorted(int(l) for l in open(args.test_rows) if l.strip())
is_test = np.zeros(len(rows), dtype=bool)
is_test[test_idx] = True
drop = set(filter(None, args.drop.split(","))) | {args.target}
t = header.index(args.target)
y = np.array([r[t].strip() == args.positive for r in rows])


def is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


blocks_train, blocks_test = [], []
for c, name in enumerate(header):
    if name in drop:
        continue
    col = [r[c].strip() for r in rows]
    if all(is_number(v) for v in col):
        v = np.array(col, dtype=float)
        mean, sd = v[~is_test].mean(), v[~is_test].std()
        z = (v - mean) / sd
        blocks_train.append(z[~is_test, None]); blocks_test.append(z[is_test, None])
    else:
        levels = sorted(set(np.array(col)[~is_test]))
        onehot = np.array([[1.0 if x == l else 0.0 for l in levels] for x in col])
        blocks_train.append(onehot[~is_test]); blocks_test.append(onehot[is_test])
Xtr, Xte = np.hstack(blocks_train), np.hstack(blocks_test)
ytr, yte = y[~is_test], y[is_test]

times = []
for _ in range(args.repeats):
    model = LogisticRegression(solver="lbfgs", C=1.0, max_iter=10000, tol=args.tol)
    start = time.perf_counter()
    model.fit(Xtr, ytr)
    times.append(time.perf_counter() - start)
p = model.predict_proba(Xte)[:, 1]
print(json.dumps({"peer": "sklearn LogisticRegression(lbfgs, C=1)", "features": Xtr.shape[1], "train_rows": len(ytr),
                  "test_rows": len(yte), "auc": roc_auc_score(yte, p), "log_loss": log_loss(yte, p),
                  "fit_seconds_median": statistics.median(times), "fit_seconds_min": min(times), "iterations": int(model.n_iter_[0])}))
