//! What Codex will do with this setup: which provider, model, credentials, region and URL, and the
//! exact error it would stop with before sending anything.
//!
//! Derived once from the [`Context`] and read by the checks and the report. The order of the steps
//! below is Codex's own: load the config (syntax, legacy profiles, types, provider rules), resolve the
//! provider, then, at the first request, resolve auth, region and credentials (reference §2, §4, §5).
//! The first fatal step is `codex_error`.

use crate::catalog::{Feature, Rules};
use crate::codex_errors as err;
use crate::context::codex_config::Found;
use crate::context::{Context, Location, ManagedAuth, Origin};
use crate::env_vars::*;

/// The two built-in Bedrock provider ids.
pub const MANTLE_PROVIDER: &str = "amazon-bedrock";
/// The Bedrock Runtime provider (Codex ≥ 0.148).
pub const RUNTIME_PROVIDER: &str = "amazon-bedrock-runtime";

/// The built-in Bedrock provider ids of a version (`amazon-bedrock-runtime` is a user-defined
/// provider before 0.148, and none of our rules apply to it then).
pub fn bedrock_ids(rules: &Rules) -> &'static [&'static str] {
    if rules.has(Feature::RuntimeProvider) { &[MANTLE_PROVIDER, RUNTIME_PROVIDER] } else { &[MANTLE_PROVIDER] }
}

/// Every field of Codex's `ModelProviderInfo` (S `model-provider-info/src/lib.rs`). Other keys in a
/// provider table are unknown keys, ignored by Codex.
pub const PROVIDER_FIELDS: &[&str] = &[
    "name",
    "base_url",
    "env_key",
    "env_key_instructions",
    "experimental_bearer_token",
    "auth",
    "aws",
    "wire_api",
    "query_params",
    "http_headers",
    "env_http_headers",
    "request_max_retries",
    "stream_max_retries",
    "stream_idle_timeout_ms",
    "websocket_connect_timeout_ms",
    "requires_openai_auth",
    "supports_websockets",
];

/// A step where Codex would stop, with the check that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fatal {
    /// The check id that reports it.
    pub check: &'static str,
    /// Codex's exact output.
    pub text: String,
    /// Where in a config file the cause is.
    pub location: Option<Location>,
}

/// Which Bedrock provider is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BedrockKind {
    /// `amazon-bedrock`: Mantle, the OpenAI-compatible endpoint.
    Mantle,
    /// `amazon-bedrock-runtime`.
    Runtime,
}

impl BedrockKind {
    /// The provider id.
    pub fn id(self) -> &'static str {
        match self {
            BedrockKind::Mantle => MANTLE_PROVIDER,
            BedrockKind::Runtime => RUNTIME_PROVIDER,
        }
    }

    /// The SigV4 service name (reference §5.2).
    pub fn signing_service(self) -> &'static str {
        match self {
            BedrockKind::Mantle => "bedrock-mantle",
            BedrockKind::Runtime => "bedrock",
        }
    }
}

/// How requests are authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// AWS Signature Version 4.
    Sigv4,
    /// `Authorization: Bearer` with a Bedrock API key.
    Bearer,
}

impl AuthMethod {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Sigv4 => "sigv4",
            AuthMethod::Bearer => "bearer",
        }
    }
}

/// Where the winning credentials come from (the JSON report's `auth.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AuthSource {
    /// `[model_providers.amazon-bedrock.auth]` command.
    ProviderCommand,
    /// `aws.profile` in the Codex config.
    ConfigProfile,
    /// Managed Bedrock API key in auth.json.
    ManagedApiKey,
    /// Managed access keys in auth.json.
    ManagedAccessKeys,
    /// `AWS_BEARER_TOKEN_BEDROCK` from the shell.
    EnvBearer,
    /// `AWS_BEARER_TOKEN_BEDROCK` from `$CODEX_HOME/.env`.
    DotenvBearer,
    /// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from the shell.
    EnvAccessKeys,
    /// The same from `.env`.
    DotenvAccessKeys,
    /// The rest of the AWS SDK default chain (profile, SSO, web identity, containers, IMDS).
    SdkChain,
}

