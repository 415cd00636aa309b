//! The vocabulary every layer shares: Codex's provider ids and fields, how a request is
//! authenticated, where credentials, regions and AWS profiles come from.
//!
//! It sits at the bottom of the crate and imports nothing of it, so that the gathered facts
//! ([`crate::context`]), the derivation ([`crate::prediction`]), the checks and the renderers can all
//! speak of the same things without importing each other. Sources are enums, never strings: a check
//! asks `source == RegionSource::Config`, and only the report spells it (`Display`).

use std::fmt;

/// The built-in Mantle provider id.
pub const MANTLE_PROVIDER: &str = "amazon-bedrock";
/// The built-in Bedrock Runtime provider id (Codex ≥ 0.148).
pub const RUNTIME_PROVIDER: &str = "amazon-bedrock-runtime";

/// Codex's built-in OpenAI provider, used when `model_provider` is unset.
pub const OPENAI_PROVIDER: &str = "openai";

/// The built-in providers for local models (`--oss`), with their default base URLs.
pub const OSS_PROVIDERS: &[(&str, &str)] =
    &[("ollama", "http://localhost:11434/v1"), ("lmstudio", "http://localhost:1234/v1")];

/// The provider `name` that makes Codex run a provider as Amazon Bedrock, whatever its id (S
/// `ModelProviderInfo::is_amazon_bedrock` compares the name; E tests/fidelity: custom-named-bedrock).
pub const AMAZON_BEDROCK_NAME: &str = "Amazon Bedrock";

/// The provider `name` that makes Codex run a provider as the Bedrock Runtime (≥ 0.148).
pub const AMAZON_BEDROCK_RUNTIME_NAME: &str = "Amazon Bedrock Runtime";

/// How Codex runs the selected provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// As Amazon Bedrock: the built-in providers, or a custom provider named `Amazon Bedrock`.
    Bedrock(BedrockKind),
    /// The built-in `openai` provider (also when `model_provider` is unset).
    OpenAi,
    /// A built-in local-model provider (`ollama`, `lmstudio`).
    Oss,
    /// A `[model_providers.<id>]` table of the user's: `base_url`, `env_key`, and so on.
    Custom,
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
    /// `Authorization: Bearer` (a Bedrock API key, or another provider's token).
    Bearer,
    /// No `Authorization` header at all.
    None,
}

impl AuthMethod {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Sigv4 => "sigv4",
            AuthMethod::Bearer => "bearer",
            AuthMethod::None => "none",
        }
    }
}

/// Where the winning credentials come from (the JSON report's `auth.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AuthSource {
    /// `[model_providers.amazon-bedrock.auth]` command.
    ProviderCommand,
    /// `aws.credential_export` command of the provider (Codex ≥ 0.155).
    CredentialExport,
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
    /// A custom provider's `env_key` variable.
    ProviderEnvKey,
    /// A custom provider's inline `experimental_bearer_token`.
    ProviderToken,
    /// The OpenAI login in auth.json (an API key or a ChatGPT sign-in).
    OpenaiLogin,
    /// `CODEX_API_KEY` from the environment (`codex exec`; `OPENAI_API_KEY` is never sent).
    CodexApiKey,
    /// A literal `Authorization` value in the provider's `http_headers`.
    ProviderHeader,
    /// Nothing: Codex sends no `Authorization` header.
    Nothing,
}

