//! `auth-source`: which credentials Codex will use under the version's precedence, and what they
//! shadow (reference §5.1, §5.4).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, report_fatal};
use crate::catalog::Feature;
use crate::codex::{AuthMethod, AuthSource};
use crate::context::ManagedAuth;
use crate::env_vars::{AWS_WEB_IDENTITY_TOKEN_FILE, CODEX_CA_CERTIFICATE, OPENAI_API_KEY, SSL_CERT_FILE};
use crate::meta::CheckId;
use crate::prediction::auth::{imds_disabled, sdk_chain_has_source};
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::AuthSource,
        group: "auth",
        kind: Kind::Offline,
        fixable: Fixable::No,
        lint: false,
        summary: "which credentials Codex will use under the version's precedence, and what they shadow",
        doc: include_str!("../../checks/auth-source.md"),
    },
    run: Runner::Offline(run),
    fixes: None,
};

/// A human name for a source.
pub fn describe(source: AuthSource, ctx: &Session) -> String {
    match source {
        AuthSource::ProviderCommand => "the provider `auth` command".into(),
        AuthSource::CredentialExport => "the `aws.credential_export` command".into(),
        AuthSource::ConfigProfile => format!("aws.profile `{}`", ctx.aws_profile.name),
        AuthSource::ManagedApiKey => "the managed Bedrock API key in auth.json".into(),
        AuthSource::ManagedAccessKeys => "the managed access keys in auth.json".into(),
        AuthSource::EnvBearer => "AWS_BEARER_TOKEN_BEDROCK from the shell".into(),
        AuthSource::DotenvBearer => "AWS_BEARER_TOKEN_BEDROCK from .env".into(),
        AuthSource::EnvAccessKeys => "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the shell".into(),
        AuthSource::DotenvAccessKeys => "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from .env".into(),
        AuthSource::SdkChain => format!("the AWS SDK default chain (profile `{}`)", ctx.aws_profile.name),
        AuthSource::ProviderEnvKey => match ctx.prediction.auth.as_ref().and_then(|a| a.env_var.as_deref()) {
            Some(var) => format!("the provider's env_key `{var}`"),
            None => "the provider's env_key".into(),
        },
        AuthSource::ProviderToken => "the provider's inline experimental_bearer_token".into(),
        AuthSource::OpenaiLogin => "the OpenAI login in auth.json".into(),
        AuthSource::CodexApiKey => "CODEX_API_KEY from the environment".into(),
        AuthSource::ProviderHeader => "the provider's literal `Authorization` in http_headers".into(),
        AuthSource::Nothing => "no credentials (no Authorization header)".into(),
    }
}

/// A provider Codex does not run as Bedrock: judged by where the request goes (reference §10). Bedrock
/// takes a Bedrock API key as a bearer token; anything else it answers with 401/403.
fn not_run_as_bedrock(ctx: &Session) -> Outcome {
    let p = &ctx.prediction;
    let table = p.table();
    let mut out = match (&p.auth, p.destination.as_ref()) {
        (Some(auth), Some(dest)) if dest.is_bedrock() => {
            let mut out = Outcome::pass(format!("bearer token with {}", describe(auth.source, ctx)));
            out.set("method", auth.method.as_str());
            out.set("source", auth.source.as_str());
            match auth.source {
                AuthSource::Nothing => out.push(
                    Finding::fail(format!(
                        "provider `{table}` sends no Authorization header: Bedrock answers every request with 401/403"
                    ))
                    .fix(format!(
                        "Set `env_key = \"AWS_BEARER_TOKEN_BEDROCK\"` in [model_providers.{table}] and export a Bedrock API key, or use the built-in amazon-bedrock provider (SigV4 and SSO)"
                    )),
                ),
                AuthSource::OpenaiLogin | AuthSource::CodexApiKey => out.push(
                    Finding::fail(format!(
                        "provider `{table}` sends your OpenAI login to Amazon Bedrock, which does not accept it"
                    ))
                    .fix("Remove requires_openai_auth and set env_key to a variable that holds a Bedrock API key"),
                ),
                _ => {}
            }
            out
        }
        (Some(auth), _) => {
            let mut out = Outcome::info(format!("{} (not Amazon Bedrock)", describe(auth.source, ctx)));
            out.set("method", auth.method.as_str());
            out.set("source", auth.source.as_str());
            out
        }
        (None, _) => Outcome::pass(""),
    };
    report_fatal(
        ctx,
        CheckId::AuthSource,
        &mut out,
        &format!("Export the variable, or change env_key in [model_providers.{table}]"),
    );
    if out.findings.is_empty() && p.auth.is_none() {
        return Outcome::skip(super::no_request(p));
    }
    out
}

