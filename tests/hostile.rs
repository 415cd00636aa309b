//! Hostile inputs through the binary: FIFOs and devices where files are expected must end the run
//! quickly with a finding naming the path (never block, never fill memory), and every command exits
//! with the contract's code (2: could not do the job or used wrongly; 1: failures found).
//!
//! Every run here is hang-guarded: a run that outlives its deadline is killed and the test fails, so a
//! regression fails the suite instead of hanging it. The deadline is generous (the bar is `--timeout`
//! + 1 s; a debug build on a busy machine needs headroom); the point is that it ends.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, TestEnv};

const BEDROCK: &str = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n";

/// Far above `--timeout 1` + 1 s, far below "hung".
const DEADLINE: Duration = Duration::from_secs(15);

struct Bounded {
    code: i32,
    out: String,
}

/// Runs the binary in `env`'s sealed world with extra variables, killing it at [`DEADLINE`].
fn run_bounded(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> Bounded {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", env.home())
        .env("PATH", "")
        // Nothing may leave the machine, even in a regression: no instance metadata, AWS on a closed port.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", "http://127.0.0.1:9")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bedrock-doctor {args:?} with {vars:?} still running after {DEADLINE:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let home = env.home().display().to_string();
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).replace(&home, "~");
    Bounded { code: status.code().unwrap_or(-1), out: read(&out_path) + &read(&err_path) }
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo (coreutils) is installed");
    assert!(made.success(), "mkfifo {}", path.display());
}

fn fifo_env() -> (TestEnv, PathBuf) {
    let env = TestEnv::new().config(BEDROCK);
    let fifo = env.home().join("fifo");
    mkfifo(&fifo);
    (env, fifo)
}

// ---- B. every read bounded: FIFOs and devices are findings, never reads ----

#[test]
fn a_fifo_or_device_as_policy_is_refused_not_read() {
    let (env, fifo) = fifo_env();
    let template = env.codex_home().join("config.toml");
    let template = template.to_str().unwrap();
    for policy in [fifo.to_str().unwrap(), "/dev/zero"] {
        let run = run_bounded(&env, &[], &["lint", "--policy", policy, template]);
        assert_eq!(run.code, 2, "{}", run.out);
        assert!(run.out.contains("not a regular file"), "{}", run.out);
    }
}

#[test]
fn fifos_the_sdk_or_tls_stack_would_read_end_the_live_pass_with_a_finding() {
    let (env, fifo) = fifo_env();
    let fifo = fifo.to_str().unwrap();
    let keys =
        [("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")];
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("AWS_CONFIG_FILE", vec![("AWS_CONFIG_FILE", fifo)]),
        ("AWS_SHARED_CREDENTIALS_FILE", vec![("AWS_SHARED_CREDENTIALS_FILE", fifo)]),
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            vec![("AWS_WEB_IDENTITY_TOKEN_FILE", fifo), ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/x")],
        ),
        ("SSL_CERT_FILE", [("SSL_CERT_FILE", fifo)].into_iter().chain(keys).collect()),
        ("CODEX_CA_CERTIFICATE", [("CODEX_CA_CERTIFICATE", "/dev/zero")].into_iter().chain(keys).collect()),
        // The bearer path builds no credentials provider, only the HTTPS client.
        (
            "SSL_CERT_FILE",
            vec![("SSL_CERT_FILE", fifo), ("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-FAKEEXAMPLETOKEN")],
        ),
    ];
    for (var, vars) in cases {
        let run = run_bounded(&env, &vars, &["check", "--codex-version", "0.169.0", "--timeout", "1"]);
        assert_eq!(run.code, 1, "{var}: {}", run.out);
        assert!(run.out.contains(&format!("{var}=")), "{var} not named: {}", run.out);
        assert!(run.out.contains("not a regular file"), "{var}: {}", run.out);
    }
}