impl AuthSource {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthSource::ProviderCommand => "provider-command",
            AuthSource::ConfigProfile => "config-profile",
            AuthSource::ManagedApiKey => "managed-api-key",
            AuthSource::ManagedAccessKeys => "managed-access-keys",
            AuthSource::EnvBearer => "env-bearer",
            AuthSource::DotenvBearer => "dotenv-bearer",
            AuthSource::EnvAccessKeys => "env-access-keys",
            AuthSource::DotenvAccessKeys => "dotenv-access-keys",
            AuthSource::SdkChain => "sdk-chain",
        }
    }

    /// How requests are authenticated with this source.
    pub fn method(self) -> AuthMethod {
        match self {
            AuthSource::ProviderCommand
            | AuthSource::ManagedApiKey
            | AuthSource::EnvBearer
            | AuthSource::DotenvBearer => AuthMethod::Bearer,
            _ => AuthMethod::Sigv4,
        }
    }

    /// Whether the region comes from the bearer rules (config, then env) rather than the SDK chain.
    fn uses_bearer_region(self) -> bool {
        matches!(self, AuthSource::EnvBearer | AuthSource::DotenvBearer | AuthSource::ManagedApiKey)
    }
}

/// The predicted credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthPrediction {
    /// SigV4 or bearer.
    pub method: AuthMethod,
    /// Where the credentials come from.
    pub source: AuthSource,
    /// The AWS profile used, if any.
    pub profile: Option<String>,
    /// The last 4 characters of the access key id, when known offline.
    pub access_key_id_last4: Option<String>,
    /// Other credential sources that are present but lose.
    pub shadowed: Vec<AuthSource>,
    /// The order this version tries sources in (for the report).
    pub precedence: Vec<AuthSource>,
}

/// The predicted region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionPrediction {
    /// The region, as Codex will use it.
    pub value: String,
    /// `config`, `env:AWS_REGION`, `dotenv:AWS_REGION`, `profile:NAME`, `managed-api-key`, `fixed`.
    pub source: String,
}

/// The SigV4 scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signing {
    /// `bedrock-mantle` or `bedrock`.
    pub service: &'static str,
    /// The signing region.
    pub region: String,
}

/// Everything predicted.
#[derive(Clone, Debug, Default)]
pub struct Prediction {
    /// The effective `model_provider` (None: unset, Codex uses `openai`).
    pub provider: Option<String>,
    /// The Bedrock provider, when one is in use and exists in this version.
    pub bedrock: Option<BedrockKind>,
    /// The model Codex will request.
    pub model: Option<String>,
    /// Whether `model` is the version's default (unset in config).
    pub model_is_default: bool,
    /// Credentials.
    pub auth: Option<AuthPrediction>,
    /// Region.
    pub region: Option<RegionPrediction>,
    /// The `base_url` override, when one applies.
    pub base_url: Option<String>,
    /// The URL of the Responses request, when Codex will send one.
    pub endpoint: Option<String>,
    /// SigV4 scope, for SigV4 requests.
    pub signing: Option<Signing>,
    /// Every step where Codex would stop, in Codex's order.
    pub fatal: Vec<Fatal>,
}

impl Prediction {
    /// The first error Codex would print.
    pub fn codex_error(&self) -> Option<&Fatal> {
        self.fatal.first()
    }

    /// The fatal errors a check owns.
    pub fn fatal_for(&self, check: &str) -> impl Iterator<Item = &Fatal> {
        self.fatal.iter().filter(move |f| f.check == check)
    }

