using System.Text.Json;

namespace BrainGen.Imaging.Tests;

public class BidsTests
{
    private static void Touch(string path, string content = "")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public void Reads_images_covariates_and_sessions_and_reports_skips()
    {
        using var dir = TestFiles.TempDir();
        var r = dir.Path;
        Touch(Path.Combine(r, "dataset_description.json"), """{"Name": "Toy", "BIDSVersion": "1.10.0"}""");
        Touch(Path.Combine(r, "participants.tsv"), "participant_id\tage\tsex\nsub-01\t34\tF\nsub-02\tn/a\tM\nsub-03\t70\tF\nsub-09\t50\tM\n");
        Touch(Path.Combine(r, "sub-01", "anat", "sub-01_T1w.nii.gz"));
        Touch(Path.Combine(r, "sub-01", "anat", "sub-01_acq-fast_T2w.nii"));
        Touch(Path.Combine(r, "sub-01", "anat", "sub-01_T1w.json"));
        Touch(Path.Combine(r, "sub-02", "ses-a", "anat", "sub-02_ses-a_T1w.nii.gz"));
        Touch(Path.Combine(r, "sub-02", "ses-b", "anat", "sub-02_ses-b_FLAIR.nii.gz"));
        Touch(Path.Combine(r, "sub-02", "ses-b", "anat", "sub-02_ses-a_T1w.nii.gz")); // wrong session entity
        Touch(Path.Combine(r, "sub-02", "sub-02_sessions.tsv"), "session_id\tvisit_age\nses-a\t60.5\nses-b\t62\n");
        Touch(Path.Combine(r, "sub-03", "func", "sub-03_task-rest_bold.nii.gz")); // no anat
        var cohort = BidsDataset.Read(r);

        Assert.Equal("Toy", cohort.Name);
        Assert.Equal(4, cohort.Rows.Count);
        var t2 = cohort.Rows.Single(x => x.Modality == "T2w");
        Assert.Equal(("01", (string?)null, 34.0, "F"), (t2.Subject, t2.Session, t2.Number("age")!.Value, t2.Text("sex")));
        var flair = cohort.Rows.Single(x => x.Modality == "FLAIR");
        Assert.Equal(("02", "b", 62.0), (flair.Subject, flair.Session, flair.Number("visit_age")!.Value));
        Assert.Null(flair.Number("age")); // n/a
        Assert.Contains(cohort.Skipped, s => s.Subject == "03" && s.Reason.Contains("no anatomical image"));
        Assert.Contains(cohort.Skipped, s => s.Subject == "09" && s.Reason.Contains("no sub- folder"));
        Assert.Contains(cohort.Warnings, w => w.Contains("do not match its folder"));
        Assert.Contains("skipped sub-03", cohort.Report());
    }

    [Fact]
    public void Malformed_participants_table_names_the_file_and_line()
    {
        using var dir = TestFiles.TempDir();
        Touch(Path.Combine(dir.Path, "participants.tsv"), "participant_id\tage\nsub-01 34\n");
        var e = Assert.Throws<InvalidDataException>(() => BidsDataset.Read(dir.Path));
        Assert.Contains("participants.tsv: line 2", e.Message);
    }

