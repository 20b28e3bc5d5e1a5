namespace BrainGen.Models.Conditioning;

/// <summary>
/// One subject's covariates in the model's covariate order: the normalized values, and which of
/// them were given. "Given" is kept apart from the value because a requested value may normalize to
/// exactly the null value (e.g. a brain volume as far below the training range as the range is wide)
/// and is still a request: it is reported, recorded and warned about, never silently dropped.
/// A covariate not given holds the null value.
/// </summary>
public sealed record CovariateRow(double[] Values, bool[] Given)
{
    public int Count => Values.Length;
}
