//! Loading the config as Codex does: the fatal errors it stops with before any request, in its order
//! (`CODEX_HOME`, syntax, unreadable files, `-c` overrides, profiles, types, `web_search`, provider rules, auth.json).

use super::{Fatal, location_of, provider_path, provider_str};
use crate::catalog::{Feature, Rules};
use crate::codex::{MANTLE_PROVIDER, PROVIDER_FIELDS, RUNTIME_PROVIDER};
use crate::codex_errors as err;
use crate::context::Context;
use crate::context::codex_config::Found;
use crate::meta::CheckId;

/// Config-load failures, in the order Codex meets them.
pub(crate) fn load_errors(ctx: &Context, fatal: &mut Vec<Fatal>) {
    let rules = &ctx.rules;
    if let Some(problem) = ctx.codex_home_problem {
        let text = err::codex_home(&ctx.codex_home, problem.as_str());
        fatal.push(Fatal { check: CheckId::ConfigFile, text, location: None });
        return;
    }
    for (i, file) in ctx.config.files.iter().enumerate() {
        // A missing profile file is silently an empty layer (S config/loader: NotFound → empty table).
        if !file.source.exists() {
            continue;
        }
        if let Some(e) = file.parse_error() {
            let text = err::malformed_toml(
                &file.source.path,
                e.location.line,
                e.location.column,
                &e.message,
                &e.source_line,
                e.width,
            );
            fatal.push(Fatal { check: CheckId::ConfigFile, text, location: Some(e.location.clone()) });
            return;
        }
        if let Some(problem) = file.source.problem() {
            let check = if i == 0 { CheckId::ConfigFile } else { CheckId::ConfigProfile };
            fatal.push(Fatal { check, text: err::unreadable_config(&problem), location: None });
            return;
        }
    }
    if let Some(e) = ctx.config.override_errors.first() {
        fatal.push(Fatal { check: CheckId::ConfigFile, text: format!("Error: {e}"), location: None });
        return;
    }
    if let Some(f) = profile_error(ctx) {
        fatal.push(f);
        return;
    }
    if let Some(f) = type_error(ctx) {
        fatal.push(f);
        return;
    }
    if let Some(f) = web_search_error(ctx) {
        fatal.push(f);
        return;
    }
    let providers: &[&str] =
        if rules.has(Feature::RuntimeProvider) { &[MANTLE_PROVIDER, RUNTIME_PROVIDER] } else { &[MANTLE_PROVIDER] };
    if !rules.has(Feature::RuntimeProvider)
        && let Some(found) = ctx.config.get(&provider_path(RUNTIME_PROVIDER, &["aws"]))
    {
        fatal.push(Fatal {
            check: CheckId::ModelProvider,
            text: err::aws_only_for_bedrock(RUNTIME_PROVIDER, rules),
            location: location_of(ctx, &found),
        });
        return;
    }
    // Which of the two provider rules Codex applies first changed at 0.156.1 (fidelity suite).
    for id in providers {
        let first = if rules.has(Feature::OverrideCheckedFirst) {
            override_error(ctx, id).or_else(|| combination_error(ctx, id))
        } else {
            combination_error(ctx, id).or_else(|| override_error(ctx, id))
        };
        if let Some(f) = first.or_else(|| validation_error(ctx, id)) {
            fatal.push(f);
            return;
        }
    }
    if let Some(f) = custom_table_error(ctx, providers) {
        fatal.push(f);
        return;
    }
    if let Some((_, false)) = &ctx.model_catalog_file {
        let location = ctx.config.get(&["model_catalog_json"]).and_then(|f| location_of(ctx, &f));
        fatal.push(Fatal {
            check: CheckId::ConfigFile,
            text: "Error: No such file or directory (os error 2)".to_owned(),
            location,
        });
    }
}