#[test]
fn a_fifo_as_an_extension_package_json_is_a_finding() {
    let env = TestEnv::new().config(BEDROCK);
    mkfifo(&env.home().join(".vscode/extensions/openai.chatgpt-26.500.0/package.json"));
    let run = run_bounded(&env, &[], &["check", "--offline", "--codex-version", "0.169.0"]);
    // The human report wraps (the path is long): words are compared, not line breaks.
    let words = run.out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("package.json is a FIFO (named pipe)"), "{}", run.out);
}

#[test]
fn fifos_in_codex_home_are_findings_for_check_and_refusals_for_fix() {
    let env = TestEnv::new();
    mkfifo(&env.codex_home().join("config.toml"));
    mkfifo(&env.codex_home().join(".env"));
    let run = run_bounded(&env, &[], &["check", "--offline", "--codex-version", "0.169.0"]);
    assert_eq!(run.code, 1, "{}", run.out);
    assert!(run.out.contains("config.toml is a FIFO"), "{}", run.out);
    let run = run_bounded(&env, &[], &["fix", "--codex-version", "0.169.0"]);
    assert_eq!(run.code, 2, "{}", run.out);
    assert!(run.out.contains("refusing to edit"), "{}", run.out);
}

// ---- D. exit codes: 2 when used wrongly or unable to do the job ----

#[test]
fn used_wrongly_exits_2_for_every_command() {
    let env = TestEnv::new().config(BEDROCK);
    let cases: &[&[&str]] = &[
        &["check", "--offline", "-c", "noequals"],
        &["check", "--offline", "-c", " =x"],
        &["fix", "--dry-run", "-c", "noequals"],
        &["iam", "-c", "noequals"],
        &["iam", "--select", "nope"],
        &["iam", "--ignore", "nope"],
        &["lint", "--select", "nope", "."],
        &["lint", "does-not-exist.toml"],
        &["explain", "nope"],
        &["completions", "nope"],
        &["list", "--select", "nope"],
    ];
    for args in cases {
        let run = run_bounded(&env, &[], args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.out);
        assert!(!run.out.contains("panicked"), "{args:?}: {}", run.out);
    }
    let run = run_bounded(&env, &[], &["check", "--offline", "-c", "noequals"]);
    assert!(run.out.contains("Invalid override (missing '='): noequals"), "{}", run.out);
}

// ---- A. fix: names, flag values, a full disk ----

#[test]
fn a_profile_name_with_a_newline_is_never_written_into_a_file_or_a_file_name() {
    let text = "profile = \"x\\ninjected = 1\"\nmodel_provider = \"amazon-bedrock\"\n\n[profiles.\"x\\ninjected = 1\"]\nmodel = \"openai.gpt-5.5\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n";
    let env = TestEnv::new().config(text);
    let run = run_bounded(&env, &[], &["fix", "--unsafe", "--codex-version", "0.169.0"]);
    // The human output wraps: words are compared, not line breaks.
    let words = run.out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("(refused: the profile name \"x\\ninjected = 1\" cannot be a file name"), "{}", run.out);
    // Nothing was migrated: config.toml keeps the profile, and no other file appeared.
    assert_eq!(std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap(), text);
    let names: Vec<String> = std::fs::read_dir(env.codex_home())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["config.toml".to_owned()], "{}", run.out);
    // The legacy profile is still fatal on 0.169: a failure remains, the command itself ran.
    assert_eq!(run.code, 1, "{}", run.out);
}

