//! `lint`, `iam` and `completions` through the binary: templates judged alone, the team policy, secrets
//! in templates caught and never printed, a malformed template among many, exit codes.

mod common;

use common::BIN;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const GOOD: &str = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-2\"\n";

fn lint(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("lint")
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", "")
        // The user's own setup must not leak into a template's verdict.
        .env("AWS_REGION", "us-west-1")
        .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-SHOULDNOTMATTERxxxxxxxxxxxx")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn templates_are_judged_without_the_local_environment() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok/config.toml", GOOD);
    write(dir.path(), "unpinned/config.toml", "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n");
    let (code, out, err) = lint(&["--format", "json", "."], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f["status"] == "pass"), "{out}");
}

#[test]
fn policy_violations_are_located() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policy.toml",
        "allowed_models = [\"openai.gpt-5.5\"]\nallowed_regions = [\"us-west-2\"]\nrequire_region = true\nforbid_base_url = true\nmin_codex_version = \"0.150.0\"\n",
    );
    write(
        dir.path(),
        "t/config.toml",
        &format!(
            "{GOOD}\n[model_providers.amazon-bedrock]\nbase_url = \"https://bedrock-mantle.us-east-2.api.aws/openai/v1\"\n"
        ),
    );
    write(dir.path(), "u/config.toml", "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.4\"\n");
    let (code, out, _) =
        lint(&["--policy", "policy.toml", "--format", "json", "--codex-version", "0.149.0", "."], dir.path());
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["codex_version"], "0.150.0", "min_codex_version raises the rules");
    assert_eq!(report["files"].as_array().unwrap().len(), 2, "the policy file is not a template");
    let policy = |i: usize| {
        report["files"][i]["checks"].as_array().unwrap().iter().find(|c| c["id"] == "policy").unwrap()["details"]["findings"].clone()
    };
    let t = policy(0).to_string();
    assert!(t.contains("region `us-east-2` is not allowed") && t.contains("forbids `base_url`"), "{t}");
    assert!(t.contains("\"line\":4"), "located at the region key: {t}");
    let u = policy(1).to_string();
    assert!(u.contains("`openai.gpt-5.4` is not allowed") && u.contains("requires a pinned region"), "{u}");
    let (code, _, err) = lint(&["--policy", "nope.toml", "."], dir.path());
    assert_eq!(code, 2, "{err}");
    write(dir.path(), "typo.toml", "alowed_models = []\n");
    let (code, _, err) = lint(&["--policy", "typo.toml", "t"], dir.path());
    assert_eq!(code, 2, "a misspelt policy key is an error: {err}");
}

/// The closest supported region a template's unsupported region is told to use lies within the
/// policy's `allowed_regions` (it once ignored the policy and went by spelling: `cn-north-1` became
/// `eu-north-1`, Stockholm); without a policy it is the nearest one on the map (Tokyo from Beijing).
#[test]
fn region_suggestions_stay_within_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policy.toml", "allowed_regions = [\"eu-central-1\", \"us-west-2\"]\n");
    write(
        dir.path(),
        "t/config.toml",
        "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-6.1-sol\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"cn-north-1\"\n",
    );
    let remediation = |args: &[&str]| {
        let (_, out, err) = lint(args, dir.path());
        let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        let checks = report["files"][0]["checks"].as_array().unwrap().clone();
        checks.iter().find(|c| c["id"] == "region").unwrap()["remediation"].as_str().unwrap().to_owned()
    };
    let free = remediation(&["--format", "json", "--codex-version", "0.169.0", "t"]);
    assert!(free.starts_with("Set `region = \"ap-northeast-1\"`"), "{free}");
    let within = remediation(&["--policy", "policy.toml", "--format", "json", "--codex-version", "0.169.0", "t"]);
    assert!(
        within.starts_with("Set `region = \"eu-central-1\"`") && within.contains("the team policy allows"),
        "{within}"
    );
}

