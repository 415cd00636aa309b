//! Providers Codex does not run as Amazon Bedrock: the built-in `openai` provider (the default when
//! `model_provider` is unset), the local-model providers, and the user's own `[model_providers.<id>]`
//! tables — the form many guides used to reach Bedrock before the built-in provider existed.
//!
//! Such a provider sends `POST <base_url>/responses` (plus `query_params`) with `Authorization: Bearer`
//! from, in Codex's order: the `auth` command, the `env_key` variable (Codex stops when it is unset or
//! blank), the inline `experimental_bearer_token`, the OpenAI login when `requires_openai_auth = true`;
//! otherwise no `Authorization` at all (E 0.169/0.171 tests/fidelity: custom-* cases; S
//! `ModelProviderInfo::api_key`). Without `model` it sends the default of Codex's OpenAI catalog, which
//! has no `openai.` prefix (E: custom-mantle-no-model).

use super::{AuthPrediction, Fatal, Prediction, provider_path, provider_str};
use crate::codex::{AuthSource, OSS_PROVIDERS, Route};
use crate::context::Context;
use crate::meta::CheckId;

/// The base URL of the `openai` provider: ChatGPT's backend for a ChatGPT sign-in, the API otherwise (S
/// `ModelProviderInfo::to_api_provider`; E: api.openai.com with no login).
fn openai_base(ctx: &Context) -> &'static str {
    if ctx.auth_json.openai_login == Some(true) {
        "https://chatgpt.com/backend-api/codex"
    } else {
        "https://api.openai.com/v1"
    }
}

/// What Codex does with a provider it does not run as Bedrock.
pub(crate) fn predict(ctx: &Context, route: Route, p: &mut Prediction) {
    let rules = &ctx.rules;
    let table = p.table().to_owned();
    let model = ctx.config.get_str(&["model"]).ok().flatten().map(|(m, _)| m.to_owned());
    p.model_is_default = model.is_none();
    p.model = model.or_else(|| rules.openai_default_model().map(str::to_owned));

    let (base, auth) = match route {
        Route::OpenAi => (openai_base(ctx).to_owned(), login_auth(ctx)),
        Route::Oss => {
            let base = OSS_PROVIDERS.iter().find(|(id, _)| *id == table).map_or("", |(_, url)| url);
            (base.to_owned(), simple(AuthSource::Nothing))
        }
        Route::Custom | Route::Bedrock(_) => {
            let base =
                provider_str(ctx, &table, &["base_url"]).map_or_else(|| openai_base(ctx).to_owned(), str::to_owned);
            match custom_auth(ctx, &table) {
                Ok(auth) => (base, auth),
                Err(fatal) => {
                    p.fatal.push(fatal);
                    return;
                }
            }
        }
    };
    p.auth = Some(auth);
    if p.fatal.is_empty() && !base.is_empty() {
        p.endpoint = Some(format!("{}/responses{}", base.trim_end_matches('/'), query(ctx, &table)));
    }
}

fn simple(source: AuthSource) -> AuthPrediction {
    AuthPrediction {
        method: source.method(),
        source,
        profile: None,
        access_key_id_last4: None,
        shadowed: Vec::new(),
        precedence: Vec::new(),
        env_var: None,
    }
}

/// The OpenAI credential of `codex exec`: `CODEX_API_KEY`, else the login of auth.json (E
/// openai-default-*: `OPENAI_API_KEY` in the environment is never sent, every release; an auth.json
/// API key is). Which of CODEX_API_KEY and auth.json wins was not observed; CODEX_API_KEY is `exec`'s
/// explicit override, so it is put first.
fn login_auth(ctx: &Context) -> AuthPrediction {
    simple(if ctx.env.trimmed(crate::env_vars::CODEX_API_KEY).is_some() {
        AuthSource::CodexApiKey
    } else if ctx.auth_json.openai_login.is_some() {
        AuthSource::OpenaiLogin
    } else {
        AuthSource::Nothing
    })
}

/// A custom provider's bearer source, in Codex's order, or its error for an unset `env_key`.
fn custom_auth(ctx: &Context, table: &str) -> Result<AuthPrediction, Fatal> {
    let get = |key: &str| ctx.config.get(&provider_path(table, &[key]));
    let present: Vec<AuthSource> = [
        (AuthSource::ProviderCommand, get("auth").is_some()),
        (AuthSource::ProviderEnvKey, get("env_key").is_some()),
        (AuthSource::ProviderToken, get("experimental_bearer_token").is_some()),
        (
            AuthSource::OpenaiLogin,
            get("requires_openai_auth").is_some_and(|f| f.item.as_bool() == Some(true))
                && ctx.auth_json.openai_login.is_some(),
        ),
        // A literal header: Codex sends whatever http_headers holds (E custom-mantle-http-headers).
        (
            AuthSource::ProviderHeader,
            ctx.config.keys(&provider_path(table, &["http_headers"])).iter().any(|(k, f)| {
                k.eq_ignore_ascii_case("authorization") && f.as_str().is_some_and(|v| !v.trim().is_empty())
            }),
        ),
    ]
    .into_iter()
    .filter_map(|(source, set)| set.then_some(source))
    .collect();
    let source = present.first().copied().unwrap_or(AuthSource::Nothing);
    let mut auth = simple(source);
    auth.shadowed = present.iter().skip(1).copied().collect();
    if source == AuthSource::ProviderEnvKey {
        let var = provider_str(ctx, table, &["env_key"]).unwrap_or_default().to_owned();
        if ctx.env.trimmed(&var).is_none() {
            let instructions = provider_str(ctx, table, &["env_key_instructions"]);
            return Err(Fatal {
                check: CheckId::AuthSource,
                text: missing_env_var(&var, instructions),
                location: get("env_key").and_then(|f| ctx.config.location(&f)),
            });
        }
        auth.env_var = Some(var);
    }
    Ok(auth)
}

/// Codex's error for an `env_key` that is unset or blank (E 0.135–0.171: `ERROR: Missing environment
/// variable: `X`.`; S `EnvVarError`'s Display appends the instructions).
pub fn missing_env_var(var: &str, instructions: Option<&str>) -> String {
    match instructions {
        Some(i) => format!("ERROR: Missing environment variable: `{var}`. {i}"),
        None => format!("ERROR: Missing environment variable: `{var}`."),
    }
}

/// `?k=v&…` from `query_params`, in key order (Codex keeps them in a hash map, so with more than one
/// the order on the wire varies; E custom-inline-token: one parameter, appended as written).
fn query(ctx: &Context, table: &str) -> String {
    let params = ctx.config.keys(&provider_path(table, &["query_params"]));
    let pairs: Vec<String> =
        params.iter().filter_map(|(k, found)| found.as_str().map(|v| format!("{k}={v}"))).collect();
    if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) }
}
