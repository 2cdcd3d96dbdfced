using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CrossRec.Internal;
using CrossRec.Internal.Simd;

namespace CrossRec.Serving;

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
/// 16 users × 2 items of <see cref="Vector128{T}"/>, machines without SIMD 4 users × 2 items of scalars. The kernel is
/// written once over the vector width (<see cref="IVector{TSelf}"/>: one generic <c>Range</c>/<c>Micro</c>/<c>Finish</c>
/// that the JIT specialises per width and register tile), not once per width.</para>
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
internal static unsafe class ServingKernel
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

    /// <summary>The multiply-add choice of every path (<see cref="Fused.IsHardware"/>): a fused and an unfused one round differently.</summary>
    private static bool HasFma => Fused.IsHardware;

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
    /// <c>Σ_f p[f]·row[f]</c> for one item, in the order every lane of <see cref="Dots"/> and the block kernel uses
    /// (f = 0, 1, …, k − 1, one multiply-add each), so it equals that item's entry of <see cref="Dots"/> bit for bit:
    /// the exact re-scoring of approximate serving's candidates.
    /// </summary>
    public static float Dot(ReadOnlySpan<float> p, ReadOnlySpan<float> row)
    {
        var k = p.Length;
        row = row[..k];
        var a = 0f;
        for (var f = 0; f < k; f++)
        {
            a = Madd(row[f], p[f], a);
        }

        return a;
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
            acc0 = Madd(Column8(q0 + f, k), x, acc0);
            acc1 = Madd(Column8(q0 + k8 + f, k), x, acc1);
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
        var acc = Vector256<float>.Zero;
        var f = 0;
        for (; f + 8 <= k; f += 8)
        {
            acc = Step8(q0 + f, k, p + f, acc);
        }

        for (; f < k; f++)
        {
            acc = Madd(Column8(q0 + f, k), Vector256.Create(p[f]), acc);
        }

        acc.Store(output);
    }

    /// <summary>Factor f of eight items (<paramref name="r"/> = row 0 + f; rows <paramref name="k"/> apart) as one vector: the k mod 8 tail of <see cref="Dots8"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Column8(float* r, int k) => Vector256.Create(r[0], r[k], r[2 * k], r[3 * k], r[4 * k], r[5 * k], r[6 * k], r[7 * k]);

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
                    // Register tiles (rows × vectors of users) sized to the register file: AVX-512's 32 hold
                    // 16 accumulators, 4 loads of Pᵀ and a broadcast; AVX2's and SSE's 16 hold 8 + 2 + 1 and
                    // 8 + 4 + 1; the scalar path's lanes are x64's 16 floating-point registers too.
                    case KernelPath.Auto:
                        run.Range<Vec512, Four, Four>(q, start, end, size);
                        break;
                    case KernelPath.Vector256:
                        run.Range<Vec256, Four, Two>(q, start, end, size);
                        break;
                    case KernelPath.Vector128:
                        run.Range<Vec128, Two, Four>(q, start, end, size);
                        break;
                    default:
                        run.Range<Vec1, Two, Four>(q, start, end, size);
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
    private static Vector256<float> Madd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => HasFma ? Vector256.FusedMultiplyAdd(a, b, c) : (a * b) + c;

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

        /// <summary>
        /// Items start..end−1 in register tiles of <c>TRows</c> items × <c>TVectors</c> vectors of users (a group of
        /// <c>TVectors · TVec.Count</c> users), only the groups that hold users; the last items one at a time.
        /// </summary>
        public void Range<TVec, TRows, TVectors>(float* q, int start, int end, int size)
            where TVec : unmanaged, IVector<TVec>
            where TRows : struct, ICount
            where TVectors : struct, ICount
        {
            var k = _k;
            var rows = TRows.Value;
            var group = TVectors.Value * TVec.Count;
            var groups = (size + group - 1) / group;
            var packed = _block.Packed;
            var tile = _block.Tile;
            var j = start;
            for (; j + rows <= end; j += rows)
            {
                var q0 = q + ((long)j * k);
                for (var g = 0; g < groups; g++)
                {
                    Micro<TVec, TRows, TVectors>(q0, k, packed + (g * group), tile + (g * group));
                }

                for (var r = 0; r < rows; r++)
                {
                    Finish<TVec, TVectors>(j + r, tile + (r * BlockUsers), groups);
                }
            }

            for (; j < end; j++)
            {
                var q0 = q + ((long)j * k);
                for (var g = 0; g < groups; g++)
                {
                    Micro<TVec, One, TVectors>(q0, k, packed + (g * group), tile + (g * group));
                }

                Finish<TVec, TVectors>(j, tile, groups);
            }
        }

        /// <summary>
        /// The micro-kernel: the dots of <c>TRows</c> (≤ 4) items × <c>TVectors</c> (≤ 4) vectors of users, accumulated
        /// factor by factor as broadcast(q_j[f]) × Pᵀ[f, users] — one load of Pᵀ per vector and one broadcast per item
        /// per factor — into item r's row of the tile (<c>tile + r·64</c>). A method of its own with no calls, so the JIT
        /// keeps every accumulator in a register (with the epilogue inlined it spilled them all on every step); the
        /// accumulators and loads a smaller tile does not use are removed, the counts being constants.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro<TVec, TRows, TVectors>(float* q0, int k, float* p, float* tile)
            where TVec : unmanaged, IVector<TVec>
            where TRows : struct, ICount
            where TVectors : struct, ICount
        {
            var rows = TRows.Value;
            var vectors = TVectors.Value;
            var w = TVec.Count;
            var q1 = q0 + k;
            var q2 = q1 + k;
            var q3 = q2 + k;
            TVec a00 = TVec.Zero, a01 = TVec.Zero, a02 = TVec.Zero, a03 = TVec.Zero;
            TVec a10 = TVec.Zero, a11 = TVec.Zero, a12 = TVec.Zero, a13 = TVec.Zero;
            TVec a20 = TVec.Zero, a21 = TVec.Zero, a22 = TVec.Zero, a23 = TVec.Zero;
            TVec a30 = TVec.Zero, a31 = TVec.Zero, a32 = TVec.Zero, a33 = TVec.Zero;
            for (var f = 0; f < k; f++, p += BlockUsers)
            {
                var u0 = TVec.LoadAligned(p);
                var u1 = vectors > 1 ? TVec.LoadAligned(p + w) : TVec.Zero;
                var u2 = vectors > 2 ? TVec.LoadAligned(p + (2 * w)) : TVec.Zero;
                var u3 = vectors > 3 ? TVec.LoadAligned(p + (3 * w)) : TVec.Zero;
                var x = TVec.Create(q0[f]);
                a00 = TVec.MultiplyAdd(u0, x, a00);
                a01 = vectors > 1 ? TVec.MultiplyAdd(u1, x, a01) : a01;
                a02 = vectors > 2 ? TVec.MultiplyAdd(u2, x, a02) : a02;
                a03 = vectors > 3 ? TVec.MultiplyAdd(u3, x, a03) : a03;
                if (rows > 1)
                {
                    x = TVec.Create(q1[f]);
                    a10 = TVec.MultiplyAdd(u0, x, a10);
                    a11 = vectors > 1 ? TVec.MultiplyAdd(u1, x, a11) : a11;
                    a12 = vectors > 2 ? TVec.MultiplyAdd(u2, x, a12) : a12;
                    a13 = vectors > 3 ? TVec.MultiplyAdd(u3, x, a13) : a13;
                }

                if (rows > 2)
                {
                    x = TVec.Create(q2[f]);
                    a20 = TVec.MultiplyAdd(u0, x, a20);
                    a21 = vectors > 1 ? TVec.MultiplyAdd(u1, x, a21) : a21;
                    a22 = vectors > 2 ? TVec.MultiplyAdd(u2, x, a22) : a22;
                    a23 = vectors > 3 ? TVec.MultiplyAdd(u3, x, a23) : a23;
                }

                if (rows > 3)
                {
                    x = TVec.Create(q3[f]);
                    a30 = TVec.MultiplyAdd(u0, x, a30);
                    a31 = vectors > 1 ? TVec.MultiplyAdd(u1, x, a31) : a31;
                    a32 = vectors > 2 ? TVec.MultiplyAdd(u2, x, a32) : a32;
                    a33 = vectors > 3 ? TVec.MultiplyAdd(u3, x, a33) : a33;
                }
            }

            StoreRow<TVec, TVectors>(tile, a00, a01, a02, a03);
            if (rows > 1)
            {
                StoreRow<TVec, TVectors>(tile + BlockUsers, a10, a11, a12, a13);
            }

            if (rows > 2)
            {
                StoreRow<TVec, TVectors>(tile + (2 * BlockUsers), a20, a21, a22, a23);
            }

            if (rows > 3)
            {
                StoreRow<TVec, TVectors>(tile + (3 * BlockUsers), a30, a31, a32, a33);
            }
        }

        /// <summary>Stores one item's accumulators (the first <c>TVectors</c>) to its row of the tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRow<TVec, TVectors>(float* row, TVec a0, TVec a1, TVec a2, TVec a3)
            where TVec : unmanaged, IVector<TVec>
            where TVectors : struct, ICount
        {
            var w = TVec.Count;
            TVec.StoreAligned(a0, row);
            if (TVectors.Value > 1)
            {
                TVec.StoreAligned(a1, row + w);
            }

            if (TVectors.Value > 2)
            {
                TVec.StoreAligned(a2, row + (2 * w));
            }

            if (TVectors.Value > 3)
            {
                TVec.StoreAligned(a3, row + (3 * w));
            }
        }

        /// <summary>
        /// Item j's dots for the first <paramref name="groups"/> groups of <c>TVectors</c> vectors of users (at
        /// <paramref name="dots"/>) to scores (dot + b_j, then + μ + b_u: the per-user path's order); the lanes at or above
        /// their threshold go to <see cref="Offer"/>. Straight-line within a group (the vector count is a constant) with the
        /// fields read once: this runs for every item of the catalogue, and a loop over a run-time vector count re-read
        /// the bias and offset fields per vector.
        /// </summary>
        private void Finish<TVec, TVectors>(int j, float* dots, int groups)
            where TVec : unmanaged, IVector<TVec>
            where TVectors : struct, ICount
        {
            if (_mask is not null && !_mask[j])
            {
                return;
            }

            var w = TVec.Count;
            var n = TVectors.Value;
            var itemBias = _bias;
            var hasBias = itemBias is not null;
            var bias = TVec.Create(hasBias ? itemBias![j] : 0f);
            var offsets = _offsets ? _block.Offsets : null;
            var t = _block.Thresholds;
            var bits = 0UL;
            for (var g = 0; g < groups; g++)
            {
                var at = g * n * w;
                var group = TVec.GreaterThanOrEqualBits(Score(dots, offsets, at, bias, hasBias), TVec.LoadAligned(t + at));
                if (n > 1)
                {
                    group |= TVec.GreaterThanOrEqualBits(Score(dots, offsets, at + w, bias, hasBias), TVec.LoadAligned(t + at + w)) << w;
                }

                if (n > 2)
                {
                    group |= TVec.GreaterThanOrEqualBits(Score(dots, offsets, at + (2 * w), bias, hasBias), TVec.LoadAligned(t + at + (2 * w))) << (2 * w);
                }

                if (n > 3)
                {
                    group |= TVec.GreaterThanOrEqualBits(Score(dots, offsets, at + (3 * w), bias, hasBias), TVec.LoadAligned(t + at + (3 * w))) << (3 * w);
                }

                bits |= group << at;
            }

            if (bits == 0)
            {
                return; // the common case once the thresholds have risen: no stores, one branch per item
            }

            var lane = _block.Lane;
            for (var v = 0; v < groups * n; v++)
            {
                TVec.StoreAligned(Score(dots, offsets, v * w, bias, hasBias), lane + (v * w));
            }

            Offer(j, bits);
        }

        /// <summary>The scores of the users at <paramref name="at"/>..: their dots, plus b_j, plus μ + b_u (the per-user path's order).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVec Score<TVec>(float* dots, float* offsets, int at, TVec bias, bool hasBias)
            where TVec : unmanaged, IVector<TVec>
        {
            var s = TVec.LoadAligned(dots + at);
            if (hasBias)
            {
                s += bias;
            }

            if (offsets is not null)
            {
                s += TVec.LoadAligned(offsets + at);
            }

            return s;
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
