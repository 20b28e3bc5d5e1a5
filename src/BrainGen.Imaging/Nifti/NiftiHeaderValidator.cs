namespace BrainGen.Imaging;

/// <summary>
/// Decides whether a decoded header is safe to use, before any voxel memory is allocated. Hard
/// errors throw <see cref="InvalidDataException"/> naming the file and field; problems nibabel's
/// check battery repairs on load (zero pixdim, odd qfac, unknown xform codes) are repaired the
/// same way and recorded in <see cref="NiftiHeader.Warnings"/>.
/// </summary>
public static class NiftiHeaderValidator
{
    /// <summary>A NIfTI-1 float vox_offset as a byte offset, or -1 if it is not a usable integer.</summary>
    public static long VoxOffsetFromFloat(double stored) =>
        double.IsFinite(stored) && stored >= 0 && stored <= (1L << 53) && Math.Floor(stored) == stored ? (long)stored : -1;

    public static void Validate(NiftiHeader h, string file, bool isPairHeader, NiftiReadOptions options)
    {
        InvalidDataException Bad(string field, string problem) => new($"{file}: {field}: {problem}");

        var expectedMagic = h.Version == 1 ? new[] { "n+1", "ni1" } : new[] { "n+2", "ni2" };
        if (!expectedMagic.Contains(h.Magic))
        {
            if (h.Version == 1 && h.Magic.Length == 0)
                throw Bad("magic", "empty: this is an ANALYZE 7.5 header, not NIfTI-1 (convert it with a NIfTI tool first)");
            throw Bad("magic", $"'{h.Magic}' is not a NIfTI-{h.Version} magic (expected '{expectedMagic[0]}' or '{expectedMagic[1]}')");
        }
        if (!isPairHeader && h.Magic[1] == 'i')
            throw Bad("magic", $"'{h.Magic}' marks a .hdr/.img pair, but this is a single-file image");

        if (h.Dim[0] is < 1 or > 7) throw Bad("dim[0]", $"{h.Dim[0]} is outside 1..7");
        for (var i = 1; i <= h.NDim; i++)
            if (h.Dim[i] < 1) throw Bad($"dim[{i}]", $"{h.Dim[i]} must be >= 1");

        if (!NiftiDataTypes.IsKnown(h.DataTypeCode)) throw Bad("datatype", $"code {h.DataTypeCode} is not a NIfTI datatype");
        if (!h.DataType.CanRead())
            throw Bad("datatype", $"{h.DataType.Name()} (code {h.DataTypeCode}) is not supported: BrainGen reads real-valued and RGB24 voxels");
        if (h.BitPix != h.DataType.BitsPerVoxel())
            throw Bad("bitpix", $"{h.BitPix} does not match datatype {h.DataType.Name()} ({h.DataType.BitsPerVoxel()} bits)");

        long voxelsPerVolume, dataBytes;
        try
        {
            voxelsPerVolume = h.VoxelsPerVolume;
            dataBytes = h.DataBytes;
        }
        catch (OverflowException)
        {
            throw Bad("dim", $"({string.Join(", ", h.Shape)}) x {h.BitPix} bits overflows 64-bit size arithmetic");
        }
        if (voxelsPerVolume > Array.MaxLength)
            throw Bad("dim", $"a 3D volume of {voxelsPerVolume} voxels exceeds the {Array.MaxLength} BrainGen can hold in one array");
        if (voxelsPerVolume * 4 > options.MaxVolumeBytes)
            throw Bad("dim", $"a 3D volume of {voxelsPerVolume} voxels needs {voxelsPerVolume * 4} bytes, over the {options.MaxVolumeBytes}-byte limit");

        if (h.VoxOffset < 0) throw Bad("vox_offset", $"{h.VoxOffsetStored} is not a non-negative whole number of bytes");
        if (!isPairHeader && h.VoxOffset < h.HeaderSize + 4)
        {
            // nifti1.h: in a .nii, a vox_offset below 352 is equivalent to 352.
            h.Warnings.Add($"vox_offset {h.VoxOffset} is below {h.HeaderSize + 4}; read as {h.HeaderSize + 4}");
            h.VoxOffset = h.HeaderSize + 4;
        }
        if (h.VoxOffset > long.MaxValue - dataBytes) throw Bad("vox_offset", $"{h.VoxOffset} plus {dataBytes} data bytes overflows");
        if (h.VoxOffset % 16 != 0) h.Warnings.Add($"vox_offset {h.VoxOffset} is not a multiple of 16 (not SPM compatible)");

        if (double.IsFinite(h.SclSlope) && h.SclSlope != 0 && !double.IsFinite(h.SclInter))
            throw Bad("scl_inter", $"{h.SclInter} is not finite while scl_slope {h.SclSlope} is valid");
        if (h.SclSlope == 0 || !double.IsFinite(h.SclSlope))
            if (h.SclSlope != 0) h.Warnings.Add($"scl_slope {h.SclSlope} is not finite; data read unscaled");

        RepairCodes(h);
        ValidateQForm(h, Bad);
        ValidateSForm(h, Bad, options);
    }

