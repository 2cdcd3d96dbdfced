// Times LIBMF's mf_train in-process (excluding file parsing) and reports test RMSE (raw and clipped to [lo,hi]).
#include "mf.h"
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <sys/resource.h>
static double cpu(){ rusage u; getrusage(RUSAGE_SELF,&u); return u.ru_utime.tv_sec+u.ru_utime.tv_usec*1e-6+u.ru_stime.tv_sec+u.ru_stime.tv_usec*1e-6; }
using namespace mf;
int main(int argc, char** argv) {
    if (argc < 10) { std::fprintf(stderr, "usage: bench train test k iters eta lambda threads bins reps [lo hi]\n"); return 1; }
    mf_problem tr = read_problem(argv[1]);
    mf_problem te = read_problem(argv[2]);
    mf_parameter p = mf_get_default_param();
    p.k = atoi(argv[3]); p.nr_iters = atoi(argv[4]); p.eta = atof(argv[5]);
    p.lambda_p2 = p.lambda_q2 = atof(argv[6]); p.nr_threads = atoi(argv[7]); p.nr_bins = atoi(argv[8]);
    p.quiet = true;
    int reps = atoi(argv[9]);
    float lo = argc > 11 ? atof(argv[10]) : -1e30f, hi = argc > 11 ? atof(argv[11]) : 1e30f;
    p.nr_bins = std::max(p.nr_bins, 2 * p.nr_threads + 1);
    for (int r = 0; r < reps; r++) {
        double c0 = cpu();
        auto t0 = std::chrono::steady_clock::now();
        mf_model* m = mf_train(&tr, p);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double cs = cpu() - c0;
        double se = 0, sec = 0;
        for (mf_long j = 0; j < te.nnz; j++) {
            double pr = mf_predict(m, te.R[j].u, te.R[j].v);
            double e = te.R[j].r - pr; se += e * e;
            double c = std::min<double>(hi, std::max<double>(lo, pr)); double ec = te.R[j].r - c; sec += ec * ec;
        }
        std::printf("libmf k=%d iters=%d eta=%g lambda=%g threads=%d bins=%d: train %.3fs cpu %.3fs  %.2fM updates/s  %.2fM updates/cpu-s  test rmse %.4f clipped %.4f\n",
            p.k, p.nr_iters, p.eta, p.lambda_p2, p.nr_threads, p.nr_bins, s, cs, tr.nnz * (double)p.nr_iters / s / 1e6, tr.nnz * (double)p.nr_iters / cs / 1e6, std::sqrt(se / te.nnz), std::sqrt(sec / te.nnz));
        std::fflush(stdout);
        mf_destroy_model(&m);
    }
    return 0;
}
