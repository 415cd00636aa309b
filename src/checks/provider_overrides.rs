//! `provider-overrides`: only the keys the version allows are set on the built-in provider, and the
//! provider validation rules hold (reference §2.2, §2.3).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, quoted, report_fatal};
use crate::fix::{Fix, FixOptions, remove_key};
use crate::meta::CheckId;
use crate::prediction::forbidden_provider_keys;
use crate::prediction::provider_path;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ProviderOverrides,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Safe,
        lint: true,
        summary: "only the keys the version allows are set on the built-in provider; validation rules hold",
        doc: include_str!("../../checks/provider-overrides.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let allowed = ctx.rules.provider_overridable();
    let mut out = Outcome::pass(format!("Codex {} allows {}", ctx.rules.version, quoted(allowed)));
    out.set("allowed", allowed.to_vec());
    for id in crate::prediction::bedrock_ids(&ctx.rules) {
        for (key, found) in forbidden_provider_keys(ctx, id) {
            out.push(
                Finding::fail(format!(
                    "`model_providers.{id}.{key}` cannot be changed on the built-in provider in Codex {}",
                    ctx.rules.version
                ))
                .fix(format!(
                    "Delete `{key}` from [model_providers.{id}]; the built-in provider already knows its URL and auth"
                ))
                .at(ctx.config.location(&found)),
            );
        }
    }
    let before = out.findings.len();
    report_fatal(ctx, CheckId::ProviderOverrides, &mut out, "Correct the provider table as the message says");
    // The override error is the same fatal the per-key findings already explain; keep the exact text.
    if before > 0 && out.findings.len() > before {
        out.findings.truncate(before);
    }
    if out.findings.is_empty() && bedrock(ctx).is_err() {
        out.summary = format!("no built-in Bedrock provider table overrides ({})", out.summary);
    }
    out
}

/// Fields Codex refuses on the built-in provider are removed (safe: Codex cannot start with them, and the
/// built-in provider already has its URL and auth).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    let mut out = Vec::new();
    for id in crate::prediction::bedrock_ids(&ctx.rules) {
        for (key, _) in forbidden_provider_keys(ctx, id) {
            let why = format!("Codex {} does not allow changing it on the built-in provider", ctx.rules.version);
            out.extend(remove_key(ctx, CheckId::ProviderOverrides, &provider_path(id, &[key.as_str()]), &why));
        }
    }
    out
}
