//! Which Codex release is installed: `codex --version` prints `codex-cli X.Y.Z` (reference §6). The
//! call costs ~12 ms, so it runs on its own thread while the rest of the context is gathered, and it is
//! bounded: a hung binary must not hang the doctor.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use semver::Version;

use super::subprocess::{self, Limits};
use crate::error::Error;

/// How the version was obtained; the JSON report's `codex_version_source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionSource {
    /// `codex --version` of the binary found.
    Path,
    /// `--codex-version` on the command line.
    Flag,
    /// No binary found: the newest known rules are assumed.
    Assumed,
}

impl VersionSource {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionSource::Path => "path",
            VersionSource::Flag => "flag",
            VersionSource::Assumed => "assumed",
        }
    }
}

/// The outcome of looking for Codex.
#[derive(Clone, Debug)]
pub struct CodexInstall {
    /// The binary that was run, if one was found.
    pub binary: Option<PathBuf>,
    /// The version the rules are evaluated for.
    pub version: Version,
    /// Where that version came from.
    pub source: VersionSource,
    /// What went wrong while detecting it (not found, timed out, unparsable output).
    pub problem: Option<String>,
    /// The raw first line of `codex --version`.
    pub raw: Option<String>,
}

/// Parses `codex-cli 0.169.0` (or a bare version).
pub fn parse_version_output(output: &str) -> Option<Version> {
    let line = output.lines().find(|l| !l.trim().is_empty())?;
    let word = line.split_whitespace().last()?;
    Version::parse(word.trim_start_matches('v')).ok()
}

/// `codex --version` prints one short line; anything longer is not Codex.
const MAX_VERSION_OUTPUT: usize = 64 * 1024;

/// Runs `binary --version`, bounded by `timeout` (the whole process group is killed past it).
pub fn run_version(binary: &Path, timeout: Duration) -> Result<String, Error> {
    let limits = Limits { deadline: Instant::now() + timeout, max_output: MAX_VERSION_OUTPUT };
    let mut command = Command::new(binary);
    command.arg("--version");
    let finished = subprocess::run(command, limits).map_err(|e| Error::at("running --version of", binary, e))?;
    Ok(String::from_utf8_lossy(&finished.stdout).into_owned())
}

/// The npm platform packages tag their version with the platform (`0.169.0-linux-x64`).
const PLATFORM_TAGS: &[&str] = &["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64", "win32-arm64"];

/// Reads the version of an npm-installed Codex from its `package.json` without running it: the npm
/// launcher (`bin/codex.js`) and the native binary under `vendor/<triple>/…` both sit a few levels
/// below a `package.json` named `@openai/codex`. Homebrew and hand-built binaries have none.
pub fn version_from_npm_package(binary: &Path) -> Option<Version> {
    let real = std::fs::canonicalize(binary).ok()?;
    for dir in real.ancestors().skip(1).take(6) {
        // Bounded like every read: a FIFO or device here is skipped, never read (issue 11).
        let source = super::files::SourceFile::read(&dir.join("package.json"));
        let Some(text) = source.text() else { continue };
        let json: serde_json::Value = serde_json::from_str(text).ok()?;
        if json.get("name")?.as_str()? != "@openai/codex" {
            return None;
        }
        let raw = json.get("version")?.as_str()?;
        let raw = PLATFORM_TAGS.iter().find_map(|tag| raw.strip_suffix(&format!("-{tag}"))).unwrap_or(raw);
        return Version::parse(raw).ok();
    }
    None
}

/// Detects the installed version. `flag` (`--codex-version`) wins; then an npm `package.json`; otherwise
/// `binary --version` is run.
pub fn detect(flag: Option<&Version>, binary: Option<PathBuf>, newest: &Version, timeout: Duration) -> CodexInstall {
    if let Some(v) = flag {
        return CodexInstall { binary, version: v.clone(), source: VersionSource::Flag, problem: None, raw: None };
    }
    let assumed = |binary: Option<PathBuf>, problem: String| CodexInstall {
        binary,
        version: newest.clone(),
        source: VersionSource::Assumed,
        problem: Some(problem),
        raw: None,
    };
    let Some(path) = binary else {
        return assumed(None, "no `codex` binary on PATH".into());
    };
    if let Some(version) = version_from_npm_package(&path) {
        let raw = Some(format!("package.json: {version}"));
        return CodexInstall { binary: Some(path), version, source: VersionSource::Path, problem: None, raw };
    }
    match run_version(&path, timeout) {
        Err(e) => assumed(Some(path), e.to_string()),
        Ok(out) => match parse_version_output(&out) {
            Some(version) => CodexInstall {
                binary: Some(path),
                version,
                source: VersionSource::Path,
                problem: None,
                raw: out.lines().next().map(str::to_owned),
            },
            None => {
                let first = out.lines().next().unwrap_or("").chars().take(80).collect::<String>();
                assumed(Some(path), format!("unrecognised `--version` output: {first:?}"))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codex_cli_lines() {
        assert_eq!(parse_version_output("codex-cli 0.169.0\n"), Some(Version::new(0, 169, 0)));
        assert_eq!(parse_version_output("codex-cli 0.136.0-alpha.2").unwrap().to_string(), "0.136.0-alpha.2");
        assert_eq!(parse_version_output("garbage"), None);
        assert_eq!(parse_version_output(""), None);
    }

    #[test]
    fn npm_layout_is_read_without_running_the_binary() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("node_modules/@openai/codex");
        let bin = pkg.join("vendor/x86_64-unknown-linux-musl/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(pkg.join("package.json"), r#"{"name":"@openai/codex","version":"0.169.0-linux-x64"}"#).unwrap();
        // Not executable: reading it must not need to run it.
        std::fs::write(bin.join("codex"), "not a program").unwrap();
        let found = detect(None, Some(bin.join("codex")), &Version::new(0, 1, 0), Duration::from_millis(50));
        assert_eq!(found.version, Version::new(0, 169, 0));
        assert_eq!(found.source, VersionSource::Path);
        let other = dir.path().join("other");
        std::fs::create_dir_all(other.join("bin")).unwrap();
        std::fs::write(other.join("package.json"), r#"{"name":"something-else","version":"9.9.9"}"#).unwrap();
        assert_eq!(version_from_npm_package(&other.join("bin/codex")), None);
    }

    #[cfg(unix)]
    #[test]
    fn hung_binary_is_bounded() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("codex");
        std::fs::write(&script, "#!/bin/sh\nexec sleep 5\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let start = Instant::now();
        let found = detect(None, Some(script), &Version::new(0, 169, 0), Duration::from_millis(200));
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(found.source, VersionSource::Assumed);
        assert!(found.problem.unwrap().contains("did not answer"));
    }
}
