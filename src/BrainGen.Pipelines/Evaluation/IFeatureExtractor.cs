using BrainGen.Torch;

namespace BrainGen.Pipelines.Evaluation;

/// <summary>
/// A network that turns volumes into feature vectors for FID, MMD and the age regressor. The name is
/// printed in every report, since FID values are only comparable under the same extractor.
/// </summary>
public interface IFeatureExtractor : IDisposable
{
    /// <summary>Short identifier, e.g. "medicalnet-resnet50" or "autoencoder-encoder(brain-ldm)".</summary>
    string Name { get; }

    /// <summary>What the features are and how inputs are prepared, one line for the report.</summary>
    string Description { get; }

    /// <summary>(B, 1, X, Y, Z) volumes with intensities in [0, 1] -> (B, F) float32 features.</summary>
    Tensor Extract(Tensor volumes);
}
