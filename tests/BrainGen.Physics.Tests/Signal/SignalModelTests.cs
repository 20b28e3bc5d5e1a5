using BrainGen.Physics.Signal;
using BrainGen.Physics.Tissue;
using FsCheck;
using FsCheck.Fluent;

namespace BrainGen.Physics.Tests.Signal;

public class SignalModelTests
{
    private static readonly TissueParameters Wm = new(0.69, 832, 79.2, 53.2);
    private static readonly TissueParameters Gm = new(0.837, 1331, 110, 66.0);
    private static readonly TissueParameters Csf = new(1.0, 4300, 1500, 1000);

    // Golden values: an independent numpy transcription of the reference equations (section 2 of the
    // reference notes); its normalized table reproduces the notes' table (e.g. FLAIR 0.77/1.00/0.02).
    [Theory]
    [InlineData("flash", 0.04440482522828008, 0.036008377261117934, 0.015110320683188228)]
    [InlineData("flash-pd", 0.049038632587451315, 0.05666551264085747, 0.05249616556996031)]
    [InlineData("se-t1", 0.252236823573062, 0.22303479848022353, 0.10560375934580711)]
    [InlineData("se-pd", 0.555156148837743, 0.6527667524898109, 0.49554041614489147)]
    [InlineData("se-t2", 0.19341625022711836, 0.31923946579193524, 0.5578530681028205)]
    [InlineData("flair", 0.19953566945801174, 0.25683949931467137, 0.004782701246739565)]
    [InlineData("mprage-2300", 0.030966790887619843, 0.022112843949103355, 0.005539383634994176)]
    [InlineData("mprage-2000", 0.032270265087107654, 0.0245351663282224, 0.007934631322130894)]
    public void MatchesIndependentTranscription(string model, double wm, double gm, double csf)
    {
        Func<TissueParameters, double> signal = model switch
        {
            "flash" => t => SpoiledGradientEcho.Signal(t, 18, 4.6, 30),
            "flash-pd" => t => SpoiledGradientEcho.Signal(t, 25, 4.6, 5),
            "se-t1" => t => SpinEcho.Exact(t, 500, 15),
            "se-pd" => t => SpinEcho.Exact(t, 3000, 15),
            "se-t2" => t => SpinEcho.Exact(t, 4000, 100),
            "flair" => t => InversionRecovery.Ideal(t, 9000, 90, 2500),
            "mprage-2300" => t => Mprage.Signal(t, new MprageTiming(2300, 900, 2.95, 9, 7.1, 176)),
            "mprage-2000" => t => Mprage.Signal(t, new MprageTiming(2000, 880, 2.01, 8, 7.5, 208)),
            _ => throw new ArgumentException(model),
        };
        AssertClose.Equal(wm, signal(Wm), abs: 1e-12);
        AssertClose.Equal(gm, signal(Gm), abs: 1e-12);
        AssertClose.Equal(csf, signal(Csf), abs: 1e-12);
    }

    [Fact]
    public void HandComputedSpinEchoShortTe()
    {
        // WM, TR 500, TE 15: 0.69 · (1 − e^(−500/832)) · e^(−15/79.2)
        double expected = 0.69 * (1 - Math.Exp(-500.0 / 832)) * Math.Exp(-15 / 79.2);
        AssertClose.Equal(expected, SpinEcho.ShortEcho(Wm, 500, 15), abs: 1e-14);
        AssertClose.Equal(0.2579, SpinEcho.ShortEcho(Wm, 500, 15), abs: 1e-4); // by hand: 0.69 × 0.45169 × 0.82746
    }

