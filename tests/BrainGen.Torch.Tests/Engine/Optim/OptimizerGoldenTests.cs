using BrainGen.Torch.Optim;
using BrainGen.Torch.NN;
using BrainGen.Torch.Serialization;

namespace BrainGen.Torch.Tests.Engine.Optim;

/// <summary>
/// Optimizers, the warmup-cosine schedule and the EMA against torch.optim: the same parameters and
/// loss (mse of x·Wᵀ + b + e against y) stepped 3 and 5 times. The optimizer state saved after
/// step 3 (through a safetensors file) and loaded into a fresh optimizer must continue bit for bit
/// like the uninterrupted one.
/// </summary>
public class OptimizerGoldenTests
{
    public static TheoryData<string> Optimizers => Golden.Names("optim", "Adam", "AdamW", "SGD");
    public static TheoryData<string> Schedules => Golden.Names("optim", "schedule");

    private static Optimizer Build(GoldenCase c, Tensor[] parameters) => c.Kind switch
    {
        "Adam" => new Adam(parameters, c.Double("lr"), c.Double("beta1"), c.Double("beta2"), c.Double("eps"), c.Double("weight_decay")),
        "AdamW" => new AdamW(parameters, c.Double("lr"), c.Double("beta1"), c.Double("beta2"), c.Double("eps"), c.Double("weight_decay")),
        "SGD" => new SGD(parameters, c.Double("lr"), c.Double("momentum"), c.Double("dampening"), c.Double("weight_decay"), c.Bool("nesterov")),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "optimizer kind"),
    };

    private static WarmupCosineSchedule? Schedule(GoldenCase c) => c.Has("schedule", out var s)
        ? new WarmupCosineSchedule(c.Double("lr"), s.GetProperty("warmup").GetInt64(), s.GetProperty("total").GetInt64(), s.GetProperty("min").GetDouble())
        : null;

    /// <summary>Steps first..last-1 (0-based, as LambdaLR counts), each in its own scope like a training loop.</summary>
    private static void Train(Optimizer optimizer, Tensor[] p, Tensor x, Tensor y, WarmupCosineSchedule? schedule, int first, int last)
    {
        for (int step = first; step < last; step++)
        {
            using var scope = Torch.NewDisposeScope();
            schedule?.Apply(optimizer, step);
            optimizer.ZeroGrad();
            Functional.MseLoss(Functional.Linear(x, p[0], p[1]) + p[2], y).Backward();
            optimizer.Step();
        }
    }

    private static Tensor[] Leaves(IEnumerable<Tensor> values) => values.Select(v => v.Detach().Clone().RequiresGrad_()).ToArray();

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void StepsMatchTorchOptimAndResumeIdentically(string name)
    {
        var c = Golden.Case("optim", name);
        using var scope = Torch.NewDisposeScope();
        var x = Tensor.FromHost(c["in/x"]);
        var y = Tensor.FromHost(c["in/y"]);
        var p = Leaves(c.Role("param").Select(e => Tensor.FromHost(e.Value)));
        var schedule = Schedule(c);
        using var optimizer = Build(c, p);

        Train(optimizer, p, x, y, schedule, 0, 3);
        for (int i = 0; i < p.Length; i++) Expect.Close(c[$"after3/{i}"], p[i], $"{name} parameter {i} after 3 steps");
        Assert.Equal(3, optimizer.StepCount);

        string file = Path.Combine(Path.GetTempPath(), $"braingen-optim-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(file, optimizer.StateDict());
            var resumedParams = Leaves(p);
            using var resumed = Build(c, resumedParams);
            resumed.LoadStateDict(SafeTensors.Load(file));
            Assert.Equal(3, resumed.StepCount);

            Train(optimizer, p, x, y, schedule, 3, 5);
            Train(resumed, resumedParams, x, y, schedule, 3, 5);
            for (int i = 0; i < p.Length; i++)
            {
                Expect.Close(c[$"after5/{i}"], p[i], $"{name} parameter {i} after 5 steps");
                Assert.Equal(p[i].ToArray<float>(), resumedParams[i].ToArray<float>());  // resumed: bit for bit
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(Schedules))]
    public void WarmupCosineMatchesLambdaLR(string name)
    {
        var c = Golden.Case("optim", name);
        var schedule = new WarmupCosineSchedule(c.Double("base"), c.Long("warmup"), c.Long("total"), c.Double("min"));
        var expected = Expect.Decode(c["out/0"]);
        var actual = Enumerable.Range(0, expected.Length).Select(s => schedule.At(s)).ToArray();
        Expect.Close(c["out/0"], new HostTensor(DType.Float64, [actual.Length], actual.SelectMany(BitConverter.GetBytes).ToArray()),
            $"{name} learning rates");
    }

    [Fact]
    public void EmaMatchesTheAveragedWeights()
    {
        var c = Golden.Case("optim", "ema");
        using var scope = Torch.NewDisposeScope();
        using var model = new Linear(3, 2);
        model.LoadStateDict(c.Role("param").ToDictionary(e => e.Key, e => e.Value));
        using var ema = new ExponentialMovingAverage(model, c.Double("decay"));
        using var sgd = new SGD(model.Parameters(), c.Double("lr"));
        var x = Tensor.FromHost(c["in/x"]);
        var y = Tensor.FromHost(c["in/y"]);
        for (int step = 0; step < c.Long("updates"); step++)
        {
            using var stepScope = Torch.NewDisposeScope();
            sgd.ZeroGrad();
            Functional.MseLoss(model.Forward(x), y).Backward();
            sgd.Step();
            ema.Update();
        }
        var shadow = ema.StateDict();
        foreach (var (key, expected) in c.Role("out")) Expect.Close(expected, shadow[key], $"EMA {key}");

        using var copy = new Linear(3, 2);
        ema.CopyTo(copy);
        Assert.Equal(shadow["weight"].Data, copy.Weight.ToHost().Data);
    }

    [Fact]
    public void OptimizerStateRejectsForeignEntries()
    {
        using var scope = Torch.NewDisposeScope();
        var p = Leaves([Tensor.Ones([2])]);
        using var sgd = new SGD(p, 0.1, momentum: 0.9);
        var state = new Dictionary<string, HostTensor>
        {
            ["step"] = new(DType.Int64, [], BitConverter.GetBytes(1L)),
            ["5.momentum_buffer"] = new(DType.Float32, [2], new byte[8]),
        };
        var e = Assert.Throws<InvalidDataException>(() => sgd.LoadStateDict(state));
        Assert.Contains("5.momentum_buffer", e.Message);
        Assert.Throws<InvalidDataException>(() => sgd.LoadStateDict(new Dictionary<string, HostTensor>()));
    }
}
