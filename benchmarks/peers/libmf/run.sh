#!/usr/bin/env bash
# CrossRec's SGD against LIBMF (the C++ library behind ML.NET's matrix factorization) on the same files,
# same k, epochs and threads, runs alternating. LIBMF itself is not part of this repository:
#   git clone https://github.com/cjlin1/libmf && LIBMF_DIR=$PWD/libmf bash benchmarks/peers/libmf/run.sh [OUT] [REPS]
# With CROSSREC_DATA set, MovieLens 100K u1 is compared too. CrossRec is timed around Fit (setup included,
# the trainer's "fit_seconds"); LIBMF around mf_train (bench.cpp), so file parsing is excluded for both.
set -euo pipefail
: "${LIBMF_DIR:?set LIBMF_DIR to a LIBMF source checkout (https://github.com/cjlin1/libmf)}"
OUT=${1:-/tmp/crossrec-libmf}
REPS=${2:-2}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$OUT"

# LIBMF with AVX where the CPU has it (SSE otherwise), threads via std::thread.
FLAG=-DUSESSE; grep -q avx /proc/cpuinfo && FLAG="-DUSEAVX -mavx"
g++ -O3 -pthread -std=c++11 -march=native $FLAG -I"$LIBMF_DIR" "$ROOT/benchmarks/peers/libmf/bench.cpp" "$LIBMF_DIR/mf.cpp" -o "$OUT/libmf-bench"

[ -f "$OUT/syn10m.tr.txt" ] || dotnet run -c Release --project "$ROOT/benchmarks/CrossRec.Benchmarks" -- export-libmf "$OUT"
dotnet build -c Release "$ROOT/samples/CrossRec.Trainer" > /dev/null
TRAINER="dotnet $ROOT/samples/CrossRec.Trainer/bin/Release/net10.0/crossrec-trainer.dll"

crossrec() { # data k epochs lr reg
  $TRAINER train --data "$OUT/$1.tr.txt" --test "$OUT/$1.te.txt" --format csv --delimiter ' ' \
    --factors "$2" --epochs "$3" --learning-rate "$4" --regularization "$5" --threads 2 --no-ranking --json | tail -1 |
    /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print("crossrec %s k=%d epochs=%d: fit %.3fs (epochs %.3fs, %.1fM upd/s) test rmse %.4f" % (j["dataset"], j["factors"], j["epochs"], j["fit_seconds"], j["train_seconds"], j["updates_per_second"] / 1e6, j["rmse"]))'
}
libmf() { # data k epochs eta lambda
  "$OUT/libmf-bench" "$OUT/$1.tr.txt" "$OUT/$1.te.txt" "$2" "$3" "$4" "$5" 2 20 1 1 5
}

for rep in $(seq "$REPS"); do
  if [ -f "$OUT/ml100k-u1.tr.txt" ]; then
    crossrec ml100k-u1 128 19 0.03 0.06      # the library's defaults
    libmf ml100k-u1 128 19 0.05 0.1
  fi
  for k in 32 64 128; do
    crossrec syn10m "$k" 20 0.08 0.08
    libmf syn10m "$k" 20 0.1 0.1
  done
done
