//! `bedrock-doctor fix`, end to end on the real binary in a sealed world (see `common`).
//!
//! The bulk is data: `tests/fixtures/fix/<case>/` holds an `in/` directory (copied into `~/.codex`)
//! and an `out/` directory (what `~/.codex` must hold afterwards, byte for byte), like cargo's
//! `cargo add` UI tests. Optional files in the case directory:
//!
//! | file | meaning |
//! |---|---|
//! | `args` | extra `fix` arguments, whitespace-separated (`--unsafe`, `--region R`, `-p NAME`, …); `--codex-version 0.169.0` unless given |
//! | `code` | the expected exit code (default 0) |
//! | `expect` | lines that must each appear in stdout (`~` stands for the temp HOME) |
//! | `modes` | `NAME OCTAL` lines: the permission bits each file must have afterwards |
//! | `codex_skip` | why real Codex is not expected to load `out/` (fixes held back) |
//! | `home/` | copied into HOME as is (e.g. `home/.aws/config`), for real Codex too |
//!
//! `BLESS=1 cargo test --test fix fixture_cases` rewrites every `out/` from the actual results; read
//! the diff before committing it. Then come `--dry-run`, the refusals, backups, symlinks, a read-only
//! Codex home, a property test over generated configs, real Codex loading every fixed config, and
//! regression tests for comment-keeping bugs these tests once found.
//!
//! Real Codex 0.169.0 comes from `tests/fidelity/install_codex.sh` (under `.fidelity/`). Without it, or
//! without `unshare`, that test says SKIP, unless `BD_REQUIRE_FIDELITY=1` or `CI=true`, which makes that
//! a failure.

#![cfg(unix)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{Run, TestEnv, insta_settings};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fix");
const DEFAULT_VERSION: &str = "0.169.0";
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// ---- helpers ----

/// The regular files directly in `dir` (dotfiles included), by name. A missing directory is empty.
fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// Every entry directly in `dir` (files, links, directories), by name.
fn names_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
}

fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().modified().unwrap()))
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `name` on the test's own PATH (a Command whose env is cleared looks programs up on the child's PATH).
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `fix` with `args`, pinned to a Codex version unless `args` names one.
fn fix_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["fix"];
    all.extend_from_slice(args);
    if !args.contains(&"--codex-version") {
        all.extend(["--codex-version", DEFAULT_VERSION]);
    }
    all
}

fn assert_no_panic(run: &Run) {
    assert!(
        !run.stderr.contains("panicked") && (run.code == 0 || run.code == 1),
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
}

// ---- 1. fixture cases: in/ → out/, then idempotence ----

struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    code: i32,
    expect: Vec<String>,
    modes: Vec<(String, u32)>,
    codex_skip: Option<String>,
}

fn read_opt(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(FIXTURES).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            args: read_opt(&dir.join("args")).unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
            code: read_opt(&dir.join("code")).map_or(0, |c| c.trim().parse().expect("code: an integer")),
            expect: read_opt(&dir.join("expect"))
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            modes: read_opt(&dir.join("modes"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.split_once(' '))
                .map(|(n, m)| (n.to_owned(), u32::from_str_radix(m.trim(), 8).expect("modes: octal")))
                .collect(),
            codex_skip: read_opt(&dir.join("codex_skip")),
            dir,
        })
        .collect()
}

/// Copies the tree `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else { return };
    std::fs::create_dir_all(to).unwrap();
    for e in entries.flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A TestEnv whose `~/.codex` holds the case's `in/` (every file mode 0644, so modes are deterministic)
/// and whose HOME holds the case's `home/`.
fn env_for(case: &Case) -> TestEnv {
    // Each expected line is one whole line of output: wide enough that none wraps (wrapping at 80
    // columns is tested in cli.rs and by the dry-run snapshot).
    let env = TestEnv::new().env("COLUMNS", "1000");
    copy_tree(&case.dir.join("home"), env.home());
    for (name, bytes) in files_in(&case.dir.join("in")) {
        let path = env.codex_home().join(&name);
        std::fs::write(&path, bytes).unwrap();
        set_mode(&path, 0o644);
    }
    env
}

