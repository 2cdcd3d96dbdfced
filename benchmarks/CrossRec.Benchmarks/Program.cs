using BenchmarkDotNet.Running;

namespace CrossRec.Benchmarks;

/// <summary>
/// Runs CrossRec's BenchmarkDotNet suites. Examples:
/// <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*Sgd*'</c>,
/// <c>... -- --list flat</c>. Data-bound benchmarks read <c>CROSSREC_DATA</c> (the folder holding <c>ml-100k/</c>).
/// <c>... -- auto-budget DATASET [CAP ...]</c> compares Auto's selection caps (see <see cref="AutoBudgetStudy"/>).
/// <c>... -- ann-curve [isotropic|structured] ITEMS EF...</c> prints the approximate-serving recall/throughput curve (see <see cref="ApproximateServingCurve"/>).
/// <c>... -- ann-index SHAPE ITEMS</c> builds one catalogue's index into the file cache of the serving benchmarks (see <see cref="ApproximateServingBenchmarks.Indexed"/>).
/// <c>... -- factor-stats DATASET...</c> prints the structure of trained item factors next to the synthetic catalogues' (see <see cref="FactorStructureStudy"/>).
/// <c>... -- scaling SCALE ALGORITHM</c> prints one row of the scaling table (see <see cref="ScalingStudy"/>).
/// <c>... -- kernel-rounds ROUNDS</c> alternates the width-generic kernels with the per-width ones they replaced (see <see cref="KernelRounds"/>).
/// <c>... -- ease-inverse FILE [f64]</c> times EASE's inverse on a matrix of the OpenBLAS comparison (see <see cref="EaseInverseStudy"/>).
/// <c>... -- peer-rounds DIR WORKLOAD [ARGS]</c> runs one CrossRec measurement for the side-by-side runs against <c>implicit</c> (see <see cref="PeerRounds"/>).
/// <c>... -- export-libmf DIR</c> writes the LIBMF comparison files (see <see cref="LibmfExport"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["export-libmf", var directory])
        {
            LibmfExport.Run(directory);
            return;
        }

        if (args is ["auto-budget", var dataset, .. var caps])
        {
            AutoBudgetStudy.Run(dataset, caps.Select(c => long.Parse(c, System.Globalization.CultureInfo.InvariantCulture)));
            return;
        }

        if (args is ["ease-inverse", var matrix, .. var precision])
        {
            EaseInverseStudy.Run(matrix, precision is ["f64"]);
            return;
        }

        if (args is ["ann-curve", var first, .. var tail])
        {
            var named = !char.IsDigit(first[0]);
            var shape = named ? Enum.Parse<CatalogueShape>(first, true) : CatalogueShape.Isotropic;
            var numbers = (named ? tail : [first, .. tail]).Select(e => int.Parse(e, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            ApproximateServingCurve.Run(shape, numbers[0], numbers[1..]);
            return;
        }

        if (args is ["ann-index", var shapeName, var itemCount])
        {
            if (Environment.GetEnvironmentVariable("CROSSREC_ANN_BENCH_CACHE") is not { Length: > 0 })
            {
                throw new ArgumentException("ann-index writes to the folder CROSSREC_ANN_BENCH_CACHE names; set it");
            }

            var shape = Enum.Parse<CatalogueShape>(shapeName, true);
            ApproximateServingBenchmarks.Indexed(ApproximateServingBenchmarks.Catalogue(ApproximateServingBenchmarks.Users, int.Parse(itemCount, System.Globalization.CultureInfo.InvariantCulture), 7, shape), shape);
            return;
        }

        if (args is ["factor-stats", .. var datasets])
        {
            FactorStructureStudy.Run(datasets);
            return;
        }

        if (args is ["scaling", var scale, var algorithm])
        {
            ScalingStudy.Run(double.Parse(scale, System.Globalization.CultureInfo.InvariantCulture), algorithm);
            return;
        }

        if (args is ["kernel-rounds", var rounds])
        {
            KernelRounds.Run(int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        if (args is ["peer-rounds", var folder, var workload, .. var rest])
        {
            PeerRounds.Run(folder, workload, rest);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
