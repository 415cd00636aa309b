//! A sealed world for running the real binary: a temp HOME with `.codex/` and `.aws/`, an explicitly
//! built environment (`env_clear`, so the developer's shell never leaks in), and output with the temp
//! path replaced by `~` so snapshots are stable.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_bedrock-doctor");

/// One run's result.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output, temp paths replaced by `~`.
    pub stdout: String,
    /// Standard error, likewise.
    pub stderr: String,
}

/// A temporary HOME with a Codex home and AWS files.
pub struct TestEnv {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// An empty HOME.
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".codex")).unwrap();
        TestEnv { dir, env: Vec::new() }
    }

    /// HOME.
    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// CODEX_HOME (`~/.codex`).
    pub fn codex_home(&self) -> PathBuf {
        self.home().join(".codex")
    }

    /// Writes a file relative to HOME.
    pub fn file(self, rel: &str, contents: &str) -> TestEnv {
        let path = self.home().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        self
    }

    /// `~/.codex/config.toml`.
    pub fn config(self, contents: &str) -> TestEnv {
        self.file(".codex/config.toml", contents)
    }

    /// `~/.codex/.env`.
    pub fn dotenv(self, contents: &str) -> TestEnv {
        self.file(".codex/.env", contents)
    }

    /// `~/.aws/config`.
    pub fn aws_config(self, contents: &str) -> TestEnv {
        self.file(".aws/config", contents)
    }

    /// `~/.aws/credentials`.
    pub fn aws_credentials(self, contents: &str) -> TestEnv {
        self.file(".aws/credentials", contents)
    }

    /// `~/.codex/auth.json`.
    pub fn auth_json(self, contents: &str) -> TestEnv {
        self.file(".codex/auth.json", contents)
    }

    /// An environment variable of the process under test.
    pub fn env(mut self, key: &str, value: &str) -> TestEnv {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Runs the binary with `args`.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(BIN)
            .args(args)
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", "")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run bedrock-doctor");
        let home = self.home().display().to_string();
        let clean = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&home, "~");
        Run { code: output.status.code().unwrap_or(-1), stdout: clean(&output.stdout), stderr: clean(&output.stderr) }
    }

    /// `check` for one Codex version, machine-readable.
    pub fn check_json(&self, version: &str, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["check", "--offline", "--format", "json", "--codex-version", version];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
    }
}

/// The status of check `id` in a JSON report.
pub fn status(report: &serde_json::Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// insta settings that put every snapshot in the top-level `snapshots/` and hide timings.
pub fn insta_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(true);
    settings.add_filter(r#""duration_ms": [0-9.e-]+"#, r#""duration_ms": "[ms]""#);
    settings.add_filter(r"(?m)^(\s+)\d+\.\d+ ms$", "$1[ms]");
    settings.add_filter(r"bedrock-doctor \d+\.\d+\.\d+", "bedrock-doctor [VERSION]");
    settings.add_filter(r#""version": "\d+\.\d+\.\d+"\n  \}"#, "\"version\": \"[VERSION]\"\n  }");
    settings
}
