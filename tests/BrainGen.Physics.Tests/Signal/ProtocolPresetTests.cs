using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;

namespace BrainGen.Physics.Tests.Signal;

public class ProtocolPresetTests
{
    public static TheoryData<string> AllPresets()
    {
        var data = new TheoryData<string>();
        foreach (var name in ProtocolPresets.Names) data.Add(name);
        return data;
    }

    private static (double Csf, double Gm, double Wm) Signals(MrProtocol p) =>
        ContrastWeighting.TissueSignals(p, TissueTable.ForField(p.FieldStrengthTesla));

    [Theory]
    [MemberData(nameof(AllPresets))]
    public void EveryPresetIsValidAndShowsItsNamedContrast(string name)
    {
        var protocol = ProtocolPresets.Get(name);
        protocol.Validate();
        var (csf, gm, wm) = Signals(protocol);
        switch (protocol.BidsSuffix)
        {
            case "T1w":
                Assert.True(wm > gm && gm > csf, $"{name}: T1w needs WM > GM > CSF, got {wm}/{gm}/{csf}");
                break;
            case "T2w" or "T2starw":
                Assert.True(csf > gm && gm > wm, $"{name}: T2w needs CSF > GM > WM, got {csf}/{gm}/{wm}");
                break;
            case "FLAIR":
                Assert.True(gm > wm && csf < 0.25 * wm, $"{name}: FLAIR needs GM > WM and dark CSF, got {gm}/{wm}/{csf}");
                break;
            case "PDw":
                double max = Math.Max(csf, Math.Max(gm, wm)), min = Math.Min(csf, Math.Min(gm, wm));
                Assert.True(min > 0.65 * max, $"{name}: PDw should be flat-ish, got {csf}/{gm}/{wm}");
                Assert.True(gm > wm, $"{name}: PDw has GM brighter than WM");
                break;
            default:
                Assert.Fail($"{name}: unexpected suffix {protocol.BidsSuffix}");
                break;
        }
        Assert.Equal(protocol.BidsSuffix, ContrastWeighting.InferSuffix(protocol with { BidsSuffix = "" }));
    }

    [Fact]
    public void ClinicalFlairPresetsSitNearTheCsfNull()
    {
        foreach (var name in new[] { "ukb-flair", "oasis3-flair", "flair-1.5t" })
        {
            var p = ProtocolPresets.Get(name);
            double csfT1 = TissueTable.ForField(p.FieldStrengthTesla)[TissueClass.Csf].T1;
            Assert.InRange(p.InversionTime / InversionRecovery.NullInversionTime(csfT1, p.RepetitionTime), 0.97, 1.03);
        }
    }

    [Fact]
    public void UnknownPresetNamesTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => ProtocolPresets.Get("nope"));
        Assert.Contains("--preset", e.Message);
        Assert.Contains("ukb-flair", e.Message);
    }

    [Theory]
    [InlineData(SequenceKind.Mprage, 2000, 2, 0, "--ti")]
    [InlineData(SequenceKind.SpinEcho, 100, 200, 0, "--te")]
    [InlineData(SequenceKind.InversionRecovery, 5000, 90, 6000, "--ti")]
    [InlineData(SequenceKind.Flash, -1, 2, 0, "--tr")]
    public void InvalidProtocolsNameTheParameter(SequenceKind kind, double tr, double te, double ti, string option)
    {
        var p = new MrProtocol("custom", kind, tr, te, ti, FlipAngleDegrees: 8, EchoSpacing: 7, ReadoutPulses: 100);
        var e = Assert.Throws<ArgumentException>(p.Validate);
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void MprageThatDoesNotFitItsTrIsRejected()
    {
        var p = ProtocolPresets.Get("ukb-t1") with { RepetitionTime = 1200 };
        Assert.Throws<ArgumentException>(p.Validate);
    }

    [Theory]
    [InlineData("flair", SequenceKind.InversionRecovery)]
    [InlineData("MPRAGE", SequenceKind.Mprage)]
    [InlineData("spgr", SequenceKind.Flash)]
    public void SequenceNamesParse(string name, SequenceKind kind) => Assert.Equal(kind, SequenceNames.Parse(name));

    [Fact]
    public void TissueTablesExistOnlyForTheirFields()
    {
        Assert.Same(TissueTable.At3T, TissueTable.ForField(3));
        Assert.Same(TissueTable.At1p5T, TissueTable.ForField(1.5));
        Assert.Throws<ArgumentException>(() => TissueTable.ForField(7));
        foreach (var table in new[] { TissueTable.At3T, TissueTable.At1p5T })
            foreach (var (tissue, p) in table.Tissues)
            {
                p.Validate(tissue.ToString());
                Assert.True(p.T2Star <= p.T2, $"{tissue}: T2* must not exceed T2");
                Assert.False(string.IsNullOrWhiteSpace(table.Sources[tissue]));
            }
        // T1 rises with field; T2* falls (Bottomley 1984; Peters 2007).
        Assert.True(TissueTable.At3T[TissueClass.WhiteMatter].T1 > TissueTable.At1p5T[TissueClass.WhiteMatter].T1);
        Assert.True(TissueTable.At3T[TissueClass.GreyMatter].T2Star < TissueTable.At1p5T[TissueClass.GreyMatter].T2Star);
    }
}
