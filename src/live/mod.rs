//! The live pass: what the offline prediction cannot know, proven with real requests.
//!
//! Built only when a live check runs. Credentials are resolved once, by the same aws-config provider
//! Codex's auth path uses, and shared by every live check: an SSO refresh or a `credential_process` runs
//! once, and STS, Bedrock and the Responses probe see the same identity. Every network step is bounded:
//! a short IMDS connect timeout, SDK connect/operation timeouts, the HTTP client's timeout, and the
//! runner's outer `--timeout` per check.

pub mod classify;
pub mod probe;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_types::os_shim_internal::Env;
use aws_types::region::Region;
use tokio::sync::OnceCell;

use crate::codex::{AuthMethod, AuthSource, ProfileSource};
use crate::context::ManagedAuth;
use crate::env_vars::*;
use crate::error::Error;
use crate::session::Session;

/// Endpoint overrides the doctor honours; each one is shown in the report.
pub const ENDPOINT_OVERRIDES: &[&str] =
    &[AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_BEDROCK, AWS_ENDPOINT_URL_BEDROCK_MANTLE];

/// Instance metadata gets this long to answer a connection: off EC2 it never does, and the run must not
/// stall on it (aws-config's default is 1 s per attempt, several attempts).
const IMDS_CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// Resolved credentials, or why they are not.
#[derive(Clone, Debug)]
pub enum Resolved {
    /// The SigV4 credentials Codex would sign with.
    Credentials(Credentials),
    /// Codex authenticates with a bearer token: no AWS credentials are involved.
    Bearer,
    /// The provider failed; the message names the cause.
    Failed(String),
    /// Resolution did not finish within the timeout.
    TimedOut(Duration),
    /// There is nothing to resolve (no Bedrock provider, or Codex stops before it would).
    NotApplicable(String),
}

/// Shared state of the live pass.
pub struct Live {
    /// The region Codex will use (signing and SDK calls).
    pub region: Option<String>,
    /// The credentials provider of Codex's auth path.
    provider: Option<SharedCredentialsProvider>,
    credentials: OnceCell<Resolved>,
    sdk: OnceCell<aws_config::SdkConfig>,
    /// Per-check time limit.
    pub timeout: Duration,
    /// The HTTP client of the Responses probe.
    pub http: Result<reqwest::Client, Error>,
    /// Endpoint overrides in effect: (variable, value).
    pub overrides: Vec<(String, String)>,
    /// Codex's environment (the shell's with `.env` applied), as aws-config reads variables. The
    /// process environment is never changed: the SDK is handed this one instead.
    aws_env: Env,
    /// Why no live step may start: a file the SDK or the TLS stack would open itself is a FIFO or a
    /// device (see [`unsafe_files`]).
    blocked: Option<String>,
}