/// The user's own provider tables, checked whether selected or not: a `name` is required (E 0.135–0.171:
/// "provider name must not be empty", reported like the other `model_providers` validations), and
/// `wire_api` has the same two messages as on the built-in tables.
fn custom_table_error(ctx: &Context, builtin: &[&str]) -> Option<Fatal> {
    for (id, table) in ctx.config.keys(&["model_providers"]) {
        let builtin_id = builtin.contains(&id.as_str())
            || id == crate::codex::OPENAI_PROVIDER
            || crate::codex::OSS_PROVIDERS.iter().any(|(oss, _)| *oss == id);
        if builtin_id || !table.item.is_table_like() {
            continue;
        }
        if let Some(found) = ctx.config.get(&provider_path(&id, &["wire_api"])) {
            let text = match found.as_str() {
                Some("responses") => None,
                Some("chat") => Some(err::wire_api_chat(&id)),
                Some(other) => Some(err::wire_api_unknown(other, &id)),
                None => None,
            };
            if let Some(text) = text {
                return Some(Fatal { check: CheckId::WireApi, text, location: location_of(ctx, &found) });
            }
        }
        let named = provider_str(ctx, &id, &["name"]).is_some_and(|n| !n.is_empty());
        if !named {
            return Some(Fatal {
                check: CheckId::ModelProvider,
                text: err::provider_validation(&id, "provider name must not be empty"),
                location: ctx.config.table_location(&provider_path(&id, &[])),
            });
        }
        // Only the built-in providers take an `aws` table, even one run as Bedrock by its name (E
        // name-amazon-bedrock-aws-table, every release).
        if let Some(found) = ctx.config.get(&provider_path(&id, &["aws"])) {
            return Some(Fatal {
                check: CheckId::ModelProvider,
                text: err::aws_only_for_bedrock(&id, &ctx.rules),
                location: location_of(ctx, &found),
            });
        }
    }
    None
}

/// auth.json in a managed Bedrock mode that this version's `AuthMode` enum does not have yet: Codex
/// refuses to start, after config.toml has loaded (fidelity suite: `bedrockApiKey` on 0.124 and 0.135,
/// `bedrockAccessKeys` on 0.145; a config error wins over it).
pub(crate) fn auth_json_error(ctx: &Context) -> Option<Fatal> {
    let mode = ctx.auth_json.auth_mode.as_deref()?;
    // The versions that list their `AuthMode` variants refuse any other mode (E, auth-mode-unknown);
    // from 0.147 an unknown mode no longer stops Codex, and no list is recorded.
    let variants = ctx.rules.auth_modes()?;
    if variants.iter().any(|v| v == mode) {
        return None;
    }
    let text = ctx.auth_json.source.text()?;
    let key = text.find("\"auth_mode\"")?;
    let value_start = key + text[key..].find(':')? + 1;
    let open = value_start + text[value_start..].find('"')?;
    let close = open + 1 + text[open + 1..].find('"')?;
    let (line, column) = crate::context::files::line_col(text, close);
    Some(Fatal {
        check: CheckId::AuthSource,
        text: err::unknown_auth_mode(mode, variants, line, column),
        location: None,
    })
}

/// Profile selection errors (reference §2.7).
pub(crate) fn profile_error(ctx: &Context) -> Option<Fatal> {
    let base = ctx.config.base()?.table()?;
    let selector = base.get("profile").and_then(|i| i.as_str());
    let selected = ctx.options.codex_profile.as_deref();
    let locate = |key: &str| {
        let (k, _) = base.get_key_value(key)?;
        ctx.config.files.first()?.locate(&k.span()?)
    };
    if ctx.rules.has(Feature::ProfilesV2) {
        if let Some(name) = selected {
            let has_table = base.get("profiles").and_then(|p| p.as_table_like()).is_some_and(|t| t.contains_key(name));
            if has_table || selector == Some(name) {
                let loc = if has_table { locate("profiles") } else { locate("profile") };
                return Some(Fatal {
                    check: CheckId::ConfigProfile,
                    text: err::legacy_profile_conflict(name, &ctx.codex_home),
                    location: loc,
                });
            }
        }
        if let Some(name) = selector {
            return Some(Fatal {
                check: CheckId::ConfigProfile,
                text: err::legacy_profile_selector(name),
                location: locate("profile"),
            });
        }
        return None;
    }
    let name = selected.or(selector)?;
    let exists = base.get("profiles").and_then(|p| p.as_table_like()).is_some_and(|t| t.contains_key(name));
    (!exists).then(|| Fatal {
        check: CheckId::ConfigProfile,
        text: err::legacy_profile_missing(name),
        location: if selected.is_some() { None } else { locate("profile") },
    })
}

enum Expect {
    Str,
    Bool,
    Int,
    Table,
}

impl Expect {
    fn matches(&self, item: &toml_edit::Item) -> bool {
        match self {
            Expect::Str => item.is_str(),
            Expect::Bool => item.is_bool(),
            Expect::Int => item.is_integer(),
            Expect::Table => item.is_table_like(),
        }
    }