    private static void RepairCodes(NiftiHeader h)
    {
        if (h.QformCode is < 0 or > 5)
        {
            h.Warnings.Add($"qform_code {h.QformCode} is unknown; read as 0");
            h.QformCode = 0;
        }
        if (h.SformCode is < 0 or > 5)
        {
            h.Warnings.Add($"sform_code {h.SformCode} is unknown; read as 0");
            h.SformCode = 0;
        }
        if (h.PixDim[0] != 1 && h.PixDim[0] != -1)
        {
            h.Warnings.Add($"qfac (pixdim[0]) {h.PixDim[0]} is not 1 or -1; read as 1");
            h.PixDim[0] = 1;
        }
    }

    private static void ValidateQForm(NiftiHeader h, Func<string, string, InvalidDataException> bad)
    {
        if (h.SformCode > 0 && h.QformCode == 0) return; // pixdim is then unused for the affine
        for (var i = 1; i <= 3; i++)
        {
            var p = h.PixDim[i];
            if (!double.IsFinite(p)) throw bad($"pixdim[{i}]", $"{p} is not a finite voxel size");
            if (p < 0)
            {
                h.Warnings.Add($"pixdim[{i}] {p} is negative; read as {-p}");
                h.PixDim[i] = -p;
            }
            else if (p == 0 && i <= h.NDim) h.Warnings.Add($"pixdim[{i}] is 0; read as 1");
        }
        if (h.QformCode == 0) return;
        double[] q = [h.QuaternB, h.QuaternC, h.QuaternD, h.QOffsetX, h.QOffsetY, h.QOffsetZ];
        if (!q.All(double.IsFinite)) throw bad("quatern", "qform quaternion or offset is not finite");
        var a2 = NiftiQuaternion.ASquared(h.QuaternB, h.QuaternC, h.QuaternD);
        if (a2 < -NiftiQuaternion.Threshold(h.Version))
            throw bad("quatern_b/c/d", $"(b, c, d) = ({h.QuaternB}, {h.QuaternC}, {h.QuaternD}) has squared norm {1 - a2:R} > 1: not a rotation");
    }

    private static void ValidateSForm(NiftiHeader h, Func<string, string, InvalidDataException> bad, NiftiReadOptions options)
    {
        if (h.SformCode == 0) return;
        if (!h.SRowX.Concat(h.SRowY).Concat(h.SRowZ).All(double.IsFinite)) throw bad("srow", "sform has non-finite values");
        var sform = h.SForm!;
        var det = sform.Determinant3;
        var spacing = sform.Spacing();
        if (det == 0 || spacing.Any(s => s == 0) || Math.Abs(det) < 1e-12 * spacing[0] * spacing[1] * spacing[2])
            throw bad("srow", "sform is singular: its voxel axes do not span 3D space");
        var shear = sform.MaxColumnCosine();
        if (shear > options.ShearTolerance && !options.AllowShearedSform)
        {
            var degrees = 90 - Math.Acos(Math.Min(1, shear)) * 180 / Math.PI;
            var fallback = h.QformCode > 0 ? "; the qform is rigid, so a tool may use it instead" : "";
            throw bad("srow", $"sform is not orthogonal (axes {degrees:0.###}° off perpendicular, |cos| = {shear:0.######}){fallback}; resample to a rigid grid or read with AllowShearedSform");
        }
        if (h.QformCode > 0 && !h.QForm!.ApproximatelyEquals(sform, 1e-3))
            h.Warnings.Add("qform and sform disagree; the sform is used (as nibabel and FSL do; ITK may prefer the qform)");
    }
}
