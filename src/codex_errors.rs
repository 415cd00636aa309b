//! The exact texts Codex prints when it gives up before sending a request, by version.
//!
//! Every function cites the reference section (docs/codex-behaviour.md) whose observation
//! (E: the released binary, run on loopback) it reproduces. Keep the wording byte-exact: the fidelity
//! suite compares these strings with what the real binary prints.

use std::path::Path;

use crate::catalog::{Feature, Rules};

/// Prefix of config-load errors from 0.156.1; plain `Error: ` before for the provider-override error.
fn load_prefix(rules: &Rules) -> &'static str {
    if rules.has(Feature::UnknownKeyWarning) { "Error loading config.toml: " } else { "Error: " }
}

/// The fidelity cases `codex-home-missing` and `codex-home-file` (E 0.123-0.171): `CODEX_HOME` naming a
/// path that is missing or not a directory stops Codex before it reads any file. The path is quoted as
/// Rust's `Debug` quotes a path, as Codex's message does; `why` is "does not exist" or "is not a
/// directory".
pub fn codex_home(path: &Path, why: &str) -> String {
    format!("Error finding codex home: CODEX_HOME points to {path:?}, but that path {why}")
}

/// §2.8 and the fidelity suite: malformed TOML, with the caret snippet Codex prints under it
/// (`source_line` is the text of line `line`; `width` the length of the error's span, at least 1).
pub fn malformed_toml(
    file: &Path,
    line: usize,
    column: usize,
    message: &str,
    source_line: &str,
    width: usize,
) -> String {
    let gutter = " ".repeat(line.to_string().len() + 1);
    let carets = "^".repeat(width.max(1));
    let pad = " ".repeat(column.saturating_sub(1));
    format!(
        "Error loading config.toml:\n{}:{line}:{column}: {message}\n{gutter}|\n{line} | {source_line}\n{gutter}| {pad}{carets}",
        file.display()
    )
}

/// A config file Codex cannot read at all (directory, permissions, not UTF-8). The wording after the
/// prefix is the doctor's: the reference records no observation of these cases.
pub fn unreadable_config(problem: &str) -> String {
    format!("Error loading config.toml: {problem}")
}

/// §2.3: a known key with the wrong type, e.g. `region = 123`.
pub fn invalid_type(found: &str, expected: &str, key_path: &str) -> String {
    format!("Error loading config.toml: invalid type: {found}, expected {expected}\nin `{key_path}`")
}

/// §2.4: `wire_api = "chat"` at provider level.
pub fn wire_api_chat(provider: &str) -> String {
    format!(
        "Error loading config.toml: `wire_api = \"chat\"` is no longer supported.\n\
         How to fix: set `wire_api = \"responses\"` in your provider config.\n\
         More info: https://github.com/openai/codex/discussions/7782\n\
         in `model_providers.{provider}.wire_api`"
    )
}

/// §2.4: any other non-`responses` string for `wire_api`.
pub fn wire_api_unknown(value: &str, provider: &str) -> String {
    format!(
        "Error loading config.toml: unknown variant `{value}`, expected `responses`\nin `model_providers.{provider}.wire_api`"
    )
}

/// §2.6: an unknown `web_search` value.
pub fn web_search_unknown(value: &str, rules: &Rules) -> String {
    let expected = if rules.has(Feature::WebSearchIndexed) {
        "`disabled`, `cached`, `indexed`, `live`"
    } else {
        "`disabled`, `cached`, `live`"
    };
    format!("Error loading config.toml: unknown variant `{value}`, expected one of {expected}\nin `web_search`")
}

/// §2.6: a non-string `web_search`.
pub fn web_search_not_string() -> String {
    "Error loading config.toml: invalid type: unit variant, expected string only\nin `web_search`".to_owned()
}

/// §2.2: a non-default field on a built-in Bedrock provider.
pub fn provider_override(provider: &str, rules: &Rules) -> String {
    let body = format!("model_providers.{provider} {}", rules.provider_override_message());
    if rules.has(Feature::UnknownKeyWarning) {
        format!("{}{body}\nin `model_providers`", load_prefix(rules))
    } else {
        format!("{}{body}", load_prefix(rules))
    }
}

/// §2.1: an `aws` table on a user provider (`amazon-bedrock-runtime` too before it was built in, ≤
/// 0.147). From 0.148 the message names both built-in providers (E name-amazon-bedrock-aws-table).
pub fn aws_only_for_bedrock(provider: &str, rules: &Rules) -> String {
    let builtins = if rules.has(Feature::RuntimeProvider) {
        "`amazon-bedrock` or `amazon-bedrock-runtime`"
    } else {
        "`amazon-bedrock`"
    };
    format!(
        "Error loading config.toml: model_providers.{provider}: provider aws is only supported for {builtins}\nin `model_providers`"
    )
}

/// `aws.auth_refresh` / `aws.credential_export` validation: reported after `model_providers` is
/// deserialized as a whole, so with no file position (E: tests/fidelity/observed, 0.149+ and 0.155+).
pub fn provider_validation(provider: &str, message: &str) -> String {
    format!("Error loading config.toml: model_providers.{provider}: {message}\nin `model_providers`")
}

/// §5.1 and the fidelity suite: an `aws` table together with `auth` (or, from 0.145 to 0.156.0 before
/// the override rule, `env_key` / `requires_openai_auth` / `supports_websockets`).
pub fn aws_combined_with(provider: &str, field: &str) -> String {
    format!(
        "Error loading config.toml: model_providers.{provider}: provider aws cannot be combined with {field}\nin `model_providers`"
    )
}

