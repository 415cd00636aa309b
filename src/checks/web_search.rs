//! `web-search`: the `web_search` value is valid for the version, and whether the web_search tool is
//! sent to Bedrock by that version (reference §2.6).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, quoted, report_fatal};
use crate::catalog::Feature;
use crate::codex::BedrockKind;
use crate::fix::{Edit, Fix, FixOptions, locate_key};
use crate::meta::CheckId;
use crate::prediction::web_search_values;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::WebSearch,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Safe,
        lint: true,
        summary: "value valid for the version; needed or not on Bedrock for that version",
        doc: include_str!("../../checks/web-search.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let rules = &ctx.rules;
    let found = ctx.config.get(&["web_search"]);
    let value = found.as_ref().and_then(|f| f.as_str());
    let mut out = Outcome::pass(match value {
        Some(v) => format!("web_search = \"{v}\""),
        None => "web_search not set".to_owned(),
    });
    out.set("valid_values", web_search_values(rules).to_vec());
    // The words `fix` acts on: it removes the value (Codex's default then applies); a value of the list
    // is the user's choice.
    let remedy = format!(
        "Remove the invalid `web_search` value (`fix` does), or use one of {}",
        quoted(web_search_values(rules))
    );
    report_fatal(ctx, CheckId::WebSearch, &mut out, &remedy);
    if !out.findings.is_empty() {
        return out;
    }
    let kind = match bedrock(ctx) {
        Ok(kind) => kind,
        Err(_) => return out,
    };
    let disabled = value == Some("disabled");
    let location = found.as_ref().and_then(|f| ctx.config.location(f));
    if kind == BedrockKind::Runtime {
        out.summary = format!("{}; amazon-bedrock-runtime never sends the web_search tool", out.summary);
    } else if rules.has(Feature::WebSearchSuppressed) {
        out.summary = format!("{}; Codex {} never sends the web_search tool to Bedrock", out.summary, rules.version);
    } else if !disabled && !rules.has(Feature::OpenaiV1Path) {
        out.push(
            Finding::warn(format!(
                "Codex {} sends the web_search tool (external_web_access:{}); Mantle answered 400 `unknown variant 'web_search'` before Bedrock web search (GA 2026-08-04), and still does where the region or account lacks it",
                rules.version,
                value == Some("live")
            ))
            .fix("Set `web_search = \"disabled\"` at the top level, or upgrade Codex to 0.128.0 or later")
            .at(location),
        );
    } else if !disabled {
        out.push(Finding::info(format!(
            "Codex {} sends the web_search tool to Bedrock with external_web_access:false; it needs Bedrock web search in the region (set `web_search = \"disabled\"` if requests fail with a 400 about tools)",
            rules.version
        )));
    }
    out
}

/// An invalid value is removed (Codex cannot start with it); on 0.123–0.125, which send the tool to
/// Mantle, `web_search = "disabled"` is set (both safe).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    let Some((file, path)) = locate_key(ctx, &["web_search"]) else { return Vec::new() };
    if ctx.prediction.fatal_for(CheckId::WebSearch).next().is_some() {
        return vec![Fix::safe(
            CheckId::WebSearch,
            "Remove the invalid `web_search` value",
            file,
            Edit::Remove { path },
        )];
    }
    let needs_disabled = bedrock(ctx).is_ok_and(|k| k == BedrockKind::Mantle)
        && !ctx.rules.has(Feature::OpenaiV1Path)
        && ctx.config.get_str(&["web_search"]).ok().flatten().map(|(v, _)| v) != Some("disabled");
    if needs_disabled {
        return vec![Fix::safe(
            CheckId::WebSearch,
            "Set `web_search = \"disabled\"`",
            file,
            Edit::Set { path, value: "disabled".into() },
        )];
    }
    Vec::new()
}
