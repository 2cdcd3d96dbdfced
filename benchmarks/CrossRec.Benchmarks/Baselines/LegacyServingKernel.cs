// The serving block kernel as it was before the width-generic rewrite (commit 0ab6475: a hand-unrolled copy per
// vector width). Kept only as the side-by-side baseline of ServingKernelBenchmarks; the library serves with Serving.ServingKernel.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CrossRec.Internal;

using CrossRec.Serving;

namespace CrossRec.Benchmarks.Baselines;

/// <summary>
/// Exact top-N serving for latent-factor models: the scores of a block of up to <see cref="BlockUsers"/>
/// users against a range of the catalogue, and a running top-N per user, in one pass over the item factors.
/// </summary>
/// <remarks>
/// <para><b>Why hand-written.</b> Serving a catalogue is a small GEMM (users × k times k × items) followed
/// by a selection. One <c>TensorPrimitives.Dot</c> per (user, item) spends its time in call overhead and
/// the horizontal sum of each dot (measured: ~50 lists/s at top-128 over 10⁶ items × 128 factors, one
/// core), and <c>System.Numerics.Tensors</c> has no small-GEMM primitive. Here the block's user factors are
/// packed transposed once (k × 64 floats, a per-worker buffer that stays in L1), and for four items at a
/// time the kernel accumulates broadcast(q_j[f]) × Pᵀ[f, users] into 4 × 4 <see cref="Vector512{T}"/>
/// accumulators (users in the lanes): no horizontal sums, every item factor read once per block of 64
/// users, straight from the model's row-major array (no item packing: packing items transposed would cost a
/// transposing copy of the catalogue per block, the users' k × 64 floats are packed once). Measured with
/// ServingBenchmarks, same setting, one thread: 335–378 lists/s (load average 3.3–7.9, shared machine).
/// AVX2-class machines run 16 users × 4 items of <see cref="Vector256{T}"/> per pass (so do blocks of up to
/// 32 users on AVX-512: only the lanes that hold users are computed), SSE-only and Arm (AdvSimd) machines
/// 16 users × 2 items of <see cref="Vector128{T}"/>, machines without SIMD a scalar loop.</para>
/// <para><b>Exactness.</b> Every lane sums its dot in one order — f = 0, 1, …, k−1, one fused multiply-add
/// each where the hardware has FMA, else a multiply then an add — which is also the order of the one-user
/// <see cref="Dots"/> that <c>Recommend</c> and <c>ScoreItems</c> use. So the 512-, 256- and 128-bit and scalar
/// paths and the per-user path give bit-identical scores, whatever the vector width or memory address.</para>
/// <para><b>Selection.</b> Each user keeps a threshold: −∞ until 2N candidates have come, then the N-th best
/// so far. An item's score vector is compared with the threshold vector and only the lanes at or above it
/// (rare once the thresholds have risen) go on to the seen-item check and into the user's candidate buffer
/// of 2N sortable keys (<see cref="Key"/>); a full buffer keeps its best N (quickselect) and raises the
/// threshold. Amortised O(1) per candidate instead of a heap's O(log N); the final N are sorted by the same
/// total order as <see cref="TopK"/> (higher score, then smaller index), so the lists are those of the
/// per-user path. A NaN score fails every comparison, so it is never selected; masked items are skipped
/// before the comparison.</para>
/// </remarks>
internal static unsafe class LegacyServingKernel
{
    /// <summary>Users scored together: the lanes of four 512-bit vectors.</summary>
    public const int BlockUsers = 64;

    /// <summary>Which kernel runs (a test hook: the narrower paths can be forced on a wider machine).</summary>
    internal enum KernelPath
    {
        /// <summary>The widest accelerated path.</summary>
        Auto,

        /// <summary>The 256-bit path (if accelerated), else the 128-bit one, else scalar.</summary>
        Vector256,

        /// <summary>The 128-bit path (SSE, Arm AdvSimd), if accelerated, else scalar.</summary>
        Vector128,

        /// <summary>The scalar path.</summary>
        Scalar,
    }

    /// <summary>Test hook: restricts the block kernel to a narrower path.</summary>
    internal static KernelPath Force { get; set; }

