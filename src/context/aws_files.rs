//! `~/.aws/config` and `~/.aws/credentials` (or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`),
//! parsed by aws-config's own profile loader so that profile selection, `[profile x]` vs `[x]` naming
//! and `[sso-session]` sections follow the SDK exactly. The loader is handed an in-memory file system and
//! environment built from the context, so it reads nothing on its own.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env as SdkEnv, Fs as SdkFs};
use sha1::{Digest, Sha1};

use super::files::SourceFile;
use crate::platform::Platform;
use crate::timeutil;

/// An SSO token cache entry for one profile.
#[derive(Clone, Debug)]
pub struct SsoToken {
    /// The cache file.
    pub path: PathBuf,
    /// `expiresAt`, in UTC seconds, when the file was present and readable.
    pub expires_at: Option<i64>,
    /// Why the entry is unusable (missing file, bad JSON, no `expiresAt`).
    pub problem: Option<String>,
    /// Until when the SDK can refresh an expired token by itself (UTC seconds; `i64::MAX` when the
    /// registration has no expiry): only `sso_session` profiles whose cache holds a refresh token and a
    /// client registration. `None`: an expired token stays expired until `aws sso login`.
    pub refresh_until: Option<i64>,
}

impl SsoToken {
    /// Whether the SDK certainly cannot produce credentials from this cache at `now`: the file is
    /// missing or unreadable, or the token expired and cannot be refreshed without a login.
    pub fn unusable_at(&self, now: i64) -> bool {
        match self.expires_at {
            None => self.problem.is_some(),
            Some(exp) => exp <= now && self.refresh_until.is_none_or(|until| until <= now),
        }
    }
}

/// The AWS shared files and what was derived from them.
#[derive(Clone, Debug)]
pub struct AwsFiles {
    /// The config file.
    pub config: SourceFile,
    /// The credentials file.
    pub credentials: SourceFile,
    /// Every profile, as aws-config parsed them.
    pub profiles: Option<ProfileSet>,
    /// Why the files could not be parsed.
    pub load_error: Option<String>,
    /// SSO token cache entries keyed by profile name, for the selected profile and its source chain.
    pub sso_tokens: BTreeMap<String, SsoToken>,
    /// `credential_process` commands (first word) and whether the executable exists.
    pub process_commands: BTreeMap<String, bool>,
}

impl AwsFiles {
    /// No AWS files (templates are judged without the user's).
    pub fn empty() -> AwsFiles {
        let none = |p: &str| SourceFile { path: PathBuf::from(p), read: super::files::FileRead::Missing, mode: None };
        AwsFiles {
            config: none("~/.aws/config"),
            credentials: none("~/.aws/credentials"),
            profiles: None,
            load_error: None,
            sso_tokens: BTreeMap::new(),
            process_commands: BTreeMap::new(),
        }
    }

    /// Reads and parses the files. `env` is the environment Codex would run with; `selected` the profile
    /// the SDK would select (config `aws.profile`, else `AWS_PROFILE`, else `default`); `home` the
    /// SDK's home directory ([`Platform::sdk_home`]), which may not be Codex's.
    pub fn gather(env: &BTreeMap<String, String>, home: Option<&Path>, selected: &str, platform: Platform) -> AwsFiles {
        use crate::env_vars::{AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, PATH};
        let path_of = |var: &str, default: &str| match env.get(var).filter(|v| !v.is_empty()) {
            Some(p) => platform.expand_home(p, home),
            None => home.map_or_else(|| PathBuf::from(default), |h| h.join(default)),
        };
        let config = SourceFile::read(&path_of(AWS_CONFIG_FILE, ".aws/config"));
        let credentials = SourceFile::read(&path_of(AWS_SHARED_CREDENTIALS_FILE, ".aws/credentials"));

        let (profiles, load_error) = parse_profiles(&config, &credentials, selected);
        let mut out = AwsFiles {
            config,
            credentials,
            profiles,
            load_error,
            sso_tokens: BTreeMap::new(),
            process_commands: BTreeMap::new(),
        };
        let Some(set) = out.profiles.clone() else { return out };

        // Follow the selected profile's source_profile chain (bounded: chains longer than this are
        // reported as cycles by the check).
        let mut name = selected.to_owned();
        for _ in 0..8 {
            let Some(profile) = set.get_profile(&name) else { break };
            if let Some(token) = sso_token(&set, profile, home) {
                out.sso_tokens.insert(name.clone(), token);
            }
            if let Some(command) = profile.get("credential_process").and_then(first_word) {
                let found = executable_exists(&command, env.get(PATH).map(String::as_str), platform);
                out.process_commands.insert(command, found);
            }
            match profile.get("source_profile") {
                Some(next) if next != name => name = next.to_owned(),
                _ => break,
            }
        }
        out
    }