/// Runs one case; returns its problems (empty: it passed) and the `fix` lines of its stdout.
fn run_case(case: &Case, bless: bool) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let env = env_for(case);
    let mut args: Vec<&str> = vec!["--no-backup"];
    args.extend(case.args.iter().map(String::as_str));
    let args = fix_args(&args);
    let first = env.run(&args);
    let applied: Vec<String> = first
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("fix   "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    let context = format!("args: {args:?}\nstdout:\n{}\nstderr:\n{}", first.stdout, first.stderr);
    if first.stderr.contains("panicked") {
        problems.push(format!("panicked\n{context}"));
    }
    if first.code != case.code {
        problems.push(format!("exit {} (expected {})\n{context}", first.code, case.code));
    }
    for line in &case.expect {
        if !first.stdout.contains(line.as_str()) {
            problems.push(format!("stdout lacks {line:?}\n{context}"));
        }
    }
    let actual = files_in(&env.codex_home());
    // Held back and nothing applied: not a byte changes.
    if first.stdout.lines().any(|l| l.starts_with("held "))
        && applied.is_empty()
        && actual != files_in(&case.dir.join("in"))
    {
        problems.push(format!("only held-back fixes, yet files changed\n{context}"));
    }
    let others: Vec<_> = names_in(&env.codex_home()).into_iter().filter(|n| !actual.contains_key(n)).collect();
    if !others.is_empty() {
        problems.push(format!("unexpected non-files in ~/.codex: {others:?}"));
    }
    let out_dir = case.dir.join("out");
    if bless {
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&out_dir).unwrap();
        for (name, bytes) in &actual {
            std::fs::write(out_dir.join(name), bytes).unwrap();
        }
    }
    let expected = files_in(&out_dir);
    if expected.keys().ne(actual.keys()) {
        problems.push(format!(
            "files differ: expected {:?}, got {:?}\n{context}",
            expected.keys().collect::<Vec<_>>(),
            actual.keys().collect::<Vec<_>>()
        ));
    }
    for (name, want) in &expected {
        if let Some(got) = actual.get(name)
            && got != want
        {
            problems.push(format!(
                "{name} differs\n--- expected\n{}\n--- actual\n{}\n{context}",
                show(want).escape_debug(),
                show(got).escape_debug()
            ));
        }
    }
    for (name, want) in &case.modes {
        let got = mode(&env.codex_home().join(name));
        if got != *want {
            problems.push(format!("mode of {name} is {got:04o}, expected {want:04o}"));
        }
    }
    // Idempotence: a second run finds nothing, writes nothing, and exits the same way.
    let before = mtimes(&env.codex_home());
    let modes_before: Vec<u32> = actual.keys().map(|n| mode(&env.codex_home().join(n))).collect();
    let second = env.run(&args);
    let again = files_in(&env.codex_home());
    if again != actual || mtimes(&env.codex_home()) != before {
        problems.push(format!("second run changed files\nstdout:\n{}", second.stdout));
    }
    if actual.keys().map(|n| mode(&env.codex_home().join(n))).collect::<Vec<_>>() != modes_before {
        problems.push("second run changed modes".to_owned());
    }
    if !second.stdout.contains("nothing to change") || second.stdout.lines().any(|l| l.starts_with("fix ")) {
        problems.push(format!("second run is not a no-op:\n{}", second.stdout));
    }
    if second.code != case.code {
        problems.push(format!("second run exit {} (expected {})\n{}", second.code, case.code, second.stderr));
    }
    (problems.into_iter().map(|p| format!("[{}] {p}", case.name)).collect(), applied)
}

#[test]
fn fixture_cases() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(cases.len() >= 20, "fixtures missing: {}", cases.len());
    let results: Vec<(Vec<String>, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases.iter().map(|c| s.spawn(move || run_case(c, bless))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let problems: Vec<&String> = results.iter().flat_map(|(p, _)| p).collect();
    let applied: BTreeSet<&str> = results.iter().flat_map(|(_, a)| a).map(String::as_str).collect();
    // Every fix the product has is exercised by at least one case.
    for check in bedrock_doctor::checks::CHECKS.iter().filter(|c| c.fixes.is_some()).map(|c| c.meta.id.as_str()) {
        assert!(applied.contains(check), "no fixture applies a `{check}` fix (applied: {applied:?})");
    }
    let joined = problems.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("\n\n");
    assert!(problems.is_empty(), "{} problem(s):\n\n{joined}", problems.len());
}

// ---- 2. --dry-run ----

const DRY_RUN_CONFIG: &str = "# team config\nmodel_provider = \"amazon-bedrok\"  # typo\nmodel = \"openai.gpt-5.5-v1:0\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\nwire_api = \"responses\"\n";

#[test]
fn dry_run_changes_nothing_and_prints_the_diff() {
    let env = TestEnv::new().config(DRY_RUN_CONFIG).dotenv(&format!("AWS_SECRET_ACCESS_KEY={SECRET}\n"));
    let config = env.codex_home().join("config.toml");
    let dotenv = env.codex_home().join(".env");
    set_mode(&dotenv, 0o644);
    // An mtime in the past, so a rewrite within the same clock tick could not hide.
    let past = SystemTime::now() - Duration::from_secs(3600);
    for p in [&config, &dotenv] {
        std::fs::File::options().write(true).open(p).unwrap().set_modified(past).unwrap();
    }
    let before = mtimes(&env.codex_home());
    let run = env.run(&fix_args(&["--dry-run"]));
    assert_no_panic(&run);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), DRY_RUN_CONFIG);
    assert_eq!(mtimes(&env.codex_home()), before);
    assert_eq!(names_in(&env.codex_home()), BTreeSet::from(["config.toml".to_owned(), ".env".to_owned()]));
    assert_eq!(mode(&dotenv), 0o644);
    for needle in [
        "--- ~/.codex/config.toml",
        "+++ ~/.codex/config.toml",
        "@@ ",
        "-model_provider = \"amazon-bedrok\"  # typo",
        "+model_provider = \"amazon-bedrock\"  # typo",
        "-wire_api = \"responses\"",
        "mode of ~/.codex/.env → 0600",
    ] {
        assert!(run.stdout.contains(needle), "no {needle:?} in:\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("wrote"), "{}", run.stdout);
    assert!(!run.stdout.contains(SECRET), "{}", run.stdout);
    insta_settings().bind(|| insta::assert_snapshot!("fix_dry_run", run.stdout));
}

// ---- 3. refusals, backups, symlinks ----

#[test]
fn a_config_that_does_not_parse_is_refused_untouched() {
    let text = "model_provider = \"amazon-bedrok\"\nmodel = \"openai.gpt-5.5\n[tui]\n";
    let env = TestEnv::new().config(text);
    let before = mtimes(&env.codex_home());
    for extra in [&[][..], &["--unsafe", "--region", "us-west-2"][..]] {
        let run = env.run(&fix_args(extra));
        // Could not do the job: 2, never 1 (which means "fixed what it could, failures remain").
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("refusing to edit ~/.codex/config.toml"), "{}", run.stderr);
        // line:col where the unterminated string on line 2 ends.
        assert!(run.stderr.contains("(2:24: invalid basic string"), "no line:col in {}", run.stderr);
        assert_eq!(std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap(), text);
        assert_eq!(mtimes(&env.codex_home()), before);
        assert_eq!(names_in(&env.codex_home()).len(), 1);
    }
}

