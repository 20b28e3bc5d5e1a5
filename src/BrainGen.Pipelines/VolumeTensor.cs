using BrainGen.Imaging;
using BrainGen.Torch;

namespace BrainGen.Pipelines;

/// <summary>
/// Moves volumes between BrainGen.Imaging (NIfTI order: x fastest) and tensors laid out as MONAI
/// loads NIfTI, (B, C, X, Y, Z) with x slowest, so models and checkpoints trained with MONAI see
/// the same axes.
/// </summary>
public static class VolumeTensor
{
    /// <summary>A volume as a (1, 1, X, Y, Z) float32 tensor.</summary>
    public static Tensor ToTensor(Volume volume, Device? device = null)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var (nx, ny, nz) = (volume.Shape[0], volume.Shape[1], volume.Shape[2]);
        var zyx = Tensor.FromArray(volume.Data, [nz, ny, nx], device);
        return zyx.Permute(2, 1, 0).Contiguous().Reshape(1, 1, nx, ny, nz).MoveToOuterScope();
    }

    /// <summary>An (X, Y, Z) tensor (or any tensor with that many elements after squeezing) as a volume on <paramref name="affine"/>'s grid.</summary>
    public static Volume ToVolume(Tensor xyz, Affine affine, NiftiDataType sourceType = NiftiDataType.Float32)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        var t = xyz.Dim == 3 ? xyz : xyz.Reshape(xyz.Shape[^3..]);
        var shape = t.Shape.Select(s => checked((int)s)).ToArray();
        var data = t.To(Device.CPU, DType.Float32).Permute(2, 1, 0).Contiguous().ToArray<float>();
        return new Volume(shape, data, affine) { SourceDataType = sourceType };
    }
}