impl AuthSource {
    /// Every source, for parsers and tables.
    pub const ALL: &[AuthSource] = &[
        AuthSource::ProviderCommand,
        AuthSource::CredentialExport,
        AuthSource::ConfigProfile,
        AuthSource::ManagedApiKey,
        AuthSource::ManagedAccessKeys,
        AuthSource::EnvBearer,
        AuthSource::DotenvBearer,
        AuthSource::EnvAccessKeys,
        AuthSource::DotenvAccessKeys,
        AuthSource::SdkChain,
        AuthSource::ProviderEnvKey,
        AuthSource::ProviderToken,
        AuthSource::OpenaiLogin,
        AuthSource::CodexApiKey,
        AuthSource::ProviderHeader,
        AuthSource::Nothing,
    ];

    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthSource::ProviderCommand => "provider-command",
            AuthSource::CredentialExport => "credential-export",
            AuthSource::ConfigProfile => "config-profile",
            AuthSource::ManagedApiKey => "managed-api-key",
            AuthSource::ManagedAccessKeys => "managed-access-keys",
            AuthSource::EnvBearer => "env-bearer",
            AuthSource::DotenvBearer => "dotenv-bearer",
            AuthSource::EnvAccessKeys => "env-access-keys",
            AuthSource::DotenvAccessKeys => "dotenv-access-keys",
            AuthSource::SdkChain => "sdk-chain",
            AuthSource::ProviderEnvKey => "provider-env-key",
            AuthSource::ProviderToken => "provider-token",
            AuthSource::OpenaiLogin => "openai-login",
            AuthSource::CodexApiKey => "env-codex-api-key",
            AuthSource::ProviderHeader => "provider-http-headers",
            AuthSource::Nothing => "none",
        }
    }

    /// The source of that JSON spelling.
    pub fn parse(s: &str) -> Option<AuthSource> {
        AuthSource::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    /// How requests are authenticated with this source.
    pub fn method(self) -> AuthMethod {
        match self {
            AuthSource::ProviderCommand
            | AuthSource::ManagedApiKey
            | AuthSource::EnvBearer
            | AuthSource::DotenvBearer
            | AuthSource::ProviderEnvKey
            | AuthSource::ProviderToken
            | AuthSource::OpenaiLogin
            | AuthSource::CodexApiKey
            | AuthSource::ProviderHeader => AuthMethod::Bearer,
            AuthSource::Nothing => AuthMethod::None,
            _ => AuthMethod::Sigv4,
        }
    }

    /// Whether the region comes from the bearer rules (config, then env) rather than the SDK chain.
    pub fn uses_bearer_region(self) -> bool {
        matches!(self, AuthSource::EnvBearer | AuthSource::DotenvBearer | AuthSource::ManagedApiKey)
    }
}

/// Where a variable's effective value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The environment the doctor (and so Codex, from this shell) was started with.
    Process,
    /// `$CODEX_HOME/.env`.
    Dotenv,
}

impl Origin {
    /// The report's prefix: `env` or `dotenv`.
    pub fn prefix(self) -> &'static str {
        match self {
            Origin::Process => "env",
            Origin::Dotenv => "dotenv",
        }
    }
}

/// A variable of the effective environment, and where its value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvSource {
    /// The variable.
    pub var: &'static str,
    /// The shell or `.env`.
    pub origin: Origin,
}

impl fmt::Display for EnvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.origin.prefix(), self.var)
    }
}

/// Where the predicted region comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionSource {
    /// `aws.region` of the provider table.
    Config,
    /// `AWS_REGION` or `AWS_DEFAULT_REGION`.
    Env(EnvSource),
    /// `region` of that AWS profile.
    Profile(String),
    /// The region stored with auth.json's managed Bedrock API key.
    ManagedApiKey,
    /// Codex 0.123 always calls us-east-1.
    Fixed,
}

impl RegionSource {
    /// Whether the region is written in a Codex config file.
    pub fn is_config(&self) -> bool {
        *self == RegionSource::Config
    }
}

impl fmt::Display for RegionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionSource::Config => f.write_str("config"),
            RegionSource::Env(e) => e.fmt(f),
            RegionSource::Profile(name) => write!(f, "profile:{name}"),
            RegionSource::ManagedApiKey => f.write_str("managed-api-key"),
            RegionSource::Fixed => f.write_str("fixed"),
        }
    }
}

/// Why the AWS SDK selects the profile it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileSource {
    /// `aws.profile` of the provider table.
    Config,
    /// `AWS_PROFILE`, from the shell or `.env`.
    Env(Origin),
    /// Nothing names one: `default`.
    Default,
}

impl fmt::Display for ProfileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileSource::Config => f.write_str("config"),
            ProfileSource::Env(origin) => write!(f, "{}:AWS_PROFILE", origin.prefix()),
            ProfileSource::Default => f.write_str("default"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_spell_as_the_report_does() {
        let env = EnvSource { var: "AWS_REGION", origin: Origin::Dotenv };
        assert_eq!(RegionSource::Env(env).to_string(), "dotenv:AWS_REGION");
        assert_eq!(RegionSource::Profile("dev".into()).to_string(), "profile:dev");
        assert_eq!(ProfileSource::Env(Origin::Process).to_string(), "env:AWS_PROFILE");
        for source in AuthSource::ALL {
            assert_eq!(AuthSource::parse(source.as_str()), Some(*source));
        }
        assert_eq!(AuthSource::parse("nope"), None);
    }
}