/// Reads the name of the provider that produced `creds`. `Credentials` exposes it only through `Debug`,
/// which redacts the secret.
pub fn provider_name(creds: &Credentials) -> String {
    let debug = format!("{creds:?}");
    debug.split("provider_name: \"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("unknown").to_owned()
}

/// The last 4 characters of a key id.
pub fn last4(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

impl Live {
    /// Builds the live state for the predicted auth path. Touches no network: the region is given, so
    /// the chain does not probe instance metadata for one.
    pub async fn new(ctx: &Session) -> Live {
        let p = &ctx.prediction;
        let timeout = ctx.options.timeout;
        // A value that is not a region name never reaches an SDK client: it would become part of a host.
        let region = p.region.as_ref().map(|r| r.value.trim().to_owned()).filter(|r| crate::net::is_region_name(r));
        let overrides = ENDPOINT_OVERRIDES
            .iter()
            .filter_map(|k| ctx.env.trimmed(k).map(|v| ((*k).to_owned(), v.to_owned())))
            .collect();
        let blocked = unsafe_files(ctx).or_else(|| unusable_ssl_cert_file(ctx));
        let provider = match &p.auth {
            // Building the provider may already read the AWS files (the `.env` path loads a config).
            Some(auth) if blocked.is_none() => credentials_provider(ctx, auth.source, region.as_deref()).await,
            _ => None,
        };
        let http = match &blocked {
            None => http_client(ctx, timeout),
            Some(why) => Err(Error::new("refusing to start the live checks", why)),
        };
        Live {
            aws_env: aws_env(ctx.env.to_map()),
            region,
            provider,
            credentials: OnceCell::new(),
            sdk: OnceCell::new(),
            timeout,
            http,
            overrides,
            blocked,
        }
    }

    /// The secret parts of the credentials resolved so far (for the redactor).
    pub fn resolved_secrets(&self) -> Vec<String> {
        match self.credentials.get() {
            Some(Resolved::Credentials(c)) => {
                std::iter::once(c.secret_access_key().to_owned()).chain(c.session_token().map(str::to_owned)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The credentials, resolved once and shared.
    pub async fn credentials(&self, ctx: &Session) -> Resolved {
        self.credentials.get_or_init(|| self.resolve(ctx)).await.clone()
    }

    async fn resolve(&self, ctx: &Session) -> Resolved {
        let p = &ctx.prediction;
        if p.bedrock.is_none() {
            return Resolved::NotApplicable("no Bedrock provider selected".into());
        }
        let Some(auth) = &p.auth else {
            return Resolved::NotApplicable(format!("Codex {} sends no credentials", ctx.rules.version));
        };
        if let Some(why) = &self.blocked {
            return Resolved::Failed(why.clone());
        }
        if auth.method == AuthMethod::Bearer {
            return Resolved::Bearer;
        }
        let Some(provider) = &self.provider else {
            return Resolved::NotApplicable("no credentials provider for this auth path".into());
        };
        match tokio::time::timeout(self.timeout, provider.provide_credentials()).await {
            Ok(Ok(creds)) => Resolved::Credentials(creds),
            Ok(Err(e)) => Resolved::Failed(classify::credentials_error(ctx, &e)),
            Err(_) => Resolved::TimedOut(self.timeout),
        }
    }

    /// The host an SDK client of `service` (`STS`, `BEDROCK`) calls, for messages: the endpoint override
    /// aws-config applies (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`), parsed as the client
    /// parses it, else the regional endpoint (`sts.<region>.amazonaws.com`, `bedrock.<region>…`).
    pub fn sdk_host(&self, service: &str, prefix: &str) -> String {
        let specific = format!("AWS_ENDPOINT_URL_{service}");
        let chosen = self
            .overrides
            .iter()
            .find(|(var, _)| *var == specific)
            .or_else(|| self.overrides.iter().find(|(var, _)| var == AWS_ENDPOINT_URL));
        match chosen {
            Some((_, value)) => crate::net::Target::parse(value).map_or_else(|_| value.clone(), |t| t.authority()),
            None => format!("{prefix}.{}.amazonaws.com", self.region.as_deref().unwrap_or("us-east-1")),
        }
    }

    /// The SDK config for STS and Bedrock calls, loaded once per run and shared: fixed credentials
    /// (already resolved: the SDK must not resolve them again) and bounded timeouts. Endpoint overrides
    /// come from the environment, read by aws-config itself.
    pub async fn sdk_config(&self, creds: Credentials) -> aws_config::SdkConfig {
        self.sdk.get_or_init(|| self.load_sdk_config(creds)).await.clone()
    }

    async fn load_sdk_config(&self, creds: Credentials) -> aws_config::SdkConfig {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(self.timeout.min(Duration::from_secs(3)))
            .operation_timeout(self.timeout)
            .build();
        aws_config::defaults(BehaviorVersion::latest())
            // Endpoint overrides (`AWS_ENDPOINT_URL*`) are read by aws-config from this environment.
            .env(self.aws_env.clone())
            .region(Region::new(self.region.clone().unwrap_or_else(|| "us-east-1".into())))
            .credentials_provider(creds)
            .timeout_config(timeouts)
            // One attempt: a diagnosis reports what happened, it does not retry it away.
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .load()
            .await
    }
}

/// The provider Codex's auth path resolves credentials with (reference §5.1).
async fn credentials_provider(
    ctx: &Session,
    source: AuthSource,
    region: Option<&str>,
) -> Option<SharedCredentialsProvider> {
    let env = &ctx.env;
    let fixed = |akid: &str, secret: &str, token: Option<&str>, name: &'static str| {
        SharedCredentialsProvider::new(Credentials::new(akid, secret, token.map(str::to_owned), None, name))
    };
    let provider_config = ProviderConfig::default().with_region(region.map(|r| Region::new(r.to_owned())));
    match source {
        AuthSource::EnvAccessKeys | AuthSource::DotenvAccessKeys => Some(fixed(
            env.value(AWS_ACCESS_KEY_ID)?,
            env.value(AWS_SECRET_ACCESS_KEY)?,
            env.trimmed(AWS_SESSION_TOKEN),
            "Environment",
        )),
        AuthSource::ManagedAccessKeys => match &ctx.auth_json.managed {
            Some(ManagedAuth::AccessKeys { access_key_id, secret_access_key, session_token }) => {
                Some(fixed(access_key_id, secret_access_key, session_token.as_deref(), "CodexManagedAccessKeys"))
            }
            _ => None,
        },
        // `.env` sets a variable the SDK's own providers read (a config file path, web identity,
        // containers, instance metadata): only aws-config, handed Codex's environment, resolves that
        // as Codex does. Instance metadata then has aws-config's default timeouts, still bounded by
        // --timeout.
        AuthSource::ConfigProfile | AuthSource::SdkChain if dotenv_steers_sdk(ctx) => {
            let mut vars = env.to_map();
            if source == AuthSource::ConfigProfile {
                // From 0.150 a configured profile is used on its own, ahead of env keys.
                for key in [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN] {
                    vars.remove(key);
                }
            }
            let mut loader = aws_config::defaults(BehaviorVersion::latest()).env(aws_env(vars));
            if let Some(r) = region {
                loader = loader.region(Region::new(r.to_owned()));
            }
            if source == AuthSource::ConfigProfile || ctx.aws_profile.source != ProfileSource::Default {
                loader = loader.profile_name(&ctx.aws_profile.name);
            }
            loader.load().await.credentials_provider()
        }
        // From 0.150 a configured profile is used on its own, ahead of env keys; before 0.150 this
        // source only wins when no env keys are set, which comes to the same provider.
        AuthSource::ConfigProfile => Some(SharedCredentialsProvider::new(
            ProfileFileCredentialsProvider::builder()
                .configure(&provider_config)
                .profile_name(&ctx.aws_profile.name)
                .build(),
        )),
        AuthSource::SdkChain => {
            let imds = aws_config::imds::Client::builder()
                .connect_timeout(IMDS_CONNECT_TIMEOUT)
                .read_timeout(IMDS_CONNECT_TIMEOUT)
                .max_attempts(1)
                .build();
            let mut chain = DefaultCredentialsChain::builder().configure(provider_config).imds_client(imds);
            if let Some(r) = region {
                chain = chain.region(Region::new(r.to_owned()));
            }
            if ctx.aws_profile.source != ProfileSource::Default {
                chain = chain.profile_name(&ctx.aws_profile.name);
            }
            Some(SharedCredentialsProvider::new(chain.build().await))
        }
        _ => None,
    }
}

/// Files that aws-config or the TLS stack open themselves, with their own unbounded, blocking reads:
/// the AWS config and credentials files (named by the variables or the defaults), a web identity token,
/// the SSO token caches, the CA bundles. A FIFO there blocks the reading thread forever (no `--timeout`
/// can interrupt a blocked read, and the runtime waits for it on exit); a device feeds it without end.
/// So each path is inspected first, without blocking, and any that is not a regular file stops the live
/// pass with a finding naming it. The shell's value is inspected too where `.env` replaced it: the
/// TLS stack reads `SSL_CERT_FILE` from the doctor's own process environment.
fn unsafe_files(ctx: &Session) -> Option<String> {
    let home = ctx.aws_home.as_deref();
    let mut paths: Vec<(String, std::path::PathBuf)> = Vec::new();
    for var in
        [AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_WEB_IDENTITY_TOKEN_FILE, SSL_CERT_FILE, CODEX_CA_CERTIFICATE]
    {
        let Some(value) = ctx.env.get(var) else { continue };
        for v in std::iter::once(&value.value).chain(value.shell_value.as_ref()) {
            let v = v.trim();
            if !v.is_empty() {
                paths.push((format!("{var}="), ctx.platform.expand_home(v, home)));
            }
        }
    }
    let files = &ctx.aws;
    paths.push((String::new(), files.config.path.clone()));
    paths.push((String::new(), files.credentials.path.clone()));
    paths.extend(files.sso_tokens.values().map(|t| (String::new(), t.path.clone())));
    let problems: Vec<String> = paths
        .iter()
        .filter_map(|(var, path)| crate::context::files::not_a_regular_file(path).map(|p| format!("{var}{p}")))
        .collect();
    (!problems.is_empty()).then(|| {
        format!("{}; the AWS SDK and the TLS stack would block reading it, so no live check runs", problems.join("; "))
    })
}

/// `SSL_CERT_FILE` as the AWS SDK's TLS stack reads it: from the doctor's own process environment
/// (rustls-native-certs), in place of the system roots. A file with no certificate makes it panic when
/// the SDK builds its HTTP client ("no valid root certificates parsed"), so the live pass stops first
/// with a finding naming the file. The shell's value is what the process holds; `.env` may show another.
fn unusable_ssl_cert_file(ctx: &Session) -> Option<String> {
    let value = ctx.env.get(SSL_CERT_FILE)?;
    let shell =
        value.shell_value.as_ref().or((value.origin == crate::codex::Origin::Process).then_some(&value.value))?;
    let shell = shell.trim();
    if shell.is_empty() {
        return None;
    }
    let path = ctx.platform.expand_home(shell, ctx.aws_home.as_deref());
    let why = match crate::context::files::read_capped(&path, crate::context::files::MAX_CA_BUNDLE_BYTES) {
        Err(read) => crate::context::files::describe(&read).unwrap_or_else(|| "cannot be read".into()),
        Ok((pem, _)) => match reqwest::Certificate::from_pem_bundle(&pem) {
            Ok(certs) if !certs.is_empty() => return None,
            Ok(_) => "holds no PEM certificate".into(),
            Err(e) => format!("holds no readable certificate ({e})"),
        },
    };
    Some(format!(
        "SSL_CERT_FILE={shell} {why}: the AWS SDK's TLS stack reads it in place of the system roots and cannot start, so no live check runs"
    ))
}

/// An environment (Codex's, or a copy of it) as aws-config takes one.
fn aws_env(vars: std::collections::BTreeMap<String, String>) -> Env {
    Env::from(vars.into_iter().collect::<std::collections::HashMap<String, String>>())
}

/// Variables the chain passes explicitly (profile, region, the static keys) need no special handling;
/// any other `AWS_*` variable set by `.env` is read by aws-config's providers themselves.
fn dotenv_steers_sdk(ctx: &Session) -> bool {
    const EXPLICIT: &[&str] = &[
        AWS_PROFILE,
        AWS_REGION,
        AWS_DEFAULT_REGION,
        AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY,
        AWS_SESSION_TOKEN,
        AWS_BEARER_TOKEN_BEDROCK,
    ];
    ctx.dotenv.applied().any(|(key, _)| key.starts_with("AWS_") && !EXPLICIT.contains(&key))
}

/// The first non-empty value of these variables in Codex's environment, with its name.
fn first_set<'a>(ctx: &'a Session, vars: &'static [&'static str]) -> Option<(&'static str, &'a str)> {
    vars.iter().find_map(|v| ctx.env.trimmed(v).map(|value| (*v, value)))
}

/// `reqwest::Proxy::https`, `http` or `all`.
type MakeProxy = fn(&str) -> reqwest::Result<reqwest::Proxy>;

/// The proxies of Codex's environment, configured explicitly: reqwest would otherwise read the
/// doctor's own process environment, which lacks what `.env` sets.
fn proxies(ctx: &Session) -> Result<Vec<reqwest::Proxy>, Error> {
    let no_proxy = first_set(ctx, NO_PROXY_VARS).and_then(|(_, v)| reqwest::NoProxy::from_string(v));
    let mut out = Vec::new();
    let kinds: [(&'static [&'static str], MakeProxy); 3] = [
        (HTTPS_PROXY_VARS, |u| reqwest::Proxy::https(u)),
        (HTTP_PROXY_VARS, |u| reqwest::Proxy::http(u)),
        (ALL_PROXY_VARS, |u| reqwest::Proxy::all(u)),
    ];
    for (vars, make) in kinds {
        if let Some((var, url)) = first_set(ctx, vars) {
            let proxy = make(url).map_err(|e| Error::new(format!("reading the proxy in {var}"), e))?;
            out.push(proxy.no_proxy(no_proxy.clone()));
        }
    }
    Ok(out)
}

/// The probe's HTTP client: rustls with the platform roots, plus the CA files Codex trusts
/// (`CODEX_CA_CERTIFICATE`) and `SSL_CERT_FILE`; proxies from Codex's environment.
fn http_client(ctx: &Session, timeout: Duration) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .user_agent(concat!("bedrock-doctor/", env!("CARGO_PKG_VERSION")))
        .no_proxy();
    for proxy in proxies(ctx)? {
        builder = builder.proxy(proxy);
    }
    for var in [CODEX_CA_CERTIFICATE, SSL_CERT_FILE] {
        let Some(path) = ctx.env.trimmed(var) else { continue };
        // Bounded and never blocking: a FIFO or /dev/zero named here is refused with its kind.
        let pem = crate::context::files::read_capped(Path::new(path), crate::context::files::MAX_CA_BUNDLE_BYTES)
            .map_err(|read| {
                let why = crate::context::files::describe(&read).unwrap_or_default();
                Error::at(format!("reading {var}="), Path::new(path), why)
            })?
            .0;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| Error::at(format!("reading the certificates of {var}="), Path::new(path), e))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| Error::new("building the HTTP client", e))
}