    [Fact]
    public void Derivative_writer_output_reads_back_as_a_cohort()
    {
        using var dir = TestFiles.TempDir();
        var writer = new BidsDerivativeWriter(dir.Path, "braingen", "0.1.0", "latent diffusion sampler", ["https://example.org/train"]);
        writer.DescribeColumn("sex", "Sex of the synthetic subject", levels: new Dictionary<string, string> { ["F"] = "female", ["M"] = "male" });
        Parallel.For(1, 5, i =>
        {
            var sub = $"{i:00}";
            writer.SetParticipant(sub, new Dictionary<string, object?> { ["sex"] = i % 2 == 0 ? "F" : "M", ["brain_volume"] = 1.1e6 + i });
            foreach (var ses in new[] { "1", "2" })
            {
                writer.SetSession(sub, ses, new Dictionary<string, object?> { ["age"] = 60.0 + i + (ses == "2" ? 2.5 : 0) });
                writer.Add(new SyntheticImage
                {
                    Subject = sub, Session = ses, Suffix = "T1w", Description = "synth",
                    Volume = TestFiles.Ramp(4, 4, 4), Seed = 1000 + i,
                    Parameters = new Dictionary<string, object?> { ["sampler"] = "ddim", ["steps"] = 50 },
                });
            }
        });
        writer.Complete();

        using (var d = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "dataset_description.json"))))
        {
            Assert.Equal("derivative", d.RootElement.GetProperty("DatasetType").GetString());
            Assert.Equal("braingen", d.RootElement.GetProperty("GeneratedBy")[0].GetProperty("Name").GetString());
        }
        var sidecarPath = Path.Combine(dir.Path, "sub-03", "ses-2", "anat", "sub-03_ses-2_desc-synth_T1w.json");
        using (var s = JsonDocument.Parse(File.ReadAllText(sidecarPath)))
        {
            Assert.Equal(1003, s.RootElement.GetProperty("Seed").GetInt64());
            Assert.Equal(50, s.RootElement.GetProperty("GenerationParameters").GetProperty("steps").GetInt32());
        }
        var cohort = BidsDataset.Read(dir.Path);
        Assert.Equal(8, cohort.Rows.Count);
        Assert.Empty(cohort.Skipped);
        var row = cohort.Rows.Single(r => r.Subject == "03" && r.Session == "2");
        Assert.Equal((65.5, "M"), (row.Number("age")!.Value, row.Text("sex")));
        Assert.Equal(TestFiles.Ramp(4, 4, 4).Data, Nifti.Read(row.Path).Data);
    }

    [Fact]
    public void Invalid_labels_are_refused()
    {
        using var dir = TestFiles.TempDir();
        var writer = new BidsDerivativeWriter(dir.Path, "braingen", "0.1.0");
        Assert.Throws<ArgumentException>(() => writer.SetParticipant("01_bad", new Dictionary<string, object?>()));
    }

    [Fact]
    public void Dataset_description_and_column_descriptions_hold_only_the_fields_given()
    {
        using var dir = TestFiles.TempDir();
        BidsFiles.WriteDatasetDescription(dir.Path, new BidsDatasetDescription("Raw", "raw", new BidsGenerator("sim", Description: "seed 1"))
        {
            BidsVersion = "1.9.0", Authors = ["A", "B"],
        });
        var path = Path.Combine(dir.Path, "dataset_description.json");
        using (var d = JsonDocument.Parse(File.ReadAllText(path)))
        {
            Assert.Equal(["Name", "BIDSVersion", "DatasetType", "Authors", "GeneratedBy"], d.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal("1.9.0", d.RootElement.GetProperty("BIDSVersion").GetString());
            Assert.Equal(["Name", "Description"], d.RootElement.GetProperty("GeneratedBy")[0].EnumerateObject().Select(p => p.Name));
        }
        Assert.EndsWith("}\n", File.ReadAllText(path));

        var columns = Path.Combine(dir.Path, "participants.json");
        BidsFiles.WriteColumnDescriptions(columns, [new BidsColumn("age", "age", "year"), new BidsColumn("sex", "sex", Levels: new Dictionary<string, string> { ["F"] = "female" })]);
        using var c = JsonDocument.Parse(File.ReadAllText(columns));
        Assert.Equal("year", c.RootElement.GetProperty("age").GetProperty("Units").GetString());
        Assert.False(c.RootElement.GetProperty("age").TryGetProperty("Levels", out _));
        Assert.False(c.RootElement.GetProperty("sex").TryGetProperty("Units", out _));
        Assert.Equal("female", c.RootElement.GetProperty("sex").GetProperty("Levels").GetProperty("F").GetString());
    }
}
