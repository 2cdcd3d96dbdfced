#!/bin/bash
# Side by side with the Python library `implicit` (docs/performance.md, "Side by side with implicit"): alternates fresh
# CrossRec and implicit processes, ROUNDS rounds per row (the side that goes first alternates too), and prints the
# minimum time of each side, their ratio and the accuracy each side reached (NDCG@10 / precision@10 on held-out pairs,
# computed by the same code for both: implicit_rounds.py eval).
#   IMPLICIT_PATH=/dir/holding/an/implicit/build bash benchmarks/peers/implicit_rounds.sh [DIR] [ROUNDS] [ROWS...]
# DIR (default /tmp/peers) gets the sets from make_implicit_sets.py if it has none. ROWS default to every row:
# als64 als128 als-ml1m topn bpr knn ease8k ease16k, and als-ml100k (MovieLens 100K from CROSSREC_DATA). implicit is
# not built here: install it or point IMPLICIT_PATH at a build of it. Both sides get the 2 cores (OMP_NUM_THREADS);
# implicit's BLAS calls run single-threaded inside its own threads (implicit's advice), numpy's EASE inverse on 2 threads.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:-/tmp/peers}; ROUNDS=${2:-3}; shift $(( $# > 2 ? 2 : $# )) || true
ROWS=${*:-als64 als128 als-ml1m topn bpr knn ease8k ease16k}
export PYTHONPATH=${IMPLICIT_PATH:-}${PYTHONPATH:+:$PYTHONPATH} OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
PY=/usr/bin/python3
[ -f "$DIR/big.meta" ] || $PY benchmarks/peers/make_implicit_sets.py "$DIR" ${CROSSREC_DATA:+$CROSSREC_DATA/ml-100k/u.data}
dotnet build -c Release benchmarks/CrossRec.Benchmarks >/dev/null
CR="dotnet benchmarks/CrossRec.Benchmarks/bin/Release/net10.0/CrossRec.Benchmarks.dll peer-rounds $DIR"
PEER="$PY benchmarks/peers/implicit_rounds.py $DIR"
LOG=$DIR/rounds.log
$PY -c "import implicit, numpy; print('implicit', implicit.__version__, implicit.__file__)" | tee -a "$LOG"

args_of() {
  case $1 in
    als64) echo "als big 64 4";; als128) echo "als big 128 4";; als-ml1m) echo "als ml1m 64 15";; als-ml100k) echo "als ml100k 64 15";; topn) echo "topn";;
    bpr) echo "bpr ml1m 20";; knn) echo "knn big";; ease8k) echo "ease big 8000";; ease16k) echo "ease big 16000";;
    *) echo "unknown row $1" >&2; exit 2;;
  esac
}

one() { # ROW SIDE ROUND
  local a; a=$(args_of "$1"); local line acc set
  if [ "$2" = crossrec ]; then line=$($CR $a 2>&1 | tail -1); set=$(echo "$a" | awk '{print $2}')
    if [ "$1" = topn ]; then acc=""; else acc=$($PEER eval "$set" "$DIR/crossrec.recs.i32"); fi
  else local blas=1; [[ $1 == ease* ]] && blas=$OMP_NUM_THREADS
    line=$(OPENBLAS_NUM_THREADS=$blas $PEER $a 2>/dev/null | tail -1); acc=""; fi
  [ "$1" = topn ] && [ "$2" = peer ] && [ -f "$DIR/crossrec.recs.i32" ] && acc=$($PEER agree "$DIR/crossrec.recs.i32" "$DIR/peer.recs.i32")
  echo "row=$1 side=$2 round=$3 $line $acc load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$LOG"
}

echo "# $(date -u +%FT%TZ) rounds=$ROUNDS rows=$ROWS $(uptime)" | tee -a "$LOG"
for row in $ROWS; do
  for r in $(seq 1 "$ROUNDS"); do
    if (( r % 2 )); then one "$row" crossrec "$r"; one "$row" peer "$r"; else one "$row" peer "$r"; one "$row" crossrec "$r"; fi
  done
done
echo "# end $(date -u +%FT%TZ) $(uptime)" | tee -a "$LOG"
$PY benchmarks/peers/implicit_rounds_summary.py "$LOG"
