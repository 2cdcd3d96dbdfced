#!/usr/bin/env bash
# Runs on a GPU host with no .NET, inside the unpacked kit that benchmarks/cuda/prepare.sh made:
#   tar -xJf crossrec-cuda-kit.tar.xz && crossrec-cuda-kit/run.sh [options]
# 1. finds libtorch in the host's PyTorch (its torch/lib; python3's torch, or --torch-dir DIR);
# 2. checks that its version is the one this TorchSharp binds (kit.env: TorchSharp 0.107.0 binds libtorch 2.10).
#    A mismatch is reported plainly and stops the run (exit 3) unless --allow-version-mismatch is given, when it
#    tries anyway and says so in the summary (libLibTorchSharp.so is built against one libtorch's C++ ABI: another
#    minor version may fail to load, or load and fail later);
# 3. checks that libLibTorchSharp.so's dependencies resolve (libstdc++ with GLIBCXX_3.4.32, libtorch's libraries)
#    and that CUDA is usable (--probe), reporting the loader's own error otherwise (exit 4);
# 4. runs the contract suite (tests/CrossRec.Torch.Tests.dll, every test on the chosen device) and the
#    benchmarks (BenchmarkDotNet, Torch engine only unless --with-managed) and the accuracy pass (--accuracy:
#    each algorithm once on each engine, with the accuracy reached);
# 5. writes one JSON summary, OUT/summary.json (default OUT: ./crossrec-cuda-results).
# Options: --device cuda|cpu (cpu: a rehearsal on libtorch CPU), --torch-dir DIR (the torch package folder,
# the one holding lib/ and version.py), --allow-version-mismatch, --out DIR, --skip-tests, --skip-benchmarks,
# --skip-accuracy, --with-managed, --scale S (data scale of the benchmarks, default 1), --accuracy-scale S
# (default 0.25), --filter GLOB (one BenchmarkDotNet filter instead of every suite in turn), --timeout S (per
# step, default 420).
set -uo pipefail
kit="$(cd "$(dirname "$0")" && pwd)"
device=cuda torch_dir="" allow=false out="$PWD/crossrec-cuda-results" tests=true benchmarks=true accuracy=true
managed=false scale=1 accuracy_scale=0.25 filter='*' step_timeout=420
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift ;;
    --torch-dir) torch_dir="$2"; shift ;;
    --allow-version-mismatch) allow=true ;;
    --out) out="$2"; shift ;;
    --skip-tests) tests=false ;;
    --skip-benchmarks) benchmarks=false ;;
    --skip-accuracy) accuracy=false ;;
    --with-managed) managed=true ;;
    --scale) scale="$2"; shift ;;
    --accuracy-scale) accuracy_scale="$2"; shift ;;
    --filter) filter="$2"; shift ;;
    --timeout) step_timeout="$2"; shift ;;
    *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 64 ;;
  esac
  shift
done
case "$device" in cuda|cpu) ;; *) echo "--device must be cuda or cpu" >&2; exit 64 ;; esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# shellcheck disable=SC1091
. "$kit/kit.env"
start=$SECONDS
status=ok
notes=()
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  ')"; }
json_file() { if [ -s "$1" ]; then cat "$1"; else printf 'null'; fi; }

