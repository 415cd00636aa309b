//! `wire-api`: the provider's `wire_api` is `responses` (the only value; `chat` is a hard error)
//! (reference §2.4).

use super::{Check, CheckMeta, Fixable, Kind, Runner, report_fatal};
use crate::fix::{Fix, FixOptions, remove_key};
use crate::meta::CheckId;
use crate::prediction::provider_path;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::WireApi,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Safe,
        lint: true,
        summary: "only `\"responses\"`",
        doc: include_str!("../../checks/wire-api.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let mut out = Outcome::pass("not set (`responses` is the default and the only value)");
    for id in crate::prediction::bedrock_ids(&ctx.rules) {
        if let Some(found) = ctx.config.get(&provider_path(id, &["wire_api"]))
            && found.as_str() == Some("responses")
        {
            out.summary = "`responses` (the default and the only value)".into();
            out.push(
                Finding::info(format!("`model_providers.{id}.wire_api = \"responses\"` is the default; it can go"))
                    .at(ctx.config.location(&found)),
            );
        }
    }
    report_fatal(
        ctx,
        CheckId::WireApi,
        &mut out,
        "Delete the `wire_api` line; Bedrock only speaks the Responses API and it is the default",
    );
    out
}

/// A provider-level `wire_api` other than `responses` stops Codex; removing it restores the default,
/// the only value Bedrock accepts (safe).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    let mut out = Vec::new();
    for id in crate::prediction::bedrock_ids(&ctx.rules) {
        let logical = provider_path(id, &["wire_api"]);
        if ctx.config.get(&logical).is_some_and(|f| f.as_str() != Some("responses")) {
            out.extend(remove_key(ctx, CheckId::WireApi, &logical, "only `responses` exists, and it is the default"));
        }
    }
    out
}
