using BenchmarkDotNet.Attributes;

namespace CrossRec.Benchmarks;

/// <summary>
/// What cross-domain work costs next to training, on the campaign sample's default synthetic platform
/// (8,000 users, 300 courses, 500 films, about 200,000 ratings): building the implicit training set
/// (sampled same-domain negatives), one epoch of joint SGD over it (the baseline), the cold-start split,
/// and ranking all films for the held-out users with each of the protocol's recommenders.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*CrossDomain*'</c>.</remarks>
[MemoryDiagnoser]
public class CrossDomainBenchmarks
{
    private SyntheticCrossDomain _data = null!;
    private CrossDomainSplit _split = null!;
    private InteractionSet _implicit = null!;
    private FactorizationModel _joint = null!;
    private FactorizationModel _target = null!;
    private CrossDomainProtocolBuilder _protocol = null!;
    private BiasedFactorizationBuilder _oneEpoch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = SyntheticCrossDomain.Generate();
        _protocol = CrossDomain.Protocol(SyntheticCrossDomain.CourseDomain, SyntheticCrossDomain.FilmDomain).Seed(7);
        _split = _protocol.Split(_data.Ratings);
        _implicit = ImplicitFeedback.Build(_split.Train, 4, 7).Training;
        var joint = CrossDomain.Joint().Configure(f => f.Epochs(5).Seed(7));
        _joint = joint.Fit(_split.Train);
        _target = joint.Fit(_split.Train.OfDomain(SyntheticCrossDomain.FilmDomain));
        _oneEpoch = Factorization.Biased(CrossDomain.DefaultFactorizationOptions).Epochs(1).Seed(7);
    }

    /// <summary>One SGD epoch over the implicit joint training set (about a million rows at k = 32).</summary>
    [Benchmark(Baseline = true)]
    public FactorizationModel OneJointEpoch() => _oneEpoch.Fit(_implicit);

    /// <summary>Positives plus 4 sampled same-domain negatives per positive.</summary>
    [Benchmark]
    public InteractionSet BuildImplicitSet() => ImplicitFeedback.Build(_split.Train, 4, 7).Training;

    /// <summary>Choosing held-out users and hiding their film rows.</summary>
    [Benchmark]
    public CrossDomainSplit ColdStartSplit() => _protocol.Split(_data.Ratings);

    /// <summary>Ranking all films for every held-out user with the joint model, popularity and the film-only model.</summary>
    [Benchmark]
    public CrossDomainEvaluation EvaluateThreeRecommenders() => _protocol.Evaluate(_split, _joint, _target);

    /// <summary>Generating the platform itself.</summary>
    [Benchmark]
    public SyntheticCrossDomain GeneratePlatform() => SyntheticCrossDomain.Generate();
}
