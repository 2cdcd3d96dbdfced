#!/usr/bin/env bash
# Prepares, on this CPU machine, everything a GPU host with no .NET needs to run the TorchSharp engine's contract
# suite and benchmarks on CUDA (benchmarks/cuda/run.sh runs there). Writes benchmarks/cuda/out/crossrec-cuda-kit.tar.xz:
#   dotnet/       the .NET runtime (muxer, hostfxr, Microsoft.NETCore.App) of this machine's SDK: no SDK needed there
#   tests/        framework-dependent publish (linux-x64) of tests/CrossRec.Torch.Tests; `dotnet CrossRec.Torch.Tests.dll`
#                 runs the suite without the SDK (SuiteRunner) and writes JSON
#   benchmarks/   framework-dependent publish of benchmarks/CrossRec.Torch.Benchmarks (BenchmarkDotNet, --probe, --accuracy)
#   data/ml-100k  u.data, u1.base, u1.test, only when CROSSREC_DATA is set (the MovieLens parity tests; otherwise skipped there)
#   run.sh, kit.env (TorchSharp version, the libtorch version it binds, git commit)
# Both publishes reference the TorchSharp package alone (-p:TorchNativeRuntime=false): its libLibTorchSharp.so
# comes along, libtorch does not (no libtorch-cpu-linux-x64, no CUDA libraries): run.sh takes libtorch from
# the GPU host's PyTorch (torch/lib). The kit must stay under 64 MiB compressed; this script fails if it does not.
# It builds from a copy of the working tree (tracked and untracked, not ignored, files) in a temporary folder,
# so the clone's own bin/ and obj/ (and CI's restore of the Torch tests) are left alone. Takes 2-4 min here.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
out="$repo/benchmarks/cuda/out"
limit=$((64 * 1024 * 1024))
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

src="$work/src"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | grep -zv '^benchmarks/cuda/out/' | xargs -0 cp --parents -t "$src"
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!benchmarks/cuda/out' || echo '+uncommitted')"

kit="$work/crossrec-cuda-kit"
mkdir -p "$kit"
publish() { # publish PROJECT DEST
  dotnet publish "$src/$1" -c Release -r linux-x64 --self-contained false -p:CrossRecTorch=true -p:TorchNativeRuntime=false \
    -p:UseAppHost=false -nologo -o "$kit/$2" 2>&1 | tail -n 3
}
echo "==== publishing the Torch tests and benchmarks (framework-dependent, linux-x64, TorchSharp without libtorch) ===="
publish tests/CrossRec.Torch.Tests tests
publish benchmarks/CrossRec.Torch.Benchmarks benchmarks
torch_version="$(dotnet msbuild "$src/tests/CrossRec.Torch.Tests" -p:CrossRecTorch=true -getProperty:TorchSharpVersion)"
libtorch_version="$(dotnet msbuild "$src/tests/CrossRec.Torch.Tests" -p:CrossRecTorch=true -getProperty:LibTorchVersion)"
if find "$kit" -name 'libtorch*.so*' -o -name 'libc10*.so*' | grep -q .; then
  echo "libtorch found in the kit; it must come from the GPU host" >&2
  exit 1
fi
[ -f "$kit/tests/libLibTorchSharp.so" ] || { echo "libLibTorchSharp.so is missing from the tests publish" >&2; exit 1; }

echo "==== the .NET runtime ===="
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
framework="$(sed -n 's/.*"version": *"\([0-9.]*\)".*/\1/p' "$kit/tests/CrossRec.Torch.Tests.runtimeconfig.json" | head -n1)"
runtime="$(ls -1 "$dotnet_root/shared/Microsoft.NETCore.App" | grep "^${framework%.*}\." | sort -V | tail -n1)"
[ -n "$runtime" ] || { echo "no Microsoft.NETCore.App ${framework%.*}.x under $dotnet_root" >&2; exit 1; }
fxr="$(ls -1 "$dotnet_root/host/fxr" | sort -V | tail -n1)"
mkdir -p "$kit/dotnet/shared/Microsoft.NETCore.App" "$kit/dotnet/host/fxr"
cp "$dotnet_root/dotnet" "$kit/dotnet/"
cp -r "$dotnet_root/host/fxr/$fxr" "$kit/dotnet/host/fxr/"
cp -r "$dotnet_root/shared/Microsoft.NETCore.App/$runtime" "$kit/dotnet/shared/Microsoft.NETCore.App/"

if [ -n "${CROSSREC_DATA:-}" ] && [ -f "$CROSSREC_DATA/ml-100k/u.data" ]; then
  mkdir -p "$kit/data/ml-100k"
  # u.data for the top-N parity tests and the README's Torch block; u1.base/u1.test for the engine contract's biased MF.
  cp "$CROSSREC_DATA/ml-100k/u.data" "$CROSSREC_DATA/ml-100k/u1.base" "$CROSSREC_DATA/ml-100k/u1.test" "$kit/data/ml-100k/"
  echo "included ml-100k/u.data, u1.base and u1.test for the parity tests"
fi

cp "$repo/benchmarks/cuda/run.sh" "$kit/"
cp "$repo/README.md" "$kit/tests/"   # the Torch suite checks the README's Torch block (ReadmeSnippetTests)
cat >"$kit/kit.env" <<ENV
TORCHSHARP_VERSION=$torch_version
LIBTORCH_VERSION=$libtorch_version
DOTNET_RUNTIME=$runtime
COMMIT=$commit
PREPARED=$(date -u +%FT%TZ)
ENV

mkdir -p "$out"
tar -C "$work" -cf - crossrec-cuda-kit | xz -T0 -6 >"$out/crossrec-cuda-kit.tar.xz"
size=$(stat -c %s "$out/crossrec-cuda-kit.tar.xz")
echo "==== $out/crossrec-cuda-kit.tar.xz: $((size / 1024 / 1024)) MiB compressed ($(du -sh "$kit" | cut -f1) unpacked), TorchSharp $torch_version (binds libtorch $libtorch_version), .NET $runtime, commit $commit, $((SECONDS - start)) s ===="
[ "$size" -lt "$limit" ] || { echo "the kit is over 64 MiB" >&2; exit 1; }