    /// <summary>The path a block runs now.</summary>
    internal static KernelPath Active =>
        Force == KernelPath.Auto && Vector512.IsHardwareAccelerated ? KernelPath.Auto
        : Force <= KernelPath.Vector256 && Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Force <= KernelPath.Vector128 && Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>
    /// True where the fused multiply-add is a hardware instruction (chosen once for every path: a fused and
    /// an unfused multiply-add round differently).
    /// </summary>
    private static bool HasFma => Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    /// <summary>
    /// <c>output[j] = Σ_f p[f]·q[j·k + f]</c> for every j (k = <c>p.Length</c>), in the fixed order of the block
    /// kernel: the one-user scoring path. Four items are summed side by side for instruction-level parallelism.
    /// </summary>
    public static void Dots(ReadOnlySpan<float> p, ReadOnlySpan<float> q, Span<float> output)
    {
        var k = p.Length;
        var n = output.Length;
        if ((long)n * k > q.Length)
        {
            throw new ArgumentException($"The item factors hold {q.Length} floats; {n} items × {k} factors need more.", nameof(q));
        }

        fixed (float* pp = p, qq = q, o = output)
        {
            var j = 0;
            if (Avx.IsSupported)
            {
                for (; j + 16 <= n; j += 16)
                {
                    Dots8x2(pp, qq + ((long)j * k), k, o + j);
                }

                for (; j + 8 <= n; j += 8)
                {
                    Dots8(pp, qq + ((long)j * k), k, o + j);
                }
            }

            for (; j + 4 <= n; j += 4)
            {
                var q0 = qq + ((long)j * k);
                var q1 = q0 + k;
                var q2 = q1 + k;
                var q3 = q2 + k;
                float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                for (var f = 0; f < k; f++)
                {
                    var x = pp[f];
                    a0 = Madd(q0[f], x, a0);
                    a1 = Madd(q1[f], x, a1);
                    a2 = Madd(q2[f], x, a2);
                    a3 = Madd(q3[f], x, a3);
                }

                o[j] = a0;
                o[j + 1] = a1;
                o[j + 2] = a2;
                o[j + 3] = a3;
            }

            for (; j < n; j++)
            {
                var q0 = qq + ((long)j * k);
                var a0 = 0f;
                for (var f = 0; f < k; f++)
                {
                    a0 = Madd(q0[f], pp[f], a0);
                }

                o[j] = a0;
            }
        }
    }

    /// <summary>
    /// Sixteen items as two independent groups of <see cref="Dots8"/> in one loop: each group's eight
    /// multiply-adds per step form one dependency chain, so two chains keep the FMA units busy while the
    /// shuffles of the other group run (same order per lane as <see cref="Dots8"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots8x2(float* p, float* q0, int k, float* output)
    {
        var k8 = 8 * k;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var f = 0;
        for (; f + 8 <= k; f += 8)
        {
            var pf = p + f;
            acc0 = Step8(q0 + f, k, pf, acc0);
            acc1 = Step8(q0 + k8 + f, k, pf, acc1);
        }

        for (; f < k; f++)
        {
            var x = Vector256.Create(p[f]);
            var r = q0 + f;
            acc0 = Madd(Vector256.Create(r[0], r[k], r[2 * k], r[3 * k], r[4 * k], r[5 * k], r[6 * k], r[7 * k]), x, acc0);
            r += k8;
            acc1 = Madd(Vector256.Create(r[0], r[k], r[2 * k], r[3 * k], r[4 * k], r[5 * k], r[6 * k], r[7 * k]), x, acc1);
        }

        acc0.Store(output);
        acc1.Store(output + 8);
    }

    /// <summary>One 8 × 8 step of <see cref="Dots8"/>: rows <c>q</c>, <c>q + k</c>, …, factors f..f+7 (p at <paramref name="pf"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Step8(float* q, int k, float* pf, Vector256<float> acc)
    {
        var t0 = Avx.UnpackLow(Avx.LoadVector256(q), Avx.LoadVector256(q + k));
        var t1 = Avx.UnpackHigh(Avx.LoadVector256(q), Avx.LoadVector256(q + k));
        var t2 = Avx.UnpackLow(Avx.LoadVector256(q + (2 * k)), Avx.LoadVector256(q + (3 * k)));
        var t3 = Avx.UnpackHigh(Avx.LoadVector256(q + (2 * k)), Avx.LoadVector256(q + (3 * k)));
        var t4 = Avx.UnpackLow(Avx.LoadVector256(q + (4 * k)), Avx.LoadVector256(q + (5 * k)));
        var t5 = Avx.UnpackHigh(Avx.LoadVector256(q + (4 * k)), Avx.LoadVector256(q + (5 * k)));
        var t6 = Avx.UnpackLow(Avx.LoadVector256(q + (6 * k)), Avx.LoadVector256(q + (7 * k)));
        var t7 = Avx.UnpackHigh(Avx.LoadVector256(q + (6 * k)), Avx.LoadVector256(q + (7 * k)));
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        acc = Madd(Avx.Permute2x128(s0, s4, 0x20), Vector256.Create(pf[0]), acc);
        acc = Madd(Avx.Permute2x128(s1, s5, 0x20), Vector256.Create(pf[1]), acc);
        acc = Madd(Avx.Permute2x128(s2, s6, 0x20), Vector256.Create(pf[2]), acc);
        acc = Madd(Avx.Permute2x128(s3, s7, 0x20), Vector256.Create(pf[3]), acc);
        acc = Madd(Avx.Permute2x128(s0, s4, 0x31), Vector256.Create(pf[4]), acc);
        acc = Madd(Avx.Permute2x128(s1, s5, 0x31), Vector256.Create(pf[5]), acc);
        acc = Madd(Avx.Permute2x128(s2, s6, 0x31), Vector256.Create(pf[6]), acc);
        return Madd(Avx.Permute2x128(s3, s7, 0x31), Vector256.Create(pf[7]), acc);
    }

