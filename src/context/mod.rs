//! Gather: everything the doctor looks at is read once, here, into an immutable [`Context`] of facts.
//! What Codex will do with them is derived above it (`crate::prediction`), and both meet in a
//! `crate::session::Session`.
//!
//! Nothing below reads the process environment: the caller passes a snapshot ([`Inputs`]), so tests
//! inject every variable and the doctor never sees more than it says it reads. Files are read with
//! bounded sizes and every failure becomes a value (see [`files`]).

pub mod apps;
pub mod auth_json;
pub mod aws_files;
pub mod codex_config;
pub mod codex_install;
pub mod codex_models;
pub mod dotenv;
pub mod env;
pub mod files;
pub mod subprocess;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use semver::Version;

use crate::catalog::{Catalog, Feature, Rules, catalog};
use crate::codex::{BedrockKind, MANTLE_PROVIDER, ProfileSource, RUNTIME_PROVIDER};
use crate::env_vars;
use crate::platform::Platform;

pub use apps::AppInstall;
pub use auth_json::{AuthJson, ManagedAuth};
pub use aws_files::AwsFiles;
pub use codex_config::CodexConfig;
pub use codex_install::{CodexInstall, VersionSource};
pub use codex_models::{CatalogSource, InstalledModels};
pub use dotenv::Dotenv;
pub use env::{EffectiveEnv, Origin};
pub use files::{FileRead, Location, SourceFile};

/// Options that change what is gathered or how it is judged (from the command line).
#[derive(Clone, Debug)]
pub struct Options {
    /// `--codex-home`.
    pub codex_home: Option<PathBuf>,
    /// `--profile` / `-p`: the Codex profile to evaluate.
    pub codex_profile: Option<String>,
    /// `-c key=value`, in order.
    pub overrides: Vec<String>,
    /// `--codex-version`.
    pub codex_version: Option<Version>,
    /// `--codex-bin`.
    pub codex_bin: Option<PathBuf>,
    /// `--offline`.
    pub offline: bool,
    /// `--timeout`, per live check (also bounds `codex --version`).
    pub timeout: Duration,
    /// Scan for VS Code extensions and the desktop app (off for `lint`, which judges templates).
    pub scan_apps: bool,
    /// The base config file, when it is not `$CODEX_HOME/config.toml` (a template under `lint`).
    pub config_path: Option<PathBuf>,
    /// A user's machine, or a template judged alone (`lint`).
    pub mode: Mode,
    /// What an earlier gather of the same run found about Codex: `fix` gathers several times and asks
    /// Codex (its version, its model catalog) only the first time, so every round sees the same facts.
    pub gathered_codex: Option<GatheredCodex>,
    /// The regions a team policy allows (`lint --policy`): region suggestions stay within them.
    pub allowed_regions: Option<Vec<String>>,
}

/// The facts about the installed Codex, as gathered once.
#[derive(Clone, Debug)]
pub struct GatheredCodex {
    /// Its version and where it came from.
    pub install: CodexInstall,
    /// Its own model catalogs, when read.
    pub models: InstalledModels,
}

/// What the gathered facts describe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// A user's machine: its environment, `.env`, auth.json, AWS files and apps.
    #[default]
    Machine,
    /// Config files alone (`lint`): nothing else is read, and only what the files themselves decide
    /// is predicted.
    Template,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            codex_home: None,
            codex_profile: None,
            overrides: Vec::new(),
            codex_version: None,
            codex_bin: None,
            offline: false,
            timeout: Duration::from_secs(5),
            scan_apps: true,
            config_path: None,
            mode: Mode::Machine,
            gathered_codex: None,
            allowed_regions: None,
        }
    }
}

/// The outside world, as handed to [`Context::gather`].
#[derive(Clone, Debug)]
pub struct Inputs {
    /// A snapshot of the process environment.
    pub env: BTreeMap<String, String>,
    /// Command-line options.
    pub options: Options,
    /// The current time, UTC seconds.
    pub now: i64,
    /// The rules catalog (the compiled-in one; tests swap in a mutated copy).
    pub catalog: &'static Catalog,
    /// Whose conventions place the homes and the apps, and whether file modes mean anything (the
    /// machine's own; tests gather "as" another).
    pub platform: Platform,
}

impl Inputs {
    /// The real process environment and clock.
    pub fn from_process(options: Options) -> Inputs {
        let platform = Platform::current();
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((fold_name(platform, k.into_string().ok()?), v.into_string().ok()?)))
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Inputs { env, options, now, catalog: catalog(), platform }
    }
}

