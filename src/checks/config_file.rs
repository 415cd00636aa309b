//! `config-file`: config.toml is found, readable, valid TOML, and its Bedrock keys have the types
//! Codex's serde structs demand (reference §2.3, §2.8).

use super::{Check, CheckMeta, Fixable, Kind, Runner, report_fatal};
use crate::context::{Context, FileRead};
use crate::report::{Finding, Outcome};

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: "config-file",
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::No,
        summary: "config.toml found, readable, valid TOML, known keys well-typed; errors point at file:line:col",
        doc: include_str!("../../checks/config-file.md"),
    },
    run: Runner::Offline(run),
};

fn run(ctx: &Context) -> Outcome {
    let Some(base) = ctx.config.base() else { return Outcome::skip("no config assembled") };
    let path = base.source.path.display().to_string();
    let mut out = Outcome::pass(format!("{path} parses"));
    out.set("path", path.clone());
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
        "config-file",
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