    [Fact]
    public void ErnstAngleMaximizesFlashSignal()
    {
        var gen = from t1 in Gen.Choose(300, 5000)
                  from tr in Gen.Choose(5, 100)
                  select (T1: (double)t1, Tr: (double)tr);
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var tissue = new TissueParameters(1, c.T1, 80, 50);
            double ernst = SpoiledGradientEcho.ErnstAngleDegrees(c.T1, c.Tr);
            double best = SpoiledGradientEcho.Signal(tissue, c.Tr, 0, ernst);
            return SpoiledGradientEcho.Signal(tissue, c.Tr, 0, ernst * 0.9) < best
                && SpoiledGradientEcho.Signal(tissue, c.Tr, 0, Math.Min(ernst * 1.1, 179)) < best
                && Math.Abs(best - 1 * Math.Sqrt((1 - Math.Exp(-c.Tr / c.T1)) / (1 + Math.Exp(-c.Tr / c.T1)))) < 1e-12;
        }));
    }

    [Fact]
    public void ErnstAngleOfWhiteMatterAtTr18MatchesNotes() =>
        AssertClose.Equal(11.9, SpoiledGradientEcho.ErnstAngleDegrees(832, 18), abs: 0.1);

    [Theory]
    [InlineData(9000, 2480.5)]
    [InlineData(5000, 1810.8)]
    public void CsfNullInversionTimeMatchesNotes(double tr, double expectedTi) =>
        AssertClose.Equal(expectedTi, InversionRecovery.NullInversionTime(4300, tr), abs: 0.1);

    [Fact]
    public void FlairNullsCsfAtComputedInversionTime()
    {
        var gen = from t1 in Gen.Choose(2000, 6000) from tr in Gen.Choose(6000, 12000) select (T1: (double)t1, Tr: (double)tr);
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var fluid = new TissueParameters(1, c.T1, 1500, 1000);
            double ti = InversionRecovery.NullInversionTime(c.T1, c.Tr);
            return InversionRecovery.Ideal(fluid, c.Tr, 90, ti) < 1e-12
                && InversionRecovery.General(fluid, c.Tr, 90, ti) < 1e-12
                && InversionRecovery.Ideal(fluid, c.Tr, 90, ti * 0.8) > 0.05;
        }));
    }

    [Fact]
    public void LongTrIdealAndGeneralFormsAgree()
    {
        AssertClose.Equal(InversionRecovery.Ideal(Gm, 9000, 90, 2500), InversionRecovery.General(Gm, 9000, 90, 2500), abs: 1e-12);
        AssertClose.Equal(InversionRecovery.Ideal(Gm, 1e7, 90, 2500), InversionRecovery.LongRepetition(Gm, 90, 2500), abs: 1e-12);
    }

    [Fact]
    public void SpinEchoExactTendsToShortTeFormAsTeShrinks() =>
        AssertClose.Equal(SpinEcho.ShortEcho(Gm, 3000, 0.001), SpinEcho.Exact(Gm, 3000, 0.001), abs: 1e-6);

    [Fact]
    public void FlashSmallAngleApproximationIsCloseAtSmallAngles() =>
        AssertClose.Equal(SpoiledGradientEcho.Signal(Wm, 20, 3, 4), SpoiledGradientEcho.SmallAngleSignal(Wm, 20, 3, 4), abs: 1e-3);

    [Fact]
    public void MprageApproachesPhyLdmFormAsFlipAndSpacingVanish()
    {
        // Deichmann with α → 0, ES → 0 (normalized by sin α) is the Phy-LDM IR steady state (with T2* for T2).
        var timing = new MprageTiming(2400, 1000, 0, 0.01, 1e-4, 2);
        foreach (var t in new[] { Wm, Gm, Csf })
        {
            double deichmann = Mprage.Signal(t, timing) / Math.Sin(0.01 * Math.PI / 180);
            AssertClose.Equal(PhyLdmSignal.Mprage(t, 2400, 0, 1000), deichmann, abs: 1e-4);
        }
    }

    [Fact]
    public void PhyLdmFlairEqualsIdealInversionRecovery() =>
        AssertClose.Equal(InversionRecovery.Ideal(Gm, 9000, 91, 2500), PhyLdmSignal.Flair(Gm, 9000, 91, 2500), abs: 1e-14);

    [Fact]
    public void ImperfectInversionRaisesCsfOnMprage()
    {
        double perfect = Mprage.Signal(Csf, new MprageTiming(2000, 880, 2, 8, 7.5, 208, 1.0));
        double imperfect = Mprage.Signal(Csf, new MprageTiming(2000, 880, 2, 8, 7.5, 208, 0.9));
        Assert.NotEqual(perfect, imperfect);
    }
}