/// How a request to Bedrock's OpenAI-compatible endpoint authenticates, as Codex's does: the bearer
/// token Codex sends, or SigV4 with the resolved credentials and the predicted signing scope.
pub enum RequestAuth {
    /// `Authorization: Bearer` with this token.
    Bearer(String),
    /// SigV4.
    Sigv4 {
        /// The resolved credentials.
        credentials: Credentials,
        /// The signing service (`bedrock-mantle`, `bedrock`).
        service: &'static str,
        /// The signing region.
        region: String,
    },
}

impl RequestAuth {
    /// The probe's view of it.
    pub fn as_auth(&self) -> probe::Auth<'_> {
        match self {
            RequestAuth::Bearer(token) => probe::Auth::Bearer(token),
            RequestAuth::Sigv4 { credentials, service, region } => probe::Auth::Sigv4 { credentials, service, region },
        }
    }

    /// Whether it is a bearer token.
    pub fn is_bearer(&self) -> bool {
        matches!(self, RequestAuth::Bearer(_))
    }
}

/// Where Codex's request goes, when it goes to Bedrock: the kind (a custom provider pointed at Bedrock
/// is judged by its destination) and the probe's target, after the host decision of [`probe::target`].
/// `Err` says why no credentialed request may be sent.
pub fn request_target(ctx: &Session) -> Result<(crate::codex::BedrockKind, probe::Target), String> {
    use crate::codex::BedrockKind;
    use crate::net::Destination;
    let p = &ctx.prediction;
    let Some(endpoint) = &p.endpoint else {
        // Normally unreached: the runner skips a check that needs a request when Codex stops first.
        return Err("Codex sends no request for this setup".into());
    };
    let kind = p.bedrock.or(match p.destination {
        Some(Destination::Mantle { .. }) => Some(BedrockKind::Mantle),
        Some(Destination::Runtime { .. }) => Some(BedrockKind::Runtime),
        _ => None,
    });
    let Some(kind) = kind else {
        return Err("the request does not go to Amazon Bedrock: the doctor sends no credentials there".into());
    };
    let target =
        probe::target(endpoint, ctx.env.trimmed(probe::MANTLE_ENDPOINT_OVERRIDE)).map_err(|why| why.to_string())?;
    Ok((kind, target))
}