#[test]
fn fix_region_and_model_values_are_validated() {
    let env = TestEnv::new().config(BEDROCK);
    let cases: &[(&[&str], &str)] = &[
        (&["--region", "x@127.0.0.1#"], "is not an AWS region name"),
        (&["--region", "us-east-1.evil.com"], "is not an AWS region name"),
        (&["--region", "US-EAST-1"], "is not an AWS region name"),
        (&["--region", "us-east-1\nmodel = \"x\""], "is not an AWS region name"),
        // A region, but not one Codex 0.169.0 sends to on amazon-bedrock.
        (&["--region", "eu-north-9"], "does not send to `eu-north-9` on amazon-bedrock"),
        (&["--model", "openai.gpt-5.5\"\nx = \"1"], "is not a model id"),
        (&["--model", ""], "is not a model id"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["fix", "--codex-version", "0.169.0"];
        args.extend_from_slice(flags);
        let run = run_bounded(&env, &[], &args);
        assert_eq!(run.code, 2, "{flags:?}: {}", run.out);
        assert!(run.out.contains(message), "{flags:?}: {}", run.out);
        assert_eq!(std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap(), BEDROCK);
    }
    // A supported region still applies (1: this setup has no credentials, a failure that remains).
    let run = run_bounded(&env, &[], &["fix", "--codex-version", "0.169.0", "--region", "us-west-2"]);
    assert_eq!(run.code, 1, "{}", run.out);
    assert!(std::fs::read_to_string(env.codex_home().join("config.toml")).unwrap().contains("\"us-west-2\""));
}

#[test]
fn a_full_disk_leaves_no_partial_backup_and_exits_2() {
    // A full disk, for real: a small tmpfs over ~/.codex in a private mount namespace (root only),
    // filled so that the new config fits and its backup does not. Before, the backup was written first
    // and a truncated `config.toml.bak` was left behind.
    if !is_root_with_mount_namespaces() {
        assert!(std::env::var_os("CI").is_none(), "CI must run this test as root with `unshare -m`");
        eprintln!("SKIP a_full_disk: needs root and `unshare -m` for a private tmpfs");
        return;
    }
    let text = format!(
        "model_provider = \"amazon-bedrok\"\nmodel = \"openai.gpt-5.5\"\n# {}\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n",
        "x".repeat(10_000)
    );
    let env = TestEnv::new();
    let source = env.home().join("config.source");
    std::fs::write(&source, &text).unwrap();
    let report = env.home().join("report");
    // Fill the tmpfs, then free 16 KiB (4 pages): the 10 KB new file takes 3, the backup cannot.
    let script = "P=/usr/sbin:/usr/bin:/sbin:/bin; export PATH=$P; H=\"$1\"; shift; \
        mount -t tmpfs -o size=1m tmpfs \"$H/.codex\" || exit 99; \
        cp \"$H/config.source\" \"$H/.codex/config.toml\"; \
        dd if=/dev/zero of=\"$H/.codex/filler\" bs=4096 2>/dev/null; truncate -s -16K \"$H/.codex/filler\"; \
        PATH= \"$@\" > \"$H/report\" 2>&1; code=$?; \
        ls -A \"$H/.codex\" > \"$H/listing\"; cp \"$H/.codex/config.toml\" \"$H/config.after\"; exit $code";
    let out = Command::new("unshare")
        .args(["-m", "/bin/sh", "-c", script, "sh"])
        .arg(env.home())
        .args([BIN, "fix", "--codex-version", "0.169.0"])
        .env_clear()
        .env("HOME", env.home())
        .output()
        .unwrap();
    if out.status.code() == Some(99) {
        assert!(std::env::var_os("CI").is_none(), "CI must allow a tmpfs mount");
        eprintln!("SKIP a_full_disk: tmpfs cannot be mounted here");
        return;
    }
    let report = std::fs::read_to_string(report).unwrap();
    let tail = &report[report.len().saturating_sub(600)..];
    assert_eq!(out.status.code(), Some(2), "{tail}");
    assert!(report.contains("No space left on device"), "{tail}");
    assert_eq!(std::fs::read_to_string(env.home().join("config.after")).unwrap(), text);
    let listing = std::fs::read_to_string(env.home().join("listing")).unwrap();
    // Only the original and the filler: no partial backup, no temporary file.
    assert_eq!(listing.lines().collect::<Vec<_>>(), vec!["config.toml", "filler"], "{tail}");
}

fn is_root_with_mount_namespaces() -> bool {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    root && Command::new("unshare").args(["-m", "true"]).status().is_ok_and(|s| s.success())
}