/// A variable's name as the snapshot keys it. Windows compares names without case (its `PATH` is
/// usually spelled `Path`, `ProgramFiles` so), and Codex reads them through that comparison; the
/// snapshot is looked up by exact upper-case names, so there it holds them upper-cased.
fn fold_name(platform: Platform, name: String) -> String {
    if platform == Platform::Windows { name.to_ascii_uppercase() } else { name }
}

/// Everything the checks look at.
#[derive(Debug)]
pub struct Context {
    /// Command-line options.
    pub options: Options,
    /// Current time, UTC seconds.
    pub now: i64,
    /// The platform the facts were gathered for.
    pub platform: Platform,
    /// The home directory Codex uses (`$HOME`; the profile folder, `%USERPROFILE%`, on Windows).
    pub home: Option<PathBuf>,
    /// The home directory the AWS SDK finds `.aws` under: `$HOME`, then on Windows `%USERPROFILE%`,
    /// then `%HOMEDRIVE%%HOMEPATH%` (it differs from [`Context::home`] on Windows when `HOME` is set).
    pub aws_home: Option<PathBuf>,
    /// `$CODEX_HOME` as resolved.
    pub codex_home: PathBuf,
    /// The doctor's own environment (the shell's).
    pub process_env: BTreeMap<String, String>,
    /// `$CODEX_HOME/.env`.
    pub dotenv: Dotenv,
    /// What Codex's environment will be.
    pub env: EffectiveEnv,
    /// The detected Codex.
    pub codex: CodexInstall,
    /// The rules of that version.
    pub rules: Rules,
    /// The installed Codex's own model catalogs, when they were read (use [`Context::model_catalog`]).
    pub models: InstalledModels,
    /// The assembled Codex configuration.
    pub config: CodexConfig,
    /// `$CODEX_HOME/auth.json`.
    pub auth_json: AuthJson,
    /// `~/.aws/config` and `~/.aws/credentials`.
    pub aws: AwsFiles,
    /// VS Code extensions and desktop apps.
    pub apps: Vec<AppInstall>,
    /// The AWS profile the SDK would select.
    pub aws_profile: AwsProfileSelection,
    /// The file `model_catalog_json` names, resolved as Codex resolves it, and whether it exists (not
    /// gathered for a template: its paths are each user's).
    pub model_catalog_file: Option<(PathBuf, bool)>,
    /// `CODEX_HOME` is set in the environment to a path that is missing or not a directory: Codex
    /// stops before reading anything (E 0.123-0.171). Not gathered for `--codex-home`, which the CLI
    /// refuses when it does not name a directory.
    pub codex_home_problem: Option<CodexHomeProblem>,
}

/// What is wrong with the directory `CODEX_HOME` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodexHomeProblem {
    /// Nothing is there.
    Missing,
    /// Something other than a directory is there.
    NotADirectory,
}

impl CodexHomeProblem {
    /// The end of Codex's sentence about it ("…, but that path does not exist").
    pub fn as_str(self) -> &'static str {
        match self {
            CodexHomeProblem::Missing => "does not exist",
            CodexHomeProblem::NotADirectory => "is not a directory",
        }
    }

    /// What is at `path`, as Codex's start-up judges it (a stat that follows symbolic links, as its
    /// canonicalisation does): `None` for a directory.
    pub fn of(path: &Path) -> Option<CodexHomeProblem> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => None,
            Ok(_) => Some(CodexHomeProblem::NotADirectory),
            Err(_) => Some(CodexHomeProblem::Missing),
        }
    }
}

/// How far the model catalog in use can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogAuthority {
    /// Read from the installed Codex (or its cache): what this Codex itself lists.
    Installed,
    /// The compiled catalog of a release the rules were checked against.
    Verified,
    /// The compiled catalog, but Codex is newer than every release the rules were checked against and
    /// its own catalog could not be read: a model missing from it may be one this Codex added.
    Unverified,
}

/// Which AWS profile the SDK selects, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsProfileSelection {
    /// The profile name.
    pub name: String,
    /// Why this one.
    pub source: ProfileSource,
}

