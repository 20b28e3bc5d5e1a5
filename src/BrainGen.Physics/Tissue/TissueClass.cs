namespace BrainGen.Physics.Tissue;

/// <summary>
/// Tissue classes of the phantom and the segmentation. The first three are the brain classes FAST and
/// SynthSeg report; NonBrain stands for the extra-cerebral head (scalp fat, muscle, skull, meninges).
/// </summary>
public enum TissueClass
{
    Csf = 0,
    GreyMatter = 1,
    WhiteMatter = 2,
    NonBrain = 3,
}

public static class TissueClasses
{
    /// <summary>The brain classes in segmentation order (CSF, GM, WM: increasing T1w intensity).</summary>
    public static readonly TissueClass[] Brain = [TissueClass.Csf, TissueClass.GreyMatter, TissueClass.WhiteMatter];

    /// <summary>BIDS `label-` entity value of a class (derivatives spec: CSF, GM, WM).</summary>
    public static string BidsLabel(this TissueClass tissue) => tissue switch
    {
        TissueClass.Csf => "CSF",
        TissueClass.GreyMatter => "GM",
        TissueClass.WhiteMatter => "WM",
        TissueClass.NonBrain => "NonBrain",
        _ => throw new ArgumentOutOfRangeException(nameof(tissue)),
    };
}
