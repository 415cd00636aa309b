//! `model-provider`: `model_provider` is exactly `amazon-bedrock` (or `amazon-bedrock-runtime` from
//! 0.148). Unset means requests go to OpenAI; an unknown id stops Codex (reference §2.1).

use super::{Check, CheckMeta, Fixable, Kind, Runner, closest, report_fatal};
use crate::catalog::Feature;
use crate::codex::{MANTLE_PROVIDER, RUNTIME_PROVIDER};
use crate::fix::{Edit, Fix, FixOptions, locate_key};
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ModelProvider,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Sometimes,
        lint: true,
        summary: "`model_provider` is exactly `amazon-bedrock` (or `amazon-bedrock-runtime` ≥ 0.148)",
        doc: include_str!("../../checks/model-provider.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let found = ctx.config.get(&["model_provider"]);
    let location = found.as_ref().and_then(|f| ctx.config.location(f));
    let set_it = "Set `model_provider = \"amazon-bedrock\"` at the top of config.toml";
    let Some(provider) = ctx.prediction.provider.as_deref() else {
        return Outcome::pass("").with(
            Finding::fail("model_provider is not set: Codex sends every request to OpenAI, not Bedrock").fix(set_it),
        );
    };
    let mut out = Outcome::pass(provider.to_owned());
    out.set("provider", provider);
    let mut candidates = vec![MANTLE_PROVIDER];
    if ctx.rules.has(Feature::RuntimeProvider) {
        candidates.push(RUNTIME_PROVIDER);
    }
    let suggestion = closest(provider, candidates.iter().copied(), 4)
        .or_else(|| provider.to_ascii_lowercase().contains("bedrock").then_some(MANTLE_PROVIDER));
    let remedy = match suggestion {
        Some(s) => format!("Use the built-in id: `model_provider = \"{s}\"`"),
        None => set_it.to_owned(),
    };
    report_fatal(ctx, CheckId::ModelProvider, &mut out, &remedy);
    if ctx.prediction.bedrock.is_none() && out.findings.is_empty() {
        let what = if provider == RUNTIME_PROVIDER {
            format!("`{provider}` is built in only from Codex 0.148.0 (this is {})", ctx.rules.version)
        } else {
            format!(
                "`{provider}` is not a built-in Bedrock provider: requests do not go to Amazon Bedrock with AWS auth"
            )
        };
        out.push(Finding::fail(what).fix(remedy).at(location));
    }
    out
}

/// A misspelt id that names no provider becomes `amazon-bedrock` (safe: Codex cannot start with it).
/// Setting an unset provider, or replacing a custom provider, changes where requests go (unsafe).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    if ctx.prediction.bedrock.is_some() {
        return Vec::new();
    }
    let Some((file, path)) = locate_key(ctx, &["model_provider"]) else { return Vec::new() };
    let set = |id: &str| Edit::Set { path: path.clone(), value: id.into() };
    let title = |id: &str| format!("Set `model_provider = \"{id}\"`");
    let Some(provider) = ctx.prediction.provider.as_deref() else {
        return vec![
            Fix::unsafe_edit(CheckId::ModelProvider, title(MANTLE_PROVIDER), file.clone(), set(MANTLE_PROVIDER))
                .note("Codex will send requests to Amazon Bedrock instead of OpenAI"),
        ];
    };
    let mut candidates = vec![MANTLE_PROVIDER];
    if ctx.rules.has(Feature::RuntimeProvider) {
        candidates.push(RUNTIME_PROVIDER);
    }
    let Some(target) = closest(provider, candidates.iter().copied(), 4)
        .or_else(|| provider.to_ascii_lowercase().contains("bedrock").then_some(MANTLE_PROVIDER))
    else {
        return Vec::new();
    };
    let custom = ctx.config.get(&["model_providers", provider]).is_some();
    let fix = if custom { Fix::unsafe_edit } else { Fix::safe };
    vec![fix(CheckId::ModelProvider, title(target), file.clone(), set(target))]
}
