namespace BrainGen.Torch;

// Shape, indexing, joining and conversion.
public sealed partial class Tensor
{
    public Tensor Reshape(params long[] shape) => Ops.Reshape(this, shape);
    public Tensor View(params long[] shape) => Ops.View(this, shape);
    public Tensor Permute(params long[] dims) => Ops.Permute(this, dims);
    public Tensor Transpose(long dim0, long dim1) => Ops.TransposeInt(this, dim0, dim1);
    public Tensor Flatten(long startDim = 0, long endDim = -1) => Ops.FlattenUsingInts(this, startDim, endDim);
    public Tensor Unsqueeze(long dim) => Ops.Unsqueeze(this, dim);
    public Tensor Squeeze(long dim) => Ops.SqueezeDim(this, dim);
    public Tensor Squeeze() => Ops.Squeeze(this);
    public Tensor Expand(params long[] shape) => Ops.Expand(this, shape);
    public Tensor ExpandAs(Tensor other) => Ops.ExpandAs(this, other);
    public Tensor Repeat(params long[] repeats) => Ops.Repeat(this, repeats);
    public Tensor Contiguous(MemoryFormat format = MemoryFormat.Contiguous) => Ops.Contiguous(this, format);
    public Tensor Clone() => Ops.Clone(this);

    /// <summary>Elements start..end (exclusive, negative from the end) with a step along one dimension.</summary>
    public Tensor Slice(long dim, long? start = null, long? end = null, long step = 1) => Ops.SliceTensor(this, dim, start, end, step);
    public Tensor Narrow(long dim, long start, long length) => Ops.Narrow(this, dim, start, length);
    public Tensor Select(long dim, long index) => Ops.SelectInt(this, dim, index);
    public Tensor IndexSelect(long dim, Tensor index) => Ops.IndexSelect(this, dim, index);

    /// <summary>Advanced indexing, <c>x[i0, i1, ...]</c> with index tensors (null = the whole dimension).</summary>
    public Tensor Index(params Tensor?[] indices) => Ops.IndexTensor(this, indices);
    public Tensor Gather(long dim, Tensor index) => Ops.Gather(this, dim, index);
    public Tensor[] Chunk(long chunks, long dim = 0) => Ops.Chunk(this, chunks, dim);
    public Tensor[] Split(long size, long dim = 0) => Ops.SplitTensor(this, size, dim);
    public Tensor[] Split(long[] sizes, long dim = 0) => Ops.SplitWithSizes(this, sizes, dim);

    public static Tensor Cat(Tensor[] tensors, long dim = 0) => Ops.Cat(tensors, dim);
    public static Tensor Stack(Tensor[] tensors, long dim = 0) => Ops.Stack(tensors, dim);

    public Tensor To(DType dtype) => Ops.ToDtype(this, dtype);
    public Tensor To(Device device) => Ops.ToDevice(this, device, DType);
    public Tensor To(Device device, DType dtype) => Ops.ToDevice(this, device, dtype);
    public Tensor Float() => To(DType.Float32);
}