impl Context {
    /// Reads everything. Never fails: problems become values the checks report.
    pub fn gather(inputs: Inputs) -> Context {
        let Inputs { env: process_env, options, now, catalog, platform } = inputs;
        let isolated = options.mode == Mode::Template;
        let home = platform.codex_user_home(&process_env);
        // Only the real environment decides where Codex's home is (reference §5.5).
        let codex_home_env = env_vars::non_empty(&process_env, env_vars::CODEX_HOME).map(PathBuf::from);
        let codex_home_problem = match (&options.codex_home, &codex_home_env) {
            (None, Some(dir)) if !isolated => CodexHomeProblem::of(dir),
            _ => None,
        };
        let codex_home = options
            .codex_home
            .clone()
            .or(codex_home_env)
            .or_else(|| home.as_ref().map(|h| h.join(".codex")))
            .unwrap_or_else(|| PathBuf::from(".codex"));

        let newest = catalog.meta.newest_known.clone();
        let apps = if options.scan_apps && !isolated {
            apps::scan(&apps::Roots::of(platform, home.as_deref(), &process_env))
        } else {
            Vec::new()
        };
        // The CLI on PATH is what a terminal runs; without one, the VS Code extension or the desktop
        // app runs the Codex it ships (reference §6), so that binary's version decides the rules.
        let binary = options
            .codex_bin
            .clone()
            .or_else(|| aws_files::find_on_path("codex", process_env.get(env_vars::PATH).map(String::as_str), platform))
            .or_else(|| apps::newest_bundled(&apps));
        let flag = options.codex_version.clone();
        let timeout = options.timeout.min(Duration::from_secs(3));
        // `codex --version` is the slowest part of gathering (~12 ms); overlap it with the file reads.
        // With the version given there is nothing to wait for (and `lint` gathers thousands of times).
        // The same thread then reads that binary's own model catalog (cached, so usually a file read).
        let version_thread = match (flag, options.gathered_codex.clone()) {
            (_, Some(known)) => Err((known.install, known.models)),
            (Some(v), None) => {
                Err((codex_install::detect(Some(&v), binary, &newest, timeout), InstalledModels::compiled(None)))
            }
            (None, None) => {
                let env = process_env.clone();
                let read_catalog = !isolated;
                Ok(std::thread::spawn(move || {
                    let start = Instant::now();
                    let codex = codex_install::detect(None, binary, &newest, timeout);
                    let models = if read_catalog {
                        installed_models(&codex, catalog, &env, platform, start + timeout)
                    } else {
                        InstalledModels::compiled(None)
                    };
                    (codex, models)
                }))
            }
        };

        let unread = |path: PathBuf| SourceFile { path, read: FileRead::Missing, mode: None };
        let read = |path: PathBuf| if isolated { unread(path) } else { SourceFile::read(&path) };
        let dotenv = Dotenv::parse(read(codex_home.join(".env")));
        let env = EffectiveEnv::new(&process_env, &dotenv);
        let auth_json = AuthJson::parse(read(codex_home.join("auth.json")));
        let (codex, models) = match version_thread {
            Err(known) => known,
            Ok(thread) => thread.join().unwrap_or_else(|_| {
                let codex = CodexInstall {
                    binary: None,
                    version: catalog.meta.newest_known.clone(),
                    source: VersionSource::Assumed,
                    problem: Some("version detection failed".into()),
                    raw: None,
                };
                (codex, InstalledModels::compiled(None))
            }),
        };
        let rules = Rules::new(codex.version.clone(), catalog);
        let base_path = options.config_path.clone().unwrap_or_else(|| codex_home.join("config.toml"));
        let config = codex_config::assemble(
            &codex_home,
            &base_path,
            options.codex_profile.as_deref(),
            rules.has(Feature::ProfilesV2),
            &options.overrides,
        );

        let aws_profile = select_aws_profile(&config, &env);
        // A relative path is taken from the directory of the file that sets it (-c: the Codex home).
        // A stat, not a read: existence is all Codex's start-up depends on (E: "No such file or
        // directory (os error 2)" on 0.124-0.169).
        let model_catalog_file = (!isolated)
            .then(|| config.get_str(&["model_catalog_json"]).ok().flatten())
            .flatten()
            .map(|(value, found)| {
                let dir = config.layer_path(found.layer).and_then(Path::parent).unwrap_or(&codex_home);
                let path = dir.join(value);
                let exists = std::fs::metadata(&path).is_ok();
                (path, exists)
            });
        let aws_home = platform.sdk_home(&process_env);
        let aws = if isolated {
            AwsFiles::empty()
        } else {
            AwsFiles::gather(&env.to_map(), aws_home.as_deref(), &aws_profile.name, platform)
        };

        Context {
            options,
            now,
            platform,
            home,
            aws_home,
            codex_home,
            process_env,
            dotenv,
            env,
            codex,
            rules,
            models,
            config,
            auth_json,
            aws,
            apps,
            aws_profile,
            model_catalog_file,
            codex_home_problem,
        }
    }

    /// The model catalog Codex uses with `kind`, in its order: the installed Codex's own when it was
    /// read, else the compiled one of the version. Every model decision goes through here.
    pub fn model_catalog(&self, kind: BedrockKind) -> &[String] {
        match kind {
            BedrockKind::Mantle => self.models.mantle.as_deref().unwrap_or_else(|| self.rules.model_catalog()),
            BedrockKind::Runtime => self.models.runtime.as_deref().unwrap_or_else(|| self.rules.runtime_catalog()),
        }
    }

