//! Every environment variable the doctor reads, one documented constant each (uv's `env_vars.rs`).
//!
//! Reading a variable by a string literal elsewhere is a bug: the list below is what `README.md`
//! documents as "what it reads".

use std::collections::BTreeMap;

/// A variable's value in an environment snapshot, unless it is unset or empty: for the variables read
/// this way an empty value means the same as none (Codex's home, the cache and temp roots, PATH, …).
pub fn non_empty<'a>(env: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    env.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// Where Codex keeps `config.toml`, `.env` and `auth.json` (default `~/.codex`).
pub const CODEX_HOME: &str = "CODEX_HOME";
/// The user's home directory.
pub const HOME: &str = "HOME";
/// Executable search path, for `codex` and `credential_process` commands.
pub const PATH: &str = "PATH";
/// The user's cache directory on Linux (default `~/.cache`): the installed Codex's model catalog is
/// cached under it.
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// The cache directory on Windows.
pub const LOCALAPPDATA: &str = "LOCALAPPDATA";
/// Where the throwaway `CODEX_HOME` of `codex debug models` is created on Unix (default `/tmp`).
pub const TMPDIR: &str = "TMPDIR";
/// Where it is created on Windows (`TEMP`, then `TMP`).
pub const TEMP_VARS: &[&str] = &["TEMP", "TMP"];
/// Passed on to `codex debug models` on Windows, where a process cannot start without it.
pub const SYSTEMROOT: &str = "SYSTEMROOT";
/// The home directory on Windows: Codex's `.codex` is under it (the profile folder it names), the AWS
/// SDK's `.aws` when `HOME` is unset. Pointed into the throwaway directory for `codex debug models`.
pub const USERPROFILE: &str = "USERPROFILE";
/// The drive of the home directory on Windows: the AWS SDK's last fallback is `HOMEDRIVE` + `HOMEPATH`.
pub const HOMEDRIVE: &str = "HOMEDRIVE";
/// The rest of that path (`\Users\name`).
pub const HOMEPATH: &str = "HOMEPATH";
/// Where Windows installs programs (spelled `ProgramFiles`; Windows compares variable names without
/// case, and the gathered environment folds them to upper case there): the desktop app's MSIX package
/// is under its `WindowsApps` folder.
pub const PROGRAMFILES: &str = "PROGRAMFILES";
/// The AWS shared-config profile the SDK selects when no profile is configured.
pub const AWS_PROFILE: &str = "AWS_PROFILE";
/// Region for the AWS SDK (and, from Codex 0.136, for the bearer-token path).
pub const AWS_REGION: &str = "AWS_REGION";
/// Fallback region after `AWS_REGION`.
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// Static access key id.
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// Static secret key (a secret: never printed).
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Session token for temporary credentials (a secret: never printed).
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// A Bedrock API key (a secret: never printed).
pub const AWS_BEARER_TOKEN_BEDROCK: &str = "AWS_BEARER_TOKEN_BEDROCK";
/// Overrides `~/.aws/config`.
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
/// Overrides `~/.aws/credentials`.
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// Web identity token file (EKS, GitHub OIDC).
pub const AWS_WEB_IDENTITY_TOKEN_FILE: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
/// Role assumed with the web identity token.
pub const AWS_ROLE_ARN: &str = "AWS_ROLE_ARN";
/// ECS/EKS container credentials endpoint (relative form).
pub const AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// Container credentials endpoint (full form).
pub const AWS_CONTAINER_CREDENTIALS_FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// Turns instance-metadata credential probing off.
pub const AWS_EC2_METADATA_DISABLED: &str = "AWS_EC2_METADATA_DISABLED";
/// OpenAI API key: plays no part on Bedrock, reported when it might mislead.
pub const OPENAI_API_KEY: &str = "OPENAI_API_KEY";
/// The API key `codex exec` sends to OpenAI (it never sends OPENAI_API_KEY from the environment).
pub const CODEX_API_KEY: &str = "CODEX_API_KEY";
/// Extra CA bundle Codex trusts (the probe trusts it too).
pub const CODEX_CA_CERTIFICATE: &str = "CODEX_CA_CERTIFICATE";
/// CA bundle for rustls (read by the AWS SDK and reqwest themselves, and by the probe's client).
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
/// AWS SDK endpoint override for every service.
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// AWS SDK endpoint override for STS.
pub const AWS_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
/// AWS SDK endpoint override for the SSO portal (the SSO credentials provider's GetRoleCredentials).
pub const AWS_ENDPOINT_URL_SSO: &str = "AWS_ENDPOINT_URL_SSO";
/// AWS SDK endpoint override for the Bedrock control plane.
pub const AWS_ENDPOINT_URL_BEDROCK: &str = "AWS_ENDPOINT_URL_BEDROCK";
/// Redirects the Responses probe (the doctor's own, in the SDK's naming scheme).
pub const AWS_ENDPOINT_URL_BEDROCK_MANTLE: &str = "AWS_ENDPOINT_URL_BEDROCK_MANTLE";
/// Instance metadata endpoint override (the SDK reads it).
pub const AWS_EC2_METADATA_SERVICE_ENDPOINT: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";

/// Proxy settings the probe's HTTP client takes from Codex's environment, upper and lower case.
pub const HTTPS_PROXY_VARS: &[&str] = &["HTTPS_PROXY", "https_proxy"];
/// `HTTP_PROXY`, upper and lower case.
pub const HTTP_PROXY_VARS: &[&str] = &["HTTP_PROXY", "http_proxy"];
/// `ALL_PROXY`, upper and lower case.
pub const ALL_PROXY_VARS: &[&str] = &["ALL_PROXY", "all_proxy"];
/// `NO_PROXY`, upper and lower case.
pub const NO_PROXY_VARS: &[&str] = &["NO_PROXY", "no_proxy"];

/// Disables colour (no-color.org).
pub const NO_COLOR: &str = "NO_COLOR";
/// Forces colour even on a pipe.
pub const CLICOLOR_FORCE: &str = "CLICOLOR_FORCE";
/// The width of the human output, when set to a number (else the terminal's, else 80).
pub const COLUMNS: &str = "COLUMNS";

/// Variables whose values are secrets wherever they appear.
pub const SECRET_VARS: &[&str] =
    &[AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_BEARER_TOKEN_BEDROCK, OPENAI_API_KEY, CODEX_API_KEY];

/// Variables a Bedrock setup may depend on, which a desktop app or editor started from the dock does not
/// inherit from the shell.
pub const BEDROCK_SETUP_VARS: &[&str] = &[
    AWS_BEARER_TOKEN_BEDROCK,
    AWS_REGION,
    AWS_DEFAULT_REGION,
    AWS_PROFILE,
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN,
    AWS_CONFIG_FILE,
    AWS_SHARED_CREDENTIALS_FILE,
];
