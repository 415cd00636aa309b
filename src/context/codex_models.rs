//! The installed Codex's own model catalog: `codex debug models -c model_provider="amazon-bedrock"` (and
//! `"amazon-bedrock-runtime"` where the version has that provider).
//!
//! Codex ships about weekly and each release may add models, so the catalog compiled into the doctor is
//! always behind somebody's Codex. When a Codex binary was found and its version read, the doctor asks it
//! directly, safely:
//! - offline by construction: a cleared environment (no proxy variables, no credentials; only `PATH`,
//!   and `HOME`/`CODEX_HOME` pointing into a fresh temporary directory that is deleted after), stdin
//!   closed, the working directory inside that temporary directory (so no project `.codex/` applies);
//!   `tests/installed_codex.rs` proves it connects nowhere and leaves the user's `CODEX_HOME` untouched;
//! - bounded: both providers run at once, each killed with its process group at the deadline, and the
//!   output is capped ([`crate::context::subprocess`]);
//! - cached by the binary's path, size and modification time in the user's cache directory, so it costs
//!   one run per installed release (see [`cache_root`]). A cache entry is small JSON, written atomically,
//!   read bounded, and ignored (then rewritten) when it does not validate.
//!
//! Before 0.125.0 `debug models` exists but lists the generic OpenAI models, not a Bedrock catalog
//! (checked on every installed release from 0.123.0), so it is not run there: the compiled rules already
//! say what those releases do.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use semver::Version;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use super::files::{FileRead, SourceFile};
use super::subprocess::{self, Limits};
use crate::codex::{MANTLE_PROVIDER, RUNTIME_PROVIDER};
use crate::env_vars::{self, non_empty};
use crate::platform::Platform;

/// How long reading the catalog may take. A warm run costs 20–50 ms, a cold one (the binary paged in
/// for the first time) up to ~0.5 s on the CI machine; past this the compiled rules are used and the
/// next run tries again.
pub const CATALOG_TIMEOUT: Duration = Duration::from_millis(1500);

/// `debug models` prints every model's full instructions: ~75 KB a model (1.5 MB for the 20 Runtime
/// ids of 0.171.0). 16 MiB leaves room for ten times that, and no more.
const MAX_CATALOG_OUTPUT: usize = 16 * 1024 * 1024;

/// Bumped when the cache entry's meaning changes; an entry of another format is ignored.
const CACHE_FORMAT: u32 = 1;

/// At most this many models, each at most this long: anything else is not a Codex catalog.
const MAX_MODELS: usize = 1000;
const MAX_SLUG: usize = 128;

/// The user's cache directory: `$XDG_CACHE_HOME` (when absolute, as the XDG spec requires) or
/// `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows.
pub fn cache_root(platform: Platform, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let home = || non_empty(env, env_vars::HOME).map(PathBuf::from);
    match platform {
        Platform::Linux => non_empty(env, env_vars::XDG_CACHE_HOME)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| Some(home()?.join(".cache"))),
        Platform::MacOs => Some(home()?.join("Library/Caches")),
        Platform::Windows => non_empty(env, env_vars::LOCALAPPDATA).map(PathBuf::from),
    }
}

/// Where the throwaway `CODEX_HOME` goes: the platform's temporary directory, from the gathered
/// environment.
fn temp_root(platform: Platform, env: &BTreeMap<String, String>) -> PathBuf {
    let keys: &[&str] = if platform == Platform::Windows { env_vars::TEMP_VARS } else { &[env_vars::TMPDIR] };
    keys.iter().find_map(|k| non_empty(env, k)).map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
}

/// Where the catalog came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogSource {
    /// Read just now from the installed binary.
    Installed {
        /// Its version.
        version: Version,
        /// The binary.
        binary: PathBuf,
    },
    /// Read from the cache, recorded from that same binary (same path, size and mtime).
    Cache {
        /// Its version.
        version: Version,
        /// The binary.
        binary: PathBuf,
    },
    /// Not read: the catalog compiled into the doctor applies.
    Compiled,
}

impl CatalogSource {
    /// The JSON spelling of the kind.
    pub fn as_str(&self) -> &'static str {
        match self {
            CatalogSource::Installed { .. } => "installed",
            CatalogSource::Cache { .. } => "cache",
            CatalogSource::Compiled => "compiled",
        }
    }
}

/// Which providers' catalogs to ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted {
    /// `amazon-bedrock` (the version has a Bedrock catalog).
    pub mantle: bool,
    /// `amazon-bedrock-runtime` (the version has that provider).
    pub runtime: bool,
}

