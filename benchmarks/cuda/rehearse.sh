#!/usr/bin/env bash
# Rehearses the CUDA lease end to end on this CPU machine, on libtorch CPU: unpacks the kit that prepare.sh made
# (run it first) into a temporary folder and runs the kit's own run.sh as a GPU host would, with a stand-in for the
# host's PyTorch: a folder torch/ whose lib/ holds libtorch-cpu-linux-x64's libraries (from the NuGet cache; the
# kit has none) and whose version.py says which version it is.
#   1. discovery through python3 (PYTHONPATH to the stand-in) with version.py "2.11.0+cu128", the lease host's
#      PyTorch: run.sh must report the mismatch with 2.10 plainly and stop (exit 3), writing the summary;
#   2. the whole run (--device cpu, small --scale) inside the Debian 13 root of .ci/torch (libLibTorchSharp.so
#      needs GLIBCXX_3.4.32, which this Debian 12 host lacks), with version.py "2.10.0": probe, contract suite,
#      accuracy pass, benchmarks, summary.json.
# Results: benchmarks/cuda/out/rehearsal-mismatch/ and benchmarks/cuda/out/$CROSSREC_REHEARSAL_NAME/ (default
# rehearsal-cpu). Arguments are passed on to run.sh in step 2 (e.g. --with-managed --skip-tests). Bounded: about
# 15 min on 2 busy cores at the default scale 0.02 (CROSSREC_REHEARSAL_SCALE).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
kit_tar="$repo/benchmarks/cuda/out/crossrec-cuda-kit.tar.xz"
[ -f "$kit_tar" ] || { echo "run benchmarks/cuda/prepare.sh first" >&2; exit 1; }
root="${CROSSREC_TRIXIE_ROOT:-/var/cache/crossrec-trixie}"
[ -f "$root/.crossrec-root-ready" ] || { echo "no Debian 13 root at $root: run .ci/torch once first" >&2; exit 1; }
scale="${CROSSREC_REHEARSAL_SCALE:-0.02}"
libtorch_version="$(dotnet msbuild tests/CrossRec.Torch.Tests -p:CrossRecTorch=true -getProperty:LibTorchVersion)"
native="${NUGET_PACKAGES:-$HOME/.nuget/packages}/libtorch-cpu-linux-x64/$libtorch_version/runtimes/linux-x64/native"
[ -f "$native/libtorch.so" ] || { echo "libtorch-cpu-linux-x64 $libtorch_version is not in the NuGet cache ($native): run .ci/torch once first" >&2; exit 1; }

work="$(mktemp -d /tmp/crossrec-rehearsal.XXXXXX)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xJf "$kit_tar"
kit="$work/crossrec-cuda-kit"
stand_in() { # stand_in DIR VERSION: a torch/ package folder with lib/ and version.py
  mkdir -p "$1/torch/lib"
  cp -s "$native"/*.so* "$1/torch/lib/" 2>/dev/null || cp "$native"/*.so* "$1/torch/lib/"
  printf '__version__ = "%s"\n' "$2" >"$1/torch/version.py"
  : >"$1/torch/__init__.py"
}
out="$repo/benchmarks/cuda/out"

echo "==== 1. the lease host's PyTorch 2.11 found through python3: the mismatch must be reported and stop the run ===="
stand_in "$work/site211" "2.11.0+cu128"
rm -rf "$out/rehearsal-mismatch"
rc=0
PYTHONPATH="$work/site211" bash "$kit/run.sh" --device cpu --out "$out/rehearsal-mismatch" || rc=$?
[ "$rc" -eq 3 ] || { echo "expected exit 3 (version mismatch), got $rc" >&2; exit 1; }
grep -q '"status": "version-mismatch"' "$out/rehearsal-mismatch/summary.json" || { echo "summary.json does not say version-mismatch" >&2; exit 1; }
echo "---- mismatch reported, exit 3, summary written"

echo "==== 2. the whole run on libtorch CPU $libtorch_version in the Debian 13 root (scale $scale) ===="
stand_in "$work/site210" "$libtorch_version"
name="${CROSSREC_REHEARSAL_NAME:-rehearsal-cpu}"
rm -rf "${out:?}/$name"
mkdir -p "$out/$name"
# The stand-in's symlinks point into the NuGet cache: mount it too.
nuget="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cat >"$work/inside.sh" <<'SH'
#!/usr/bin/env bash
# In a private mount namespace: the mounts cannot outlive it; the trap undoes them anyway.
set -euo pipefail
root="$1" work="$2" out="$3" nuget="$4"; shift 4
mounted=()
cleanup() { for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done; }
trap cleanup EXIT
bind() { mkdir -p "$root$1"; mount --rbind "$1" "$root$1"; mount --make-rslave "$root$1"; mounted+=("$root$1"); }
mount -t proc proc "$root/proc"; mounted+=("$root/proc")
bind /dev
bind "$work"
bind "$out"
bind "$nuget"
timeout --kill-after=30 1200 chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root TERM=dumb OMP_WAIT_POLICY=PASSIVE \
  bash "$work/crossrec-cuda-kit/run.sh" "$@"
SH
rc=0
unshare --mount --propagation private bash "$work/inside.sh" "$root" "$work" "$out/$name" "$nuget" \
  --device cpu --torch-dir "$work/site210/torch" --out "$out/$name" --scale "$scale" --accuracy-scale "$scale" --timeout 600 "$@" || rc=$?
if grep -qF " $root/" /proc/self/mountinfo; then echo "mounts were left under $root" >&2; exit 1; fi
echo "---- run.sh exit $rc; summary: $out/$name/summary.json"
exit "$rc"