impl Live {
    /// The credential Codex sends with its request, resolved. `Err` says why there is none to send.
    pub async fn request_auth(&self, ctx: &Session) -> Result<RequestAuth, String> {
        let p = &ctx.prediction;
        let Some(auth) = &p.auth else { return Err("no credentials predicted".into()) };
        let bearer = match auth.source {
            AuthSource::EnvBearer | AuthSource::DotenvBearer => {
                ctx.env.trimmed(AWS_BEARER_TOKEN_BEDROCK).map(str::to_owned)
            }
            AuthSource::ManagedApiKey => match &ctx.auth_json.managed {
                Some(ManagedAuth::ApiKey { api_key, .. }) => Some(api_key.trim().to_owned()),
                _ => None,
            },
            AuthSource::ProviderCommand => {
                return Err("the token comes from the provider `auth` command, which the doctor does not run".into());
            }
            AuthSource::ProviderEnvKey => auth.env_var.as_deref().and_then(|v| ctx.env.trimmed(v)).map(str::to_owned),
            AuthSource::ProviderToken => ctx
                .config
                .get_str(&crate::prediction::provider_path(p.table(), &["experimental_bearer_token"]))
                .ok()
                .flatten()
                .map(|(t, _)| t.trim().to_owned()),
            AuthSource::Nothing | AuthSource::OpenaiLogin | AuthSource::CodexApiKey | AuthSource::ProviderHeader => {
                return Err("Codex sends no Bedrock credential here (see auth-source)".into());
            }
            _ => None,
        };
        match (bearer, &p.signing) {
            (Some(token), _) => Ok(RequestAuth::Bearer(token)),
            (None, Some(signing)) => match self.credentials(ctx).await {
                Resolved::Credentials(credentials) => {
                    Ok(RequestAuth::Sigv4 { credentials, service: signing.service, region: signing.region.clone() })
                }
                _ => Err("no credentials resolved (see credentials)".into()),
            },
            (None, None) => Err("no bearer token and no signing scope predicted".into()),
        }
    }
}

/// Seconds since the epoch, for comparing with a server's `Date`.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

pub type SharedLive = Arc<Live>;