#[test]
fn backups_hold_the_original_bytes_and_are_numbered() {
    let first = "\u{feff}model_provider = \"amazon-bedrok\" # one\r\nmodel = \"openai.gpt-5.5\"\r\n[model_providers.amazon-bedrock.aws]\r\nregion = \"us-east-1\"\r\n";
    // The `wrote` line is matched whole (the temporary HOME makes it longer than 80 columns).
    let env = TestEnv::new().config(first).env("COLUMNS", "1000");
    let dir = env.codex_home();
    set_mode(&dir.join("config.toml"), 0o640);
    let run = env.run(&fix_args(&[]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("(backup: ~/.codex/config.toml.bak)"), "{}", run.stdout);
    assert_eq!(std::fs::read(dir.join("config.toml.bak")).unwrap(), first.as_bytes());
    // A backup is private whatever the original's mode: it may hold a secret the fix just removed.
    assert_eq!(mode(&dir.join("config.toml.bak")), 0o600);
    assert_eq!(mode(&dir.join("config.toml")), 0o640);
    let fixed = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert_eq!(fixed, first.replace("amazon-bedrok\"", "amazon-bedrock\""));

    // Nothing to change: no new backup.
    let run = env.run(&fix_args(&[]));
    assert!(run.stdout.contains("nothing to change"), "{}", run.stdout);
    assert_eq!(names_in(&dir).len(), 2, "{:?}", names_in(&dir));

    // A second, different problem: the next backup is `.bak.1`, and `.bak` keeps the first original.
    let second = fixed.replace("openai.gpt-5.5", "gpt-5.5");
    std::fs::write(dir.join("config.toml"), &second).unwrap();
    let run = env.run(&fix_args(&[]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("(backup: ~/.codex/config.toml.bak.1)"), "{}", run.stdout);
    assert_eq!(std::fs::read(dir.join("config.toml.bak")).unwrap(), first.as_bytes());
    assert_eq!(std::fs::read_to_string(dir.join("config.toml.bak.1")).unwrap(), second);
    assert_eq!(std::fs::read_to_string(dir.join("config.toml")).unwrap(), fixed);
    assert_eq!(
        names_in(&dir),
        BTreeSet::from(["config.toml", "config.toml.bak", "config.toml.bak.1"].map(str::to_owned))
    );
}

#[test]
fn a_symlinked_config_stays_a_symlink_and_its_target_changes() {
    let env = TestEnv::new().file("dotfiles/codex.toml", "model_provider = \"amazon-bedrok\"\nmodel = \"openai.gpt-5.5\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n");
    let target = env.home().join("dotfiles/codex.toml");
    let link = env.codex_home().join("config.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let run = env.run(&fix_args(&["--no-backup"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), target);
    assert!(std::fs::read_to_string(&target).unwrap().starts_with("model_provider = \"amazon-bedrock\"\n"));
    // No temp files left next to the target or the link.
    assert_eq!(names_in(&env.home().join("dotfiles")), BTreeSet::from(["codex.toml".to_owned()]));
    assert_eq!(names_in(&env.codex_home()), BTreeSet::from(["config.toml".to_owned()]));
    // With a backup, the backup sits next to the link and holds the original.
    std::fs::write(&target, "model_provider = \"amazon-bedrock\"\nmodel = \"gpt-5.5\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n").unwrap();
    let run = env.run(&fix_args(&[]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&target).unwrap().contains("model = \"openai.gpt-5.5\""));
    assert!(std::fs::read_to_string(env.codex_home().join("config.toml.bak")).unwrap().contains("model = \"gpt-5.5\""));
}

// ---- 4. a Codex home that cannot be written ----

#[test]
fn a_read_only_codex_home_fails_cleanly_and_keeps_the_original() {
    let text = "model_provider = \"amazon-bedrok\"\nmodel = \"openai.gpt-5.5\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n";
    let env = TestEnv::new().config(text);
    let dir = env.codex_home();
    let (code, stdout, stderr) = if is_root() {
        // chmod does not stop root: a read-only bind mount in a private mount namespace does.
        let Some(unshare) = which("unshare") else {
            eprintln!("SKIP a_read_only_codex_home: running as root and `unshare` is not installed");
            return;
        };
        let probe = Command::new(&unshare).args(["-m", "true"]).status();
        if !probe.is_ok_and(|s| s.success()) {
            eprintln!("SKIP a_read_only_codex_home: running as root and `unshare -m` is unavailable");
            return;
        }
        let out = Command::new(&unshare)
            .args(["-m", "/bin/sh", "-c", "P=/usr/sbin:/usr/bin:/sbin:/bin; PATH=$P mount --bind \"$1\" \"$1\" && PATH=$P mount -o remount,bind,ro \"$1\" \"$1\" || exit 99; shift; exec \"$@\"", "sh"])
            .arg(&dir)
            .arg(common::BIN)
            .args(fix_args(&["--no-backup"]))
            .env_clear()
            .env("HOME", env.home())
            .env("PATH", "")
            .output()
            .unwrap();
        if out.status.code() == Some(99) {
            eprintln!("SKIP a_read_only_codex_home: running as root and a read-only bind mount is not allowed");
            return;
        }
        let home = env.home().display().to_string();
        let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&home, "~");
        (out.status.code().unwrap_or(-1), clean(&out.stdout), clean(&out.stderr))
    } else {
        set_mode(&dir, 0o555);
        if std::fs::write(dir.join("probe"), "x").is_ok() {
            set_mode(&dir, 0o755);
            eprintln!("SKIP a_read_only_codex_home: a 0555 directory is still writable here");
            return;
        }
        let run = env.run(&fix_args(&["--no-backup"]));
        set_mode(&dir, 0o755);
        (run.code, run.stdout, run.stderr)
    };
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("could not write ~/.codex/config.toml"), "{stderr}");
    assert!(stderr.contains("(the original is unchanged)"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.join("config.toml")).unwrap(), text);
    assert_eq!(names_in(&dir), BTreeSet::from(["config.toml".to_owned()]), "a temp file was left behind");
}

// ---- 5. property test: generated configs ----

mod generated {
    use super::*;
    use proptest::prelude::*;

    /// One generated config and what must survive fixing it.
    #[derive(Debug, Clone)]
    pub struct Generated {
        pub text: String,
        /// Lines that must appear, whole, in the output: comments and unknown keys.
        pub kept: Vec<String>,
    }

    #[derive(Debug, Clone)]
    pub struct Spec {
        typo: bool,
        runtime_id: bool,
        aws_wire_api: bool,
        name: bool,
        upper_region: bool,
        /// 0 `[…aws]` table, 1 quoted-key table, 2 dotted keys at top level, 3 inline table.
        layout: u8,
        top_keys: usize,
        tui_keys: usize,
        /// Where each comment line goes (an index into the lines, modulo their count + 1).
        comments: Vec<usize>,
        shuffle: u64,
        crlf: bool,
        bom: bool,
    }

    pub fn spec() -> impl Strategy<Value = Spec> {
        (
            any::<[bool; 5]>(),
            0u8..4,
            0usize..4,
            0usize..3,
            prop::collection::vec(any::<usize>(), 0..8),
            any::<u64>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(p, layout, top_keys, tui_keys, comments, shuffle, crlf, bom)| Spec {
                typo: p[0],
                runtime_id: p[1],
                aws_wire_api: p[2],
                name: p[3],
                upper_region: p[4],
                layout,
                top_keys,
                tui_keys,
                comments,
                shuffle,
                crlf,
                bom,
            })
    }

    impl Spec {
        pub fn build(&self) -> Generated {
            let region = if self.upper_region { "US-EAST-1" } else { "us-east-1" };
            let mut kept = Vec::new();
            let mut top = vec![
                format!("model_provider = \"{}\"", if self.typo { "amazon-bedrok" } else { "amazon-bedrock" }),
                format!("model = \"{}\"", if self.runtime_id { "openai.gpt-5.5-v1:0" } else { "openai.gpt-5.5" }),
            ];
            for n in 0..self.top_keys {
                top.push(format!("x_{n} = {n}"));
                kept.push(format!("x_{n} = {n}"));
            }
            let mut tables: Vec<String> = vec!["[tui]".into()];
            let mut dotted = 0..0;
            for n in 0..self.tui_keys {
                tables.push(format!("y_{n} = {n}"));
                kept.push(format!("y_{n} = {n}"));
            }
            let wire = self.aws_wire_api.then_some("wire_api = \"responses\"");
            let name = self.name.then_some("name = \"Amazon Bedrock\"");
            match self.layout {
                0 | 1 => {
                    let id = if self.layout == 0 { "amazon-bedrock" } else { "\"amazon-bedrock\"" };
                    if let Some(name) = name {
                        tables.push(format!("[model_providers.{id}]"));
                        tables.push(name.into());
                    }
                    tables.push(format!("[model_providers.{id}.aws]"));
                    tables.push(format!("region = \"{region}\""));
                    tables.extend(wire.map(str::to_owned));
                }
                2 => {
                    // Kept in this relative order by the shuffle below: a removed key followed by a
                    // dotted sibling loses its comments (`bug_comments_lost_before_a_dotted_sibling`).
                    let first = top.len();
                    top.push(format!("model_providers.amazon-bedrock.aws.region = \"{region}\""));
                    top.extend(wire.map(|w| format!("model_providers.amazon-bedrock.aws.{w}")));
                    top.extend(name.map(|n| format!("model_providers.amazon-bedrock.{n}")));
                    dotted = first..top.len();
                }
                _ => {
                    let mut aws = vec![format!("region = \"{region}\"")];
                    aws.extend(wire.map(str::to_owned));
                    let mut provider = Vec::new();
                    provider.extend(name.map(str::to_owned));
                    provider.push(format!("aws = {{ {} }}", aws.join(", ")));
                    tables.push("[model_providers]".into());
                    tables.push(format!("amazon-bedrock = {{ {} }}", provider.join(", ")));
                }
            }
            // A deterministic shuffle of the top-level keys (any order is valid TOML).
            let seed = self.shuffle;
            let mut keyed: Vec<(u64, String)> = top
                .into_iter()
                .enumerate()
                .map(|(i, l)| ((seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(29), l))
                .collect();
            let mut dotted_keys: Vec<u64> = keyed[dotted.clone()].iter().map(|(k, _)| *k).collect();
            dotted_keys.sort();
            for (slot, key) in keyed[dotted].iter_mut().zip(dotted_keys) {
                slot.0 = key;
            }
            keyed.sort();
            let mut lines: Vec<String> = keyed.into_iter().map(|(_, l)| l).collect();
            lines.extend(tables);
            // Comment lines anywhere: between any two lines a comment is valid TOML.
            for (i, at) in self.comments.iter().enumerate() {
                let comment = format!("# c{i}");
                kept.push(comment.clone());
                let at = at % (lines.len() + 1);
                lines.insert(at, comment);
            }
            let eol = if self.crlf { "\r\n" } else { "\n" };
            let mut text: String = lines.iter().map(|l| format!("{l}{eol}")).collect();
            if self.bom {
                text.insert(0, '\u{feff}');
            }
            Generated { text, kept }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 48,
            // The same 48 configs every run (CI must not flake); PROPTEST_RNG_SEED does not apply.
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x0062_6564_726f_636b),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn fix_keeps_comments_and_unknown_keys_and_is_idempotent(spec in spec()) {
            let generated = spec.build();
            prop_assert!(toml_edit::DocumentMut::from_str(generated.text.trim_start_matches('\u{feff}')).is_ok(),
                "the generator made invalid TOML:\n{}", generated.text);
            let env = TestEnv::new().config(&generated.text);
            let path = env.codex_home().join("config.toml");
            let args = fix_args(&["--unsafe", "--no-backup"]);
            let first = env.run(&args);
            prop_assert!(!first.stderr.contains("panicked") && (first.code == 0 || first.code == 1),
                "exit {}\n{}\n{}", first.code, first.stdout, first.stderr);
            let out = std::fs::read_to_string(&path).unwrap();
            let lines: BTreeSet<&str> = out.trim_start_matches('\u{feff}').lines().map(str::trim).collect();
            for kept in &generated.kept {
                prop_assert!(lines.contains(kept.as_str()), "lost {kept:?}\n--- in\n{}\n--- out\n{}", generated.text, out);
            }
            prop_assert!(toml_edit::DocumentMut::from_str(out.trim_start_matches('\u{feff}')).is_ok(),
                "output does not parse:\n{out}");
            // The framing survives.
            prop_assert_eq!(out.starts_with('\u{feff}'), spec.bom);
            prop_assert_eq!(out.contains("\r\n"), spec.crlf, "line endings changed:\n{:?}", out);
            // Every generated problem is fixable under --unsafe, so none is left.
            for gone in ["\"amazon-bedrok\"", "-v1:0", "wire_api", "name = ", "US-EAST-1"] {
                prop_assert!(!out.contains(gone), "{gone} is still there\n--- in\n{}\n--- out\n{}\n{}", generated.text, out, first.stdout);
            }
            prop_assert_eq!(first.code, 0, "{}", first.stdout);
            let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
            let second = env.run(&args);
            prop_assert!(second.stdout.contains("nothing to change"), "{}", second.stdout);
            prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), out);
            prop_assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
            prop_assert_eq!(names_in(&env.codex_home()).len(), 1);
        }
    }

    use std::str::FromStr;
}