/// The installed Codex's catalogs, when they were read.
#[derive(Clone, Debug)]
pub struct InstalledModels {
    /// Where they came from.
    pub source: CatalogSource,
    /// The `amazon-bedrock` catalog in Codex's order (first = default); `None` when not read.
    pub mantle: Option<Vec<String>>,
    /// The `amazon-bedrock-runtime` catalog; `None` when not read or the version has no such provider.
    pub runtime: Option<Vec<String>>,
    /// Why a found binary's catalog could not be read.
    pub problem: Option<String>,
}

impl InstalledModels {
    /// Nothing read: the compiled catalog applies.
    pub fn compiled(problem: Option<String>) -> InstalledModels {
        InstalledModels { source: CatalogSource::Compiled, mantle: None, runtime: None, problem }
    }
}

#[derive(Deserialize)]
struct DebugModels {
    models: Vec<DebugModel>,
}

#[derive(Deserialize)]
struct DebugModel {
    slug: String,
}

fn valid_slug(slug: &str) -> bool {
    (1..=MAX_SLUG).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'/'))
}

/// The slugs of `codex debug models` JSON, in Codex's order; `None` when the output is not a catalog
/// (not that JSON, empty, or ids no Codex release would print).
pub fn parse_debug_models(stdout: &[u8]) -> Option<Vec<String>> {
    let doc: DebugModels = serde_json::from_slice(stdout).ok()?;
    let slugs: Vec<String> = doc.models.into_iter().map(|m| m.slug).collect();
    let sane = !slugs.is_empty() && slugs.len() <= MAX_MODELS && slugs.iter().all(|s| valid_slug(s));
    sane.then_some(slugs)
}

/// The cache key: the binary as resolved, its size and its modification time.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    binary: String,
    size: u64,
    mtime_ns: u64,
}

fn stamp(binary: &Path) -> Option<Stamp> {
    let real = std::fs::canonicalize(binary).ok()?;
    let meta = std::fs::metadata(&real).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    let mtime_ns = u64::try_from(mtime.as_nanos()).ok()?;
    Some(Stamp { binary: real.to_string_lossy().into_owned(), size: meta.len(), mtime_ns })
}

/// One cache file per binary, named by a digest of its resolved path.
fn cache_file(root: &Path, stamp: &Stamp) -> PathBuf {
    let digest = Sha1::digest(stamp.binary.as_bytes());
    let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    root.join("bedrock-doctor").join(format!("codex-models-{name}.json"))
}

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    format: u32,
    binary: String,
    size: u64,
    mtime_ns: u64,
    version: String,
    mantle: Option<Vec<String>>,
    runtime: Option<Vec<String>>,
}

fn valid_list(list: &Option<Vec<String>>, wanted: bool) -> bool {
    match list {
        None => !wanted,
        Some(l) => wanted && !l.is_empty() && l.len() <= MAX_MODELS && l.iter().all(|s| valid_slug(s)),
    }
}

/// The cached catalogs of exactly this binary and version, if a valid entry exists.
fn read_cache(file: &Path, stamp: &Stamp, version: &Version, wanted: Wanted) -> Option<CacheEntry> {
    // SourceFile reads regular files only, bounded; anything else is simply no cache.
    let source = SourceFile::read(file);
    let FileRead::Text(text) = &source.read else { return None };
    let entry: CacheEntry = serde_json::from_str(text).ok()?;
    let valid = entry.format == CACHE_FORMAT
        && entry.binary == stamp.binary
        && entry.size == stamp.size
        && entry.mtime_ns == stamp.mtime_ns
        && entry.version == version.to_string()
        && valid_list(&entry.mantle, wanted.mantle)
        && valid_list(&entry.runtime, wanted.runtime);
    valid.then_some(entry)
}

/// Writes the entry atomically (a temporary file in the same directory, renamed over the old one), so a
/// concurrent reader sees the old entry or the new one, never half of one. Failing to cache is not an
/// error: the next run asks Codex again.
fn write_cache(file: &Path, entry: &CacheEntry) {
    let Some(dir) = file.parent() else { return };
    let Ok(text) = serde_json::to_string(entry) else { return };
    let _ = std::fs::create_dir_all(dir).and_then(|()| {
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.persist(file).map(drop).map_err(|e| e.error)
    });
}