    /// Derives the prediction.
    pub fn derive(ctx: &Context) -> Prediction {
        let mut p = Prediction::default();
        load_errors(ctx, &mut p.fatal);
        resolve_provider(ctx, &mut p);
        if p.fatal.is_empty() {
            p.fatal.extend(auth_json_error(ctx));
        }
        let Some(kind) = p.bedrock else { return p };
        let rules = &ctx.rules;

        let model = ctx.config.get_str(&["model"]).ok().flatten().map(|(m, _)| m.to_owned());
        p.model_is_default = model.is_none();
        p.model = model.or_else(|| match kind {
            BedrockKind::Mantle => rules.default_model().map(str::to_owned),
            BedrockKind::Runtime => rules.runtime_catalog().first().cloned(),
        });

        if !rules.has(Feature::Sigv4) {
            // 0.123.0: unsigned requests to us-east-1 whatever the config says (reference §1).
            p.region = Some(RegionPrediction { value: "us-east-1".into(), source: "fixed".into() });
            if p.fatal.is_empty() {
                p.endpoint = Some("https://bedrock-mantle.us-east-1.api.aws/v1/responses".into());
            }
            return p;
        }

        if rules.has(Feature::ProviderBaseUrl) {
            p.base_url = provider_str(ctx, kind.id(), &["base_url"]).map(str::to_owned);
        }
        let auth = resolve_auth(ctx, kind);
        let region = resolve_region(ctx, kind, &auth, p.base_url.is_some());
        match region {
            Ok(region) => p.region = region,
            // A template that leaves the region to each user's environment is not broken by itself.
            Err(_) if ctx.options.isolated => {}
            Err(fatal) => p.fatal.push(fatal),
        }
        if let Some(region) = &p.region {
            // The allowlist applies to Mantle only (R §4.2), and a configured base_url is used without it
            // (S amazon_bedrock/mantle.rs: the region check runs only when the URL is derived).
            let allowed = rules.mantle_regions();
            if kind == BedrockKind::Mantle && p.base_url.is_none() && !allowed.iter().any(|r| r == region.value.trim())
            {
                p.fatal.push(Fatal {
                    check: "region",
                    text: err::unsupported_region(region.value.trim(), rules),
                    location: region_location(ctx, kind, &region.source),
                });
            }
        }
        if let Some(fatal) = credential_failure(ctx, &auth).filter(|_| !ctx.options.isolated) {
            p.fatal.push(fatal);
        }
        if p.fatal.is_empty() {
            p.endpoint = endpoint(kind, rules, p.base_url.as_deref(), p.region.as_ref());
            if auth.method == AuthMethod::Sigv4 {
                p.signing = p
                    .region
                    .as_ref()
                    .map(|r| Signing { service: kind.signing_service(), region: r.value.trim().to_owned() });
            }
        }
        p.auth = Some(auth);
        p
    }
}

/// `[model_providers.<id>]` key path helper.
pub fn provider_path<'a>(id: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut path = vec!["model_providers", id];
    path.extend_from_slice(rest);
    path
}

fn provider_str<'a>(ctx: &'a Context, id: &str, rest: &[&str]) -> Option<&'a str> {
    ctx.config.get_str(&provider_path(id, rest)).ok().flatten().map(|(s, _)| s)
}

fn location_of(ctx: &Context, found: &Found<'_>) -> Option<Location> {
    ctx.config.location(found)
}

/// Config-load failures, in the order Codex meets them.
fn load_errors(ctx: &Context, fatal: &mut Vec<Fatal>) {
    let rules = &ctx.rules;
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
            fatal.push(Fatal { check: "config-file", text, location: Some(e.location.clone()) });
            return;
        }
        if let Some(problem) = file.source.problem() {
            let check = if i == 0 { "config-file" } else { "config-profile" };
            fatal.push(Fatal { check, text: err::unreadable_config(&problem), location: None });
            return;
        }
    }
    if let Some(e) = ctx.config.override_errors.first() {
        fatal.push(Fatal { check: "config-file", text: format!("Error: {e}"), location: None });
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
            check: "model-provider",
            text: err::aws_only_for_bedrock(RUNTIME_PROVIDER),
            location: location_of(ctx, &found),
        });
        return;
    }
    // Which of the two provider rules Codex applies first changed at 0.156.1 (fidelity suite).
    for id in providers {
        let first = if rules.has(Feature::AwsCombinationCheckedFirst) {
            combination_error(ctx, id).or_else(|| override_error(ctx, id))
        } else {
            override_error(ctx, id).or_else(|| combination_error(ctx, id))
        };
        if let Some(f) = first.or_else(|| validation_error(ctx, id)) {
            fatal.push(f);
            return;
        }
    }
}