// ---- 6. real Codex loads every fixed config ----

/// The Codex 0.169.0 binary installed by `tests/fidelity/install_codex.sh`, if any.
fn codex_binary() -> Option<PathBuf> {
    let vendor = Path::new(env!("CARGO_MANIFEST_DIR")).join(".fidelity/codex/0.169.0/platform/package/vendor");
    let triples = std::fs::read_dir(&vendor).ok()?;
    triples.flatten().flat_map(|t| [t.path().join("bin/codex"), t.path().join("codex/codex")]).find(|p| p.is_file())
}

/// What real Codex printed for one config directory.
struct CodexRun {
    output: String,
    timed_out: bool,
}

/// Runs `codex [--profile P] exec … "hi"` on loopback only, with `files` as `$CODEX_HOME`. Stops once
/// the prompt has been echoed and 1.5 s have passed (config errors and "ignoring" warnings come within
/// milliseconds; what follows is the network), or after 20 s.
fn run_codex(unshare: &Path, codex: &Path, case: &Case, profile: Option<&str>) -> CodexRun {
    run_codex_on(unshare, codex, &files_in(&case.dir.join("out")), &case.dir.join("home"), profile)
}

/// [`run_codex`] on `files` as `$CODEX_HOME`, with `home_tree` copied into HOME.
fn run_codex_on(
    unshare: &Path,
    codex: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    home_tree: &Path,
    profile: Option<&str>,
) -> CodexRun {
    let home = tempfile::tempdir().unwrap();
    copy_tree(home_tree, home.path());
    let codex_home = home.path().join(".codex");
    let work = home.path().join("work");
    std::fs::create_dir_all(&codex_home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    for (name, bytes) in files {
        std::fs::write(codex_home.join(name), bytes).unwrap();
    }
    let mut cmd = Command::new(unshare);
    cmd.arg(if is_root() { "-n" } else { "-rn" }).args(["sh", "-c", "ip link set lo up; exec \"$@\"", "sh"]).arg(codex);
    if let Some(p) = profile {
        cmd.args(["--profile", p]);
    }
    cmd.args(["exec", "--skip-git-repo-check", "--color", "never", "--ephemeral", "hi"])
        .current_dir(&work)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", home.path())
        .env("CODEX_HOME", &codex_home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().expect("spawn unshare");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let readers: Vec<_> = [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ]
    .into_iter()
    .map(|r| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(r).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        })
    })
    .collect();
    drop(tx);
    let start = Instant::now();
    let mut deadline = start + Duration::from_secs(20);
    let mut output = String::new();
    let mut timed_out = false;
    loop {
        let now = Instant::now();
        if now >= deadline {
            timed_out = deadline == start + Duration::from_secs(20);
            break;
        }
        match rx.recv_timeout(deadline - now) {
            Ok(line) => {
                if line == "hi" {
                    deadline = deadline.min(Instant::now() + Duration::from_millis(1500));
                }
                output.push_str(&line);
                output.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
    let _ = child.kill();
    let _ = child.wait();
    for r in readers {
        let _ = r.join();
    }
    CodexRun { output: output.replace(&home.path().display().to_string(), "$HOME"), timed_out }
}

#[test]
fn real_codex_loads_every_fixed_config() {
    let Some((codex, unshare)) = real_codex("real_codex_loads_every_fixed_config") else { return };
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.codex_skip.is_none())
        .filter(|c| files_in(&c.dir.join("out")).get("config.toml").is_some_and(|t| show(t).contains("amazon-bedrock")))
        .collect();
    assert!(cases.len() >= 15, "only {} cases to load", cases.len());
    let results: Vec<(String, CodexRun)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| {
                let (codex, unshare) = (&codex, &unshare);
                s.spawn(move || {
                    let profile = c
                        .args
                        .iter()
                        .position(|a| a == "-p" || a == "--profile")
                        .and_then(|i| c.args.get(i + 1))
                        .map(String::as_str);
                    (c.name.clone(), run_codex(unshare, codex, c, profile))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut problems = Vec::new();
    for ((name, run), case) in results.iter().zip(&cases) {
        let out = &run.output;
        // A case for another Codex version may use a model 0.169.0's catalog no longer lists.
        let this_version = !case.args.iter().any(|a| a == "--codex-version");
        let mut bad = codex_load_errors(out);
        // The fixed model id is one Codex knows.
        bad.extend(out.lines().filter(|l| this_version && l.contains("Model metadata for")));
        let loaded = out.lines().any(|l| l.starts_with("provider: amazon-bedrock"))
            && out.lines().any(|l| l.starts_with("model: openai."));
        if !bad.is_empty() || !loaded || run.timed_out && !out.lines().any(|l| l == "hi") {
            problems.push(format!("[{name}] Codex did not load the fixed config cleanly: {bad:?}\n{out}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

// ---- 7. regression tests: comments kept where `fix` once dropped them ----

/// When `fix` removes a key whose next sibling in the same table is a dotted key
/// (`model_providers.amazon-bedrock.aws.region = …`, or `aws.region = …` inside a table), the removed
/// key's comment lines and trailing comment are kept. A dotted key line is not rendered from the next
/// key's leaf decor, so moving the comments there (as `edit::remove` once did) lost them. A safe fix,
/// no `--unsafe` needed. PRODUCT.md: "`fix` never loses a byte it did not mean to change: … comments
/// … kept".
#[test]
fn comments_survive_before_a_dotted_sibling() {
    let cases = [
        // Top level: the invalid `web_search` is removed, the next key is a dotted one.
        (
            "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n# search is off on purpose\nweb_search = \"off\"  # not a valid value\nmodel_providers.amazon-bedrock.aws.region = \"us-east-1\"\n",
            ["# search is off on purpose", "# not a valid value"],
        ),
        // Inside the provider table: the forbidden `name` is removed, the next key is `aws.region`.
        (
            "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n\n[model_providers.amazon-bedrock]\n# why the name\nname = \"Amazon Bedrock\" # trailing\naws.region = \"us-east-1\"\n",
            ["# why the name", "# trailing"],
        ),
    ];
    for (text, comments) in cases {
        let env = TestEnv::new().config(text);
        let run = env.run(&fix_args(&["--no-backup"]));
        assert_eq!(run.code, 0, "{run:?}");
        let out = std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap();
        for comment in comments {
            assert!(out.contains(comment), "lost {comment:?}\n--- in\n{text}--- out\n{out}");
        }
    }
}

/// The legacy-profile migration (`config-profile`, `--unsafe`) keeps every comment of the moved
/// profile: the comment lines above `[profiles.x]` and the header's trailing comment (a table's decor,
/// once dropped with the removed table), and the comments above and after each moved key (their
/// decor, once lost when the items were cloned into the new `x.config.toml`). Each may land in
/// config.toml or in `x.config.toml`; none may vanish.
#[test]
fn legacy_profile_migration_keeps_comments() {
    let text = "profile = \"x\"\nmodel_provider = \"amazon-bedrock\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n\n# about profile x\n[profiles.x]  # header trailing\n# about the model\nmodel = \"openai.gpt-5.5\"   # picked by the team\n# after model\nmodel_reasoning_effort = \"high\"\n";
    let env = TestEnv::new().config(text);
    let run = env.run(&fix_args(&["--no-backup", "--unsafe", "-p", "x"]));
    assert_eq!(run.code, 0, "{run:?}");
    let config = std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap();
    let profile = std::fs::read_to_string(env.codex_home().join("x.config.toml")).unwrap();
    let both = format!("{config}{profile}");
    for comment in
        ["# about profile x", "# header trailing", "# about the model", "# picked by the team", "# after model"]
    {
        assert!(both.contains(comment), "lost {comment:?}\n--- config.toml\n{config}--- x.config.toml\n{profile}");
    }
}

// ---- 8. a missing config.toml, a missing Codex home ----

/// A missing config.toml in an existing Codex home is created by plain `fix` (safe: a new file loses
/// nothing; README "Fix"), while a Codex home that does not exist is refused (exit 2) and nothing is
/// created: a mistyped `--codex-home` must not grow a tree.
#[test]
fn a_missing_codex_home_is_refused_and_nothing_is_created() {
    let env = TestEnv::new();
    let missing = env.home().join("no-such-dir");
    let run = env.run(&fix_args(&["--codex-home", missing.to_str().unwrap(), "--unsafe", "--region", "us-east-1"]));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("does not exist"), "{run:?}");
    assert!(!missing.exists(), "fix created {}", missing.display());
}

/// A new user's `~/.codex` does not exist until Codex first runs: the default home cannot be a typo,
/// so `fix` creates it with config.toml (a CODEX_HOME naming no directory is refused: tests/cli.rs).
#[test]
fn the_default_codex_home_of_a_new_user_is_created() {
    let env = TestEnv::new().env("AWS_ACCESS_KEY_ID", AKID).env("AWS_SECRET_ACCESS_KEY", SECRET);
    std::fs::remove_dir(env.codex_home()).unwrap();
    let run = env.run(&fix_args(&["--region", "us-east-1"]));
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    let config = std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap();
    assert!(config.contains("model_provider = \"amazon-bedrock\""), "{config}");
}

// ---- 9. the report and `fix` agree ----

/// The JSON `fix.available` of a check is what `fix` does: a Runtime id on Mantle whose plain form is
/// only in another version's catalog (`us.openai.gpt-5.4` on 0.169.0) is a safe fix, applied by plain
/// `fix` (it once printed "nothing to change" with `fix.available: false`). And a remediation that
/// names a key inside a table is paste-correct there (`region = …` in `[…aws]`, never `aws.region`).
#[test]
fn the_report_names_what_fix_applies() {
    let config = "model_provider = \"amazon-bedrock\"\nmodel = \"us.openai.gpt-5.4\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"cn-north-1\"\n";
    // Whole lines are compared: no wrapping.
    let env = TestEnv::new()
        .config(config)
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("COLUMNS", "1000");
    let report = env.check_json(DEFAULT_VERSION, &[]);
    let check = |id: &str| report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(check("model-id")["remediation"], "Set `model = \"openai.gpt-5.4\"`");
    assert_eq!(check("model-id")["fix"], serde_json::json!({"available": true, "safe": true}));
    let region = check("region")["remediation"].as_str().unwrap().to_owned();
    assert!(
        region.starts_with("Set `region = \"ap-northeast-1\"` in `[model_providers.amazon-bedrock.aws]`"),
        "{region}"
    );
    assert_eq!(check("region")["fix"], serde_json::json!({"available": true, "safe": false}));
    let run = env.run(&fix_args(&["--no-backup"]));
    assert!(run.stdout.contains("fix   model-id           Set `model = \"openai.gpt-5.4\"`"), "{run:?}");
    assert!(
        run.stdout.contains(
            "held  region             Set `region = \"ap-northeast-1\"` in `[model_providers.amazon-bedrock.aws]`"
        ),
        "{run:?}"
    );
    // A working region is never overwritten with one Codex does not send to.
    let working = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\nmodel_providers.amazon-bedrock.aws.region = \"us-east-1\"\n";
    let env = TestEnv::new().config(working);
    for bad in ["mars-1", "eu-west-3", "ap-northeast-2"] {
        let run = env.run(&fix_args(&["--no-backup", "--unsafe", "--region", bad]));
        assert_eq!(run.code, 2, "--region {bad}: {run:?}");
        assert_eq!(std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap(), working);
    }
}

// ---- 10. the held-out corpus of broken configs ----

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus");

/// Real Codex 0.169.0 and `unshare`, or why not; a missing one fails under CI=true or
/// BD_REQUIRE_FIDELITY=1 instead of skipping.
fn real_codex(test: &str) -> Option<(PathBuf, PathBuf)> {
    let required = std::env::var_os("BD_REQUIRE_FIDELITY").is_some_and(|v| v == "1")
        || std::env::var_os("CI").is_some_and(|v| v == "true");
    let skip = |why: &str| {
        assert!(!required, "BD_REQUIRE_FIDELITY=1 or CI=true, but {why}");
        eprintln!("SKIP the real-Codex part of {test}: {why}");
    };
    let Some(codex) = codex_binary() else {
        skip("Codex 0.169.0 is not installed (run tests/fidelity/install_codex.sh 0.169.0)");
        return None;
    };
    let Some(unshare) = which("unshare") else {
        skip("`unshare` is not installed");
        return None;
    };
    let flag = if is_root() { "-n" } else { "-rn" };
    if !Command::new(&unshare).args([flag, "true"]).status().is_ok_and(|s| s.success()) {
        skip(&format!("`unshare {flag}` is not permitted here"));
        return None;
    }
    Some((codex, unshare))
}

/// The lines of real Codex's output that say it did not load a config cleanly.
fn codex_load_errors(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| {
            l.starts_with("Error")
                || l.contains("Fatal error")
                || l.contains("warning: Codex is ignoring")
                || l.contains("is ignored")
        })
        .collect()
}

/// Issue #12's bar. Each config of `tests/fixtures/corpus/` (comments everywhere, CRLF, a BOM, legacy
/// profiles, Runtime ids on Mantle, provider-id and key typos, no region, an unsupported region, a
/// custom provider on Mantle, comments only) after `fix --unsafe --region us-east-1`:
/// 1. keeps every comment line of the input (in config.toml or a profile file it moved to);
/// 2. is a fixed point: a second run changes no byte and says "nothing to change";
/// 3. passes `check --offline` (fake static AWS keys, Codex 0.169.0): no failure;
/// 4. loads in the real Codex 0.169.0 (loopback only) without a config error.
///
/// `BD_CORPUS_BIN=/path/to/bedrock-doctor` runs another build (the figures before a change); every
/// condition is counted and printed, then all must hold.
#[test]
fn corpus_is_fixed_completely() {
    let bin = std::env::var("BD_CORPUS_BIN").unwrap_or_else(|_| common::BIN.to_owned());
    let mut names: Vec<PathBuf> = std::fs::read_dir(CORPUS).unwrap().flatten().map(|e| e.path()).collect();
    names.sort();
    assert!(names.len() >= 10, "corpus too small: {}", names.len());
    let codex = real_codex("corpus_is_fixed_completely");
    let run = |env: &TestEnv, args: &[&str]| {
        let out = Command::new(&bin)
            .args(args)
            .env_clear()
            .env("HOME", env.home())
            .env("PATH", "")
            .env("AWS_ACCESS_KEY_ID", AKID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .output()
            .unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let mut problems = Vec::new();
    let mut passed = [0usize; 4];
    let mut all = 0;
    for path in &names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read_to_string(path).unwrap();
        let env = TestEnv::new().config(&input);
        let args = ["fix", "--no-backup", "--unsafe", "--region", "us-east-1", "--codex-version", DEFAULT_VERSION];
        let (code, first) = run(&env, &args);
        let files = files_in(&env.codex_home());
        let output: String = files.values().map(|b| show(b)).collect::<Vec<_>>().join("\n");
        let kept: BTreeSet<&str> = output.lines().map(|l| l.trim().trim_start_matches('\u{feff}')).collect();
        let lost: Vec<&str> = input
            .lines()
            .map(|l| l.trim().trim_start_matches('\u{feff}'))
            .filter(|l| l.starts_with('#') && !kept.contains(l))
            .collect();
        let mut ok = [lost.is_empty(), false, false, false];
        if !ok[0] {
            problems.push(format!("[{name}] comments lost: {lost:?}\n{output}"));
        }
        let (_, second) = run(&env, &args);
        ok[1] = files_in(&env.codex_home()) == files && second.contains("nothing to change");
        if !ok[1] {
            problems.push(format!("[{name}] the second run is not a no-op:\n{second}"));
        }
        let (check_code, report) = run(&env, &["check", "--offline", "--codex-version", DEFAULT_VERSION]);
        ok[2] = check_code == 0;
        if !ok[2] {
            problems.push(format!(
                "[{name}] check --offline exits {check_code} after fix (exit {code}):\n{first}\n{report}"
            ));
        }
        ok[3] = match &codex {
            Some((codex, unshare)) => {
                // Nothing to copy into HOME (an empty directory: a fixed path could exist on some machine).
                let empty = tempfile::tempdir().unwrap();
                let out = run_codex_on(unshare, codex, &files, empty.path(), None);
                let errors = codex_load_errors(&out.output);
                // Loaded as Bedrock: the session header names the provider and a Mantle model.
                let loaded = out.output.lines().any(|l| l.starts_with("provider: amazon-bedrock"))
                    && out.output.lines().any(|l| l.starts_with("model: openai."));
                if !errors.is_empty() || !loaded {
                    problems.push(format!("[{name}] real Codex does not load the result: {errors:?}\n{}", out.output));
                }
                errors.is_empty() && loaded
            }
            None => true,
        };
        for (count, ok) in passed.iter_mut().zip(ok) {
            *count += usize::from(ok);
        }
        all += usize::from(ok.iter().all(|o| *o));
    }
    eprintln!(
        "corpus: {all}/{} pass all four (comments kept {}, fixed point {}, check passes {}, Codex loads {})",
        names.len(),
        passed[0],
        passed[1],
        passed[2],
        passed[3]
    );
    assert!(problems.is_empty(), "{} problem(s):\n\n{}", problems.len(), problems.join("\n\n"));
}

/// Over every corpus config and every fixture input: a check that fails or warns with a remediation
/// naming an edit ("Set `…", "Add `…", "Use the built-in id", "Remove `…") has a `fix` or a `held` line
/// in `fix --dry-run`, and its JSON `fix.available` is true exactly when `fix` (or `fix --unsafe`)
/// would apply something for it.
#[test]
fn every_named_edit_is_applied_or_held() {
    let mut inputs: Vec<(String, String)> = Vec::new();
    for e in std::fs::read_dir(CORPUS).unwrap().flatten() {
        inputs.push((e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap()));
    }
    for case in cases() {
        if let Some(text) = read_opt(&case.dir.join("in/config.toml")) {
            inputs.push((case.name.clone(), text));
        }
    }
    let mut problems = Vec::new();
    for (name, text) in &inputs {
        let env = TestEnv::new().config(text).env("AWS_ACCESS_KEY_ID", AKID).env("AWS_SECRET_ACCESS_KEY", SECRET);
        let report = env.check_json(DEFAULT_VERSION, &[]);
        let dry = env.run(&fix_args(&["--dry-run"]));
        for c in report["checks"].as_array().unwrap() {
            let id = c["id"].as_str().unwrap();
            let failing = c["status"] == "fail" || c["status"] == "warn";
            let remedy = c["remediation"].as_str().unwrap_or("");
            let edit = ["Set `", "Add `", "Use the built-in id", "Remove `"].iter().any(|p| remedy.starts_with(p));
            let line =
                |kind: &str| dry.stdout.lines().any(|l| l.starts_with(kind) && l[6..].starts_with(&format!("{id} ")));
            if failing && edit && !line("fix ") && !line("held ") {
                problems.push(format!(
                    "[{name}] {id}: the report says {remedy:?}, fix neither applies nor holds it\n{}",
                    dry.stdout
                ));
            }
            if c["fix"]["available"] == true && !line("fix ") && !line("held ") {
                problems.push(format!("[{name}] {id}: fix.available but fix says nothing about it\n{}", dry.stdout));
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n\n{}", problems.len(), problems.join("\n\n"));
}
