namespace BrainGen.Imaging;

/// <summary>A header extension (nifti1.h): an even code and its bytes, kept verbatim.</summary>
public sealed record NiftiExtension(int Code, byte[] Data);

/// <summary>
/// Every field of a NIfTI-1 or NIfTI-2 header, widened to the NIfTI-2 types (int64 dims, float64
/// values) so one class serves both versions. Fields are raw, as stored; the derived members apply
/// the standard's rules (which transform wins, when scaling applies).
/// </summary>
public sealed class NiftiHeader
{
    public int Version { get; set; } = 1;
    public bool IsBigEndian { get; set; }
    public string Magic { get; set; } = "n+1";
    public long[] Dim { get; set; } = [3, 1, 1, 1, 1, 1, 1, 1];
    public double[] PixDim { get; set; } = [1, 1, 1, 1, 1, 1, 1, 1];
    public short DataTypeCode { get; set; } = (short)NiftiDataType.Float32;
    public short BitPix { get; set; } = 32;
    public long VoxOffset { get; set; } = 352;

    /// <summary>vox_offset as stored (a float in NIfTI-1), kept for error messages; -1 in VoxOffset means unusable.</summary>
    public double VoxOffsetStored { get; set; } = 352;
    public double SclSlope { get; set; } = 1;
    public double SclInter { get; set; }
    public double CalMax { get; set; }
    public double CalMin { get; set; }
    public double SliceDuration { get; set; }
    public double TOffset { get; set; }
    public double[] IntentP { get; set; } = [0, 0, 0];
    public int IntentCode { get; set; }
    public string IntentName { get; set; } = "";
    public long SliceStart { get; set; }
    public long SliceEnd { get; set; }
    public int SliceCode { get; set; }
    public byte DimInfo { get; set; }
    public int XyztUnits { get; set; } = 2; // NIFTI_UNITS_MM
    public int QformCode { get; set; }
    public int SformCode { get; set; }
    public double QuaternB { get; set; }
    public double QuaternC { get; set; }
    public double QuaternD { get; set; }
    public double QOffsetX { get; set; }
    public double QOffsetY { get; set; }
    public double QOffsetZ { get; set; }
    public double[] SRowX { get; set; } = [1, 0, 0, 0];
    public double[] SRowY { get; set; } = [0, 1, 0, 0];
    public double[] SRowZ { get; set; } = [0, 0, 1, 0];
    public string Description { get; set; } = "";
    public string AuxFile { get; set; } = "";
    public List<NiftiExtension> Extensions { get; set; } = [];

    /// <summary>Problems the reader tolerated (as nibabel's check battery fixes them), for `braingen info`.</summary>
    public List<string> Warnings { get; } = [];

    public int HeaderSize => Version == 2 ? 540 : 348;
    public NiftiDataType DataType => (NiftiDataType)DataTypeCode;
    public int NDim => (int)Dim[0];

    /// <summary>dim[1..dim[0]].</summary>
    public long[] Shape => Dim.Skip(1).Take(NDim).ToArray();

    /// <summary>(nx, ny, nz) with missing trailing dimensions as 1.</summary>
    public int[] SpatialShape => [(int)DimOrOne(1), (int)DimOrOne(2), (int)DimOrOne(3)];

    /// <summary>Number of 3D volumes: the product of dim[4..dim[0]].</summary>
    public long VolumeCount
    {
        get
        {
            long n = 1;
            for (var i = 4; i <= NDim; i++) n = checked(n * Dim[i]);
            return n;
        }
    }

    public long VoxelsPerVolume => checked(DimOrOne(1) * DimOrOne(2) * DimOrOne(3));
    public long BytesPerVolume => checked(VoxelsPerVolume * DataType.BytesPerVoxel());
    public long DataBytes => checked(BytesPerVolume * VolumeCount);

    private long DimOrOne(int i) => i <= NDim ? Dim[i] : 1;

    /// <summary>Scaling as nibabel applies it: none when slope is 0 or not finite, or for RGB.</summary>
    public (double Slope, double Inter)? Scaling
    {
        get
        {
            if (SclSlope == 0 || !double.IsFinite(SclSlope) || DataType == NiftiDataType.Rgb24) return null;
            var inter = double.IsFinite(SclInter) ? SclInter : 0;
            if (SclSlope == 1 && inter == 0) return null;
            return (SclSlope, inter);
        }
    }

    /// <summary>qfac from pixdim[0]: -1 only when exactly -1; anything else is read as +1 (nibabel _chk_qfac).</summary>
    public int QFac => PixDim[0] == -1 ? -1 : 1;

    /// <summary>The sform (srow_x/y/z) as an affine, or null when sform_code is 0.</summary>
    public Affine? SForm => SformCode > 0 ? Affine.FromRowMajor([.. SRowX, .. SRowY, .. SRowZ]) : null;

    /// <summary>The qform (quaternion, qfac, pixdim, qoffset) as an affine, or null when qform_code is 0.</summary>
    public Affine? QForm => QformCode > 0 ? NiftiQuaternion.ToAffine(this) : null;

    /// <summary>ANALYZE-style fallback (nibabel get_base_affine): diag(-dx, dy, dz), centred on the volume.</summary>
    public Affine BaseAffine
    {
        get
        {
            var s = SpatialShape;
            var (dx, dy, dz) = (ZoomOrOne(1), ZoomOrOne(2), ZoomOrOne(3));
            return Affine.FromSpacing(-dx, dy, dz, dx * (s[0] - 1) / 2.0, -dy * (s[1] - 1) / 2.0, -dz * (s[2] - 1) / 2.0);
        }
    }

    /// <summary>sform if sform_code > 0, else qform if qform_code > 0, else the pixdim base affine.</summary>
    public Affine BestAffine => SForm ?? QForm ?? BaseAffine;

    /// <summary>"sform", "qform" or "pixdim": which transform <see cref="BestAffine"/> used.</summary>
    public string AffineSource => SformCode > 0 ? "sform" : QformCode > 0 ? "qform" : "pixdim";

    /// <summary>Voxel size along axis i (1..3): pixdim, with 0 read as 1 (nifti_clib).</summary>
    internal double ZoomOrOne(int i) => PixDim[i] == 0 ? 1 : Math.Abs(PixDim[i]);

    public static string XformName(int code) => code switch
    {
        0 => "unknown",
        1 => "scanner",
        2 => "aligned",
        3 => "talairach",
        4 => "mni",
        5 => "template",
        _ => $"code {code}",
    };

    public string SpatialUnits => (XyztUnits & 0x07) switch
    {
        1 => "m",
        2 => "mm",
        3 => "um",
        _ => "unknown",
    };
}