    /// The model Codex sends with `kind` when `model` is unset: the first entry of its catalog (before
    /// 0.125 Mantle has none, and the generic OpenAI default applies).
    pub fn default_model(&self, kind: BedrockKind) -> Option<&str> {
        match (kind, &self.models.mantle) {
            (BedrockKind::Mantle, None) => self.rules.default_model(),
            _ => self.model_catalog(kind).first().map(String::as_str),
        }
    }

    /// How far [`Context::model_catalog`] can be trusted for `kind`.
    pub fn catalog_authority(&self, kind: BedrockKind) -> CatalogAuthority {
        let read = match kind {
            BedrockKind::Mantle => self.models.mantle.is_some(),
            BedrockKind::Runtime => self.models.runtime.is_some(),
        };
        if read {
            CatalogAuthority::Installed
        } else if self.rules.is_newer_than_verified() {
            CatalogAuthority::Unverified
        } else {
            CatalogAuthority::Verified
        }
    }

    /// Where the model catalog came from, as the report says it: `installed Codex 0.171.0 (/path)`,
    /// `cache (Codex 0.171.0, /path)` or `compiled rules (verified up to 0.169.0)`.
    pub fn catalog_source_text(&self) -> String {
        match &self.models.source {
            CatalogSource::Installed { version, binary } => format!("installed Codex {version} ({})", binary.display()),
            CatalogSource::Cache { version, binary } => format!("cache (Codex {version}, {})", binary.display()),
            CatalogSource::Compiled => format!("compiled rules (verified up to {})", self.rules.verified_up_to()),
        }
    }

    /// Whether an AWS profile of that name exists in the shared files.
    pub fn aws_profile_exists(&self, name: &str) -> bool {
        self.aws.profiles.as_ref().is_some_and(|set| set.get_profile(name).is_some())
    }

    /// A property of an AWS profile.
    pub fn aws_profile_get(&self, profile: &str, key: &str) -> Option<&str> {
        self.aws.profiles.as_ref()?.get_profile(profile)?.get(key)
    }
}

/// The found Codex's own model catalogs, when its version came from the binary itself (with
/// `--codex-version` the binary may be another release than the rules are for). Asking Codex shares the
/// `--timeout` bound (`deadline`) with the version probe.
fn installed_models(
    codex: &CodexInstall,
    catalog: &'static Catalog,
    env: &BTreeMap<String, String>,
    platform: Platform,
    deadline: Instant,
) -> InstalledModels {
    let Some(binary) = codex.binary.as_deref().filter(|_| codex.source == VersionSource::Path) else {
        return InstalledModels::compiled(None);
    };
    let rules = Rules::new(codex.version.clone(), catalog);
    let wanted = codex_models::Wanted {
        mantle: rules.has(Feature::BedrockModelCatalog),
        runtime: rules.has(Feature::RuntimeProvider),
    };
    let deadline = deadline.min(Instant::now() + codex_models::CATALOG_TIMEOUT);
    codex_models::gather(binary, &codex.version, wanted, env, platform, deadline)
}

/// The SDK's profile: `aws.profile` from the config (even empty: the SDK then looks for a profile named
/// ""), else `AWS_PROFILE`, else `default`.
fn select_aws_profile(config: &CodexConfig, env: &EffectiveEnv) -> AwsProfileSelection {
    let provider = match config.get_str(&["model_provider"]) {
        Ok(Some((RUNTIME_PROVIDER, _))) => RUNTIME_PROVIDER,
        _ => MANTLE_PROVIDER,
    };
    if let Ok(Some((name, _))) = config.get_str(&["model_providers", provider, "aws", "profile"]) {
        return AwsProfileSelection { name: name.to_owned(), source: ProfileSource::Config };
    }
    match env.value(env_vars::AWS_PROFILE).filter(|p| !p.is_empty()) {
        Some(name) => AwsProfileSelection {
            name: name.to_owned(),
            source: ProfileSource::Env(env.source(env_vars::AWS_PROFILE).origin),
        },
        None => AwsProfileSelection { name: "default".into(), source: ProfileSource::Default },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_are_folded_on_windows_only() {
        assert_eq!(fold_name(Platform::Windows, "ProgramFiles".into()), env_vars::PROGRAMFILES);
        assert_eq!(fold_name(Platform::Windows, "Path".into()), env_vars::PATH);
        assert_eq!(fold_name(Platform::Linux, "Path".into()), "Path");
        assert_eq!(fold_name(Platform::MacOs, "https_proxy".into()), "https_proxy");
    }
}