/// Runs `binary debug models` for one provider in its own throwaway home.
fn ask(
    binary: &Path,
    provider: &str,
    scratch: &Path,
    env: &BTreeMap<String, String>,
    deadline: Instant,
) -> Result<Vec<String>, String> {
    let home = scratch.join(provider).join("home");
    let codex_home = scratch.join(provider).join("codex-home");
    std::fs::create_dir_all(&home).and_then(|()| std::fs::create_dir_all(&codex_home)).map_err(|e| e.to_string())?;
    let mut command = Command::new(binary);
    command
        .args(["debug", "models", "-c", &format!("model_provider=\"{provider}\"")])
        .env_clear()
        .env(env_vars::HOME, &home)
        .env(env_vars::CODEX_HOME, &codex_home)
        .current_dir(scratch);
    // PATH only so that an npm launcher (`#!/usr/bin/env node`) finds node; nothing else is inherited.
    if let Some(path) = non_empty(env, env_vars::PATH) {
        command.env(env_vars::PATH, path);
    }
    if cfg!(windows) {
        command.env(env_vars::USERPROFILE, &home);
        if let Some(root) = non_empty(env, env_vars::SYSTEMROOT) {
            command.env(env_vars::SYSTEMROOT, root);
        }
    }
    let finished = subprocess::run(command, Limits { deadline, max_output: MAX_CATALOG_OUTPUT })
        .map_err(|e| format!("`codex debug models -c model_provider=\"{provider}\"`: {e}"))?;
    if !finished.status.success() {
        return Err(format!("`codex debug models -c model_provider=\"{provider}\"` failed ({})", finished.status));
    }
    parse_debug_models(&finished.stdout)
        .ok_or_else(|| format!("`codex debug models -c model_provider=\"{provider}\"` printed no model catalog"))
}