    fn serde_name(&self) -> &'static str {
        match self {
            Expect::Str => "a string",
            Expect::Bool => "a boolean",
            Expect::Int => "u64",
            Expect::Table => "a map",
        }
    }
}

/// Type errors in the keys the Bedrock setup depends on (reference §2.3: types are strict).
pub(crate) fn type_error(ctx: &Context) -> Option<Fatal> {
    let mut typed: Vec<(Vec<&str>, Expect)> = vec![
        (vec!["model"], Expect::Str),
        (vec!["model_provider"], Expect::Str),
        (vec!["model_providers"], Expect::Table),
    ];
    // Codex deserializes every provider table, the user's own too: a mistyped field in any of them
    // stops it (reference §2.3: types are strict).
    let user_ids: Vec<String> = ctx
        .config
        .keys(&["model_providers"])
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| id != MANTLE_PROVIDER && id != RUNTIME_PROVIDER)
        .collect();
    let ids: Vec<&str> =
        [MANTLE_PROVIDER, RUNTIME_PROVIDER].into_iter().chain(user_ids.iter().map(String::as_str)).collect();
    for &id in &ids {
        for (key, expect) in [
            ("name", Expect::Str),
            ("env_key_instructions", Expect::Str),
            ("websocket_connect_timeout_ms", Expect::Int),
            ("query_params", Expect::Table),
            ("env_http_headers", Expect::Table),
            ("base_url", Expect::Str),
            ("env_key", Expect::Str),
            ("experimental_bearer_token", Expect::Str),
            ("request_max_retries", Expect::Int),
            ("stream_max_retries", Expect::Int),
            ("stream_idle_timeout_ms", Expect::Int),
            ("requires_openai_auth", Expect::Bool),
            ("supports_websockets", Expect::Bool),
            ("http_headers", Expect::Table),
            ("auth", Expect::Table),
            ("aws", Expect::Table),
        ] {
            typed.push((provider_path(id, &[key]), expect));
        }
        typed.push((provider_path(id, &["aws", "profile"]), Expect::Str));
        if ctx.rules.has(Feature::RegionConfig) {
            typed.push((provider_path(id, &["aws", "region"]), Expect::Str));
        }
        if ctx.rules.has(Feature::AuthRefresh) {
            typed.push((provider_path(id, &["aws", "auth_refresh"]), Expect::Table));
            typed.push((provider_path(id, &["aws", "auth_refresh", "command"]), Expect::Str));
        }
        if ctx.rules.has(Feature::CredentialExport) {
            typed.push((provider_path(id, &["aws", "credential_export"]), Expect::Table));
            typed.push((provider_path(id, &["aws", "credential_export", "command"]), Expect::Str));
        }
    }
    for (path, expect) in &typed {
        let Some(found) = ctx.config.get(path) else { continue };
        if !expect.matches(found.item) {
            return Some(Fatal {
                check: CheckId::ConfigFile,
                text: err::invalid_type(&found.serde_unexpected(), expect.serde_name(), &path.join(".")),
                location: location_of(ctx, &found),
            });
        }
    }
    // Tables whose `command` is required.
    for id in [MANTLE_PROVIDER, RUNTIME_PROVIDER] {
        for (table, feature) in
            [("auth_refresh", Feature::AuthRefresh), ("credential_export", Feature::CredentialExport)]
        {
            if !ctx.rules.has(feature) {
                continue;
            }
            let path = provider_path(id, &["aws", table]);
            if let Some(found) = ctx.config.get(&path)
                && found.item.get("command").is_none()
            {
                return Some(Fatal {
                    check: CheckId::ConfigFile,
                    text: format!("Error loading config.toml: missing field `command`\nin `{}`", path.join(".")),
                    location: location_of(ctx, &found),
                });
            }
        }
    }
    // wire_api is deserialized with its own messages (reference §2.4).
    for id in [MANTLE_PROVIDER, RUNTIME_PROVIDER] {
        let Some(found) = ctx.config.get(&provider_path(id, &["wire_api"])) else { continue };
        let text = match found.as_str() {
            Some("responses") => continue,
            Some("chat") => err::wire_api_chat(id),
            Some(other) => err::wire_api_unknown(other, id),
            None => err::invalid_type(&found.serde_unexpected(), "a string", &format!("model_providers.{id}.wire_api")),
        };
        return Some(Fatal { check: CheckId::WireApi, text, location: location_of(ctx, &found) });
    }
    None
}

