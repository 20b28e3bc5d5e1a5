namespace BrainGen.Imaging;

/// <summary>
/// Entry points for NIfTI-1/2 files: .nii, .nii.gz (gzip detected by content) and .hdr/.img pairs.
/// Bad files raise <see cref="InvalidDataException"/> whose message names the file and the field.
/// </summary>
public static class Nifti
{
    /// <summary>The file name without its NIfTI extension (.nii, .nii.gz, .hdr, .img, .img.gz): sub-01_T1w.nii.gz -> sub-01_T1w.</summary>
    public static string FileStem(string path) => ImageFiles.SplitExtension(Path.GetFileName(path)).Stem;

    /// <summary>The first 3D volume of the image (a 4D gzip file is decompressed only that far).</summary>
    public static Volume Read(string path, NiftiReadOptions? options = null)
    {
        using var reader = NiftiSeriesReader.Open(path, options);
        return reader.ReadNext();
    }

    /// <summary>Every 3D volume of a 3D or 4D image.</summary>
    public static IReadOnlyList<Volume> ReadAll(string path, NiftiReadOptions? options = null)
    {
        using var reader = NiftiSeriesReader.Open(path, options);
        return reader.ReadAll().ToList();
    }

    /// <summary>Streaming access to a 4D image: one volume at a time.</summary>
    public static NiftiSeriesReader OpenSeries(string path, NiftiReadOptions? options = null) => NiftiSeriesReader.Open(path, options);

    /// <summary>Header and extensions only; for a pair, the .img need not exist.</summary>
    public static NiftiHeader ReadHeader(string path, NiftiReadOptions? options = null)
    {
        var (headerPath, _, isPair) = ImageFiles.Resolve(path);
        using var source = new ImageFiles.Source(headerPath);
        return NiftiSeriesReader.ReadHeader(source, isPair, options ?? NiftiReadOptions.Default);
    }

    /// <summary>Writes one 3D volume; .gz paths are gzip-compressed, .hdr/.img paths make a pair.</summary>
    public static void Write(string path, Volume v, NiftiDataType dtype = NiftiDataType.Float32, NiftiWriteOptions? options = null) =>
        NiftiWriter.Write(path, [v], dtype, options ?? NiftiWriteOptions.Default);

    /// <summary>Writes volumes sharing one grid as a 4D image.</summary>
    public static void WriteSeries(string path, IReadOnlyList<Volume> volumes, NiftiDataType dtype = NiftiDataType.Float32, NiftiWriteOptions? options = null) =>
        NiftiWriter.Write(path, volumes, dtype, options ?? NiftiWriteOptions.Default);

    /// <summary>The header <see cref="Write"/> would produce, e.g. to inspect the scaling chosen for an integer type.</summary>
    public static NiftiHeader HeaderFor(Volume v, NiftiDataType dtype = NiftiDataType.Float32, NiftiWriteOptions? options = null)
    {
        var (slope, inter) = dtype.IsInteger() ? IntegerScaling.Compute([v], dtype) : (1.0, 0.0);
        return NiftiWriter.BuildHeader(v, 1, dtype, slope, inter, false, options ?? NiftiWriteOptions.Default, "(header)");
    }
}
