namespace BrainGen.Physics.Signal;

/// <summary>
/// The four physical properties an MR signal model needs for one tissue (or one voxel).
/// Times are in milliseconds; proton density is relative (pure water / CSF = 1).
/// </summary>
/// <param name="ProtonDensity">Relative proton density (M0 up to receive gain and voxel volume).</param>
/// <param name="T1">Longitudinal relaxation time, ms.</param>
/// <param name="T2">Transverse (spin-echo) relaxation time, ms.</param>
/// <param name="T2Star">Effective transverse (gradient-echo) relaxation time, ms; 1/T2* = 1/T2 + 1/T2'.</param>
public readonly record struct TissueParameters(double ProtonDensity, double T1, double T2, double T2Star)
{
    /// <summary>Throws when a property is not physical (negative PD, non-positive times, T2* > T2).</summary>
    public void Validate(string what)
    {
        if (!(ProtonDensity >= 0) || double.IsInfinity(ProtonDensity))
            throw new ArgumentException($"{what}: proton density must be finite and >= 0, got {ProtonDensity}");
        if (!(T1 > 0) || !(T2 > 0) || !(T2Star > 0))
            throw new ArgumentException($"{what}: T1, T2 and T2* must be > 0 ms, got {T1}/{T2}/{T2Star}");
    }

    /// <summary>Every property multiplied by its own factor (used for per-subject and per-voxel variation).</summary>
    public TissueParameters Scale(double pd, double t1, double t2, double t2Star) =>
        new(ProtonDensity * pd, T1 * t1, T2 * t2, T2Star * t2Star);

    public override string ToString() => $"PD {ProtonDensity:0.###}, T1 {T1:0.#} ms, T2 {T2:0.#} ms, T2* {T2Star:0.#} ms";
}
