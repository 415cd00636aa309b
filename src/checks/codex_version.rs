//! `codex-version`: which Codex release the rules are for (reference §1, §6).

use super::{Check, CheckMeta, Fixable, Kind, Runner};
use crate::context::VersionSource;
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::CodexVersion,
        group: "install",
        kind: Kind::Offline,
        fixable: Fixable::No,
        lint: false,
        summary: "Codex CLI found and its version; selects the rule set for every other check",
        doc: include_str!("../../checks/codex-version.md"),
    },
    run: Runner::Offline(run),
    fixes: None,
};

fn run(ctx: &Session) -> Outcome {
    let codex = &ctx.codex;
    let meta = &ctx.rules.catalog().meta;
    let v = &codex.version;
    // A VS Code extension or desktop app without a CLI on PATH runs the Codex it ships.
    let bundled_by = codex.binary.as_ref().and_then(|b| ctx.apps.iter().find(|a| a.binary.as_ref() == Some(b)));
    let mut out = match codex.source {
        VersionSource::Path => match bundled_by {
            Some(app) => Outcome::pass(format!("Codex {v}, the one {} {} ships", app.kind, app.version)),
            None => Outcome::pass(format!("Codex {v}")),
        },
        VersionSource::Flag => Outcome::pass(format!("Codex {v} (from --codex-version)")),
        VersionSource::Assumed => {
            // Someone with only the extension or the app needs no CLI: point at what they have.
            let fix = match ctx.apps.first() {
                Some(app) => format!(
                    "Pass `--codex-bin` with the Codex that {} runs (under {}), or `--codex-version X.Y.Z`",
                    app.kind,
                    app.path.display()
                ),
                None => "Install Codex (`npm install -g @openai/codex`) or pass `--codex-version X.Y.Z` / `--codex-bin PATH`"
                    .to_owned(),
            };
            Outcome::pass(format!("Codex {v} assumed")).with(
                Finding::warn(format!(
                    "{}; evaluating with the rules of Codex {v}, the newest known",
                    codex.problem.as_deref().unwrap_or("Codex not found")
                ))
                .fix(fix),
            )
        }
    };
    out.set("version", v.to_string());
    out.set("source", codex.source.as_str());
    if let Some(binary) = &codex.binary {
        out.set("binary", binary.display().to_string());
    }
    if let Some(app) = bundled_by {
        out.set("bundled_with", format!("{} {}", app.kind, app.version));
    }
    if let Some(raw) = &codex.raw {
        out.set("read_from", raw.clone());
    }
    out.set("rules_verified", meta.verified.clone());
    let rules: serde_json::Map<String, serde_json::Value> =
        ctx.rules.active_features().into_iter().map(|(k, e)| (k.to_owned(), e.into())).collect();
    out.set("rules", rules);
    let upgrade = "Upgrade Codex: `npm install -g @openai/codex@latest` (or `brew upgrade codex`)";
    if *v < meta.functional_minimum {
        out.push(
            Finding::fail(format!(
                "Codex {v} cannot sign Bedrock requests (0.123.0 sends no auth header and always calls us-east-1)"
            ))
            .fix(upgrade),
        );
    } else if *v < meta.docs_minimum {
        out.push(
            Finding::warn(format!(
                "Codex {v} is older than the documented minimum {} (old /v1 path, web_search sent to Mantle)",
                meta.docs_minimum
            ))
            .fix(upgrade),
        );
    }
    if ctx.rules.is_newer_than_known() {
        out.push(Finding::info(format!(
            "Codex {v} is newer than the newest release these rules were verified on ({}); using that release's rules",
            meta.newest_known
        )));
    }
    out.set("model_catalog", ctx.catalog_source_text());
    if let Some(problem) = &ctx.models.problem {
        // The compiled catalog then stands in; for a Codex newer than the rules, unknown models are
        // only information (see model-id).
        out.push(Finding::info(format!(
            "could not read Codex {v}'s own model catalog ({problem}); using the {}",
            ctx.catalog_source_text()
        )));
    }
    out
}