/// auth.json in a managed Bedrock mode that this version's `AuthMode` enum does not have yet: Codex
/// refuses to start, after config.toml has loaded (fidelity suite: `bedrockApiKey` on 0.124 and 0.135,
/// `bedrockAccessKeys` on 0.145; a config error wins over it).
fn auth_json_error(ctx: &Context) -> Option<Fatal> {
    let mode = ctx.auth_json.auth_mode.as_deref()?;
    let known = match mode {
        "bedrockApiKey" => ctx.rules.has(Feature::ManagedApiKey),
        "bedrockAccessKeys" => ctx.rules.has(Feature::ManagedAccessKeysParsed),
        _ => true,
    };
    let variants = ctx.rules.auth_modes()?;
    if known {
        return None;
    }
    let text = ctx.auth_json.source.text()?;
    let key = text.find("\"auth_mode\"")?;
    let value_start = key + text[key..].find(':')? + 1;
    let open = value_start + text[value_start..].find('"')?;
    let close = open + 1 + text[open + 1..].find('"')?;
    let (line, column) = crate::context::files::line_col(text, close);
    Some(Fatal { check: "auth-source", text: err::unknown_auth_mode(mode, variants, line, column), location: None })
}

/// Profile selection errors (reference §2.7).
fn profile_error(ctx: &Context) -> Option<Fatal> {
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
                    check: "config-profile",
                    text: err::legacy_profile_conflict(name, &ctx.codex_home),
                    location: loc,
                });
            }
        }
        if let Some(name) = selector {
            return Some(Fatal {
                check: "config-profile",
                text: err::legacy_profile_selector(name),
                location: locate("profile"),
            });
        }
        return None;
    }
    let name = selected.or(selector)?;
    let exists = base.get("profiles").and_then(|p| p.as_table_like()).is_some_and(|t| t.contains_key(name));
    (!exists).then(|| Fatal {
        check: "config-profile",
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
fn type_error(ctx: &Context) -> Option<Fatal> {
    let mut typed: Vec<(Vec<&str>, Expect)> = vec![
        (vec!["model"], Expect::Str),
        (vec!["model_provider"], Expect::Str),
        (vec!["model_providers"], Expect::Table),
    ];
    for id in [MANTLE_PROVIDER, RUNTIME_PROVIDER] {
        for (key, expect) in [
            ("name", Expect::Str),
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
                check: "config-file",
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
                    check: "config-file",
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
        return Some(Fatal { check: "wire-api", text, location: location_of(ctx, &found) });
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

fn web_search_error(ctx: &Context) -> Option<Fatal> {
    let found = ctx.config.get(&["web_search"])?;
    let text = match found.as_str() {
        Some(v) if web_search_values(&ctx.rules).contains(&v) => return None,
        Some(v) => err::web_search_unknown(v, &ctx.rules),
        None => err::web_search_not_string(),
    };
    Some(Fatal { check: "web-search", text, location: location_of(ctx, &found) })
}

/// Whether a provider field holds its `ModelProviderInfo::default()` value, which Codex tolerates.
fn is_default_value(key: &str, item: &toml_edit::Item) -> bool {
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

fn override_error(ctx: &Context, id: &str) -> Option<Fatal> {
    let (_, found) = forbidden_provider_keys(ctx, id).into_iter().next()?;
    Some(Fatal {
        check: "provider-overrides",
        text: err::provider_override(id, &ctx.rules),
        location: location_of(ctx, &found),
    })
}

/// "provider aws cannot be combined with X" (`ModelProviderInfo::validate`): an `aws` table next to a
/// field that sets up another kind of auth. Observed from 0.145 (fidelity suite; reference §5.1).
fn combination_error(ctx: &Context, id: &str) -> Option<Fatal> {
    if !ctx.rules.has(Feature::ProviderBaseUrl) {
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
        check: "provider-overrides",
        text: err::aws_combined_with(id, field),
        location: location_of(ctx, &found),
    })
}

fn validation_error(ctx: &Context, id: &str) -> Option<Fatal> {
    let rules = &ctx.rules;
    let table = ctx.config.get(&provider_path(id, &[]))?;
    let loc = location_of(ctx, &table);
    let at = |message: &str| {
        let text = match &loc {
            Some(l) => err::provider_validation(&l.file, l.line, l.column, id, message),
            None => format!("Error loading config.toml: model_providers.{id}: {message}"),
        };
        Some(Fatal { check: "provider-overrides", text, location: loc.clone() })
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

fn resolve_provider(ctx: &Context, p: &mut Prediction) {
    let found = match ctx.config.get_str(&["model_provider"]) {
        Ok(Some((id, found))) => (id.to_owned(), found),
        // Unset (or mistyped, already fatal): Codex uses `openai`.
        _ => return,
    };
    let (id, found) = found;
    p.provider = Some(id.clone());
    let rules = &ctx.rules;
    let kind = match id.as_str() {
        MANTLE_PROVIDER if rules.has(Feature::BedrockProvider) => Some(BedrockKind::Mantle),
        RUNTIME_PROVIDER if rules.has(Feature::RuntimeProvider) => Some(BedrockKind::Runtime),
        _ => None,
    };
    if kind.is_some() {
        p.bedrock = kind;
        return;
    }
    let builtin = matches!(id.as_str(), "openai" | "ollama" | "lmstudio" | "oss");
    let custom = ctx.config.get(&provider_path(&id, &[])).is_some();
    if !builtin && !custom {
        p.fatal.push(Fatal {
            check: "model-provider",
            text: err::provider_not_found(&id),
            location: location_of(ctx, &found),
        });
    }
}

/// Which credential sources are present, in the version's precedence order (reference §5.1).
fn precedence(rules: &Rules) -> Vec<AuthSource> {
    use AuthSource::*;
    let mut order = Vec::new();
    if rules.has(Feature::ProviderBaseUrl) {
        // The `auth` command's rank was observed on 0.169 only; it is accepted from 0.145.
        order.push(ProviderCommand);
    }
    if rules.has(Feature::ConfigProfileFirst) {
        order.extend([ConfigProfile, ManagedApiKey, ManagedAccessKeys, EnvBearer, EnvAccessKeys, SdkChain]);
    } else {
        if rules.has(Feature::ManagedApiKey) {
            order.push(ManagedApiKey);
        }
        // Before 0.150 `aws.profile` only names the SDK profile: env keys come first in the SDK chain.
        order.extend([EnvBearer, EnvAccessKeys, ConfigProfile, SdkChain]);
    }
    order
}

fn present(ctx: &Context, kind: BedrockKind, source: AuthSource) -> Option<AuthSource> {
    let env = &ctx.env;
    let dotenv_or = |key: &str, from_env: AuthSource, from_dotenv: AuthSource| match env.get(key).map(|v| v.origin) {
        Some(Origin::Dotenv) => from_dotenv,
        _ => from_env,
    };
    match source {
        AuthSource::ProviderCommand => ctx.config.get(&provider_path(kind.id(), &["auth"])).map(|_| source),
        AuthSource::ConfigProfile => provider_str(ctx, kind.id(), &["aws", "profile"]).map(|_| source),
        AuthSource::ManagedApiKey => {
            matches!(ctx.auth_json.managed, Some(ManagedAuth::ApiKey { .. })).then_some(source)
        }
        AuthSource::ManagedAccessKeys => {
            matches!(ctx.auth_json.managed, Some(ManagedAuth::AccessKeys { .. })).then_some(source)
        }
        AuthSource::EnvBearer | AuthSource::DotenvBearer => env
            .trimmed(AWS_BEARER_TOKEN_BEDROCK)
            .map(|_| dotenv_or(AWS_BEARER_TOKEN_BEDROCK, AuthSource::EnvBearer, AuthSource::DotenvBearer)),
        AuthSource::EnvAccessKeys | AuthSource::DotenvAccessKeys => {
            let both = env.value(AWS_ACCESS_KEY_ID).is_some_and(|v| !v.is_empty())
                && env.value(AWS_SECRET_ACCESS_KEY).is_some_and(|v| !v.is_empty());
            let from_dotenv = [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]
                .iter()
                .any(|k| env.get(k).is_some_and(|v| v.origin == Origin::Dotenv));
            both.then_some(if from_dotenv { AuthSource::DotenvAccessKeys } else { AuthSource::EnvAccessKeys })
        }
        AuthSource::SdkChain => Some(source),
    }
}

fn last4(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

fn resolve_auth(ctx: &Context, kind: BedrockKind) -> AuthPrediction {
    let order = precedence(&ctx.rules);
    let found: Vec<AuthSource> = order.iter().filter_map(|s| present(ctx, kind, *s)).collect();
    let source = found.first().copied().unwrap_or(AuthSource::SdkChain);
    let shadowed = found.iter().skip(1).copied().filter(|s| *s != AuthSource::SdkChain).collect();
    let profile = match source {
        AuthSource::ConfigProfile => Some(ctx.aws_profile.name.clone()),
        AuthSource::SdkChain if ctx.aws_profile_exists(&ctx.aws_profile.name) => Some(ctx.aws_profile.name.clone()),
        _ => None,
    };
    let access_key_id_last4 = match source {
        AuthSource::EnvAccessKeys | AuthSource::DotenvAccessKeys => ctx.env.value(AWS_ACCESS_KEY_ID).map(last4),
        AuthSource::ManagedAccessKeys => match &ctx.auth_json.managed {
            Some(ManagedAuth::AccessKeys { access_key_id, .. }) => Some(last4(access_key_id)),
            _ => None,
        },
        AuthSource::ConfigProfile | AuthSource::SdkChain => {
            profile.as_deref().and_then(|p| ctx.aws_profile_get(p, "aws_access_key_id")).map(last4)
        }
        _ => None,
    };
    AuthPrediction { method: source.method(), source, profile, access_key_id_last4, shadowed, precedence: order }
}

fn resolve_region(
    ctx: &Context,
    kind: BedrockKind,
    auth: &AuthPrediction,
    has_base_url: bool,
) -> Result<Option<RegionPrediction>, Fatal> {
    let rules = &ctx.rules;
    let env = &ctx.env;
    let config_region = provider_str(ctx, kind.id(), &["aws", "region"]).map(str::trim).filter(|r| !r.is_empty());
    let region = |value: &str, source: String| Ok(Some(RegionPrediction { value: value.to_owned(), source }));

    if auth.source == AuthSource::ManagedApiKey
        && let Some(ManagedAuth::ApiKey { region: Some(r), .. }) = &ctx.auth_json.managed
        && !r.trim().is_empty()
    {
        return region(r.trim(), "managed-api-key".into());
    }
    if auth.source.uses_bearer_region() {
        if let Some(r) = config_region {
            return region(r, "config".into());
        }
        if rules.has(Feature::BearerRegionFromEnv) {
            for key in [AWS_REGION, AWS_DEFAULT_REGION] {
                if let Some(r) = env.trimmed(key) {
                    return region(r, env.label(key));
                }
            }
        }
        return Err(Fatal { check: "region", text: err::bearer_requires_region(rules), location: None });
    }
    // A command-backed token with a base_url makes no AWS lookup at all (S amazon_bedrock auth).
    if auth.source == AuthSource::ProviderCommand && has_base_url {
        return Ok(None);
    }
    if let Some(r) = config_region {
        return region(r, "config".into());
    }
    // aws-config's environment provider takes AWS_REGION as it is, even empty (no fallback then).
    for key in [AWS_REGION, AWS_DEFAULT_REGION] {
        if let Some(r) = env.value(key) {
            return region(r, env.label(key));
        }
    }
    let profile = &ctx.aws_profile.name;
    if let Some(r) = ctx.aws_profile_get(profile, "region") {
        return region(r, format!("profile:{profile}"));
    }
    Err(Fatal { check: "region", text: err::sdk_no_region(), location: None })
}

fn region_location(ctx: &Context, kind: BedrockKind, source: &str) -> Option<Location> {
    if source != "config" {
        return None;
    }
    let found = ctx.config.get(&provider_path(kind.id(), &["aws", "region"]))?;
    ctx.config.location(&found)
}

/// Credential failures that are certain offline (reference §5.3).
fn credential_failure(ctx: &Context, auth: &AuthPrediction) -> Option<Fatal> {
    if auth.method != AuthMethod::Sigv4 || ctx.aws.profiles.is_none() {
        return None;
    }
    let selection = &ctx.aws_profile;
    let named = auth.source == AuthSource::ConfigProfile
        || (auth.source == AuthSource::SdkChain && selection.source != "default");
    if named && !ctx.aws_profile_exists(&selection.name) {
        return Some(Fatal { check: "aws-profile", text: err::profile_not_configured(), location: None });
    }
    if auth.source == AuthSource::SdkChain && !sdk_chain_has_source(ctx) && imds_disabled(ctx) {
        return Some(Fatal { check: "auth-source", text: err::no_credentials_imds_disabled(), location: None });
    }
    None
}

/// Profile keys that make the SDK's profile provider produce credentials.
pub const PROFILE_CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "role_arn",
    "sso_session",
    "sso_start_url",
    "credential_process",
    "credential_source",
    "web_identity_token_file",
    "login_session",
];

/// Whether anything in the SDK chain (past env keys) could produce credentials without IMDS.
pub fn sdk_chain_has_source(ctx: &Context) -> bool {
    let profile = &ctx.aws_profile.name;
    PROFILE_CREDENTIAL_KEYS.iter().any(|k| ctx.aws_profile_get(profile, k).is_some())
        || ctx.env.trimmed(AWS_WEB_IDENTITY_TOKEN_FILE).is_some()
        || ctx.env.trimmed(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).is_some()
        || ctx.env.trimmed(AWS_CONTAINER_CREDENTIALS_FULL_URI).is_some()
}

/// `AWS_EC2_METADATA_DISABLED=true` (case-insensitive, as the SDK reads it).
pub fn imds_disabled(ctx: &Context) -> bool {
    ctx.env.trimmed(AWS_EC2_METADATA_DISABLED).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn endpoint(
    kind: BedrockKind,
    rules: &Rules,
    base_url: Option<&str>,
    region: Option<&RegionPrediction>,
) -> Option<String> {
    if let Some(base) = base_url {
        // Codex trims the trailing `/` of the base and joins `responses` (S codex-api/src/provider.rs).
        return Some(format!("{}/responses", base.trim_end_matches('/')));
    }
    let region = region?.value.trim();
    Some(match kind {
        BedrockKind::Runtime => format!("https://bedrock-runtime.{region}.amazonaws.com/openai/v1/responses"),
        BedrockKind::Mantle if rules.has(Feature::OpenaiV1Path) => {
            format!("https://bedrock-mantle.{region}.api.aws/openai/v1/responses")
        }
        BedrockKind::Mantle => format!("https://bedrock-mantle.{region}.api.aws/v1/responses"),
    })
}
