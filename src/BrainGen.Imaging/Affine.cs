using System.Globalization;

namespace BrainGen.Imaging;

/// <summary>
/// A 4x4 homogeneous transform in double precision, row-major. For a <see cref="Volume"/> it maps
/// voxel indices (i, j, k) to world millimetres in RAS+ (NIfTI's x = Right, y = Anterior, z = Superior).
/// Immutable: every operation returns a new instance.
/// </summary>
public sealed class Affine : IEquatable<Affine>
{
    private readonly double[] _m; // row-major, 16 elements; last row normally 0 0 0 1

    private Affine(double[] m) => _m = m;

    public static Affine Identity => FromSpacing(1, 1, 1);

    /// <summary>Diagonal scaling with an optional origin (world position of voxel 0,0,0).</summary>
    public static Affine FromSpacing(double sx, double sy, double sz, double ox = 0, double oy = 0, double oz = 0) =>
        new([sx, 0, 0, ox, 0, sy, 0, oy, 0, 0, sz, oz, 0, 0, 0, 1]);

    public static Affine FromSpacing(IReadOnlyList<double> spacing) => FromSpacing(spacing[0], spacing[1], spacing[2]);

    /// <summary>From 16 row-major values, or 12 (the first three rows; the last row is 0 0 0 1).</summary>
    public static Affine FromRowMajor(IReadOnlyList<double> values)
    {
        if (values.Count != 16 && values.Count != 12)
            throw new ArgumentException($"an affine needs 12 or 16 values, got {values.Count}");
        var m = new double[16];
        for (var i = 0; i < values.Count; i++) m[i] = values[i];
        if (values.Count == 12) m[15] = 1;
        return new Affine(m);
    }

    /// <summary>From a rotation-and-zoom 3x3 block (row-major) and a translation.</summary>
    public static Affine FromLinear(double[,] linear, double tx, double ty, double tz)
    {
        var m = new double[16];
        for (var r = 0; r < 3; r++)
            for (var c = 0; c < 3; c++) m[r * 4 + c] = linear[r, c];
        m[3] = tx; m[7] = ty; m[11] = tz; m[15] = 1;
        return new Affine(m);
    }

    public double this[int row, int col] => _m[row * 4 + col];

    /// <summary>Copy of the 16 row-major values.</summary>
    public double[] ToRowMajor() => (double[])_m.Clone();

    /// <summary>The upper-left 3x3 block (rotation, zooms and any shear).</summary>
    public double[,] Linear()
    {
        var l = new double[3, 3];
        for (var r = 0; r < 3; r++)
            for (var c = 0; c < 3; c++) l[r, c] = _m[r * 4 + c];
        return l;
    }

    public (double X, double Y, double Z) Translation => (_m[3], _m[7], _m[11]);

    public Affine Multiply(Affine other)
    {
        var m = new double[16];
        for (var r = 0; r < 4; r++)
            for (var c = 0; c < 4; c++)
            {
                double s = 0;
                for (var k = 0; k < 4; k++) s += _m[r * 4 + k] * other._m[k * 4 + c];
                m[r * 4 + c] = s;
            }
        return new Affine(m);
    }

    public static Affine operator *(Affine a, Affine b) => a.Multiply(b);

    public (double X, double Y, double Z) Transform(double x, double y, double z) => (
        _m[0] * x + _m[1] * y + _m[2] * z + _m[3],
        _m[4] * x + _m[5] * y + _m[6] * z + _m[7],
        _m[8] * x + _m[9] * y + _m[10] * z + _m[11]);

    /// <summary>Inverse of an affine (last row 0 0 0 1) via the 3x3 block; throws if singular.</summary>
    public Affine Inverse()
    {
        var a = _m;
        double c00 = a[5] * a[10] - a[6] * a[9], c01 = a[6] * a[8] - a[4] * a[10], c02 = a[4] * a[9] - a[5] * a[8];
        var det = a[0] * c00 + a[1] * c01 + a[2] * c02;
        if (det == 0 || !double.IsFinite(det)) throw new InvalidOperationException("affine is singular and has no inverse");
        var inv = 1.0 / det;
        var r = new double[16];
        r[0] = c00 * inv; r[1] = (a[2] * a[9] - a[1] * a[10]) * inv; r[2] = (a[1] * a[6] - a[2] * a[5]) * inv;
        r[4] = c01 * inv; r[5] = (a[0] * a[10] - a[2] * a[8]) * inv; r[6] = (a[2] * a[4] - a[0] * a[6]) * inv;
        r[8] = c02 * inv; r[9] = (a[1] * a[8] - a[0] * a[9]) * inv; r[10] = (a[0] * a[5] - a[1] * a[4]) * inv;
        r[3] = -(r[0] * a[3] + r[1] * a[7] + r[2] * a[11]);
        r[7] = -(r[4] * a[3] + r[5] * a[7] + r[6] * a[11]);
        r[11] = -(r[8] * a[3] + r[9] * a[7] + r[10] * a[11]);
        r[15] = 1;
        return new Affine(r);
    }

    /// <summary>Determinant of the 3x3 block; negative for a left-handed (e.g. LAS) voxel grid.</summary>
    public double Determinant3 =>
        _m[0] * (_m[5] * _m[10] - _m[6] * _m[9]) - _m[1] * (_m[4] * _m[10] - _m[6] * _m[8]) + _m[2] * (_m[4] * _m[9] - _m[5] * _m[8]);

    /// <summary>Voxel sizes in mm: the norms of the three columns of the 3x3 block.</summary>
    public double[] Spacing()
    {
        var s = new double[3];
        for (var c = 0; c < 3; c++)
            s[c] = Math.Sqrt(_m[c] * _m[c] + _m[4 + c] * _m[4 + c] + _m[8 + c] * _m[8 + c]);
        return s;
    }

    /// <summary>
    /// Largest |cosine| between two columns of the 3x3 block: 0 for an orthogonal grid, the shear
    /// of a grid that cannot be stored in a NIfTI qform otherwise.
    /// </summary>
    public double MaxColumnCosine()
    {
        var s = Spacing();
        double worst = 0;
        for (var a = 0; a < 3; a++)
            for (var b = a + 1; b < 3; b++)
            {
                if (s[a] == 0 || s[b] == 0) return 1;
                var dot = _m[a] * _m[b] + _m[4 + a] * _m[4 + b] + _m[8 + a] * _m[8 + b];
                worst = Math.Max(worst, Math.Abs(dot / (s[a] * s[b])));
            }
        return worst;
    }

    public bool IsFinite() => _m.All(double.IsFinite);

    public bool ApproximatelyEquals(Affine other, double tolerance = 1e-6)
    {
        for (var i = 0; i < 16; i++)
            if (Math.Abs(_m[i] - other._m[i]) > tolerance) return false;
        return true;
    }

    public bool Equals(Affine? other) => other is not null && _m.AsSpan().SequenceEqual(other._m);
    public override bool Equals(object? obj) => obj is Affine a && Equals(a);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var v in _m) h.Add(v);
        return h.ToHashCode();
    }

    public override string ToString()
    {
        var rows = new string[4];
        for (var r = 0; r < 4; r++)
            rows[r] = string.Join(' ', Enumerable.Range(0, 4).Select(c => _m[r * 4 + c].ToString("0.######", CultureInfo.InvariantCulture).PadLeft(11)));
        return string.Join('\n', rows);
    }
}
