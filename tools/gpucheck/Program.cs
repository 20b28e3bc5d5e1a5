// xrun: runs the BrainGen.Torch.Tests assembly in-process through xunit v2's own XunitTestFramework (what every
// v2 runner drives), printing failures and a summary; `xrun ops` checks the operators BrainGen calls.
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

if (args.Length > 0 && args[0] == "ops")
{
    // The operators BrainGen's assemblies call, checked against the linked libtorch; then every generated one.
    var asms = new[] { "BrainGen.Torch", "BrainGen.Models", "BrainGen.Pipelines", "braingen" }.Select(n => Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, n + ".dll"))).ToList();
    Console.WriteLine($"libtorch {BrainGen.Torch.Torch.Version}");
    var called = BrainGen.Torch.Interop.OperatorScan.CalledBy(asms);
    Console.WriteLine($"operators called by {string.Join(", ", asms.Select(a => a.GetName().Name))}: {called.Count}");
    var used = BrainGen.Torch.Torch.CheckOperatorsCalledBy(asms);
    Console.WriteLine($"problems among them: {used.Count}");
    foreach (var p in used) Console.WriteLine("  USED " + p);
    var all = BrainGen.Torch.Torch.CheckGeneratedSchemas();
    Console.WriteLine($"problems among all generated operators: {all.Count}");
    foreach (var p in all) Console.WriteLine("  " + p);
    return used.Count == 0 ? 0 : 1;
}
var name = args.Length > 0 ? args[0] : "BrainGen.Torch.Tests";
var filter = args.Length > 1 ? args[1] : null;
var assembly = Assembly.Load(name);
var framework = new XunitTestFramework(new Sink(_ => { }));
var discovered = new List<ITestCase>();
var discoveryDone = new ManualResetEventSlim();
using (var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
{
    discoverer.Find(false, new Sink(m =>
    {
        if (m is ITestCaseDiscoveryMessage d) discovered.Add(d.TestCase);
        if (m is IDiscoveryCompleteMessage) discoveryDone.Set();
    }), new Options());
    discoveryDone.Wait();
}
var cases = discovered.Where(c => filter == null || c.DisplayName.Contains(filter)).ToList();
Console.WriteLine($"discovered {discovered.Count}, running {cases.Count}");
int passed = 0, failed = 0, skipped = 0;
var finished = new ManualResetEventSlim();
using (var executor = framework.GetExecutor(assembly.GetName()))
{
    executor.RunTests(cases, new Sink(m =>
    {
        switch (m)
        {
            case ITestPassed: Interlocked.Increment(ref passed); break;
            case ITestSkipped s: Interlocked.Increment(ref skipped); Console.WriteLine($"SKIP {s.Test.DisplayName}: {s.Reason}"); break;
            case ITestFailed f:
                Interlocked.Increment(ref failed);
                Console.WriteLine($"FAIL {f.Test.DisplayName} ({f.ExecutionTime:F2} s)\n  {f.ExceptionTypes.FirstOrDefault()}: {f.Messages.FirstOrDefault()}\n    " +
                                  string.Join("\n    ", (f.StackTraces.FirstOrDefault() ?? "").Split('\n').Take(5).Select(l => l.Trim())));
                break;
            case IErrorMessage e: Console.WriteLine($"ERROR {e.ExceptionTypes.FirstOrDefault()}: {e.Messages.FirstOrDefault()}"); break;
            case ITestAssemblyFinished a: Console.WriteLine($"assembly finished: {a.TestsRun} run in {a.ExecutionTime:F1} s"); finished.Set(); break;
        }
    }), new Options());
    finished.Wait();
}
Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
return failed == 0 && passed > 0 ? 0 : 1;

sealed class Sink(Action<IMessageSinkMessage> on) : IMessageSink
{
    public bool OnMessage(IMessageSinkMessage message) { on(message); return true; }
}

sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
{
    private readonly Dictionary<string, object> _values = new();
    public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var v) ? (TValue)v : default;
    public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
}
