namespace BrainGen.Imaging;

/// <summary>
/// A continuous voxel position on an (nx, ny, nz) grid in NIfTI order (index = x + nx·(y + ny·z)),
/// resolved once to its lower corner and fractions so that several maps on the grid (the three
/// components of a displacement, the tissue maps of a warp) are read at one place for the price of
/// one lookup. Interpolation is a + (b − a)·t per axis; with t = 0 the upper neighbour is the voxel
/// itself, so positions on voxel centres read exact copies and never step past the last voxel.
/// </summary>
public readonly struct TrilinearPoint
{
    private readonly int _index, _dx, _dy, _dz;
    private readonly double _fx, _fy, _fz;

    private TrilinearPoint(int nx, int ny, double x, double y, double z)
    {
        int x0 = (int)x, y0 = (int)y, z0 = (int)z;
        _fx = x - x0; _fy = y - y0; _fz = z - z0;
        _index = x0 + nx * (y0 + ny * z0);
        _dx = _fx > 0 ? 1 : 0;
        _dy = _fy > 0 ? nx : 0;
        _dz = _fz > 0 ? nx * ny : 0;
    }

    /// <summary>The position clamped onto the grid: outside it reads the nearest edge value.</summary>
    public static TrilinearPoint Clamped(int nx, int ny, int nz, double x, double y, double z) =>
        new(nx, ny, Math.Clamp(x, 0, nx - 1), Math.Clamp(y, 0, ny - 1), Math.Clamp(z, 0, nz - 1));

    /// <summary>False (and no point) when the position lies outside the grid's voxel centres, or is NaN.</summary>
    public static bool TryInside(int nx, int ny, int nz, double x, double y, double z, out TrilinearPoint point)
    {
        if (!(x >= 0 && x <= nx - 1 && y >= 0 && y <= ny - 1 && z >= 0 && z <= nz - 1))
        {
            point = default;
            return false;
        }
        point = new TrilinearPoint(nx, ny, x, y, z);
        return true;
    }

    /// <summary>The interpolated value of a map on the grid this point was made for.</summary>
    public float Sample(float[] data)
    {
        int i = _index;
        double c00 = Lerp(data[i], data[i + _dx], _fx);
        double c10 = Lerp(data[i + _dy], data[i + _dy + _dx], _fx);
        double c01 = Lerp(data[i + _dz], data[i + _dz + _dx], _fx);
        double c11 = Lerp(data[i + _dz + _dy], data[i + _dz + _dy + _dx], _fx);
        return (float)Lerp(Lerp(c00, c10, _fy), Lerp(c01, c11, _fy), _fz);
    }

    private static double Lerp(double a, double b, double t) => t == 0 ? a : a + (b - a) * t;
}
