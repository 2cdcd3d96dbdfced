using System.Reflection;

namespace CrossRec.Tests.Engines;

/// <summary>
/// Device resolution without TorchSharp (the default build has no CrossRec.Torch beside these tests), and with
/// stand-in Torch providers that fail the ways the real one does; the real native-runtime failure is tested in
/// tests/CrossRec.Torch.Tests (TorchNativeRuntimeTests), which .ci/torch runs on a host whose libstdc++ is too old.
/// </summary>
public class EngineResolverTests
{
    private const string LoaderError = "/app/runtimes/linux-x64/native/libLibTorchSharp.so: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /app/runtimes/linux-x64/native/libLibTorchSharp.so)";

    [Test]
    public void WithoutCrossRecTorchAutoIsTheManagedEngineAndNothingFellBack()
    {
        Assert.That(AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "CrossRec.Torch"), Is.False);
        Assert.That(EngineResolver.Resolve(Device.Auto, out var reason), Is.SameAs(CpuEngine.Default));
        Assert.That(reason, Is.Null, "the managed engine is Auto's documented choice without CrossRec.Torch");
        Assert.That(EngineResolver.Resolve(Device.Auto), Is.SameAs(CpuEngine.Default));
        Assert.That(EngineResolver.Resolve(Device.Cpu, out var cpuReason), Is.SameAs(CpuEngine.Default));
        Assert.That(cpuReason, Is.Null);
    }

    [Test]
    public void WithoutCrossRecTorchCudaFailsNamingThePackage()
    {
        Assert.That(() => EngineResolver.Resolve(Device.Cuda), Throws.InvalidOperationException.With.Message.Contains("CrossRec.Torch"));
        Assert.That(() => EngineResolver.Resolve(Device.Cuda, out _), Throws.InvalidOperationException.With.Message.Contains("CrossRec.Torch"));
        Assert.That(() => EngineResolver.Resolve((Device)7), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void ANativeRuntimeThatDoesNotLoadMakesAutoFallBackWithTheLoadersError()
    {
        var provider = new EngineResolver.TorchProvider(Failing(LoaderError), null);
        Assert.That(EngineResolver.Resolve(Device.Auto, provider, out var reason), Is.SameAs(CpuEngine.Default));
        Assert.That(reason, Does.StartWith("Device.Auto chose the managed CPU engine: ").And.Contains("GLIBCXX_3.4.32"));
        Assert.That(reason, Does.Not.Contain('\n'), "one line");
        Assert.That(() => EngineResolver.Resolve(Device.Cuda, provider, out _), Throws.InvalidOperationException.With.Message.Contains("GLIBCXX_3.4.32"));
        Assert.That(EngineResolver.Resolve(Device.Cpu, provider, out var cpuReason), Is.SameAs(CpuEngine.Default));
        Assert.That(cpuReason, Is.Null);
    }

    [Test]
    public void AProviderThatThrowsIsReportedNotPropagated()
    {
        // What reflection hands back when CrossRec.Torch is present but TorchSharp.dll is not, say.
        EngineResolver.TorchFactory throwing = (bool _, out string? reason) =>
        {
            reason = null;
            throw new TargetInvocationException(new FileNotFoundException("Could not load file or assembly 'TorchSharp, Version=0.107.0.0'.\nSecond line."));
        };
        var provider = new EngineResolver.TorchProvider(throwing, null);
        Assert.That(EngineResolver.Resolve(Device.Auto, provider, out var reason), Is.SameAs(CpuEngine.Default));
        Assert.That(reason, Does.Contain("FileNotFoundException").And.Contains("TorchSharp, Version=0.107.0.0").And.Not.Contain("Second line"));
        Assert.That(() => EngineResolver.Resolve(Device.Cuda, provider, out _), Throws.InvalidOperationException.With.Message.Contains("TorchSharp, Version=0.107.0.0"));
    }

    [Test]
    public void AnAssemblyThatDoesNotLoadIsReportedForBothDevices()
    {
        var provider = new EngineResolver.TorchProvider(null, "CrossRec.Torch cannot load (bad image)");
        Assert.That(EngineResolver.Resolve(Device.Auto, provider, out var reason), Is.SameAs(CpuEngine.Default));
        Assert.That(reason, Does.Contain("bad image"));
        Assert.That(() => EngineResolver.Resolve(Device.Cuda, provider, out _), Throws.InvalidOperationException.With.Message.Contains("bad image"));
    }

    [Test]
    public void AWorkingProviderIsUsedForAutoAndCuda()
    {
        var gpu = NamedEngine.Create("cuda:0");
        var asked = new List<bool>();
        EngineResolver.TorchFactory factory = (bool requireCuda, out string? reason) =>
        {
            asked.Add(requireCuda);
            reason = null;
            return gpu;
        };
        var provider = new EngineResolver.TorchProvider(factory, null);
        Assert.That(EngineResolver.Resolve(Device.Auto, provider, out var reason), Is.SameAs(gpu));
        Assert.That(reason, Is.Null);
        Assert.That(EngineResolver.Resolve(Device.Cuda, provider, out _), Is.SameAs(gpu));
        Assert.That(asked, Is.EqualTo(new[] { false, true }));
    }

    [Test]
    public void NoReasonFromTheProviderStillGivesOne()
    {
        var provider = new EngineResolver.TorchProvider(Failing(null), null);
        EngineResolver.Resolve(Device.Auto, provider, out var reason);
        Assert.That(reason, Does.Contain("no CUDA device"));
    }

    [Test]
    public void TheLoaderReportsAMissingFileByItsOwnError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"crossrec-missing-{Guid.NewGuid():N}.so");
        var error = NativeLibraryProbe.TryLoad(path);
        Assert.That(error, Does.Contain(path));
        Assert.That(error, Does.Not.Contain('\n'));
        if (OperatingSystem.IsLinux())
        {
            Assert.That(error, Does.Contain("No such file or directory"), "dlerror's own text");
        }
    }

    [Test]
    public void TheLoaderReportsAFileThatIsNotALibrary()
    {
        var path = Path.Combine(Path.GetTempPath(), $"crossrec-not-elf-{Guid.NewGuid():N}.so");
        File.WriteAllText(path, new string('x', 4096));
        try
        {
            var error = NativeLibraryProbe.TryLoad(path);
            Assert.That(error, Does.Contain(path));
            if (OperatingSystem.IsLinux())
            {
                Assert.That(error, Does.Contain("invalid ELF header"), "dlerror's own text");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void TheLoaderLoadsARealLibrary()
    {
        Assume.That(OperatingSystem.IsLinux(), "the C library's path is Linux's");
        var libc = new[] { "/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6", "/usr/lib64/libc.so.6" }.FirstOrDefault(File.Exists);
        Assume.That(libc, Is.Not.Null, "a glibc system");
        Assert.That(NativeLibraryProbe.TryLoad(libc!), Is.Null);
    }

    [Test]
    public void FirstLineTrimsAndStopsAtTheFirstBreak()
    {
        Assert.That(EngineResolver.FirstLine("  a: b\r\nc\n"), Is.EqualTo("a: b"));
        Assert.That(EngineResolver.FirstLine("one"), Is.EqualTo("one"));
        Assert.That(EngineResolver.FirstLine(""), Is.EqualTo(""));
    }

    private static EngineResolver.TorchFactory Failing(string? why) => (bool _, out string? reason) =>
    {
        reason = why;
        return null;
    };

    // A stand-in engine made by DispatchProxy, so it keeps compiling as IComputeEngine grows members.
    internal class NamedEngine : DispatchProxy
    {
        private string _name = "";

        public static IComputeEngine Create(string name)
        {
            var engine = DispatchProxy.Create<IComputeEngine, NamedEngine>();
            ((NamedEngine)(object)engine)._name = name;
            return engine;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == "get_Name" ? _name : throw new NotSupportedException(targetMethod?.Name);
    }
}
