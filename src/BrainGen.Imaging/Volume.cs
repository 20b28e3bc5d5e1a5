namespace BrainGen.Imaging;

/// <summary>
/// One 3D scalar image: float32 voxels in NIfTI order (index = x + nx*(y + ny*z)), the voxel-to-world
/// affine (RAS+ millimetres), and the datatype it was stored as. Operations return new volumes.
/// </summary>
public sealed class Volume
{
    public Volume(int[] shape, float[] data, Affine affine)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(affine);
        if (shape.Length != 3) throw new ArgumentException($"a volume has 3 dimensions, got shape of length {shape.Length}");
        if (shape.Any(n => n < 1)) throw new ArgumentException($"every dimension must be >= 1, got ({string.Join(", ", shape)})");
        var count = (long)shape[0] * shape[1] * shape[2];
        if (count != data.Length) throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {count} voxels but data has {data.Length}");
        if (!affine.IsFinite()) throw new ArgumentException("affine has non-finite values");
        Shape = (int[])shape.Clone();
        Data = data;
        Affine = affine;
    }

    /// <summary>(nx, ny, nz).</summary>
    public int[] Shape { get; }

    /// <summary>Voxels, x fastest. Shared, not copied: callers own mutation.</summary>
    public float[] Data { get; }

    /// <summary>Voxel index to world mm (RAS+).</summary>
    public Affine Affine { get; }

    /// <summary>Voxel sizes in mm, from the affine's column norms.</summary>
    public double[] Spacing => Affine.Spacing();

    /// <summary>Datatype of the file this came from (Float32 for computed volumes).</summary>
    public NiftiDataType SourceDataType { get; init; } = NiftiDataType.Float32;

    /// <summary>NIfTI xform code written to both qform_code and sform_code (1 scanner, 2 aligned, 3 Talairach, 4 MNI).</summary>
    public int XformCode { get; init; } = 1;

    /// <summary>Free text for the header's descrip field (80 bytes max on disk).</summary>
    public string Description { get; init; } = "";

    public int VoxelCount => Data.Length;

    /// <summary>Axis codes such as "RAS" or "LAS": the world direction each voxel axis points to.</summary>
    public string OrientationCodes => Orientation.AxisCodes(Affine);

    public float this[int x, int y, int z]
    {
        get => Data[x + Shape[0] * (y + Shape[1] * z)];
        set => Data[x + Shape[0] * (y + Shape[1] * z)] = value;
    }

    /// <summary>A volume with the same metadata and new voxels (same grid).</summary>
    public Volume WithData(float[] data) => new(Shape, data, Affine)
    {
        SourceDataType = SourceDataType, XformCode = XformCode, Description = Description,
    };

    /// <summary>A volume with the same metadata on a new grid.</summary>
    public Volume WithGrid(int[] shape, float[] data, Affine affine) => new(shape, data, affine)
    {
        SourceDataType = SourceDataType, XformCode = XformCode, Description = Description,
    };

    /// <summary>Reoriented by flips and permutes only to the closest RAS+ grid (nibabel's as_closest_canonical).</summary>
    public Volume ToCanonical() => Orientation.ToCanonical(this);

    /// <summary>Reoriented by flips and permutes to the given axis codes, e.g. "LPS" or "RAS".</summary>
    public Volume Reorient(string axisCodes) => Orientation.Reorient(this, axisCodes);

    public Volume ResampleToSpacing(double[] spacing, Interpolation interpolation = Interpolation.Trilinear) =>
        Resampler.ToSpacing(this, spacing, interpolation);

    public Volume ResampleToGrid(int[] shape, Affine affine, Interpolation interpolation = Interpolation.Trilinear) =>
        Resampler.ToGrid(this, shape, affine, interpolation);

    public Volume CropOrPad(int[] shape, float fill = 0) => CropPad.Centered(this, shape, fill);

    public (float Min, float Max) Range()
    {
        var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
        foreach (var v in Data)
        {
            if (float.IsNaN(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }

    public override string ToString() =>
        $"Volume {Shape[0]}x{Shape[1]}x{Shape[2]} {OrientationCodes} spacing ({string.Join(", ", Spacing.Select(s => s.ToString("0.###")))}) mm";
}
