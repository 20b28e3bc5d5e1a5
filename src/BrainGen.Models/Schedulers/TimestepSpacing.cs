namespace BrainGen.Models.Schedulers;

/// <summary>
/// How n inference timesteps are laid over T training timesteps, as diffusers names them (Lin et al.
/// 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed", Table 2): linspace
/// round(linspace(0, T−1, n+1)) without its 0, leading k·⌊T/(n+1)⌋ (k = n..1) plus an offset, and
/// trailing round(T − k·T/n) − 1 (k = 0..n−1). Linspace and trailing start at T−1, the noisiest.
/// </summary>
public enum TimestepSpacing { Linspace, Leading, Trailing }