summary() { # summary EXIT_CODE: writes OUT/summary.json and exits
  local bdn="[" first=true f
  for f in "$out"/bdn/results/*-report*.json; do
    [ -f "$f" ] || continue
    $first || bdn+=","
    bdn+="$(cat "$f")"
    first=false
  done
  bdn+="]"
  {
    printf '{\n"status": %s,\n' "$(json_string "$status")"
    printf '"notes": ['; local n sep=""; for n in "${notes[@]}"; do printf '%s%s' "$sep" "$(json_string "$n")"; sep=", "; done; printf '],\n'
    printf '"device": %s,\n"host": %s,\n' "$(json_string "$device")" "$(json_string "$(uname -srm); $(nproc) cores")"
    printf '"gpu": %s,\n' "$(json_string "$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -n1 || echo none)")"
    printf '"torchsharp": %s,\n"libtorch_bound": %s,\n"libtorch_found": %s,\n"torch_lib": %s,\n' \
      "$(json_string "$TORCHSHARP_VERSION")" "$(json_string "$LIBTORCH_VERSION")" "$(json_string "${found_version:-}")" "$(json_string "${torch_lib:-}")"
    printf '"kit_commit": %s,\n"seconds": %s,\n' "$(json_string "$COMMIT")" "$((SECONDS - start))"
    printf '"probe": %s,\n"tests": %s,\n"accuracy": %s,\n"benchmarks": %s\n}\n' \
      "$(json_file "$out/probe.json")" "$(json_file "$out/tests.json")" "$(json_file "$out/accuracy.json")" "$bdn"
  } >"$out/summary.json"
  echo "==== $status: summary in $out/summary.json ($((SECONDS - start)) s) ===="
  exit "$1"
}

# ---- 1. libtorch from the host's PyTorch ----
if [ -z "$torch_dir" ]; then
  for py in ${PYTHON:-} python3 python; do
    command -v "$py" >/dev/null 2>&1 || continue
    # find_spec does not import torch (no CUDA initialisation, no seconds spent).
    torch_dir="$("$py" -c 'import importlib.util, os; s = importlib.util.find_spec("torch"); print(os.path.dirname(s.origin) if s and s.origin else "")' 2>/dev/null)"
    [ -n "$torch_dir" ] && break
  done
fi
if [ -z "$torch_dir" ] || [ ! -d "$torch_dir/lib" ]; then
  status="no-pytorch"; notes+=("no PyTorch installation with torch/lib found (python3 -c 'import torch' or --torch-dir DIR)")
  echo "${notes[-1]}" >&2; summary 2
fi
torch_lib="$(cd "$torch_dir/lib" && pwd)"
found_version="$(sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$torch_dir/version.py" 2>/dev/null | head -n1)"
[ -n "$found_version" ] || found_version=unknown
echo "==== libtorch: $torch_lib (PyTorch $found_version); TorchSharp $TORCHSHARP_VERSION binds libtorch $LIBTORCH_VERSION ===="

# ---- 2. the version check ----
want="$(echo "$LIBTORCH_VERSION" | cut -d. -f1,2)"
have="$(echo "$found_version" | sed 's/[+].*//' | cut -d. -f1,2)"
if [ "$want" != "$have" ]; then
  message="libtorch version mismatch: TorchSharp $TORCHSHARP_VERSION is built against libtorch $want ($LIBTORCH_VERSION), but the host's PyTorch at $torch_dir is $found_version"
  if ! $allow; then
    status="version-mismatch"; notes+=("$message; stopped (run again with --allow-version-mismatch to try anyway, or install torch==$LIBTORCH_VERSION in a virtual environment and pass --torch-dir)")
    echo "" >&2; echo "${notes[-1]}" >&2; summary 3
  fi
  notes+=("$message; trying anyway (--allow-version-mismatch): a failure below may be this mismatch")
  echo "WARNING: ${notes[-1]}" >&2
fi

# ---- 3. the native runtime resolves, CUDA is usable ----
export DOTNET_ROOT="$kit/dotnet" PATH="$kit/dotnet:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export LD_LIBRARY_PATH="$torch_lib:$kit/tests${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CROSSREC_TORCH_DEVICE="$device"
if [ -d "$kit/data/ml-100k" ] && [ -z "${CROSSREC_DATA:-}" ]; then export CROSSREC_DATA="$kit/data"; fi
missing="$(ldd "$kit/tests/libLibTorchSharp.so" 2>&1 | grep -E 'not found|version .* not found' || true)"
if [ -n "$missing" ]; then
  status="native-runtime"; notes+=("libLibTorchSharp.so does not resolve against $torch_lib: $(echo "$missing" | head -n3 | tr '\n\t' '  ')")
  echo "${notes[-1]}" >&2; summary 4
fi
run_step() { # run_step NAME LOG COMMAND...: bounded by --timeout
  local name="$1" log="$2"; shift 2
  local t=$SECONDS
  echo "==== $name ===="
  timeout --kill-after=20 "$step_timeout" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  echo "---- $name: exit $rc, $((SECONDS - t)) s"
  return "$rc"
}
if ! run_step "probe ($device)" "$out/probe.log" dotnet "$kit/benchmarks/CrossRec.Torch.Benchmarks.dll" --probe --device "$device" --json "$out/probe.json"; then
  status="native-runtime"; notes+=("the probe failed on $device: $(tail -n 3 "$out/probe.log" | tr '\n\t' '  ')")
  summary 4
fi

# ---- 4. contract suite, accuracy, benchmarks ----
if $tests; then
  run_step "contract suite on $device" "$out/tests.log" dotnet "$kit/tests/CrossRec.Torch.Tests.dll" --json "$out/tests.json" \
    || { status="tests-failed"; notes+=("the contract suite failed or timed out (tests.log)"); }
fi
if $accuracy; then
  CROSSREC_TORCH_BENCH_SCALE="$accuracy_scale" run_step "accuracy (scale $accuracy_scale)" "$out/accuracy.log" \
    dotnet "$kit/benchmarks/CrossRec.Torch.Benchmarks.dll" --accuracy --device "$device" --json "$out/accuracy.json" \
    || { [ "$status" = ok ] && status="accuracy-failed"; notes+=("the accuracy pass failed or timed out (accuracy.log)"); }
fi
if $benchmarks; then
  categories=(--anyCategories torch)
  $managed && categories=()
  # One BenchmarkDotNet process per suite, each bounded by --timeout, so one that fails or runs long does not
  # cost the others; explicit ALS last (minutes per sweep off a GPU).
  if [ "$filter" = '*' ]; then
    suites=(TorchFactorizationBenchmarks TorchImplicitAlsBenchmarks TorchRecommenderBenchmarks TorchKMeansAndLogisticBenchmarks)
    # Explicit ALS on libtorch CPU takes minutes per sweep (40,000 items' systems at any scale): GPU runs only.
    [ "$device" = cuda ] && suites+=(TorchAlsBenchmarks)
  else
    suites=("$filter")
  fi
  for suite in "${suites[@]}"; do
    glob="$suite"; [ "$filter" = '*' ] && glob="*.$suite.*"
    CROSSREC_TORCH_BENCH_SCALE="$scale" run_step "benchmarks $suite (scale $scale)" "$out/benchmarks-$suite.log" \
      dotnet "$kit/benchmarks/CrossRec.Torch.Benchmarks.dll" --device "$device" --filter "$glob" "${categories[@]}" \
      --exporters json --artifacts "$out/bdn" \
      || { [ "$status" = ok ] && status="benchmarks-failed"; notes+=("benchmark suite $suite failed or timed out (benchmarks-$suite.log)"); }
  done
fi
[ "$status" = ok ] && summary 0
summary 1
