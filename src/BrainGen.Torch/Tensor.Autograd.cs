using BrainGen.Torch.Interop;

namespace BrainGen.Torch;

// Autograd on a tensor: libtorch records the graph of every op whose inputs require grad.
public sealed partial class Tensor
{
    public bool RequiresGrad
    {
        get => NativeMethods.Check(NativeMethods.bg_requires_grad(Handle), "requires_grad") == 1;
        set => NativeMethods.Check(NativeMethods.bg_set_requires_grad(Handle, value ? 1 : 0), "requires_grad_");
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor.</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    public bool IsLeaf => NativeMethods.Check(NativeMethods.bg_is_leaf(Handle), "is_leaf") == 1;

    /// <summary>
    /// The accumulated gradient (null when none). Each read returns a new handle to the same gradient
    /// tensor, owned by the current scope.
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            var g = NativeMethods.bg_grad(Handle);
            if (g == IntPtr.Zero)
            {
                var error = NativeMethods.LastError();
                if (error.Length > 0) throw new TorchException("grad", error);
                return null;
            }
            return new Tensor(g);
        }
        set => NativeMethods.Check(NativeMethods.bg_set_grad(Handle, value?.Handle ?? IntPtr.Zero), "grad");
    }

    public void RetainGrad() => NativeMethods.Check(NativeMethods.bg_retain_grad(Handle), "retain_grad");

    /// <summary>Backpropagates from this tensor (a scalar unless <paramref name="gradient"/> is given); gradients accumulate.</summary>
    public unsafe void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        IntPtr output = Handle;
        IntPtr grad = gradient?.Handle ?? IntPtr.Zero;
        NativeMethods.Check(NativeMethods.bg_backward(&output, gradient is null ? null : &grad, 1, retainGraph ? 1 : 0, createGraph ? 1 : 0), "backward");
        GC.KeepAlive(gradient);
    }

    /// <summary>A tensor sharing storage with this one, cut out of the autograd graph.</summary>
    public Tensor Detach() => Ops.Detach(this);

    public Tensor Detach_() { Ops.Detach_(this).Dispose(); return this; }
}

/// <summary><c>torch.autograd.grad</c>: gradients of outputs with respect to inputs, without touching .grad.</summary>
public static class Autograd
{
    public static unsafe Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs = null,
                                        bool retainGraph = false, bool createGraph = false, bool allowUnused = false)
    {
        var outs = outputs.Select(t => t.Handle).ToArray();
        var ins = inputs.Select(t => t.Handle).ToArray();
        var gouts = gradOutputs?.Select(t => t?.Handle ?? IntPtr.Zero).ToArray();
        var results = new IntPtr[inputs.Length];
        fixed (IntPtr* o = outs, i = ins, g = gouts, r = results)
            NativeMethods.Check(NativeMethods.bg_autograd_grad(o, g, outs.Length, i, ins.Length, r, retainGraph ? 1 : 0,
                createGraph ? 1 : 0, allowUnused ? 1 : 0), "autograd.grad");
        GC.KeepAlive(outputs);
        GC.KeepAlive(inputs);
        GC.KeepAlive(gradOutputs);
        return results.Select(h => h == IntPtr.Zero ? null : new Tensor(h)).ToArray();
    }
}