/// §5.4 (E 0.124, 0.135): auth.json written by a newer Codex, read by one that predates the mode. Codex
/// prints serde_json's bare message; `line`/`column` are those of the closing quote of the value.
pub fn unknown_auth_mode(mode: &str, variants: &[String], line: usize, column: usize) -> String {
    let expected = variants.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
    format!("unknown variant `{mode}`, expected one of {expected} at line {line} column {column}")
}

/// §2.1: an unknown provider id.
pub fn provider_not_found(id: &str) -> String {
    format!("Error: Model provider `{id}` not found")
}

/// §2.7: a legacy `profile = "x"` selector with Codex ≥ 0.134.
pub fn legacy_profile_selector(name: &str) -> String {
    format!(
        "Error: legacy `profile = \"{name}\"` config is no longer supported; use `--profile {name}` with `{name}.config.toml` instead"
    )
}

/// §2.7: `--profile x` while config.toml still has the legacy form, Codex ≥ 0.134.
pub fn legacy_profile_conflict(name: &str, codex_home: &Path) -> String {
    let home = codex_home.display();
    format!(
        "Error loading config.toml: --profile `{name}` cannot be used while {home}/config.toml contains legacy \
         `profile = \"{name}\"` or `[profiles.{name}]` config; move those settings into {home}/{name}.config.toml \
         and remove the legacy profile selector/table. See https://developers.openai.com/codex/config-advanced#profiles \
         for more information."
    )
}

/// §2.7: a legacy profile selected that has no `[profiles.x]` table, Codex ≤ 0.132.
pub fn legacy_profile_missing(name: &str) -> String {
    format!("Error: config profile `{name}` not found")
}

/// §4.1: the bearer path found no region.
pub fn bearer_requires_region(rules: &Rules) -> String {
    if rules.has(Feature::BearerRegionFromEnv) {
        "ERROR: Fatal error: Amazon Bedrock bearer token auth requires `model_providers.amazon-bedrock.aws.region`, `AWS_REGION`, or `AWS_DEFAULT_REGION`".to_owned()
    } else {
        "ERROR: Fatal error: Amazon Bedrock bearer token auth requires `model_providers.amazon-bedrock.aws.region`"
            .to_owned()
    }
}

/// §4.1: the SDK path found no region.
pub fn sdk_no_region() -> String {
    "ERROR: Fatal error: failed to resolve Amazon Bedrock auth: AWS SDK config did not resolve a region".to_owned()
}

/// §4.2: the region is not in the version's Mantle allowlist.
pub fn unsupported_region(region: &str, rules: &Rules) -> String {
    if rules.has(Feature::RegionErrorWithoutMantle) {
        format!("ERROR: Fatal error: Amazon Bedrock does not support region `{region}`")
    } else {
        format!("ERROR: Fatal error: Amazon Bedrock Mantle does not support region `{region}`")
    }
}

/// §5.3: a named AWS profile that does not exist (region given).
pub fn profile_not_configured() -> String {
    "ERROR: stream disconnected before completion: failed to load AWS credentials: the credentials provider was not properly configured".to_owned()
}

/// §5.3: the generic text behind which Codex hides an SSO profile without a usable cached token, a
/// failing `credential_process` or a `login_session` without a login (E 0.169, the same since 0.124).
pub fn credentials_load_error() -> String {
    "ERROR: stream disconnected before completion: failed to load AWS credentials: an error occurred while loading credentials".to_owned()
}

/// §5.3: no credential source at all, with instance metadata disabled.
pub fn no_credentials_imds_disabled() -> String {
    "ERROR: stream disconnected before completion: failed to load AWS credentials: the credential provider was not enabled".to_owned()
}

/// §3: the warning (not an error) for a model missing from the version's catalog.
pub fn model_fallback_warning(model: &str) -> String {
    format!(
        "warning: Model metadata for `{model}` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."
    )
}

/// §2.5: the unknown-keys warning of ≥ 0.156.1.
pub fn unknown_keys_warning(file: &Path, keys: &[String]) -> String {
    let n = keys.len();
    let noun = if n == 1 { "setting" } else { "settings" };
    let mut out = format!(
        "warning: Codex is ignoring {n} unrecognized configuration {noun}. Check for typos or deprecated settings."
    );
    for key in keys {
        out.push_str(&format!("\n  user ({}): `{key}` is ignored.", file.display()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use semver::Version;

    fn rules(v: &str) -> Rules {
        Rules::for_version(Version::parse(v).unwrap())
    }

    #[test]
    fn override_error_prefix_changes_at_0_156_1() {
        assert_eq!(
            provider_override("amazon-bedrock", &rules("0.130.0")),
            "Error: model_providers.amazon-bedrock only supports changing `aws.profile` and `aws.region`; other non-default provider fields are not supported"
        );
        assert!(provider_override("amazon-bedrock", &rules("0.169.0")).starts_with(
            "Error loading config.toml: model_providers.amazon-bedrock only supports changing `base_url`"
        ));
        assert!(provider_override("amazon-bedrock", &rules("0.169.0")).ends_with("\nin `model_providers`"));
    }

    #[test]
    fn region_errors_by_version() {
        assert!(unsupported_region("us-west-1", &rules("0.149.0")).contains("Bedrock Mantle does not"));
        assert!(!unsupported_region("us-west-1", &rules("0.150.0")).contains("Mantle"));
        assert!(bearer_requires_region(&rules("0.135.0")).ends_with("aws.region`"));
        assert!(bearer_requires_region(&rules("0.136.0")).ends_with("`AWS_DEFAULT_REGION`"));
    }
}
