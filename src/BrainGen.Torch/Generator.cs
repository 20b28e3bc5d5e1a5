using BrainGen.Torch.Interop;

namespace BrainGen.Torch;

/// <summary>
/// An explicit random-number generator. Seeded the way <c>torch.manual_seed</c> seeds the default
/// one (same engine, same state), so <c>new Generator(s)</c> then <c>Tensor.Randn(shape, g)</c> gives
/// exactly <c>torch.manual_seed(s); torch.randn(shape)</c>.
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr _handle;

    public Generator(ulong seed, Device? device = null)
    {
        var d = device ?? Device.CPU;
        Device = d;
        _handle = NativeMethods.Check(NativeMethods.bg_generator_new((int)d.Type, d.Index, seed), "generator");
    }

    public Device Device { get; }

    public ulong Seed => NativeMethods.bg_generator_seed(Handle);

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Generator));

    /// <summary>The engine state as bytes (for checkpoints that must resume the same random stream).</summary>
    public byte[] GetState()
    {
        using var state = new Tensor(NativeMethods.Check(NativeMethods.bg_generator_get_state(Handle), "generator.get_state"));
        return state.ToArray<byte>();
    }

    public void SetState(byte[] state)
    {
        using var t = Tensor.FromArray(state, [state.Length]);
        NativeMethods.Check(NativeMethods.bg_generator_set_state(Handle, t.Handle), "generator.set_state");
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero) NativeMethods.bg_generator_free(_handle);
        _handle = IntPtr.Zero;
        GC.SuppressFinalize(this);
    }

    ~Generator()
    {
        if (_handle != IntPtr.Zero) NativeMethods.bg_generator_free(_handle);
    }
}
