namespace BrainGen.Physics.Phantom;

/// <summary>One visit's known truth, as written to participants.tsv (baseline) and sessions.tsv.</summary>
public sealed record PhantomVisit(string Session, double Age, double BrainVolumeMl, double VentricleVolumeMl, double IntracranialVolumeMl,
                                  double GreyMatterMl, double WhiteMatterMl, double CsfMl);

/// <summary>One subject: covariates, derived seed and every visit.</summary>
public sealed record PhantomSubjectRecord(string ParticipantId, string Sex, ulong Seed, SubjectCovariates Covariates, IReadOnlyList<PhantomVisit> Visits);

/// <summary>Progress of a cohort: subjects finished so far.</summary>
public readonly record struct PhantomProgress(int Completed, int Total, string LastParticipant);