#[test]
fn every_kind_of_secret_is_caught_and_never_printed() {
    let secrets = [
        (
            "config.toml",
            "experimental_bearer_token = \"ABSKQmVkcm9ja0FQSUtleS1DQU5BUllsaW50MTIzNDU2Nzg5MA==\"\n",
            "ABSKQmVkcm9ja0FQSUtleS1DQU5BUllsaW50",
        ),
        (
            ".env.example",
            "AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9DQU5BUllMSU5U\n",
            "YmVkcm9jay5hbWF6b25hd3MuY29tLz9DQU5BUllMSU5U",
        ),
        (
            ".env",
            "AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\nAWS_SECRET_ACCESS_KEY=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\n",
            "CANARYlintSECRETq8Zr1kLmN0pQrStUvWx2yZ3a",
        ),
        (
            "s.toml",
            "[x]\naws_session_token = \"IQoJb3JpZ2luX2VjEJrCANARYSESSIONlint0123456789\"\n",
            "IQoJb3JpZ2luX2VjEJrCANARYSESSIONlint0123456789",
        ),
    ];
    for (name, text, secret) in secrets {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), name, text);
        for format in ["human", "json", "sarif", "github", "junit"] {
            let (code, out, err) = lint(&["--format", format, "."], dir.path());
            assert_eq!(code, 1, "{name} {format}: {out}{err}");
            assert!(!out.contains(secret) && !err.contains(secret), "{name} leaked in {format}: {out}");
            assert!(!out.contains(&secret[secret.len() - 12..]), "{name} tail leaked in {format}");
        }
        let (_, out, _) = lint(&["--format", "json", "."], dir.path());
        assert!(out.contains("secrets-in-config"), "{name}: {out}");
    }
}

#[test]
fn a_malformed_template_among_many_is_reported_and_the_rest_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..200 {
        write(dir.path(), &format!("t{i:03}/config.toml"), GOOD);
    }
    write(
        dir.path(),
        "t100/config.toml",
        "model_provider = \"amazon-bedrock\"\n[model_providers.amazon-bedrock.aws\nregion = \"us-east-1\"\n",
    );
    write(dir.path(), "t150/config.toml", &GOOD.replace("openai.gpt-5.5", "openai.gpt-oss-120b-1:0"));
    let (code, out, _) = lint(&["--format", "json", "."], dir.path());
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 200);
    let failing: Vec<&str> =
        files.iter().filter(|f| f["status"] == "fail").map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(failing, vec!["./t100/config.toml", "./t150/config.toml"]);
    let broken = files[100]["checks"].as_array().unwrap().iter().find(|c| c["id"] == "config-file").unwrap();
    assert_eq!(broken["location"]["line"], 2);
}

#[test]
fn profile_files_are_layered_over_their_config() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "config.toml", GOOD);
    write(dir.path(), "eu.config.toml", "[model_providers.amazon-bedrock.aws]\nregion = \"eu-west-3\"\n");
    let (code, out, _) = lint(&["--format", "json", "."], dir.path());
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["files"][0]["status"], "pass", "config.toml alone is fine");
    let eu = report["files"][1].to_string();
    assert!(eu.contains("does not support region `eu-west-3`") && eu.contains("eu.config.toml"), "{eu}");
}

/// The messages of a file's failing and warning findings, from `lint --format json`.
fn messages(file: &Value) -> Vec<String> {
    file["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["details"]["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["status"] == "fail" || f["status"] == "warn")
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_base_that_only_defines_providers_is_judged_through_its_profiles() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.toml",
        "[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n[mcp_servers.docs.env]\nAWS_SESSION_TOKEN = \"IQoJb3JpZ2luX2VjEJr0123456789abcdef\"\n",
    );
    write(dir.path(), "prod.config.toml", "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n");
    write(dir.path(), "dev.config.toml", "model_provider = \"amazon-bedrock\"\nmodel = \"us.openai.gpt-5.5\"\n");
    let (code, out, _) = lint(&["--format", "json", "."], dir.path());
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let files = report["files"].as_array().unwrap();
    let by_name = |name: &str| files.iter().find(|f| f["path"].as_str().unwrap().ends_with(name)).unwrap();
    let base = messages(by_name("/config.toml"));
    // Not "model_provider is not set": `codex -p prod` and `codex -p dev` both set it.
    assert!(base.iter().all(|m| !m.contains("model_provider")), "{base:?}");
    // What lies in the base is reported there once, naming the profiles it was judged through.
    assert_eq!(base.len(), 1, "{base:?}");
    assert!(base[0].contains("session token") && base[0].ends_with("(with profiles `dev`, `prod`)"), "{base:?}");
    assert_eq!(by_name("prod.config.toml")["status"], "pass");
    let dev = messages(by_name("dev.config.toml"));
    assert!(dev.iter().any(|m| m.contains("Runtime id") && m.ends_with("(with profile `dev`)")), "{dev:?}");
}