/// Profile keys whose credentials the SDK fetches over HTTPS itself (SSO portal, STS).
const FETCHED_KEYS: &[&str] =
    &["sso_session", "sso_start_url", "role_arn", "web_identity_token_file", "credential_source"];

/// A custom CA meets credentials the AWS SDK fetches itself (SSO, STS). Codex's model request trusts
/// `CODEX_CA_CERTIFICATE`/`SSL_CERT_FILE`; the SDK's own HTTP client, which fetches SSO and STS
/// credentials, keeps its built-in roots (user report openai/codex #43381, docs/codex-behaviour.md).
fn custom_ca_and_sdk_credentials(ctx: &Session, source: AuthSource) -> Option<Finding> {
    if !matches!(source, AuthSource::ConfigProfile | AuthSource::SdkChain) {
        return None;
    }
    let ca: Vec<String> = [CODEX_CA_CERTIFICATE, SSL_CERT_FILE]
        .iter()
        .filter_map(|v| ctx.env.trimmed(v).map(|p| format!("{v}={p}")))
        .collect();
    if ca.is_empty() {
        return None;
    }
    // The selected profile and its source_profile chain (the SSO cache map follows the same chain).
    let mut fetched: Vec<String> = Vec::new();
    let mut name = ctx.aws_profile.name.clone();
    for _ in 0..8 {
        if let Some(key) = FETCHED_KEYS.iter().find(|k| ctx.aws_profile_get(&name, k).is_some()) {
            let from = if key.starts_with("sso") { "the SSO portal" } else { "STS" };
            fetched.push(format!("profile `{name}` (`{key}`: fetched from {from})"));
        }
        match ctx.aws_profile_get(&name, "source_profile") {
            Some(next) if next != name => name = next.to_owned(),
            _ => break,
        }
    }
    if source == AuthSource::SdkChain && ctx.env.trimmed(AWS_WEB_IDENTITY_TOKEN_FILE).is_some() {
        fetched.push("AWS_WEB_IDENTITY_TOKEN_FILE (fetched from STS)".into());
    }
    let first = fetched.first()?;
    Some(
        Finding::warn(format!(
            "{} is trusted by Codex's model request only: the AWS SDK client that fetches the credentials of {first} uses the system/webpki root store, not this CA (openai/codex #43381). Behind a TLS-intercepting proxy the credential step fails with \"an error occurred while loading credentials\" while the model request would pass",
            ca.join(" and ")
        ))
        .fix("Add the proxy's CA to the system trust store, or exempt the SSO portal and STS hosts from TLS interception; a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) needs no credential request"),
    )
}

