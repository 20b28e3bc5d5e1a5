using System.Security.Cryptography;
using System.Text;
using BrainGen.Imaging;
using BrainGen.Models.Tokenizers;
using BrainGen.Torch;
using BrainGen.Torch.Serialization;

namespace BrainGen.Pipelines.Training;

/// <summary>
/// Stage-2 latents, encoded once: run/latents/latents.safetensors holds the posterior means and
/// standard deviations (N, C, *latent) of every training image, and its metadata the fingerprint of
/// the autoencoder weights and the image list. A later run (or a resume) reuses the file when the
/// fingerprint matches and re-encodes when anything changed.
/// </summary>
public sealed class LatentCache : IDisposable
{
    private LatentCache(Tensor mu, Tensor sigma, bool reused) => (Mu, Sigma, Reused) = (mu, sigma, reused);

    public Tensor Mu { get; }
    public Tensor Sigma { get; }
    public bool Reused { get; }
    public int Count => (int)Mu.Size(0);

    public static LatentCache Build(string runFolder, AutoencoderKL autoencoder, string autoencoderWeights, TrainingDataset data, Device device)
    {
        var path = Path.Combine(runFolder, "latents", "latents.safetensors");
        var fingerprint = Fingerprint(autoencoderWeights, data);
        if (File.Exists(path))
        {
            using var file = SafeTensorsFile.Open(path);
            if (file.Metadata.TryGetValue("fingerprint", out var stored) && stored == fingerprint)
            {
                var tensors = file.ToHostTensors();
                if (!tensors.TryGetValue("mu", out var mu) || !tensors.TryGetValue("sigma", out var sigma) || mu.Shape[0] != data.Count)
                    throw new InvalidDataException($"{path}: latent cache lacks mu/sigma for {data.Count} images; delete it to re-encode");
                return new LatentCache(Tensor.FromHost(mu, device).DetachFromScope(), Tensor.FromHost(sigma, device).DetachFromScope(), true);
            }
        }
        using var noGrad = Torch.Torch.NoGrad();
        var mus = new List<Tensor>();
        var sigmas = new List<Tensor>();
        try
        {
            foreach (var image in data.Images)
            {
                using var scope = Torch.Torch.NewDisposeScope();
                var (m, s) = autoencoder.Encode(VolumeTensor.ToTensor(image.Volume, device));
                mus.Add(m.DetachFromScope());
                sigmas.Add(s.DetachFromScope());
            }
            var muAll = Tensor.Cat(mus.ToArray()).DetachFromScope();
            var sigmaAll = Tensor.Cat(sigmas.ToArray()).DetachFromScope();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            SafeTensors.Save(path, new Dictionary<string, HostTensor> { ["mu"] = muAll.ToHost(), ["sigma"] = sigmaAll.ToHost() },
                new Dictionary<string, string> { ["fingerprint"] = fingerprint, ["images"] = string.Join(";", data.Images.Select(i => i.Label)) });
            return new LatentCache(muAll, sigmaAll, false);
        }
        finally
        {
            foreach (var t in mus.Concat(sigmas)) t.Dispose();
        }
    }

    /// <summary>
    /// 1/std of the training latents (Rombach et al. 2022; GM 3D LDM tutorial), so diffusion sees
    /// unit-variance latents. Over the means, or over one posterior draw when training samples.
    /// </summary>
    public double ScaleFactor(bool sampled, ulong seed)
    {
        using var scope = Torch.Torch.NewDisposeScope();
        using var generator = new Generator(seed);
        var z = sampled ? AutoencoderKL.Sample(Mu, Sigma, generator) : Mu;
        double std = z.Std().ToDouble();
        if (!(std > 1e-8) || !double.IsFinite(std))
            throw new InvalidDataException($"the cached latents have standard deviation {std}: the autoencoder collapsed; retrain stage 1");
        return 1 / std;
    }

    private static string Fingerprint(string weights, TrainingDataset data)
    {
        using var sha = SHA256.Create();
        using (var stream = BoundedFile.OpenRead(weights, "autoencoder weights")) sha.TransformBlock(SHA256.HashData(stream), 0, 32, null, 0);
        var bytes = Encoding.UTF8.GetBytes(data.Fingerprint());
        sha.TransformFinalBlock(bytes, 0, bytes.Length);
        return Convert.ToHexString(sha.Hash!);
    }

    public void Dispose()
    {
        Mu.Dispose();
        Sigma.Dispose();
    }
}