/// Reads the catalogs of `binary` (version `version`): from the cache when it holds this binary's,
/// otherwise by running it, both providers at once, until `deadline`.
pub fn gather(
    binary: &Path,
    version: &Version,
    wanted: Wanted,
    env: &BTreeMap<String, String>,
    platform: Platform,
    deadline: Instant,
) -> InstalledModels {
    if !wanted.mantle && !wanted.runtime {
        return InstalledModels::compiled(None);
    }
    let stamp = stamp(binary);
    let cache = stamp.as_ref().zip(cache_root(platform, env)).map(|(s, root)| cache_file(&root, s));
    if let (Some(stamp), Some(file)) = (&stamp, &cache)
        && let Some(entry) = read_cache(file, stamp, version, wanted)
    {
        let source = CatalogSource::Cache { version: version.clone(), binary: binary.to_path_buf() };
        return InstalledModels { source, mantle: entry.mantle, runtime: entry.runtime, problem: None };
    }

    let scratch = match tempfile::Builder::new().prefix("bedrock-doctor-codex-").tempdir_in(temp_root(platform, env)) {
        Ok(dir) => dir,
        Err(e) => return InstalledModels::compiled(Some(format!("could not create a temporary CODEX_HOME: {e}"))),
    };
    let (mantle, runtime) = std::thread::scope(|s| {
        let run = |wanted: bool, provider: &'static str| {
            let scratch = scratch.path();
            s.spawn(move || wanted.then(|| ask(binary, provider, scratch, env, deadline)))
        };
        let mantle = run(wanted.mantle, MANTLE_PROVIDER);
        let runtime = run(wanted.runtime, RUNTIME_PROVIDER);
        let join = |h: std::thread::ScopedJoinHandle<'_, Option<Result<Vec<String>, String>>>| {
            h.join().unwrap_or_else(|_| Some(Err("reading the catalog failed".into())))
        };
        (join(mantle), join(runtime))
    });
    drop(scratch);
    let (mantle, runtime) = match (mantle.transpose(), runtime.transpose()) {
        (Ok(m), Ok(r)) => (m, r),
        (Err(e), _) | (_, Err(e)) => return InstalledModels::compiled(Some(e)),
    };
    if let (Some(stamp), Some(file)) = (stamp, &cache) {
        let entry = CacheEntry {
            format: CACHE_FORMAT,
            binary: stamp.binary,
            size: stamp.size,
            mtime_ns: stamp.mtime_ns,
            version: version.to_string(),
            mantle: mantle.clone(),
            runtime: runtime.clone(),
        };
        write_cache(file, &entry);
    }
    let source = CatalogSource::Installed { version: version.clone(), binary: binary.to_path_buf() };
    InstalledModels { source, mantle, runtime, problem: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn cache_root_follows_each_platform() {
        let e =
            env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/xdg"), ("LOCALAPPDATA", "C:\\Users\\u\\AppData\\Local")]);
        assert_eq!(cache_root(Platform::Linux, &e), Some(PathBuf::from("/xdg")));
        assert_eq!(cache_root(Platform::MacOs, &e), Some(PathBuf::from("/home/u/Library/Caches")));
        assert_eq!(cache_root(Platform::Windows, &e), Some(PathBuf::from("C:\\Users\\u\\AppData\\Local")));
        // A relative XDG_CACHE_HOME is invalid by the spec and ignored; an empty one is unset.
        for xdg in ["relative/cache", ""] {
            let e = env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", xdg)]);
            assert_eq!(cache_root(Platform::Linux, &e), Some(PathBuf::from("/home/u/.cache")));
        }
        assert_eq!(cache_root(Platform::Linux, &env(&[])), None);
        assert_eq!(cache_root(Platform::MacOs, &env(&[("HOME", "")])), None);
        assert_eq!(cache_root(Platform::Windows, &env(&[("HOME", "/home/u")])), None);
    }

    #[test]
    fn debug_models_output_is_parsed_in_order_and_anything_else_rejected() {
        let out = br#"{"models":[{"slug":"openai.gpt-6.2-sol","priority":0,"base_instructions":"..."},{"slug":"openai.gpt-6.1-sol","priority":1}]}"#;
        assert_eq!(parse_debug_models(out), Some(vec!["openai.gpt-6.2-sol".into(), "openai.gpt-6.1-sol".into()]));
        assert_eq!(parse_debug_models(b"Error: unknown provider"), None);
        assert_eq!(parse_debug_models(br#"{"models":[]}"#), None);
        assert_eq!(parse_debug_models(br#"{"models":[{"slug":"x\u001b]52;c;aGk=\u0007"}]}"#), None);
        assert_eq!(parse_debug_models(br#"{"models":[{"name":"no slug"}]}"#), None);
    }

    fn fake_binary(dir: &Path) -> PathBuf {
        let bin = dir.join("codex");
        std::fs::write(&bin, "binary").unwrap();
        bin
    }

    #[test]
    fn cache_hits_only_the_same_binary_and_ignores_corrupt_entries() {
        let dir = tempfile::tempdir().unwrap();
        let bin = fake_binary(dir.path());
        let s = stamp(&bin).unwrap();
        let file = cache_file(&dir.path().join("cache"), &s);
        let v = Version::new(0, 199, 0);
        let wanted = Wanted { mantle: true, runtime: false };
        let entry = |s: &Stamp, version: &str| CacheEntry {
            format: CACHE_FORMAT,
            binary: s.binary.clone(),
            size: s.size,
            mtime_ns: s.mtime_ns,
            version: version.into(),
            mantle: Some(vec!["openai.gpt-7-nova".into()]),
            runtime: None,
        };
        write_cache(&file, &entry(&s, "0.199.0"));
        assert_eq!(read_cache(&file, &s, &v, wanted).unwrap().mantle.unwrap(), ["openai.gpt-7-nova"]);
        // Another version, size, mtime or wanted set: not this binary's entry.
        assert!(read_cache(&file, &s, &Version::new(0, 198, 0), wanted).is_none());
        assert!(read_cache(&file, &Stamp { size: s.size + 1, ..s.clone() }, &v, wanted).is_none());
        assert!(read_cache(&file, &Stamp { mtime_ns: s.mtime_ns + 1, ..s.clone() }, &v, wanted).is_none());
        assert!(read_cache(&file, &s, &v, Wanted { mantle: true, runtime: true }).is_none());
        // Rewriting the binary changes its stamp.
        std::fs::write(&bin, "another binary").unwrap();
        assert_ne!(stamp(&bin).unwrap(), s);
        // Corrupt or truncated text, or a directory in its place: ignored, never an error.
        for text in ["{", "", "null", r#"{"format":1}"#] {
            std::fs::write(&file, text).unwrap();
            assert!(read_cache(&file, &s, &v, wanted).is_none(), "{text:?}");
        }
        std::fs::remove_file(&file).unwrap();
        std::fs::create_dir(&file).unwrap();
        assert!(read_cache(&file, &s, &v, wanted).is_none());
    }

    #[test]
    fn nothing_wanted_runs_nothing() {
        let found = gather(
            Path::new("/nonexistent/codex"),
            &Version::new(0, 124, 0),
            Wanted { mantle: false, runtime: false },
            &BTreeMap::new(),
            Platform::Linux,
            Instant::now(),
        );
        assert_eq!(found.source, CatalogSource::Compiled);
        assert!(found.problem.is_none());
    }
}
