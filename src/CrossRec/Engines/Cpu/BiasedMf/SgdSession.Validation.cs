// Biased-MF SGD session (see SgdSession.cs): the validation set in the grid's index space and its RMSE.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace CrossRec.Engines.Cpu.BiasedMf;

internal sealed unsafe partial class SgdSession
{
    /// <summary>The validation set in the grid's index space (-1 for ids the training data lacks).</summary>
    private sealed class Validation
    {
        private readonly int[] _users;
        private readonly int[] _items;
        private readonly float[] _values;

        public Validation(InteractionSet train, InteractionSet validation, SgdGrid grid)
        {
            Check.NotEmpty(validation, "validation");

            var userMap = train.UserIds.Translate(validation.UserIds);
            var itemMap = train.ItemIds.Translate(validation.ItemIds);
            var users = validation.Users;
            var items = validation.Items;
            _users = new int[validation.Count];
            _items = new int[validation.Count];
            _values = validation.Values.ToArray();
            for (var r = 0; r < _users.Length; r++)
            {
                var u = userMap[users[r]];
                var i = itemMap[items[r]];
                _users[r] = u < 0 ? -1 : grid.UserIndex[u];
                _items[r] = i < 0 ? -1 : grid.ItemIndex[i];
            }
        }

        public double Rmse(SgdSession s)
        {
            var p = s._p.Pointer;
            var q = s._q.Pointer;
            var bu = s._bu.Pointer;
            var bi = s._bi.Pointer;
            var stride = s.Stride;
            double se = 0;
            for (var r = 0; r < _users.Length; r++)
            {
                var u = _users[r];
                var i = _items[r];
                var score = s.GlobalMean;
                if (u >= 0)
                {
                    score += bu[u];
                }

                if (i >= 0)
                {
                    score += bi[i];
                }

                if (u >= 0 && i >= 0)
                {
                    score += SgdKernel.Dot(p + ((nint)u * stride), q + ((nint)i * stride), stride);
                }

                if (s._scale is { } scale)
                {
                    score = scale.Clip(score);
                }

                double e = _values[r] - score;
                se += e * e;
            }

            return Math.Sqrt(se / _users.Length);
        }
    }
}
