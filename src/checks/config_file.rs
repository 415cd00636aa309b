//! `config-file`: config.toml is found, readable, valid TOML, and its Bedrock keys have the types
//! Codex's serde structs demand (reference §2.3, §2.8).

use super::{Check, CheckMeta, Fixable, Kind, Runner, report_fatal};
use crate::codex::BedrockKind;
use crate::context::FileRead;
use crate::env_vars::{AWS_DEFAULT_REGION, AWS_REGION};
use crate::fix::{Change, Fix, FixOptions, Safety};
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ConfigFile,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Safe,
        lint: true,
        summary: "config.toml found, readable, valid TOML, known keys well-typed; errors point at file:line:col",
        doc: include_str!("../../checks/config-file.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let Some(base) = ctx.config.base() else { return Outcome::skip("no config assembled") };
    let path = base.source.path.display().to_string();
    let mut out = Outcome::pass(format!("{path} parses"));
    out.set("path", path.clone());
    // Codex gives up before looking for the file: what the file says (or that it is missing) is moot.
    if ctx.codex_home_problem.is_some() {
        report_fatal(
            ctx,
            CheckId::ConfigFile,
            &mut out,
            "Create that directory, or set CODEX_HOME to your Codex home (unset, Codex uses ~/.codex)",
        );
        return out;
    }
    if let FileRead::Missing = base.source.read {
        if ctx.config.layers.is_empty() {
            out.push(
                Finding::warn(format!("{path} does not exist: Codex runs with its defaults (provider `openai`)"))
                    .fix("Create it with `model_provider = \"amazon-bedrock\"`, `model` and `[model_providers.amazon-bedrock.aws] region`"),
            );
        } else {
            out.summary = format!("{path} does not exist; settings come from the profile or -c overrides");
        }
        return out;
    }
    report_fatal(
        ctx,
        CheckId::ConfigFile,
        &mut out,
        "Correct the value at the position shown; Codex refuses to start until the file loads",
    );
    if let Some(text) = base.source.text() {
        out.set("bytes", text.len());
    }
    if out.findings.is_empty() {
        let files: Vec<String> = ctx
            .config
            .files
            .iter()
            .filter(|f| f.source.exists())
            .map(|f| f.source.path.display().to_string())
            .collect();
        if files.len() > 1 {
            out.summary = format!("{} parse", files.join(" + "));
        }
    }
    out
}

/// No config.toml: a minimal correct one for the detected version (Bedrock provider, a model of the
/// version's catalog or `--model`, the region from `--region` or the environment when supported).
fn fixes(ctx: &Session, options: &FixOptions) -> Vec<Fix> {
    let Some(base) = ctx.config.base() else { return Vec::new() };
    if !matches!(base.source.read, FileRead::Missing) || !ctx.config.layers.is_empty() {
        return Vec::new();
    }
    let rules = &ctx.rules;
    let Some(model) = options.model.clone().or_else(|| ctx.default_model(BedrockKind::Mantle).map(str::to_owned))
    else {
        return Vec::new();
    };
    let allowed = rules.mantle_regions();
    let region = options.region.clone().or_else(|| {
        [AWS_REGION, AWS_DEFAULT_REGION]
            .iter()
            .find_map(|k| ctx.env.trimmed(k))
            .or_else(|| ctx.aws_profile_get(&ctx.aws_profile.name, "region"))
            .filter(|r| allowed.iter().any(|a| a == r))
            .map(str::to_owned)
    });
    let mut doc = toml_edit::DocumentMut::new();
    doc["model_provider"] = toml_edit::value("amazon-bedrock");
    doc["model"] = toml_edit::value(model.as_str());
    let mut contents = doc.to_string();
    if let Some(r) = &region {
        let region_edit = crate::fix::Edit::Set {
            path: ["model_providers", "amazon-bedrock", "aws", "region"].map(str::to_owned).to_vec(),
            value: r.as_str().into(),
        };
        contents = crate::fix::edit::apply(&contents, &[region_edit]).unwrap_or(contents);
    }
    let contents =
        format!("# Written by bedrock-doctor for Codex {}: Codex on Amazon Bedrock.\n{contents}", rules.version);
    let requested = options.model.is_some() || options.region.is_some();
    let fix = Fix {
        check: CheckId::ConfigFile,
        title: format!("Create {}", base.source.path.display()),
        // A new file in an existing directory cannot lose anything, and without it Codex does not use
        // Bedrock at all: safe (README). A missing directory is refused before planning (`ops::fix`).
        safety: Safety::Safe,
        requested,
        changes: vec![Change::Create { file: base.source.path.clone(), contents }],
        note: region
            .is_none()
            .then(|| "no supported region found: pass --region R (see `bedrock-doctor explain region`)".to_owned()),
    };
    vec![fix]
}
