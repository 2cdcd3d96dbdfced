namespace CrossRec.Tests.Engines;

/// <summary>The contract run against the managed CPU engine.</summary>
[TestFixture]
public class CpuEngineContractTests : EngineContractTests
{
    private protected override IComputeEngine Engine => CpuEngine.Default;
}