    /// <summary>
    /// Eight items' dots with the items in the lanes: each 8 × 8 block of their factors is transposed in
    /// registers (unpack, shuffle, cross-lane permute: 24 instructions), then added factor by factor in order,
    /// so every lane runs the same sequence of multiply-adds as the scalar loop and the block kernel. Measured
    /// for one user on a 10⁶-item × 128-factor catalogue (shared 2-core machine): the four-item scalar loop
    /// 98–104 ms, this path alone 72–75 ms, with <see cref="Dots8x2"/> 62–66 ms, the earlier
    /// <c>TensorPrimitives.Dot</c> per item 71 ms, and one <c>TensorPrimitives.Sum</c> over the same 512 MB
    /// 40–48 ms (the memory floor). Every ML-100K user scored once (implicit ALS, k = 128): 24–27 ms with
    /// <see cref="Dots8x2"/>, 36–47 ms with this path alone, 19–42 ms with the earlier <c>AlsMath.Dot</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots8(float* p, float* q0, int k, float* output)
    {
        var q1 = q0 + k;
        var q2 = q1 + k;
        var q3 = q2 + k;
        var q4 = q3 + k;
        var q5 = q4 + k;
        var q6 = q5 + k;
        var q7 = q6 + k;
        var acc = Vector256<float>.Zero;
        var f = 0;
        for (; f + 8 <= k; f += 8)
        {
            var t0 = Avx.UnpackLow(Avx.LoadVector256(q0 + f), Avx.LoadVector256(q1 + f));
            var t1 = Avx.UnpackHigh(Avx.LoadVector256(q0 + f), Avx.LoadVector256(q1 + f));
            var t2 = Avx.UnpackLow(Avx.LoadVector256(q2 + f), Avx.LoadVector256(q3 + f));
            var t3 = Avx.UnpackHigh(Avx.LoadVector256(q2 + f), Avx.LoadVector256(q3 + f));
            var t4 = Avx.UnpackLow(Avx.LoadVector256(q4 + f), Avx.LoadVector256(q5 + f));
            var t5 = Avx.UnpackHigh(Avx.LoadVector256(q4 + f), Avx.LoadVector256(q5 + f));
            var t6 = Avx.UnpackLow(Avx.LoadVector256(q6 + f), Avx.LoadVector256(q7 + f));
            var t7 = Avx.UnpackHigh(Avx.LoadVector256(q6 + f), Avx.LoadVector256(q7 + f));
            var s0 = Avx.Shuffle(t0, t2, 0x44);
            var s1 = Avx.Shuffle(t0, t2, 0xEE);
            var s2 = Avx.Shuffle(t1, t3, 0x44);
            var s3 = Avx.Shuffle(t1, t3, 0xEE);
            var s4 = Avx.Shuffle(t4, t6, 0x44);
            var s5 = Avx.Shuffle(t4, t6, 0xEE);
            var s6 = Avx.Shuffle(t5, t7, 0x44);
            var s7 = Avx.Shuffle(t5, t7, 0xEE);
            var pf = p + f;
            acc = Madd(Avx.Permute2x128(s0, s4, 0x20), Vector256.Create(pf[0]), acc);
            acc = Madd(Avx.Permute2x128(s1, s5, 0x20), Vector256.Create(pf[1]), acc);
            acc = Madd(Avx.Permute2x128(s2, s6, 0x20), Vector256.Create(pf[2]), acc);
            acc = Madd(Avx.Permute2x128(s3, s7, 0x20), Vector256.Create(pf[3]), acc);
            acc = Madd(Avx.Permute2x128(s0, s4, 0x31), Vector256.Create(pf[4]), acc);
            acc = Madd(Avx.Permute2x128(s1, s5, 0x31), Vector256.Create(pf[5]), acc);
            acc = Madd(Avx.Permute2x128(s2, s6, 0x31), Vector256.Create(pf[6]), acc);
            acc = Madd(Avx.Permute2x128(s3, s7, 0x31), Vector256.Create(pf[7]), acc);
        }

        for (; f < k; f++)
        {
            acc = Madd(Vector256.Create(q0[f], q1[f], q2[f], q3[f], q4[f], q5[f], q6[f], q7[f]), Vector256.Create(p[f]), acc);
        }

        acc.Store(output);
    }

