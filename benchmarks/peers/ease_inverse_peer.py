"""The peer of CrossRec's float32 EASE inverse (EaseInverseStudy): LAPACK spotrf + spotri through scipy, and
torch.linalg.cholesky + cholesky_inverse, timed on the same SPD matrix.

    python3 ease_inverse_peer.py make N FILE     # writes G = B·Bᵀ + λI (float32, row-major n × n) to FILE
    python3 ease_inverse_peer.py time FILE [torch]  # times spotrf + spotri (and torch) once on FILE, prints seconds

B is n × 256, binary with density 0.1 (seed 7); λ = 5 × the mean diagonal (EASE's default scale). Which BLAS
scipy uses is printed (Debian's libopenblas0-pthread switches liblapack.so.3 to OpenBLAS). Builds nothing.
"""
import sys
import time

import numpy as np


def make(n, path):
    rng = np.random.default_rng(7)
    b = (rng.random((n, 256), dtype=np.float32) < 0.1).astype(np.float32)
    g = b @ b.T
    g += np.eye(n, dtype=np.float32) * (5 * float(np.mean(np.diag(g))))
    g.astype(np.float32).tofile(path)


def time_lapack(path):
    from scipy.linalg import lapack
    g = np.fromfile(path, dtype=np.float32)
    n = int(round(len(g) ** 0.5))
    a = g.reshape(n, n).T  # symmetric: the transposed view is the same matrix, Fortran-ordered, so nothing is copied
    start = time.perf_counter()
    c, info = lapack.spotrf(a, lower=1, clean=0, overwrite_a=1)
    assert info == 0, info
    inv, info = lapack.spotri(c, lower=1, overwrite_c=1)
    assert info == 0, info
    seconds = time.perf_counter() - start
    return n, seconds, inv


def time_torch(path):
    import torch
    torch.set_num_threads(2)
    g = torch.from_numpy(np.fromfile(path, dtype=np.float32))
    n = int(round(g.numel() ** 0.5))
    a = g.reshape(n, n)
    start = time.perf_counter()
    l = torch.linalg.cholesky(a)
    inv = torch.cholesky_inverse(l)
    seconds = time.perf_counter() - start
    return n, seconds, inv


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "time":
        n, s, inv = time_lapack(sys.argv[2])
        print(f"openblas-f32 n={n} seconds={s:.3f} gflops={n ** 3 / s / 1e9:.1f} diag0={inv[0, 0]:.6g}", flush=True)
        if len(sys.argv) > 3 and sys.argv[3] == "torch":
            n, s, inv = time_torch(sys.argv[2])
            print(f"torch-f32 n={n} seconds={s:.3f} gflops={n ** 3 / s / 1e9:.1f} diag0={float(inv[0, 0]):.6g}", flush=True)
    elif sys.argv[1] == "config":
        import scipy
        np.show_config()
        a = np.random.default_rng(1).random((4096, 4096), dtype=np.float32)
        a @ a
        start = time.perf_counter()
        a @ a
        s = time.perf_counter() - start
        print(f"sgemm 4096: {s:.3f} s, {2 * 4096 ** 3 / s / 1e9:.0f} GFLOPS")
