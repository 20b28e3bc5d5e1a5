using BrainGen.Torch.NN;
using BrainGen.Torch.Optim;
using Xunit.Abstractions;

namespace BrainGen.Torch.Tests.Engine;

/// <summary>
/// Deterministic native memory: a DisposeScope frees every intermediate of a step, tensors leave
/// it only when moved out explicitly, and a long training run keeps the live-tensor counters and
/// the process's resident memory flat. In the global-state collection because the counters are
/// process-wide: no other test may create tensors meanwhile.
/// </summary>
[Collection(GlobalEngineState.Name)]
public class DisposeScopeTests(ITestOutputHelper output)
{
    [Fact]
    public void ScopeFreesEverythingExceptWhatIsMovedOut()
    {
        Flush();
        long before = Tensor.LiveCount, nativeBefore = Tensor.NativeLiveCount;
        Tensor kept, dropped, inner, outerOwned;
        using (var outer = Torch.NewDisposeScope())
        {
            using (var scope = Torch.NewDisposeScope())
            {
                var a = Tensor.Ones([4]);
                dropped = a * 2;
                kept = (a + 1).MoveToOuterScope();  // now owned by `outer`
                inner = (a - 1).DetachFromScope();  // owned by nobody: the caller disposes it
                Assert.Equal(before + 4, Tensor.LiveCount);
                Assert.Equal(2, scope.Count);  // a and dropped: kept and inner were moved out
            }
            Assert.True(dropped.IsDisposed);
            Assert.Throws<ObjectDisposedException>(() => dropped.ToArray<float>());
            Assert.Throws<ObjectDisposedException>(() => dropped + kept);
            Assert.Equal([2f, 2f, 2f, 2f], kept.ToArray<float>());
            Assert.Equal(1, outer.Count);
            outerOwned = kept;
        }
        Assert.True(outerOwned.IsDisposed);
        Assert.False(inner.IsDisposed);
        Assert.Equal([0f, 0f, 0f, 0f], inner.ToArray<float>());
        inner.Dispose();
        Assert.Equal(before, Tensor.LiveCount);
        Assert.Equal(nativeBefore, Tensor.NativeLiveCount);
    }

    [Fact]
    public void MovedOutOfTheOutermostScopeMeansUnowned()
    {
        Tensor survivor;
        using (Torch.NewDisposeScope()) survivor = Tensor.Zeros([2]).MoveToOuterScope();
        Assert.False(survivor.IsDisposed);
        survivor.Dispose();
        survivor.Dispose();  // idempotent
        Assert.Throws<ObjectDisposedException>(() => survivor.Shape);
    }

    [Fact]
    public void ScopesMustEndInReverseOrder()
    {
        var outer = Torch.NewDisposeScope();
        var inner = Torch.NewDisposeScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }

    /// <summary>
    /// 1,000 AdamW steps of conv3d → group_norm → silu → conv3d on a 1×1×16³ volume, each step in
    /// its own scope. After step 10 (optimizer state exists, allocator pools are warm) the live
    /// C# and native tensor counts must not change at all through step 1,000, and resident memory
    /// may grow by at most 16 MiB. One step's intermediates total over 1 MiB (8-channel 16³
    /// float32 activations are 128 KiB each, and backward doubles them), so leaking even a single
    /// 16 KiB tensor per step would add about 16 MiB over the 990 measured steps; the bound leaves
    /// room for glibc arena and managed-heap noise but not for any per-step leak.
    /// </summary>
    [Fact]
    public void ThousandTrainingStepsKeepNativeMemoryFlat()
    {
        Flush();
        using var model = new Sequential(new Conv3d(1, 8, 3, padding: 1), new GroupNorm(4, 8), new SiLU(), new Conv3d(8, 1, 3, padding: 1));
        using var optimizer = new AdamW(model.Parameters(), 1e-2);
        using var g = new Generator(3);
        using var x = Tensor.Randn([1, 1, 16, 16, 16], g).DetachFromScope();
        using var target = (x.Sin() * 0.5).DetachFromScope();
        long live10 = 0, native10 = 0, rss10 = 0;
        double firstLoss = 0, lastLoss = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int step = 1; step <= 1000; step++)
        {
            using (Torch.NewDisposeScope())
            {
                optimizer.ZeroGrad();
                var loss = Functional.MseLoss(model.Forward(x), target);
                loss.Backward();
                optimizer.Step();
                if (step == 1) firstLoss = loss.ToDouble();
                if (step == 1000) lastLoss = loss.ToDouble();
            }
            if (step == 10) (live10, native10, rss10) = (Tensor.LiveCount, Tensor.NativeLiveCount, ResidentBytes());
        }
        long rss1000 = ResidentBytes();
        output.WriteLine($"1000 steps in {clock.Elapsed.TotalSeconds:F1} s; live {live10} -> {Tensor.LiveCount}, native {native10} -> " +
                         $"{Tensor.NativeLiveCount}, RSS {rss10 >> 20} -> {rss1000 >> 20} MiB; loss {firstLoss:G4} -> {lastLoss:G4}");
        Assert.Equal(live10, Tensor.LiveCount);
        Assert.Equal(native10, Tensor.NativeLiveCount);
        Assert.True(rss1000 - rss10 < 16L << 20, $"resident memory grew {(rss1000 - rss10) >> 10} KiB over 990 steps");
        Assert.True(lastLoss < firstLoss * 0.5, $"the net did not train (loss {firstLoss} -> {lastLoss}): the loop is not the real thing");
    }

    /// <summary>Finalizes tensors earlier tests left to the GC, so they cannot change the counters mid-test.</summary>
    private static void Flush()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }
}