#[test]
fn a_legacy_profile_table_is_judged_as_codex_profile_would_load_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.toml",
        "[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n[profiles.bed]\nmodel_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n",
    );
    // Codex >= 0.134 refuses `--profile bed` while `[profiles.bed]` exists (what `check -p bed` says).
    let (code, out, _) = lint(&["--format", "json", "--codex-version", "0.169.0", "config.toml"], dir.path());
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let found = messages(&report["files"][0]);
    assert_eq!(found.len(), 1, "only the refusal, not its consequences: {found:?}");
    assert!(
        found[0].contains("--profile `bed` cannot be used") && found[0].ends_with("(with profile `bed`)"),
        "{found:?}"
    );
    // Codex 0.132 layers the table: the Bedrock setup it selects is judged, not "model_provider not set".
    let (code, out, _) = lint(&["--format", "json", "--codex-version", "0.132.0", "config.toml"], dir.path());
    let report: Value = serde_json::from_str(&out).unwrap();
    let found = messages(&report["files"][0]);
    assert!(found.iter().all(|m| !m.contains("model_provider") && !m.contains("cannot be used")), "{found:?}");
    assert!(code == 0 || code == 1, "{out}");
}

#[test]
fn iam_and_completions() {
    let home = tempfile::tempdir().unwrap();
    write(home.path(), ".codex/config.toml", GOOD);
    let run = |args: &[&str], extra: &[(&str, &str)]| {
        Command::new(BIN)
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", "")
            .envs(extra.iter().copied())
            .output()
            .unwrap()
    };
    let sigv4 = run(&["iam", "--codex-version", "0.169.0"], &[]);
    let policy: Value = serde_json::from_slice(&sigv4.stdout).unwrap();
    let actions = policy["Statement"].to_string();
    assert!(
        actions.contains("bedrock-mantle:CreateInference") && !actions.contains("CallWithBearerToken"),
        "{actions}"
    );
    assert!(actions.contains("\"aws:RequestedRegion\":\"us-east-2\""));
    let bearer = run(&["iam", "--codex-version", "0.169.0"], &[("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-x")]);
    assert!(String::from_utf8_lossy(&bearer.stdout).contains("bedrock-mantle:CallWithBearerToken"));
    for shell in ["bash", "zsh", "fish", "man"] {
        let out = run(&["completions", shell], &[]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"], &[]).status.code(), Some(2));
}

/// A CI job must not pass on nothing: a directory without templates and a path that does not exist are
/// the command used wrongly (exit 2, naming the path), in every format.
#[test]
fn nothing_to_lint_is_a_usage_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty/README.md", "no templates here\n");
    write(dir.path(), "only-policy/policy.toml", "require_region = true\n");
    write(dir.path(), "ok/config.toml", GOOD);
    for format in ["human", "json", "sarif"] {
        let (code, out, err) = lint(&["--format", format, "ok", "empty"], dir.path());
        assert_eq!(code, 2, "{format}: {out}{err}");
        assert!(err.contains("empty") && err.contains("no Codex config templates"), "{err}");
        let (code, _, err) = lint(&["--format", format, "missing-dir"], dir.path());
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("missing-dir"), "{err}");
    }
    // The policy file is not a template: a folder holding only it has nothing to lint.
    let (code, _, err) = lint(&["--policy", "only-policy/policy.toml", "only-policy"], dir.path());
    assert_eq!(code, 2, "{err}");
    // A directory with templates still lints.
    let (code, out, err) = lint(&["ok"], dir.path());
    assert_eq!(code, 0, "{out}{err}");
}