/// `web_search` values valid for the version (reference §2.6).
pub fn web_search_values(rules: &Rules) -> &'static [&'static str] {
    if rules.has(Feature::WebSearchIndexed) {
        &["disabled", "cached", "indexed", "live"]
    } else {
        &["disabled", "cached", "live"]
    }
}

pub(crate) fn web_search_error(ctx: &Context) -> Option<Fatal> {
    let found = ctx.config.get(&["web_search"])?;
    let text = match found.as_str() {
        Some(v) if web_search_values(&ctx.rules).contains(&v) => return None,
        Some(v) => err::web_search_unknown(v, &ctx.rules),
        None => err::web_search_not_string(),
    };
    Some(Fatal { check: CheckId::WebSearch, text, location: location_of(ctx, &found) })
}

/// Whether a provider field holds its `ModelProviderInfo::default()` value, which Codex tolerates.
pub(crate) fn is_default_value(key: &str, item: &toml_edit::Item) -> bool {
    match key {
        "wire_api" => item.as_str() == Some("responses"),
        "requires_openai_auth" | "supports_websockets" => item.as_bool() == Some(false),
        "name" => item.as_str() == Some(""),
        _ => false,
    }
}

/// Keys of a built-in provider table that Codex rejects (reference §2.2), with their locations.
pub fn forbidden_provider_keys<'a>(ctx: &'a Context, id: &str) -> Vec<(String, Found<'a>)> {
    let allowed = ctx.rules.provider_overridable();
    ctx.config
        .keys(&provider_path(id, &[]))
        .into_iter()
        .filter(|(key, found)| {
            PROVIDER_FIELDS.contains(&key.as_str())
                && key != "aws"
                // A non-default wire_api fails to deserialize before this rule runs (see wire-api).
                && key != "wire_api"
                && !allowed.iter().any(|a| a == key)
                && !is_default_value(key, found.item)
        })
        .collect()
}

pub(crate) fn override_error(ctx: &Context, id: &str) -> Option<Fatal> {
    let (_, found) = forbidden_provider_keys(ctx, id).into_iter().next()?;
    Some(Fatal {
        check: CheckId::ProviderOverrides,
        text: err::provider_override(id, &ctx.rules),
        location: location_of(ctx, &found),
    })
}

/// "provider aws cannot be combined with X" (`ModelProviderInfo::validate`): an `aws` table next to a
/// field that sets up another kind of auth. Observed from 0.145 (fidelity suite; reference §5.1).
pub(crate) fn combination_error(ctx: &Context, id: &str) -> Option<Fatal> {
    if !ctx.rules.provider_base_url() {
        return None;
    }
    let aws = ctx.config.get(&provider_path(id, &["aws"]))?;
    let set = |key: &str| ctx.config.get(&provider_path(id, &[key]));
    let field = [("env_key", false), ("auth", false), ("requires_openai_auth", true), ("supports_websockets", true)]
        .into_iter()
        .find(|(key, needs_true)| set(key).is_some_and(|f| !needs_true || f.item.as_bool() == Some(true)))?
        .0;
    let found = set(field).unwrap_or(aws);
    Some(Fatal {
        check: CheckId::ProviderOverrides,
        text: err::aws_combined_with(id, field),
        location: location_of(ctx, &found),
    })
}

pub(crate) fn validation_error(ctx: &Context, id: &str) -> Option<Fatal> {
    let rules = &ctx.rules;
    let table = ctx.config.get(&provider_path(id, &[]))?;
    let loc = location_of(ctx, &table);
    // Codex reports these after deserializing `model_providers` as a whole: no file position, the
    // field path on the last line (E: aws-auth-refresh-not-aws, aws-credential-export-with-profile).
    let at = |message: &str| {
        let text = err::provider_validation(id, message);
        Some(Fatal { check: CheckId::ProviderOverrides, text, location: loc.clone() })
    };
    if rules.has(Feature::CredentialExport)
        && ctx.config.get(&provider_path(id, &["aws", "credential_export"])).is_some()
        && ctx.config.get(&provider_path(id, &["aws", "profile"])).is_some()
    {
        return at("provider aws.credential_export cannot be combined with aws.profile");
    }
    if rules.has(Feature::AuthRefresh)
        && let Some(command) = provider_str(ctx, id, &["aws", "auth_refresh", "command"])
    {
        if command.trim().is_empty() {
            return at("provider aws.auth_refresh.command must not be empty");
        }
        if command != "aws" {
            return at("provider aws.auth_refresh.command must be `aws`");
        }
    }
    None
}