    /// Every secret in the files (secret keys, session tokens), for redaction.
    pub fn secrets(&self) -> Vec<String> {
        let Some(set) = &self.profiles else { return Vec::new() };
        set.profiles()
            .filter_map(|name| set.get_profile(name))
            .flat_map(|p| ["aws_secret_access_key", "aws_session_token"].into_iter().filter_map(move |k| p.get(k)))
            .map(str::to_owned)
            .collect()
    }
}

fn parse_profiles(
    config: &SourceFile,
    credentials: &SourceFile,
    selected: &str,
) -> (Option<ProfileSet>, Option<String>) {
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    for file in [config, credentials] {
        if let Some(text) = file.text() {
            files.insert(file.path.to_string_lossy().into_owned(), text.as_bytes().to_vec());
        }
    }
    let config_path = config.path.to_string_lossy().into_owned();
    let credentials_path = credentials.path.to_string_lossy().into_owned();
    let sdk_env = SdkEnv::from_slice(&[
        ("AWS_CONFIG_FILE", config_path.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials_path.as_str()),
        ("AWS_PROFILE", selected),
    ]);
    let fs = SdkFs::from_map(files);
    let files = EnvConfigFiles::default();
    let load = aws_config::profile::load(&fs, &sdk_env, &files, None);
    // The loader is async only because real file systems are; on the in-memory one it never waits.
    let runtime = tokio::runtime::Builder::new_current_thread().build();
    match runtime.map(|rt| rt.block_on(load)) {
        Ok(Ok(set)) => (Some(set), None),
        Ok(Err(e)) => (None, Some(error_chain(&e))),
        Err(e) => (None, Some(e.to_string())),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The SDK's SSO token cache file: `~/.aws/sso/cache/<sha1 hex>.json`, keyed by the `sso_session` name,
/// or by the start URL for legacy profiles without one.
fn sso_token(set: &ProfileSet, profile: &aws_config::profile::Profile, home: Option<&Path>) -> Option<SsoToken> {
    let session_based = profile.get("sso_session").is_some();
    let key = match profile.get("sso_session") {
        Some(session) => {
            set.sso_session(session)?;
            session.to_owned()
        }
        None => profile.get("sso_start_url")?.to_owned(),
    };
    let digest = Sha1::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let path = home?.join(".aws/sso/cache").join(format!("{hex}.json"));
    let file = SourceFile::read(&path);
    let mut token = SsoToken { path, expires_at: None, problem: None, refresh_until: None };
    match file.text().map(serde_json::from_str::<serde_json::Value>) {
        None => token.problem = file.problem(),
        Some(Err(e)) => token.problem = Some(format!("not valid JSON: {e}")),
        Some(Ok(json)) => match json.get("expiresAt").and_then(|v| v.as_str()).and_then(timeutil::parse_rfc3339) {
            Some(t) => {
                token.expires_at = Some(t);
                token.refresh_until = refresh_until(&json).filter(|_| session_based);
            }
            None => token.problem = Some("no readable `expiresAt`".into()),
        },
    }
    Some(token)
}

/// aws-config refreshes an `sso_session` token with the cached refresh token and client registration
/// (`refreshToken`, `clientId`, `clientSecret`), until `registrationExpiresAt`.
fn refresh_until(json: &serde_json::Value) -> Option<i64> {
    let has = |key: &str| json.get(key).and_then(|v| v.as_str()).is_some_and(|v| !v.is_empty());
    if !(has("refreshToken") && has("clientId") && has("clientSecret")) {
        return None;
    }
    match json.get("registrationExpiresAt").and_then(|v| v.as_str()) {
        Some(text) => timeutil::parse_rfc3339(text),
        None => Some(i64::MAX),
    }
}

fn first_word(command: &str) -> Option<String> {
    let command = command.trim();
    let word = if let Some(rest) = command.strip_prefix('"') {
        rest.split('"').next()?
    } else {
        command.split_whitespace().next()?
    };
    (!word.is_empty()).then(|| word.to_owned())
}

fn executable_exists(command: &str, path_var: Option<&str>, platform: Platform) -> bool {
    let names = platform.executable_names(command);
    if command.contains('/') || command.contains('\\') {
        return names.iter().any(|name| Path::new(name).is_file());
    }
    path_var.is_some_and(|p| std::env::split_paths(p).any(|dir| names.iter().any(|name| dir.join(name).is_file())))
}

/// Finds the command `name` on `path_var` (the `PATH` of the context), under the file names the
/// platform gives it ([`Platform::executable_names`]).
pub fn find_on_path(name: &str, path_var: Option<&str>, platform: Platform) -> Option<PathBuf> {
    let names = platform.executable_names(name);
    std::env::split_paths(path_var?).find_map(|dir| names.iter().map(|name| dir.join(name)).find(|p| p.is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_with_the_sdk_loader() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".aws/sso/cache")).unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[default]\nregion = us-east-1\n[profile dev]\nsso_session = corp\nregion = eu-west-1\n\
             [sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
             [profile proc]\ncredential_process = /nonexistent/bin/helper --json\n",
        )
        .unwrap();
        std::fs::write(
            home.join(".aws/credentials"),
            "[static]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cr3t\n",
        )
        .unwrap();
        let hex: String = Sha1::digest(b"corp").iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(
            home.join(format!(".aws/sso/cache/{hex}.json")),
            r#"{"expiresAt":"2026-01-01T00:00:00Z","accessToken":"t"}"#,
        )
        .unwrap();

        let env = BTreeMap::new();
        let files = AwsFiles::gather(&env, Some(home), "dev", Platform::Linux);
        let set = files.profiles.as_ref().unwrap();
        assert_eq!(set.get_profile("dev").unwrap().get("region"), Some("eu-west-1"));
        assert!(set.get_profile("static").is_some());
        assert_eq!(files.sso_tokens["dev"].expires_at, timeutil::parse_rfc3339("2026-01-01T00:00:00Z"));
        assert_eq!(files.secrets(), vec!["s3cr3t".to_string()]);

        let proc = AwsFiles::gather(&env, Some(home), "proc", Platform::Linux);
        assert_eq!(proc.process_commands.get("/nonexistent/bin/helper"), Some(&false));
    }

    #[test]
    fn commands_are_found_under_the_platform_file_names() {
        let dir = tempfile::tempdir().unwrap();
        // What npm installs on Windows: a shell script for Git Bash and a cmd shim.
        for name in ["codex", "codex.cmd"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let path = dir.path().display().to_string();
        assert_eq!(find_on_path("codex", Some(&path), Platform::Windows), Some(dir.path().join("codex.cmd")));
        assert_eq!(find_on_path("codex", Some(&path), Platform::Linux), Some(dir.path().join("codex")));
        assert!(executable_exists("codex", Some(&path), Platform::Windows));
        assert!(!executable_exists("aws-vault", Some(&path), Platform::Windows));
        let full = dir.path().join("codex").display().to_string();
        assert!(executable_exists(&full, None, Platform::Windows));
    }

    #[test]
    fn env_paths_win_and_bad_files_do_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("cfg");
        std::fs::write(&cfg, "[profile x\nregion = us-east-1\n").unwrap();
        let env = BTreeMap::from([("AWS_CONFIG_FILE".to_string(), cfg.display().to_string())]);
        let files = AwsFiles::gather(&env, Some(dir.path()), "default", Platform::Linux);
        assert_eq!(files.config.path, cfg);
        assert!(files.load_error.is_some() || files.profiles.is_some());
    }
}
