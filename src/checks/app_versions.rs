//! `app-versions`: the VS Code extension and desktop app meet the documented minimum (reference §6).

use super::{Check, CheckMeta, Fixable, Kind, Runner};
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::AppVersions,
        group: "install",
        kind: Kind::Offline,
        fixable: Fixable::No,
        lint: false,
        summary: "VS Code extension (and Cursor/Insiders/remote) and desktop app versions ≥ 26.429.30905",
        doc: include_str!("../../checks/app-versions.md"),
    },
    run: Runner::Offline(run),
    fixes: None,
};

fn run(ctx: &Session) -> Outcome {
    let minimum = &ctx.rules.catalog().meta.app_minimum;
    if ctx.apps.is_empty() {
        return Outcome::skip("no VS Code extension or desktop app found");
    }
    let mut out =
        Outcome::pass(ctx.apps.iter().map(|a| format!("{} {}", a.kind, a.version)).collect::<Vec<_>>().join(", "));
    let mut listed = Vec::new();
    for app in &ctx.apps {
        listed.push(
            serde_json::json!({"kind": app.kind, "version": app.version, "path": app.path.display().to_string()}),
        );
        if let Some(problem) = &app.problem {
            out.push(Finding::warn(format!("{}: cannot read its version: {problem}", app.kind)));
            continue;
        }
        match app.semver() {
            Some(v) if v >= *minimum => {}
            Some(v) => out.push(
                Finding::warn(format!(
                    "{} {v} is older than {minimum}, the first version with Amazon Bedrock support",
                    app.kind
                ))
                .fix(match app.kind {
                    crate::context::apps::DESKTOP_APP if ctx.platform == crate::platform::Platform::Windows => {
                        "Update the Codex app from the Microsoft Store (Library → Get updates)".to_owned()
                    }
                    crate::context::apps::DESKTOP_APP => {
                        "Update the Codex desktop app (Codex → Check for Updates)".to_owned()
                    }
                    editor => format!("Update the Codex extension in {editor} (Extensions view → Codex → Update)"),
                }),
            ),
            None => out.push(Finding::warn(format!("{} has an unreadable version `{}`", app.kind, app.version))),
        }
    }
    out.set("installs", listed);
    out
}
