using System.CommandLine;
using Spectre.Console;
using System.Globalization;
using System.Text.Json.Nodes;

namespace ReleaseCenter.Cli.Commands;

/// <summary>rc models … and rc versions …: the registry.</summary>
internal static class RegistryCommands
{
    public static Command Models(CliContext context)
    {
        var models = new Command("models", "Models: create, list, show");

        var name = new Option<string>("--name") { Description = "The model's name (lowercase letters, digits, '-')", Required = true };
        var project = new Option<string>("--project") { Description = "The project that owns it", Required = true };
        var description = new Option<string>("--description") { Description = "What it is for" };
        var create = new Command("create", "Register a model") { name, project, description };
        create.SetAction(Session.Run(context, async (s, ct) =>
        {
            var body = new JsonObject { ["name"] = s.Parse.GetValue(name), ["project"] = s.Parse.GetValue(project), ["description"] = s.Parse.GetValue(description) };
            var model = await s.Api.PostAsync("/v1/models", body, ct).ConfigureAwait(false);
            return s.Show(model, () => s.Out.WriteLine($"Registered model {model.Str("name")} in project {model.Str("project")}."));
        }));

        var byProject = new Option<string>("--project") { Description = "Only this project's models" };
        var list = new Command("list", "The registry's models") { byProject };
        list.SetAction(Session.Run(context, async (s, ct) =>
        {
            var query = s.Parse.GetValue(byProject) is { } p ? $"?project={Uri.EscapeDataString(p)}&limit=100" : "?limit=100";
            var page = await s.Api.GetAsync("/v1/models" + query, ct).ConfigureAwait(false);
            return s.Show(page, () => Render.Table(s.Out, page.Items("items"),
                ("Model", m => m.Str("name")), ("Project", m => m.Str("project")), ("Latest version", m => m.Str("latestVersion")),
                ("Created", m => J.Time(m.Str("createdAt"))), ("By", m => m.Str("createdBy"))));
        }));

        var modelName = new Argument<string>("model") { Description = "The model's name" };
        var show = new Command("show", "A model") { modelName };
        show.SetAction(Session.Run(context, async (s, ct) =>
        {
            var model = await s.Api.GetAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(modelName)!)}", ct).ConfigureAwait(false);
            return s.Show(model, () => Render.Pairs(s.Out, ("Model", model.Str("name")), ("Project", model.Str("project")),
                ("Description", model.Str("description")), ("Latest version", model.Str("latestVersion")),
                ("Created", $"{J.Time(model.Str("createdAt"))} by {model.Str("createdBy")}")));
        }));

        models.Subcommands.Add(create);
        models.Subcommands.Add(list);
        models.Subcommands.Add(show);
        return models;
    }

    public static Command Versions(CliContext context)
    {
        var versions = new Command("versions", "Model versions: register, list, show, veto, lift-veto");
        var model = new Option<string>("--model") { Description = "The model", Required = true };

        var file = new Option<FileInfo>("--file")
        {
            Description = "The version as JSON (the body of POST /v1/models/{model}/versions: artifactUri, artifactDigest, image, metrics, datasets, …); the options below override it",
        };
        var artifactUri = new Option<string>("--artifact-uri") { Description = "Where the model artifact is (s3://…)" };
        var artifactDigest = new Option<string>("--artifact-digest") { Description = "sha256:<64 hex> of the artifact" };
        var image = new Option<string>("--image") { Description = "The inference image (ECR URI)" };
        var trainingRun = new Option<string>("--training-run") { Description = "The training run that produced it" };
        var metric = new Option<string[]>("--metric") { Description = "A metric, name=value (repeat for more)" };
        var hyperparameter = new Option<string[]>("--hyperparameter") { Description = "A hyperparameter, name=value (repeat for more)" };
        var fromPackage = new Option<string>("--from-model-package")
        {
            Description = "Register a SageMaker model package (its ARN): image, artifact, metrics report and lineage come from it; once per package",
        };
        var register = new Command("register", "Register a new version of a model (immutable once registered)")
        {
            model, file, artifactUri, artifactDigest, image, trainingRun, metric, hyperparameter, fromPackage,
        };
        register.SetAction(Session.Run(context, async (s, ct) =>
        {
            if (s.Parse.GetValue(fromPackage) is { } packageArn)
            {
                if (s.Parse.GetValue(file) is not null || s.Parse.GetValue(artifactUri) is not null || s.Parse.GetValue(artifactDigest) is not null
                    || s.Parse.GetValue(image) is not null || s.Parse.GetValue(trainingRun) is not null
                    || s.Parse.GetValue(metric) is { Length: > 0 } || s.Parse.GetValue(hyperparameter) is { Length: > 0 })
                {
                    throw new UsageException("--from-model-package takes everything from the package; give no --file, --artifact-*, --image, --training-run, --metric or --hyperparameter with it.");
                }
                var imported = await s.Api.PostAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(model)!)}/versions/import",
                    new JsonObject { ["modelPackageArn"] = packageArn }, ct).ConfigureAwait(false);
                return s.Show(imported, () => s.Out.WriteLine(
                    $"{imported.Str("model")} v{imported.Str("version")} is model package {packageArn}" +
                    (imported.At("metrics") is { } m ? $" ({string.Join(", ", m.EnumerateObject().Select(p => $"{p.Name} {J.Number(p.Value.GetDouble())}"))})." : ".")));
            }
            var body = s.Parse.GetValue(file) is { } f
                ? JsonNode.Parse(await File.ReadAllTextAsync(f.FullName, ct).ConfigureAwait(false)) as JsonObject
                    ?? throw new UsageException($"{f.Name} does not hold a JSON object.")
                : new JsonObject();
            void Set(string key, string? value)
            {
                if (value is not null)
                {
                    body[key] = value;
                }
            }
            Set("artifactUri", s.Parse.GetValue(artifactUri));
            Set("artifactDigest", s.Parse.GetValue(artifactDigest));
            Set("image", s.Parse.GetValue(image));
            Set("trainingRun", s.Parse.GetValue(trainingRun));
            foreach (var (key, value) in Pairs(s.Parse.GetValue(metric), "--metric"))
            {
                body["metrics"] ??= new JsonObject();
                body["metrics"]![key] = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    ? number
                    : throw new UsageException($"--metric {key}={value}: the value must be a number.");
            }
            foreach (var (key, value) in Pairs(s.Parse.GetValue(hyperparameter), "--hyperparameter"))
            {
                body["hyperparameters"] ??= new JsonObject();
                body["hyperparameters"]![key] = value;
            }
            var name = s.Parse.GetValue(model)!;
            var version = await s.Api.PostAsync($"/v1/models/{Uri.EscapeDataString(name)}/versions", body, ct).ConfigureAwait(false);
            return s.Show(version, () => s.Out.WriteLine($"Registered {version.Str("model")} v{version.Str("version")}."));
        }));

        var list = new Command("list", "A model's versions, newest first") { model };
        list.SetAction(Session.Run(context, async (s, ct) =>
        {
            var page = await s.Api.GetAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(model)!)}/versions?limit=100", ct).ConfigureAwait(false);
            return s.Show(page, () => Render.Table(s.Out, page.Items("items"),
                ("Version", v => v.Str("version")),
                ("Metrics", v => v.At("metrics") is { } m ? string.Join(", ", m.EnumerateObject().Select(p => $"{p.Name} {J.Number(p.Value.GetDouble())}")) : "-"),
                ("Digest", v => Render.ShortDigest(v.Str("artifactDigest"))), ("Created", v => J.Time(v.Str("createdAt"))), ("By", v => v.Str("createdBy"))));
        }));

        var number = new Option<int>("--version") { Description = "The version number", Required = true };
        var show = new Command("show", "One version") { model, number };
        show.SetAction(Session.Run(context, async (s, ct) =>
        {
            var v = await s.Api.GetAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(model)!)}/versions/{s.Parse.GetValue(number)}", ct).ConfigureAwait(false);
            return s.Show(v, () => Render.Pairs(s.Out, ("Version", $"{v.Str("model")} v{v.Str("version")}"), ("Artifact", v.Str("artifactUri")),
                ("Digest", v.Str("artifactDigest")), ("Image", v.Str("image")), ("Training run", v.Str("trainingRun")),
                ("Metrics", v.At("metrics") is { } m ? string.Join(", ", m.EnumerateObject().Select(p => $"{p.Name} {J.Number(p.Value.GetDouble())}")) : null),
                ("Created", $"{J.Time(v.Str("createdAt"))} by {v.Str("createdBy")}"),
                ("Marked as bad", v.At("veto") is { } veto ? $"{J.Time(veto.Str("at"))} by {veto.Str("by")}: {veto.Str("reason")}" : null)));
        }));

        // Mark as bad, and lift the mark: while a veto stands, no release of the version may start.
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the audit log)", Required = true };
        var veto = new Command("veto", "Mark a version as bad: no release of it may start until the veto is lifted") { model, number, reason };
        veto.SetAction(Session.Run(context, async (s, ct) =>
        {
            var v = await s.Api.PostAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(model)!)}/versions/{s.Parse.GetValue(number)}/veto",
                new JsonObject { ["reason"] = s.Parse.GetValue(reason) }, ct).ConfigureAwait(false);
            return s.Show(v, () => s.Out.WriteLine($"Marked {v.Str("model")} v{v.Str("version")} as bad. No release of it may start until the veto is lifted."));
        }));
        var lift = new Command("lift-veto", "Lift the veto on a version, so that it may be released again") { model, number, reason };
        lift.SetAction(Session.Run(context, async (s, ct) =>
        {
            var v = await s.Api.PostAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(model)!)}/versions/{s.Parse.GetValue(number)}/veto/lift",
                new JsonObject { ["reason"] = s.Parse.GetValue(reason) }, ct).ConfigureAwait(false);
            return s.Show(v, () => s.Out.WriteLine($"Lifted the veto on {v.Str("model")} v{v.Str("version")}; it may be released again."));
        }));

        versions.Subcommands.Add(register);
        versions.Subcommands.Add(list);
        versions.Subcommands.Add(show);
        versions.Subcommands.Add(veto);
        versions.Subcommands.Add(lift);
        return versions;
    }

    private static IEnumerable<(string Key, string Value)> Pairs(string[]? values, string option)
    {
        foreach (var pair in values ?? [])
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new UsageException($"{option} {pair}: expected name=value.");
            }
            yield return (pair[..at], pair[(at + 1)..]);
        }
    }
}
