//! `unknown-keys`: keys Codex ignores in the Bedrock provider tables (and near-misses of the
//! top-level keys that select Bedrock). Silently ignored up to 0.155, warned from 0.156.1, fatal
//! under `--strict-config` (reference §2.5).

use super::{Check, CheckMeta, Fixable, Kind, Runner, closest};
use crate::catalog::Feature;
use crate::codex::{MANTLE_PROVIDER, PROVIDER_FIELDS, RUNTIME_PROVIDER};
use crate::codex_errors;
use crate::context::codex_config::Found;
use crate::fix::{Fix, FixOptions, remove_key};
use crate::meta::CheckId;
use crate::prediction::provider_path;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::UnknownKeys,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Safe,
        lint: true,
        summary: "keys Codex ignores (e.g. `wire_api` inside the `.aws` table, as one official page shows)",
        doc: include_str!("../../checks/unknown-keys.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

/// Top-level keys a Bedrock setup depends on; a near-miss of one of these does nothing.
const TOP_LEVEL: &[&str] = &["model_provider", "model_providers", "web_search"];

fn aws_fields(ctx: &Session) -> Vec<&'static str> {
    let mut fields = vec!["profile"];
    for (key, feature) in [
        ("region", Feature::RegionConfig),
        ("auth_refresh", Feature::AuthRefresh),
        ("credential_export", Feature::CredentialExport),
    ] {
        if ctx.rules.has(feature) {
            fields.push(key);
        }
    }
    fields
}

/// Top-level Codex settings that users write after a table header by mistake: TOML then files them
/// under that table, where Codex ignores them (reference §2.5, e.g. `approval_policy` inside `.aws`).
const TOP_LEVEL_SETTINGS: &[&str] = &[
    "model",
    "model_provider",
    "approval_policy",
    "sandbox_mode",
    "model_reasoning_effort",
    "model_reasoning_summary",
    "model_verbosity",
    "model_context_window",
    "web_search",
    "notify",
    "instructions",
    "profile",
    "file_opener",
    "hide_agent_reasoning",
    "show_raw_agent_reasoning",
    "disable_response_storage",
    "project_doc_max_bytes",
    "preferred_auth_method",
    "forced_login_method",
    "cli_auth_credentials_store",
];

fn hint(path: &str) -> &'static str {
    let last = path.rsplit('.').next().unwrap_or("");
    if TOP_LEVEL_SETTINGS.contains(&last) {
        "This is a top-level setting: written after a table header, TOML files it under that table, where Codex ignores it. Move it above the first [table] header"
    } else if path.ends_with(".aws.wire_api") {
        "`wire_api` does nothing inside `.aws` (the help-center article puts it there); delete it — `responses` is already the default"
    } else if path.ends_with(".aws.additional_regions") || path.ends_with(".aws.regions") {
        "Codex has no user setting for extra regions; delete it and pick a region from the version's allowlist"
    } else {
        "Delete it, or move it to where Codex reads it (see `bedrock-doctor explain unknown-keys`)"
    }
}

fn run(ctx: &Session) -> Outcome {
    let mut unknown: Vec<(String, Found<'_>)> = Vec::new();
    let mut ids: Vec<&str> = crate::prediction::bedrock_ids(&ctx.rules).to_vec();
    // The selected provider's own table too (a custom provider, or one named "Amazon Bedrock").
    let selected = ctx.prediction.table();
    if ctx.config.get(&provider_path(selected, &[])).is_some() && !ids.contains(&selected) {
        ids.push(selected);
    }
    for id in ids {
        for (key, found) in ctx.config.keys(&provider_path(id, &[])) {
            if !PROVIDER_FIELDS.contains(&key.as_str()) {
                unknown.push((format!("model_providers.{id}.{key}"), found));
            }
        }
        let fields = aws_fields(ctx);
        for (key, found) in ctx.config.keys(&provider_path(id, &["aws"])) {
            if !fields.contains(&key.as_str()) {
                unknown.push((format!("model_providers.{id}.aws.{key}"), found));
            }
        }
    }
    let mut out = Outcome::pass("no ignored keys in the provider tables");
    for (path, found) in &unknown {
        let effect = if ctx.rules.has(Feature::UnknownKeyWarning) {
            "Codex ignores it and prints a warning"
        } else {
            "Codex silently ignores it"
        };
        out.push(
            Finding::warn(format!("`{path}` is not a Codex setting: {effect}"))
                .fix(hint(path))
                .at(ctx.config.location(found)),
        );
    }
    if !unknown.is_empty() && ctx.rules.has(Feature::UnknownKeyWarning) {
        let file = ctx.config.base().map(|b| b.source.path.clone()).unwrap_or_default();
        let keys: Vec<String> = unknown.iter().map(|(p, _)| p.clone()).collect();
        out.set("codex_warning", codex_errors::unknown_keys_warning(&file, &keys));
    }
    if ctx.rules.has(Feature::StrictConfig) && !unknown.is_empty() {
        out.set("strict_config", "`codex exec --strict-config` refuses this config");
    }
    // Near-misses of the keys that select Bedrock, and provider tables under a misspelled id.
    for layer in &ctx.config.layers {
        for (key, _) in layer.root.iter() {
            if TOP_LEVEL.contains(&key) || key == "model" || key == "profile" || key == "profiles" {
                continue;
            }
            if let Some(meant) = closest(key, TOP_LEVEL.iter().copied(), 2)
                && let Some(found) = ctx.config.get(&[key])
            {
                out.push(
                    Finding::warn(format!("`{key}` is not a Codex setting (did you mean `{meant}`?)"))
                        .fix(format!("Rename `{key}` to `{meant}`"))
                        .at(ctx.config.location(&found)),
                );
            }
        }
    }
    if let Some(selected) = ctx.prediction.provider.as_deref() {
        for (id, found) in ctx.config.keys(&["model_providers"]) {
            let near = closest(&id, [MANTLE_PROVIDER, RUNTIME_PROVIDER], 3).is_some();
            if near && id != MANTLE_PROVIDER && id != RUNTIME_PROVIDER && id != selected {
                out.push(
                    Finding::warn(format!(
                        "[model_providers.{id}] configures a provider named `{id}`, not the built-in one you select (`{selected}`)"
                    ))
                    .fix(format!("Rename the table to [model_providers.{selected}]"))
                    .at(ctx.config.location(&found)),
                );
            }
        }
    }
    out
}

/// Keys Codex ignores in the `.aws` table, which do nothing (safe to remove).
const IGNORED_AWS_KEYS: &[&str] = &["wire_api", "regions", "additional_regions"];

fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    let mut out = Vec::new();
    for id in crate::prediction::bedrock_ids(&ctx.rules) {
        for key in IGNORED_AWS_KEYS {
            out.extend(remove_key(ctx, CheckId::UnknownKeys, &provider_path(id, &["aws", key]), "Codex ignores it"));
        }
    }
    out
}
