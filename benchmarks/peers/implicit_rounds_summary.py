"""Summarises implicit_rounds.sh's log (the last block of each row): minimum of each side over the rounds, the ratio
peer time / CrossRec time (or CrossRec rate / peer rate), and the accuracy each side reached."""
import sys, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    if not line.startswith("row="):
        continue
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
    rows.setdefault(kv["row"], {}).setdefault(kv["side"], {})[kv["round"]] = kv
metric = {"als64": "steady_iteration", "als128": "steady_iteration", "als-ml1m": "per_iteration", "als-ml100k": "per_iteration", "topn": "seconds",
          "bpr": "seconds", "knn": "seconds", "ease8k": "seconds", "ease16k": "seconds"}
print(f"{'row':10} {'metric':18} {'CrossRec min':>12} {'peer min':>10} {'peer/CrossRec':>13}  accuracy (CrossRec | peer)  rounds  load")
def show(name, m):
    sides = rows[name]
    best = {s: min(float(v[m]) for v in sides[s].values() if m in v) for s in sides}
    last = {s: list(sides[s].values())[-1] for s in sides}
    acc = lambda v: f"ndcg10 {v.get('ndcg10', '-')} p10 {v.get('p10', '-')}" + (f" kept {v['kept_items']}" if 'kept_items' in v else "")
    accuracy = f"identical lists {last['peer'].get('identical_lists', '-')}" if name == "topn" else f"{acc(last['crossrec'])} | {acc(last['peer'])}"
    loads = [float(v["load"]) for s in sides for v in sides[s].values()]
    print(f"{name:10} {m:18} {best['crossrec']:12.4f} {best['peer']:10.4f} {best['peer'] / best['crossrec']:13.2f}  {accuracy}  {len(sides['crossrec'])}  {min(loads):.1f}-{max(loads):.1f}")
for name in rows:
    if "crossrec" in rows[name] and "peer" in rows[name]:
        show(name, metric.get(name, "seconds"))
        if name == "als128":
            show(name, "per_iteration")