    /// <summary>
    /// Scores items <paramref name="lo"/>..<paramref name="hi"/> − 1 for <paramref name="users"/> (at most
    /// <see cref="BlockUsers"/>) and keeps each user's best <see cref="Block.N"/> in <paramref name="block"/>
    /// (cleared first). Items visited in increasing order; masked items (mask false) and each user's seen
    /// items (sorted CSR <paramref name="seenOffsets"/>/<paramref name="seenItems"/>, null: none) are never kept.
    /// </summary>
    public static void SelectBlock(in FactorScoring model, ReadOnlySpan<int> users, int lo, int hi, bool[]? mask, int[]? seenOffsets, int[]? seenItems, Block block, CancellationToken cancellationToken)
    {
        var size = users.Length;
        if (size < 1 || size > BlockUsers || lo < 0 || hi > model.Items || lo > hi)
        {
            throw new ArgumentOutOfRangeException(nameof(users), $"{size} users, items {lo}..{hi} of {model.Items}.");
        }

        block.Reset(model, users, lo, seenOffsets, seenItems);
        var run = new Run(model, block, mask, seenOffsets is null ? null : seenItems);
        var path = Active;
        if (path == KernelPath.Auto && size <= 32 && Vector256.IsHardwareAccelerated)
        {
            // The 512-bit kernel always computes 64 lanes; the 256-bit one only the groups of 16 that hold
            // users, so up to 32 users it does the same work in fewer instructions.
            path = KernelPath.Vector256;
        }
        fixed (float* q = model.ItemFactors)
        {
            const int check = 1 << 14; // items between cancellation checks
            for (var start = lo; start < hi; start += check)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var end = (int)Math.Min(hi, (long)start + check);
                switch (path)
                {
                    case KernelPath.Auto:
                        run.Range512(q, start, end);
                        break;
                    case KernelPath.Vector256:
                        run.Range256(q, start, end, size);
                        break;
                    case KernelPath.Vector128:
                        run.Range128(q, start, end, size);
                        break;
                    default:
                        run.RangeScalar(q, start, end, size);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// A candidate as one sortable number: smaller is better, i.e. a higher score, then a smaller item index
    /// (the order of <see cref="TopK"/>). The score's bits are mapped to an unsigned order and inverted into
    /// the high half; the item index is the low half. Scores here are never −0 (every dot starts from +0), so the
    /// mapping keeps the float's equality.
    /// </summary>
    public static ulong Key(float score, int item)
    {
        var bits = BitConverter.SingleToUInt32Bits(score);
        var ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ordered << 32) | (uint)item;
    }

    /// <summary>The score of a <see cref="Key"/>.</summary>
    public static float ScoreOf(ulong key)
    {
        var ordered = ~(uint)(key >> 32);
        return BitConverter.UInt32BitsToSingle((ordered & 0x8000_0000u) != 0 ? ordered & 0x7FFF_FFFFu : ~ordered);
    }

    /// <summary>The item index of a <see cref="Key"/>.</summary>
    public static int ItemOf(ulong key) => (int)(uint)key;

    /// <summary>
    /// Moves the <paramref name="n"/> smallest keys (the best candidates) to the front, the n-th smallest at
    /// <c>n − 1</c> (quickselect, median of three; expected O(length)).
    /// </summary>
    public static void SelectBest(Span<ulong> keys, int n)
    {
        var lo = 0;
        var hi = keys.Length - 1;
        var target = n - 1;
        while (hi > lo)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (keys[mid] < keys[lo])
            {
                (keys[mid], keys[lo]) = (keys[lo], keys[mid]);
            }

            if (keys[hi] < keys[lo])
            {
                (keys[hi], keys[lo]) = (keys[lo], keys[hi]);
            }

            if (keys[hi] < keys[mid])
            {
                (keys[hi], keys[mid]) = (keys[mid], keys[hi]);
            }

            var pivot = keys[mid];
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (keys[i] < pivot)
                {
                    i++;
                }

                while (keys[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                    i++;
                    j--;
                }
            }

            if (target <= j)
            {
                hi = j;
            }
            else if (target >= i)
            {
                lo = i;
            }
            else
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Madd(float a, float b, float c) => HasFma ? MathF.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Madd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => HasFma ? Vector512.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Madd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => HasFma ? Vector256.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Madd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => HasFma ? Vector128.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary>
    /// One worker's buffers for a block: the packed user factors (k × <see cref="BlockUsers"/>, cache-line
    /// aligned), offsets, thresholds and the per-user heaps. Reused from block to block; not thread-safe.
    /// </summary>
    internal sealed class Block
    {
        private readonly float[] _floats; // pinned: Pᵀ, the dot tile, offsets, thresholds, lane scores

        /// <summary>Buffers for k factors and top-<paramref name="n"/> lists.</summary>
        public Block(int k, int n)
        {
            K = k;
            N = n;
            var packed = k * BlockUsers;
            _floats = GC.AllocateArray<float>(packed + (7 * BlockUsers) + 16, pinned: true);
            fixed (float* f = _floats)
            {
                var start = f + ((64 - ((nint)f & 63)) & 63) / sizeof(float); // the array never moves
                Packed = start;
                Tile = start + packed;
                Offsets = Tile + (4 * BlockUsers);
                Thresholds = Offsets + BlockUsers;
                Lane = Thresholds + BlockUsers;
            }

            Keys = new ulong[BlockUsers * 2 * n];
        }

        /// <summary>k.</summary>
        public int K { get; }

        /// <summary>List length.</summary>
        public int N { get; }

        /// <summary>Users in the current block.</summary>
        public int Size { get; private set; }

        /// <summary>
        /// Candidates of user b as <see cref="Key"/>s: <c>Keys[b·2N ..]</c>, <see cref="Counts"/>[b] of them; after
        /// <see cref="Finish"/>, its best N (or fewer) sorted best first.
        /// </summary>
        public ulong[] Keys { get; }

        /// <summary>Candidates kept per user.</summary>
        public int[] Counts { get; } = new int[BlockUsers];

        /// <summary>Pᵀ: <c>Packed[f·64 + b]</c> = user b's factor f (0 for empty lanes); 64-byte aligned.</summary>
        internal float* Packed { get; }

        /// <summary>The dots of up to four items for the block: item r's at <c>Tile + r·64</c>.</summary>
        internal float* Tile { get; }

        /// <summary>Per-user offsets μ + b_u (0 without user biases).</summary>
        internal float* Offsets { get; }

        /// <summary>Per-user thresholds: −∞ until the heap is full, then its minimum; NaN for empty lanes.</summary>
        internal float* Thresholds { get; }

        /// <summary>Scores of one item for the whole block (the slow path's input).</summary>
        internal float* Lane { get; }

        /// <summary>Per-user position in its seen list.</summary>
        internal int[] Cursor { get; } = new int[BlockUsers];

        /// <summary>Per-user end of its seen list.</summary>
        internal int[] SeenEnd { get; } = new int[BlockUsers];

        /// <summary>User b's candidates (a span over <see cref="Keys"/>).</summary>
        public Span<ulong> Candidates(int b) => Keys.AsSpan(b * 2 * N, Counts[b]);

        /// <summary>Keeps user b's best N candidates, sorted best first, and returns how many there are.</summary>
        public int Finish(int b)
        {
            var keys = Keys.AsSpan(b * 2 * N, Counts[b]);
            if (keys.Length > N)
            {
                SelectBest(keys, N);
                keys = keys[..N];
                Counts[b] = N;
            }

            keys.Sort();
            return keys.Length;
        }

        /// <summary>
        /// Adds a candidate of user b; when the buffer (2N) is full, keeps the best N and raises the user's
        /// threshold to the worst of them. Amortised O(1) per candidate, where a heap costs O(log N).
        /// </summary>
        internal void Add(int b, float score, int item)
        {
            var n = N;
            var at = b * 2 * n;
            var count = Counts[b];
            Keys[at + count] = Key(score, item);
            if (++count == 2 * n)
            {
                var keys = Keys.AsSpan(at, count);
                SelectBest(keys, n);
                count = n;
                Thresholds[b] = ScoreOf(keys[n - 1]); // the n-th best so far: nothing below it can make the list
            }

            Counts[b] = count;
        }

        /// <summary>Loads a block: packs its users' factors and clears the candidate lists.</summary>
        internal void Reset(in FactorScoring model, ReadOnlySpan<int> users, int lo, int[]? seenOffsets, int[]? seenItems)
        {
            var k = model.Factors;
            if (k != K)
            {
                throw new ArgumentException($"The block buffers were made for {K} factors; the model has {k}.", nameof(model));
            }

            Size = users.Length;
            var packed = Packed;
            new Span<float>(packed, k * BlockUsers).Clear();
            var uf = model.UserFactors;
            for (var b = 0; b < Size; b++)
            {
                var row = uf.AsSpan(users[b] * k, k);
                for (var f = 0; f < k; f++)
                {
                    packed[(f * BlockUsers) + b] = row[f];
                }

                Offsets[b] = model.UserBias is null ? 0f : model.Offset(users[b]);
                Thresholds[b] = float.NegativeInfinity;
                Counts[b] = 0;
                if (seenOffsets is not null)
                {
                    var from = seenOffsets[users[b]];
                    var to = seenOffsets[users[b] + 1];
                    var at = Array.BinarySearch(seenItems!, from, to - from, lo);
                    Cursor[b] = at >= 0 ? at : ~at;
                    SeenEnd[b] = to;
                }
            }

            for (var b = Size; b < BlockUsers; b++)
            {
                Offsets[b] = 0f;
                Thresholds[b] = float.NaN; // never passes a comparison
                Counts[b] = 0;
            }
        }
    }

    /// <summary>The per-block state the kernels read, bound once per call.</summary>
    private sealed class Run(in FactorScoring model, Block block, bool[]? mask, int[]? seenItems)
    {
        private readonly int _k = model.Factors;
        private readonly float[]? _bias = model.ItemBias;
        private readonly bool _offsets = model.UserBias is not null;
        private readonly bool[]? _mask = mask;
        private readonly int[]? _seen = seenItems;
        private readonly Block _block = block;

        /// <summary>Items start..end−1, four at a time, all 64 users per pass (512-bit).</summary>
        public void Range512(float* q, int start, int end)
        {
            var k = _k;
            var packed = _block.Packed;
            var tile = _block.Tile;
            var j = start;
            for (; j + 4 <= end; j += 4)
            {
                Micro512x4(q + ((long)j * k), k, packed, tile);
                for (var r = 0; r < 4; r++)
                {
                    Finish512(j + r, tile + (r * BlockUsers));
                }
            }

            for (; j < end; j++)
            {
                Micro512x1(q + ((long)j * k), k, packed, tile);
                Finish512(j, tile);
            }
        }

        /// <summary>Items start..end−1, four at a time, 16 users per pass (256-bit), only the groups that hold users.</summary>
        public void Range256(float* q, int start, int end, int size)
        {
            var k = _k;
            var groups = (size + 15) / 16;
            var packed = _block.Packed;
            var tile = _block.Tile;
            var j = start;
            for (; j + 4 <= end; j += 4)
            {
                var q0 = q + ((long)j * k);
                for (var g = 0; g < groups; g++)
                {
                    Micro256x4(q0, k, packed + (g * 16), tile + (g * 16));
                }

                for (var r = 0; r < 4; r++)
                {
                    Finish256(j + r, tile + (r * BlockUsers), groups);
                }
            }

            for (; j < end; j++)
            {
                var q0 = q + ((long)j * k);
                for (var g = 0; g < groups; g++)
                {
                    Micro256x1(q0, k, packed + (g * 16), tile + (g * 16));
                }

                Finish256(j, tile, groups);
            }
        }

        /// <summary>Items start..end−1, two at a time, 16 users per pass (128-bit: SSE, Arm AdvSimd), only the groups that hold users.</summary>
        public void Range128(float* q, int start, int end, int size)
        {
            var k = _k;
            var groups = (size + 15) / 16;
            var packed = _block.Packed;
            var tile = _block.Tile;
            var j = start;
            for (; j + 2 <= end; j += 2)
            {
                var q0 = q + ((long)j * k);
                for (var g = 0; g < groups; g++)
                {
                    Micro128x2(q0, k, packed + (g * 16), tile + (g * 16));
                }

                Finish128(j, tile, groups);
                Finish128(j + 1, tile + BlockUsers, groups);
            }

            if (j < end)
            {
                var q0 = q + ((long)j * k);
                for (var g = 0; g < groups; g++)
                {
                    Micro128x1(q0, k, packed + (g * 16), tile + (g * 16));
                }

                Finish128(j, tile, groups);
            }
        }

        /// <summary>Items start..end−1 one (user, item) at a time: machines without SIMD.</summary>
        public void RangeScalar(float* q, int start, int end, int size)
        {
            var k = _k;
            var packed = _block.Packed;
            var lane = _block.Lane;
            var thresholds = _block.Thresholds;
            var offsets = _block.Offsets;
            for (var j = start; j < end; j++)
            {
                if (_mask is not null && !_mask[j])
                {
                    continue;
                }

                var q0 = q + ((long)j * k);
                var hits = 0UL;
                for (var b = 0; b < size; b++)
                {
                    var a = 0f;
                    var p = packed + b;
                    for (var f = 0; f < k; f++, p += BlockUsers)
                    {
                        a = Madd(*p, q0[f], a);
                    }

                    if (_bias is not null)
                    {
                        a += _bias[j];
                    }

                    if (_offsets)
                    {
                        a += offsets[b];
                    }

                    lane[b] = a;
                    if (a >= thresholds[b])
                    {
                        hits |= 1UL << b;
                    }
                }

                if (hits != 0)
                {
                    Offer(j, hits);
                }
            }
        }

        /// <summary>
        /// The 4 items × 64 users micro-kernel: sixteen 512-bit accumulators, four loads of Pᵀ and four broadcasts
        /// per factor. A method of its own with no calls, so the JIT keeps every accumulator in a register
        /// (with the epilogue inlined here it spilled all sixteen on every step); the tile store is 1 KiB per 4 items.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro512x4(float* q0, int k, float* p, float* tile)
        {
            var q1 = q0 + k;
            var q2 = q1 + k;
            var q3 = q2 + k;
            var a00 = Vector512<float>.Zero;
            var a01 = Vector512<float>.Zero;
            var a02 = Vector512<float>.Zero;
            var a03 = Vector512<float>.Zero;
            var a10 = Vector512<float>.Zero;
            var a11 = Vector512<float>.Zero;
            var a12 = Vector512<float>.Zero;
            var a13 = Vector512<float>.Zero;
            var a20 = Vector512<float>.Zero;
            var a21 = Vector512<float>.Zero;
            var a22 = Vector512<float>.Zero;
            var a23 = Vector512<float>.Zero;
            var a30 = Vector512<float>.Zero;
            var a31 = Vector512<float>.Zero;
            var a32 = Vector512<float>.Zero;
            var a33 = Vector512<float>.Zero;
            for (var f = 0; f < k; f++, p += BlockUsers)
            {
                var u0 = Vector512.LoadAligned(p);
                var u1 = Vector512.LoadAligned(p + 16);
                var u2 = Vector512.LoadAligned(p + 32);
                var u3 = Vector512.LoadAligned(p + 48);
                var x = Vector512.Create(q0[f]);
                a00 = Madd(u0, x, a00);
                a01 = Madd(u1, x, a01);
                a02 = Madd(u2, x, a02);
                a03 = Madd(u3, x, a03);
                x = Vector512.Create(q1[f]);
                a10 = Madd(u0, x, a10);
                a11 = Madd(u1, x, a11);
                a12 = Madd(u2, x, a12);
                a13 = Madd(u3, x, a13);
                x = Vector512.Create(q2[f]);
                a20 = Madd(u0, x, a20);
                a21 = Madd(u1, x, a21);
                a22 = Madd(u2, x, a22);
                a23 = Madd(u3, x, a23);
                x = Vector512.Create(q3[f]);
                a30 = Madd(u0, x, a30);
                a31 = Madd(u1, x, a31);
                a32 = Madd(u2, x, a32);
                a33 = Madd(u3, x, a33);
            }

            a00.StoreAligned(tile);
            a01.StoreAligned(tile + 16);
            a02.StoreAligned(tile + 32);
            a03.StoreAligned(tile + 48);
            a10.StoreAligned(tile + 64);
            a11.StoreAligned(tile + 80);
            a12.StoreAligned(tile + 96);
            a13.StoreAligned(tile + 112);
            a20.StoreAligned(tile + 128);
            a21.StoreAligned(tile + 144);
            a22.StoreAligned(tile + 160);
            a23.StoreAligned(tile + 176);
            a30.StoreAligned(tile + 192);
            a31.StoreAligned(tile + 208);
            a32.StoreAligned(tile + 224);
            a33.StoreAligned(tile + 240);
        }

        /// <summary>One item × 64 users (the catalogue's last items).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro512x1(float* q0, int k, float* p, float* tile)
        {
            var a00 = Vector512<float>.Zero;
            var a01 = Vector512<float>.Zero;
            var a02 = Vector512<float>.Zero;
            var a03 = Vector512<float>.Zero;
            for (var f = 0; f < k; f++, p += BlockUsers)
            {
                var x = Vector512.Create(q0[f]);
                a00 = Madd(Vector512.LoadAligned(p), x, a00);
                a01 = Madd(Vector512.LoadAligned(p + 16), x, a01);
                a02 = Madd(Vector512.LoadAligned(p + 32), x, a02);
                a03 = Madd(Vector512.LoadAligned(p + 48), x, a03);
            }

            a00.StoreAligned(tile);
            a01.StoreAligned(tile + 16);
            a02.StoreAligned(tile + 32);
            a03.StoreAligned(tile + 48);
        }

        /// <summary>The 4 items × 16 users micro-kernel of the 256-bit path: eight accumulators (16 registers in all).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro256x4(float* q0, int k, float* p, float* tile)
        {
            var q1 = q0 + k;
            var q2 = q1 + k;
            var q3 = q2 + k;
            var a00 = Vector256<float>.Zero;
            var a01 = Vector256<float>.Zero;
            var a10 = Vector256<float>.Zero;
            var a11 = Vector256<float>.Zero;
            var a20 = Vector256<float>.Zero;
            var a21 = Vector256<float>.Zero;
            var a30 = Vector256<float>.Zero;
            var a31 = Vector256<float>.Zero;
            for (var f = 0; f < k; f++, p += BlockUsers)
            {
                var u0 = Vector256.LoadAligned(p);
                var u1 = Vector256.LoadAligned(p + 8);
                var x = Vector256.Create(q0[f]);
                a00 = Madd(u0, x, a00);
                a01 = Madd(u1, x, a01);
                x = Vector256.Create(q1[f]);
                a10 = Madd(u0, x, a10);
                a11 = Madd(u1, x, a11);
                x = Vector256.Create(q2[f]);
                a20 = Madd(u0, x, a20);
                a21 = Madd(u1, x, a21);
                x = Vector256.Create(q3[f]);
                a30 = Madd(u0, x, a30);
                a31 = Madd(u1, x, a31);
            }

            a00.StoreAligned(tile);
            a01.StoreAligned(tile + 8);
            a10.StoreAligned(tile + 64);
            a11.StoreAligned(tile + 72);
            a20.StoreAligned(tile + 128);
            a21.StoreAligned(tile + 136);
            a30.StoreAligned(tile + 192);
            a31.StoreAligned(tile + 200);
        }

        /// <summary>One item × 16 users (256-bit).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro256x1(float* q0, int k, float* p, float* tile)
        {
            var a00 = Vector256<float>.Zero;
            var a01 = Vector256<float>.Zero;
            for (var f = 0; f < k; f++, p += BlockUsers)
            {
                var x = Vector256.Create(q0[f]);
                a00 = Madd(Vector256.LoadAligned(p), x, a00);
                a01 = Madd(Vector256.LoadAligned(p + 8), x, a01);
            }

            a00.StoreAligned(tile);
            a01.StoreAligned(tile + 8);
        }

        /// <summary>The 2 items × 16 users micro-kernel of the 128-bit path: eight accumulators (13 registers, so SSE's 16 suffice).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro128x2(float* q0, int k, float* p, float* tile)
        {
            var q1 = q0 + k;
            var a00 = Vector128<float>.Zero;
            var a01 = Vector128<float>.Zero;
            var a02 = Vector128<float>.Zero;
            var a03 = Vector128<float>.Zero;
            var a10 = Vector128<float>.Zero;
            var a11 = Vector128<float>.Zero;
            var a12 = Vector128<float>.Zero;
            var a13 = Vector128<float>.Zero;
            for (var f = 0; f < k; f++, p += BlockUsers)
            {
                var u0 = Vector128.LoadAligned(p);
                var u1 = Vector128.LoadAligned(p + 4);
                var u2 = Vector128.LoadAligned(p + 8);
                var u3 = Vector128.LoadAligned(p + 12);
                var x = Vector128.Create(q0[f]);
                a00 = Madd(u0, x, a00);
                a01 = Madd(u1, x, a01);
                a02 = Madd(u2, x, a02);
                a03 = Madd(u3, x, a03);
                x = Vector128.Create(q1[f]);
                a10 = Madd(u0, x, a10);
                a11 = Madd(u1, x, a11);
                a12 = Madd(u2, x, a12);
                a13 = Madd(u3, x, a13);
            }

            a00.StoreAligned(tile);
            a01.StoreAligned(tile + 4);
            a02.StoreAligned(tile + 8);
            a03.StoreAligned(tile + 12);
            a10.StoreAligned(tile + 64);
            a11.StoreAligned(tile + 68);
            a12.StoreAligned(tile + 72);
            a13.StoreAligned(tile + 76);
        }

        /// <summary>One item × 16 users (128-bit).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro128x1(float* q0, int k, float* p, float* tile)
        {
            var a00 = Vector128<float>.Zero;
            var a01 = Vector128<float>.Zero;
            var a02 = Vector128<float>.Zero;
            var a03 = Vector128<float>.Zero;
            for (var f = 0; f < k; f++, p += BlockUsers)
            {
                var x = Vector128.Create(q0[f]);
                a00 = Madd(Vector128.LoadAligned(p), x, a00);
                a01 = Madd(Vector128.LoadAligned(p + 4), x, a01);
                a02 = Madd(Vector128.LoadAligned(p + 8), x, a02);
                a03 = Madd(Vector128.LoadAligned(p + 12), x, a03);
            }

            a00.StoreAligned(tile);
            a01.StoreAligned(tile + 4);
            a02.StoreAligned(tile + 8);
            a03.StoreAligned(tile + 12);
        }

        /// <summary>Item j's dots for the 64 users (at <paramref name="dots"/>) to scores; the lanes at or above their threshold go to <see cref="Offer"/>.</summary>
        private void Finish512(int j, float* dots)
        {
            if (_mask is not null && !_mask[j])
            {
                return;
            }

            var s0 = Vector512.LoadAligned(dots);
            var s1 = Vector512.LoadAligned(dots + 16);
            var s2 = Vector512.LoadAligned(dots + 32);
            var s3 = Vector512.LoadAligned(dots + 48);
            if (_bias is not null)
            {
                var b = Vector512.Create(_bias[j]);
                s0 += b;
                s1 += b;
                s2 += b;
                s3 += b;
            }

            var o = _block.Offsets;
            if (_offsets)
            {
                s0 += Vector512.LoadAligned(o);
                s1 += Vector512.LoadAligned(o + 16);
                s2 += Vector512.LoadAligned(o + 32);
                s3 += Vector512.LoadAligned(o + 48);
            }

            var t = _block.Thresholds;
            var m0 = Vector512.GreaterThanOrEqual(s0, Vector512.LoadAligned(t));
            var m1 = Vector512.GreaterThanOrEqual(s1, Vector512.LoadAligned(t + 16));
            var m2 = Vector512.GreaterThanOrEqual(s2, Vector512.LoadAligned(t + 32));
            var m3 = Vector512.GreaterThanOrEqual(s3, Vector512.LoadAligned(t + 48));
            if ((m0 | m1 | m2 | m3) == Vector512<float>.Zero)
            {
                return;
            }

            var lane = _block.Lane;
            s0.StoreAligned(lane);
            s1.StoreAligned(lane + 16);
            s2.StoreAligned(lane + 32);
            s3.StoreAligned(lane + 48);
            Offer(j, m0.ExtractMostSignificantBits() | (m1.ExtractMostSignificantBits() << 16) | (m2.ExtractMostSignificantBits() << 32) | (m3.ExtractMostSignificantBits() << 48));
        }

        /// <summary>As <see cref="Finish512"/> with 256-bit vectors, for the first <paramref name="groups"/> groups of 16 users.</summary>
        private void Finish256(int j, float* dots, int groups)
        {
            if (_mask is not null && !_mask[j])
            {
                return;
            }

            var bias = Vector256.Create(_bias is null ? 0f : _bias[j]);
            var o = _block.Offsets;
            var t = _block.Thresholds;
            var lane = _block.Lane;
            var bits = 0UL;
            for (var v = 0; v < groups * 2; v++)
            {
                var s = Vector256.LoadAligned(dots + (v * 8));
                if (_bias is not null)
                {
                    s += bias;
                }

                if (_offsets)
                {
                    s += Vector256.LoadAligned(o + (v * 8));
                }

                var m = Vector256.GreaterThanOrEqual(s, Vector256.LoadAligned(t + (v * 8)));
                if (m != Vector256<float>.Zero)
                {
                    s.StoreAligned(lane + (v * 8));
                    bits |= (ulong)m.ExtractMostSignificantBits() << (v * 8);
                }
            }

            if (bits != 0)
            {
                Offer(j, bits);
            }
        }

        /// <summary>As <see cref="Finish256"/> with 128-bit vectors.</summary>
        private void Finish128(int j, float* dots, int groups)
        {
            if (_mask is not null && !_mask[j])
            {
                return;
            }

            var bias = Vector128.Create(_bias is null ? 0f : _bias[j]);
            var o = _block.Offsets;
            var t = _block.Thresholds;
            var lane = _block.Lane;
            var bits = 0UL;
            for (var v = 0; v < groups * 4; v++)
            {
                var s = Vector128.LoadAligned(dots + (v * 4));
                if (_bias is not null)
                {
                    s += bias;
                }

                if (_offsets)
                {
                    s += Vector128.LoadAligned(o + (v * 4));
                }

                var m = Vector128.GreaterThanOrEqual(s, Vector128.LoadAligned(t + (v * 4)));
                if (m != Vector128<float>.Zero)
                {
                    s.StoreAligned(lane + (v * 4));
                    bits |= (ulong)m.ExtractMostSignificantBits() << (v * 4);
                }
            }

            if (bits != 0)
            {
                Offer(j, bits);
            }
        }

        /// <summary>The slow path: item <paramref name="j"/> reached the threshold of the users in <paramref name="bits"/> (scores in <see cref="Block.Lane"/>).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Offer(int j, ulong bits)
        {
            var block = _block;
            var lane = block.Lane;
            while (bits != 0)
            {
                var b = BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                if (_seen is not null)
                {
                    ref var c = ref block.Cursor[b];
                    var end = block.SeenEnd[b];
                    while (c < end && _seen[c] < j)
                    {
                        c++;
                    }

                    if (c < end && _seen[c] == j)
                    {
                        continue;
                    }
                }

                block.Add(b, lane[b], j);
            }
        }
    }
}