fn run(ctx: &Session) -> Outcome {
    if bedrock(ctx).is_err() {
        return not_run_as_bedrock(ctx);
    }
    let rules = &ctx.rules;
    let Some(auth) = &ctx.prediction.auth else {
        return Outcome::skip(format!("Codex {} sends no credentials at all", rules.version));
    };
    let method = match auth.method {
        AuthMethod::Sigv4 => "SigV4",
        AuthMethod::Bearer => "bearer token",
        AuthMethod::None => "no Authorization header",
    };
    let mut out = Outcome::pass(format!("{method} with {}", describe(auth.source, ctx)));
    out.set("method", auth.method.as_str());
    out.set("source", auth.source.as_str());
    out.set("precedence", auth.precedence.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    out.set("shadowed", auth.shadowed.iter().map(|s| s.as_str()).collect::<Vec<_>>());

    let winner = describe(auth.source, ctx);
    for shadowed in &auth.shadowed {
        let loser = describe(*shadowed, ctx);
        let bearer_beats_profile = auth.method == AuthMethod::Bearer
            && matches!(shadowed, AuthSource::ConfigProfile)
            && !rules.has(Feature::ConfigProfileFirst);
        let env_keys_beat_profile = matches!(auth.source, AuthSource::EnvAccessKeys | AuthSource::DotenvAccessKeys)
            && *shadowed == AuthSource::ConfigProfile;
        if bearer_beats_profile || env_keys_beat_profile {
            out.push(
                Finding::warn(format!(
                    "{winner} silently wins over {loser} in Codex {} (a stale value here breaks a working profile)",
                    rules.version
                ))
                .fix(match auth.source {
                    AuthSource::ManagedApiKey => "Remove the managed key (sign out of Amazon Bedrock in the Codex app, or delete auth.json) or upgrade to Codex 0.150.0+, where aws.profile comes first".to_owned(),
                    AuthSource::EnvBearer | AuthSource::DotenvBearer => "Unset it (`unset AWS_BEARER_TOKEN_BEDROCK`, and remove it from .env) or upgrade to Codex 0.150.0+, where aws.profile comes first".to_owned(),
                    _ => "Unset them (`unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`, and remove them from .env) or upgrade to Codex 0.150.0+, where aws.profile comes first".to_owned(),
                }),
            );
        } else {
            out.push(Finding::info(format!("{loser} is present but ignored: {winner} comes first")));
        }
    }
    if let Some(problem) = &ctx.auth_json.problem {
        out.push(
            Finding::warn(problem.clone())
                .fix("Rerun the Bedrock setup in the Codex app, or delete the broken auth.json"),
        );
    }
    match &ctx.auth_json.managed {
        Some(ManagedAuth::AccessKeys { .. }) if !rules.has(Feature::ManagedAccessKeys) => {
            out.push(Finding::warn(format!(
                "auth.json holds managed access keys, which Codex {} does not understand (from 0.150.0)",
                rules.version
            )))
        }
        Some(ManagedAuth::ApiKey { .. }) if !rules.managed_api_key() => out.push(Finding::warn(format!(
            "auth.json holds a managed Bedrock API key, which Codex {} does not understand (from 0.142.0)",
            rules.version
        ))),
        _ => {}
    }
    if let Some(finding) = custom_ca_and_sdk_credentials(ctx, auth.source) {
        out.push(finding);
    }
    if auth.source == AuthSource::SdkChain
        && !sdk_chain_has_source(ctx)
        && !imds_disabled(ctx)
        && ctx.prediction.fatal.is_empty()
    {
        out.push(
            Finding::warn(
                "no credentials in the environment, the AWS files, web identity or a container: only instance metadata is left. On EC2 with a role Codex signs with it; anywhere else it waits about 25 s and stops with \"failed to load AWS credentials: an error occurred while loading credentials\"",
            )
            .fix("Give Codex credentials: `aws sso login --profile NAME` and set aws.profile, or export AWS_BEARER_TOKEN_BEDROCK"),
        );
    }
    if ctx.env.trimmed(OPENAI_API_KEY).is_some() {
        out.push(Finding::info("OPENAI_API_KEY is set but plays no part with the Bedrock provider"));
    }
    let remedy = if ctx.auth_json.auth_mode.as_deref().is_some_and(|m| m.starts_with("bedrock")) {
        "Upgrade Codex (managed Bedrock keys need 0.142.0+, access keys 0.150.0+), or delete the auth.json the newer Codex app wrote"
    } else {
        "Give Codex credentials: `aws sso login --profile NAME` and set aws.profile, or export AWS_BEARER_TOKEN_BEDROCK"
    };
    report_fatal(ctx, CheckId::AuthSource, &mut out, remedy);
    out
}
