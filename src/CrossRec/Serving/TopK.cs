namespace CrossRec.Serving;

/// <summary>
/// Selects the <c>k</c> largest scores with a bounded min-heap: O(n log k) time and O(k) memory, with no
/// allocation besides the result, which matters when every user of an evaluation ranks every item.
/// </summary>
internal ref struct TopK
{
    private readonly Span<int> _index;
    private readonly Span<float> _score;
    private int _count;

    public TopK(Span<int> indexBuffer, Span<float> scoreBuffer)
    {
        _index = indexBuffer;
        _score = scoreBuffer;
        _count = 0;
    }

    /// <summary>Resumes a selection kept in the buffers by an earlier instance that held <paramref name="count"/> candidates.</summary>
    public TopK(Span<int> indexBuffer, Span<float> scoreBuffer, int count)
    {
        _index = indexBuffer;
        _score = scoreBuffer;
        _count = count;
    }

    public readonly int Count => _count;

    /// <summary>The lowest score kept (the heap's root); only meaningful when <see cref="Count"/> &gt; 0.</summary>
    public readonly float Lowest => _score[0];

    /// <summary>Offers a candidate; NaN scores are ignored.</summary>
    public void Offer(int index, float score)
    {
        if (float.IsNaN(score) || _index.Length == 0)
        {
            return;
        }

        if (_count < _index.Length)
        {
            var pos = _count++;
            _index[pos] = index;
            _score[pos] = score;
            SiftUp(pos);
        }
        else if (Better(score, index, _score[0], _index[0]))
        {
            _index[0] = index;
            _score[0] = score;
            SiftDown(0);
        }
    }

    /// <summary>Sorts the kept candidates best first (ties broken by the smaller index) and returns their count.</summary>
    public int SortDescending()
    {
        var n = _count;
        // Heap-sort in place: repeatedly move the worst (root) to the end.
        while (_count > 1)
        {
            var last = --_count;
            (_index[0], _index[last]) = (_index[last], _index[0]);
            (_score[0], _score[last]) = (_score[last], _score[0]);
            SiftDown(0);
        }

        _count = n;
        return n;
    }

    // A candidate is "better" with a higher score, or the same score and a smaller index (deterministic ties).
    private static bool Better(float s1, int i1, float s2, int i2) => s1 > s2 || (s1 == s2 && i1 < i2);

    private void SiftUp(int pos)
    {
        while (pos > 0)
        {
            var parent = (pos - 1) >> 1;
            if (!Better(_score[parent], _index[parent], _score[pos], _index[pos]))
            {
                break;
            }

            Swap(pos, parent);
            pos = parent;
        }
    }

    private void SiftDown(int pos)
    {
        while (true)
        {
            var left = (2 * pos) + 1;
            if (left >= _count)
            {
                return;
            }

            var worst = left;
            var right = left + 1;
            if (right < _count && Better(_score[left], _index[left], _score[right], _index[right]))
            {
                worst = right;
            }

            if (!Better(_score[pos], _index[pos], _score[worst], _index[worst]))
            {
                return;
            }

            Swap(pos, worst);
            pos = worst;
        }
    }

    private readonly void Swap(int a, int b)
    {
        (_index[a], _index[b]) = (_index[b], _index[a]);
        (_score[a], _score[b]) = (_score[b], _score[a]);
    }
}
