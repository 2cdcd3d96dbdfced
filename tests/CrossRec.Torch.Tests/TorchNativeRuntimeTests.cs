namespace CrossRec.Torch.Tests;

/// <summary>
/// Whether TorchSharp's native runtime loads, and how <see cref="Device.Auto"/> and <see cref="Device.Cuda"/>
/// behave either way. Where it must not load, the environment says so: CROSSREC_TORCH_EXPECT_LOAD_ERROR holds
/// a piece of the expected loader error (.ci/torch sets "GLIBCXX_3.4.32" when it runs this category on a
/// Debian 12 host, whose libstdc++ is too old for libLibTorchSharp.so). Unset, the runtime must load (the whole
/// suite runs so in the Debian 13 root).
/// </summary>
[Category("NativeRuntime")]
public class TorchNativeRuntimeTests
{
    private static readonly string? ExpectedError = Environment.GetEnvironmentVariable("CROSSREC_TORCH_EXPECT_LOAD_ERROR") is { Length: > 0 } e ? e : null;

    [Test]
    public void TheNativeRuntimeLoadsOrSaysWhyNot()
    {
        TestContext.Out.WriteLine($"TorchNativeRuntime.LoadFailure: {TorchNativeRuntime.LoadFailure ?? "(none: it loads)"}");
        if (ExpectedError is null)
        {
            Assert.That(TorchNativeRuntime.LoadFailure, Is.Null);
            return;
        }

        Assert.That(TorchNativeRuntime.LoadFailure, Does.Contain(ExpectedError).And.Contains(TorchNativeRuntime.LibraryFileName));
        Assert.That(TorchNativeRuntime.LoadFailure, Does.Not.Contain('\n'), "one line");
        Assert.That(TorchNativeRuntime.LoadFailure, Does.Not.Contain("missing libtorch-cpu"), "the real cause, not TorchSharp's guess");
    }

    [Test]
    public void AutoFallsBackToTheManagedEngineWithTheReason()
    {
        if (CudaHere())
        {
            Assert.That(EngineResolver.Resolve(Device.Auto, out var none).Name, Does.StartWith("cuda:"), "a GPU host: Auto takes CUDA");
            Assert.That(none, Is.Null);
            return;
        }

        Assert.That(EngineResolver.Resolve(Device.Auto, out var reason), Is.SameAs(CpuEngine.Default), "no CUDA device here");
        TestContext.Out.WriteLine($"Device.Auto: {reason}");
        Assert.That(reason, Does.StartWith("Device.Auto chose the managed CPU engine: ").And.Contains(ExpectedError ?? "no CUDA device"));
        Assert.That(reason, Does.Not.Contain('\n'));
    }

    [Test]
    public void CudaFailsWithTheReason()
    {
        if (CudaHere())
        {
            Assert.That(EngineResolver.Resolve(Device.Cuda).Name, Does.StartWith("cuda:"));
            return;
        }

        var thrown = Assert.Throws<InvalidOperationException>(() => EngineResolver.Resolve(Device.Cuda));
        TestContext.Out.WriteLine($"Device.Cuda: {thrown!.Message}");
        Assert.That(thrown.Message, Does.Contain(ExpectedError ?? "no CUDA device"));
    }

    [Test]
    public void TheEngineRefusesToStartWithTheReason()
    {
        if (ExpectedError is null)
        {
            Assert.That(new TorchEngine(TorchDevice.Cpu).Name, Is.EqualTo("libtorch-cpu"));
            return;
        }

        Assert.That(() => new TorchEngine(TorchDevice.Cpu), Throws.InvalidOperationException.With.Message.Contains(ExpectedError));
    }

    /// <summary>True on a GPU host where the runtime loads (benchmarks/cuda/run.sh runs this suite there).</summary>
    private static bool CudaHere() => ExpectedError is null && TorchNativeRuntime.LoadFailure is null && CudaAvailable();

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool CudaAvailable() => TorchSharp.torch.cuda.is_available();
}
