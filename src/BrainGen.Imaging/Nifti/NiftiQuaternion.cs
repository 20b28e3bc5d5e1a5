namespace BrainGen.Imaging;

/// <summary>
/// NIfTI "method 2" (qform): a unit quaternion (b, c, d; a implied), voxel sizes, qfac and an
/// offset. Conversions follow nibabel (quaternions.fillpositive / quat2mat, Nifti1Header.set_qform)
/// and nifti_clib (nifti_mat44_to_quatern).
/// </summary>
public static class NiftiQuaternion
{
    /// <summary>
    /// Below this, 1 - (b²+c²+d²) is rounding error and a is taken as 0 (a 180° rotation); nibabel
    /// uses 3·eps(float32) for NIfTI-1 and 3·eps(float64) for NIfTI-2, where the fields are doubles.
    /// </summary>
    public static double Threshold(int version) => version == 2 ? 3 * 2.220446049250313e-16 : 3 * 1.1920929e-07;

    /// <summary>a² = 1 - (b²+c²+d²); negative beyond the threshold means (b, c, d) is not a rotation.</summary>
    public static double ASquared(double b, double c, double d) => 1.0 - (b * b + c * c + d * d);

    public static Affine ToAffine(NiftiHeader h)
    {
        double b = h.QuaternB, c = h.QuaternC, d = h.QuaternD;
        var a2 = ASquared(b, c, d);
        var a = a2 < 0 ? 0 : Math.Sqrt(a2);
        var r = RotationFromQuaternion(a, b, c, d);
        var dz = h.ZoomOrOne(3) * h.QFac;
        double[] zoom = [h.ZoomOrOne(1), h.ZoomOrOne(2), dz];
        var l = new double[3, 3];
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++) l[i, j] = r[i, j] * zoom[j];
        return Affine.FromLinear(l, h.QOffsetX, h.QOffsetY, h.QOffsetZ);
    }

    /// <summary>nibabel quat2mat: normalises by the quaternion's norm, so a near-unit quaternion still gives a rotation.</summary>
    internal static double[,] RotationFromQuaternion(double w, double x, double y, double z)
    {
        var nq = w * w + x * x + y * y + z * z;
        if (nq < 1e-300) return new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        var s = 2.0 / nq;
        double xs = x * s, ys = y * s, zs = z * s;
        double wx = w * xs, wy = w * ys, wz = w * zs;
        double xx = x * xs, xy = x * ys, xz = x * zs;
        double yy = y * ys, yz = y * zs, zz = z * zs;
        return new double[,]
        {
            { 1.0 - (yy + zz), xy - wz, xz + wy },
            { xy + wz, 1.0 - (xx + zz), yz - wx },
            { xz - wy, yz + wx, 1.0 - (xx + yy) },
        };
    }

    /// <summary>
    /// Quaternion, qfac and zooms for an affine (nibabel set_qform): zooms are column norms, a
    /// left-handed grid gets qfac = -1, and any shear is dropped by taking the nearest rotation.
    /// </summary>
    public static (double B, double C, double D, int QFac, double[] Zooms) FromAffine(Affine affine)
    {
        var l = affine.Linear();
        var zooms = affine.Spacing();
        for (var c = 0; c < 3; c++)
        {
            if (zooms[c] == 0) throw new ArgumentException("affine has a zero-length voxel axis");
            for (var r = 0; r < 3; r++) l[r, c] /= zooms[c];
        }
        var qfac = 1;
        if (affine.Determinant3 < 0)
        {
            qfac = -1;
            for (var r = 0; r < 3; r++) l[r, 2] = -l[r, 2];
        }
        var rot = Orientation.PolarRotation(l);
        var (a, b, cq, d) = QuaternionFromRotation(rot);
        if (a < 0) (b, cq, d) = (-b, -cq, -d);
        return (b, cq, d, qfac, zooms);
    }

    /// <summary>nifti_clib nifti_mat44_to_quatern, for a proper rotation; returns (a, b, c, d).</summary>
    internal static (double A, double B, double C, double D) QuaternionFromRotation(double[,] r)
    {
        double a = r[0, 0] + r[1, 1] + r[2, 2] + 1.0, b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r[2, 1] - r[1, 2]) / a;
            c = 0.25 * (r[0, 2] - r[2, 0]) / a;
            d = 0.25 * (r[1, 0] - r[0, 1]) / a;
        }
        else
        {
            double xd = 1.0 + r[0, 0] - (r[1, 1] + r[2, 2]);
            double yd = 1.0 + r[1, 1] - (r[0, 0] + r[2, 2]);
            double zd = 1.0 + r[2, 2] - (r[0, 0] + r[1, 1]);
            if (xd > 1.0)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r[0, 1] + r[1, 0]) / b;
                d = 0.25 * (r[0, 2] + r[2, 0]) / b;
                a = 0.25 * (r[2, 1] - r[1, 2]) / b;
            }
            else if (yd > 1.0)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r[0, 1] + r[1, 0]) / c;
                d = 0.25 * (r[1, 2] + r[2, 1]) / c;
                a = 0.25 * (r[0, 2] - r[2, 0]) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r[0, 2] + r[2, 0]) / d;
                c = 0.25 * (r[1, 2] + r[2, 1]) / d;
                a = 0.25 * (r[1, 0] - r[0, 1]) / d;
            }
        }
        return (a, b, c, d);
    }
}
