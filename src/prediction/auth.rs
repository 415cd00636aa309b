//! Which credentials win, by the version's precedence (reference §5.1), and the credential failures
//! that are certain offline (§5.3).

use super::{AuthPrediction, Fatal, provider_path, provider_str};
use crate::catalog::{Feature, Rules};
use crate::codex::{AuthMethod, AuthSource, Origin, PROFILE_CREDENTIAL_KEYS, ProfileSource};
use crate::codex_errors as err;
use crate::context::{Context, ManagedAuth};
use crate::env_vars::*;
use crate::meta::CheckId;

/// Which credential sources are present, in the version's precedence order (reference §5.1).
pub fn precedence(rules: &Rules) -> Vec<AuthSource> {
    use AuthSource::*;
    let mut order = Vec::new();
    if rules.provider_base_url() {
        // The `auth` command's rank was observed on 0.169 only; it is accepted from 0.145.
        order.push(ProviderCommand);
    }
    if rules.has(Feature::CredentialExport) {
        // E aws-credential-export: the exported key signs ahead of env keys from 0.155.0. It cannot be
        // combined with aws.profile (a load error), so its rank against the profile never matters.
        order.push(CredentialExport);
    }
    if rules.has(Feature::ConfigProfileFirst) {
        order.extend([ConfigProfile, ManagedApiKey]);
        if rules.has(Feature::ManagedAccessKeys) {
            order.push(ManagedAccessKeys);
        }
        order.extend([EnvBearer, EnvAccessKeys, SdkChain]);
    } else {
        if rules.managed_api_key() {
            order.push(ManagedApiKey);
        }
        if rules.has(Feature::ManagedAccessKeys) {
            order.push(ManagedAccessKeys);
        }
        // Before 0.150 `aws.profile` only names the SDK profile: env keys come first in the SDK chain.
        order.extend([EnvBearer, EnvAccessKeys, ConfigProfile, SdkChain]);
    }
    order
}

/// The source, if its credentials are present (the env pair becomes its `.env` twin when `.env` set it).
pub(crate) fn present(ctx: &Context, table: &str, source: AuthSource) -> Option<AuthSource> {
    let env = &ctx.env;
    let dotenv_or = |key: &str, from_env: AuthSource, from_dotenv: AuthSource| match env.get(key).map(|v| v.origin) {
        Some(Origin::Dotenv) => from_dotenv,
        _ => from_env,
    };
    match source {
        AuthSource::ProviderCommand => ctx.config.get(&provider_path(table, &["auth"])).map(|_| source),
        AuthSource::ConfigProfile => provider_str(ctx, table, &["aws", "profile"]).map(|_| source),
        AuthSource::CredentialExport => {
            ctx.config.get(&provider_path(table, &["aws", "credential_export"])).map(|_| source)
        }
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
        // Sources of providers Codex does not run as Bedrock (see `prediction::other`).
        AuthSource::ProviderEnvKey
        | AuthSource::ProviderToken
        | AuthSource::OpenaiLogin
        | AuthSource::CodexApiKey
        | AuthSource::ProviderHeader
        | AuthSource::Nothing => None,
    }
}

/// The last 4 characters.
pub(crate) fn last4(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// The winning source, what it shadows, and what is known offline of its key.
pub(crate) fn resolve_auth(ctx: &Context, table: &str) -> AuthPrediction {
    let order = precedence(&ctx.rules);
    let found: Vec<AuthSource> = order.iter().filter_map(|s| present(ctx, table, *s)).collect();
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
    AuthPrediction {
        method: source.method(),
        source,
        profile,
        access_key_id_last4,
        shadowed,
        precedence: order,
        env_var: None,
    }
}

/// Credential failures that are certain offline (reference §5.3).
pub(crate) fn credential_failure(ctx: &Context, auth: &AuthPrediction) -> Option<Fatal> {
    if auth.method != AuthMethod::Sigv4 || ctx.aws.profiles.is_none() {
        return None;
    }
    let selection = &ctx.aws_profile;
    let named = auth.source == AuthSource::ConfigProfile
        || (auth.source == AuthSource::SdkChain && selection.source != ProfileSource::Default);
    if named && !ctx.aws_profile_exists(&selection.name) {
        return Some(Fatal { check: CheckId::AwsProfile, text: err::profile_not_configured(), location: None });
    }
    // The profile's SSO token (or that of a profile in its source_profile chain) cannot give the SDK
    // credentials without a login: Codex hides the cause behind the generic text (§5.3). An expired
    // token the SDK can still refresh is not certain, so it is left to the live check.
    let uses_profile = named || (auth.source == AuthSource::SdkChain && ctx.aws_profile_exists(&selection.name));
    if uses_profile && ctx.aws.sso_tokens.values().any(|t| t.unusable_at(ctx.now)) {
        return Some(Fatal { check: CheckId::AwsProfile, text: err::credentials_load_error(), location: None });
    }
    if auth.source == AuthSource::SdkChain && !sdk_chain_has_source(ctx) && imds_disabled(ctx) {
        return Some(Fatal { check: CheckId::AuthSource, text: err::no_credentials_imds_disabled(), location: None });
    }
    None
}

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
