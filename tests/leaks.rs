//! Planted secrets and terminal escapes, on every path to output, in every format: `check` (offline, and
//! the live credential step that runs a `credential_process`) and `lint`, each in human, json, sarif,
//! github and junit. No canary (nor any encoding of it) and no raw control character may reach stdout or
//! stderr.
//!
//! Each canary is echoed by the report somewhere (a model id, a URL, a Codex error, a subprocess's
//! stderr), so an absence means the redactor caught it, not that nothing was printed. The canaries carry
//! the characters each format encodes (`%` for GitHub, `&<>` for XML, `"` and `\` for JSON and Rust's
//! `Debug`), so a redactor that ran after encoding would miss them.

mod common;

use common::{Run, TestEnv};

const FORMATS: &[&str] = &["human", "json", "sarif", "github", "junit"];

/// The distinctive start of every canary: none of it may appear (a mask shows at most the last 4).
fn leaked(run: &Run, canaries: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for canary in canaries {
        let core = &canary[..canary.len().min(12)];
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            if text.contains(core) {
                out.push(format!("{core}… in {stream}"));
            }
        }
    }
    // Raw control characters: ESC, BEL, CR, and the bidi overrides and isolates.
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for bad in ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}', '\u{202a}', '\u{2066}', '\u{2069}'] {
            if text.contains(bad) {
                out.push(format!("raw U+{:04X} in {stream}", bad as u32));
            }
        }
    }
    out
}

/// Every format of `check --offline` (and `-v` for human) on this machine.
fn check_all_formats(env: &TestEnv, canaries: &[&str], must_show: &str) {
    for format in FORMATS {
        for verbose in [false, true] {
            let mut args = vec!["check", "--offline", "--codex-version", "0.169.0", "--format", format];
            if verbose {
                args.push("-v");
            }
            let run = env.run(&args);
            assert!(run.code == 0 || run.code == 1, "{format}: exit {} {}", run.code, run.stderr);
            assert!(
                run.stdout.contains(must_show),
                "{format}: the report does not show `{must_show}`:\n{}",
                run.stdout
            );
            let leaks = leaked(&run, canaries);
            assert!(leaks.is_empty(), "check --format {format} (verbose {verbose}): {leaks:?}\n{}", run.stdout);
            if *format == "json" || *format == "sarif" {
                serde_json::from_str::<serde_json::Value>(&run.stdout).expect("still JSON");
            }
        }
    }
}

/// Every format of `lint` on the templates under `dir` (relative to HOME).
fn lint_all_formats(env: &TestEnv, dir: &str, canaries: &[&str], must_show: &str) {
    let path = env.home().join(dir);
    let path = path.to_str().unwrap();
    for format in FORMATS {
        let run = env.run(&["lint", path, "--format", format]);
        assert!(run.code == 0 || run.code == 1, "{format}: exit {} {}", run.code, run.stderr);
        assert!(run.stdout.contains(must_show), "{format}: lint does not show `{must_show}`:\n{}", run.stdout);
        let leaks = leaked(&run, canaries);
        assert!(leaks.is_empty(), "lint --format {format}: {leaks:?}\n{}", run.stdout);
    }
}

const BEDROCK_HEAD: &str = "model_provider = \"amazon-bedrock\"\n";
const AWS_TABLE: &str = "[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n";

// Known secrets echoed back through config values the report prints (the model id, the AWS profile name).
#[test]
fn secrets_from_env_dotenv_and_auth_json_are_masked_wherever_they_are_echoed() {
    let env_secret = "ZQXENVSECRET%&<>q\"k\\9LmN0pQ";
    let dotenv_secret = "ZQXDOTENVtoken%26&lt;Zz8YxWv";
    let managed = "ZQXMANAGEDsecret&<>%Yy7XwVu";
    let aws_file = "ZQXAWSFILEsecret%&<>Ww6VvUt";
    let toml = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let env = TestEnv::new()
        .config(&format!(
            "{BEDROCK_HEAD}model = \"{}\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\nprofile = \"{}\"\n",
            toml(&format!("{env_secret}|{dotenv_secret}|{managed}")),
            toml(aws_file)
        ))
        .dotenv(&format!("MY_SERVICE_TOKEN='{dotenv_secret}'\n"))
        .auth_json(&format!(
            r#"{{"auth_mode":"bedrockAccessKeys","bedrock_access_keys":{{"access_key_id":"AKIDMANAGED","secret_access_key":"{}"}}}}"#,
            managed.replace('"', "\\\"")
        ))
        .aws_credentials(&format!("[other]\naws_access_key_id = AKIDFILE\naws_secret_access_key = {aws_file}\n"))
        .env("AWS_SECRET_ACCESS_KEY", env_secret)
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    check_all_formats(&env, &[env_secret, dotenv_secret, managed, aws_file], "model-id");
}

#[test]
fn url_userinfo_query_and_fragment_are_masked() {
    let config = format!(
        "{BEDROCK_HEAD}model = \"openai.gpt-5.5\"\n[model_providers.amazon-bedrock]\n\
         base_url = \"https://ZQXUSERuser:ZQXPASSword12@bedrock-mantle.us-east-1.api.aws/openai/v1?api-key=ZQXQUERYkey%26x&v=ZQXSHORT#ZQXFRAGment\"\n{AWS_TABLE}"
    );
    let canaries = ["ZQXPASSword12", "ZQXQUERYkey", "ZQXSHORT", "ZQXFRAGment"];
    let env = TestEnv::new()
        .config(&config)
        .file("templates/config.toml", &config)
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    check_all_formats(&env, &canaries, "endpoint");
    lint_all_formats(&env, "templates", &canaries, "config.toml");
}

#[test]
fn the_line_under_a_parse_error_is_masked() {
    // Nothing names this value a secret: the file does not parse, so no key gives it a meaning.
    let config = format!("{BEDROCK_HEAD}model = \"ZQXPARSEsecret%&<>Xx1\" this is not toml\n");
    let env = TestEnv::new().config(&config).file("templates/config.toml", &config);
    check_all_formats(&env, &["ZQXPARSEsecret"], "config-file");
    lint_all_formats(&env, "templates", &["ZQXPARSEsecret"], "config.toml");
}

#[test]
fn the_value_quoted_by_a_type_error_is_masked() {
    let config = format!(
        "{BEDROCK_HEAD}model = \"openai.gpt-5.5\"\n[model_providers.amazon-bedrock]\n\
         http_headers = \"Authorization: Bearer ZQXTYPEtoken%&<>\\\"q\\\\Zz9Yy8\"\n{AWS_TABLE}"
    );
    let env = TestEnv::new().config(&config).file("templates/config.toml", &config);
    check_all_formats(&env, &["ZQXTYPEtoken"], "invalid type");
    lint_all_formats(&env, "templates", &["ZQXTYPEtoken"], "config.toml");
}

#[test]
fn inline_tables_headers_and_quoted_values_are_detected_and_masked() {
    let config = format!(
        "{BEDROCK_HEAD}model = \"openai.gpt-5.5\"\n{AWS_TABLE}\
         [model_providers.gateway]\nname = \"gw\"\nbase_url = \"http://127.0.0.1:4000/v1\"\n\
         auth_opts = {{ experimental_bearer_token = \"ZQXINLINEtoken%&<>Aa1Bb2\" }}\n\
         http_headers = {{ \"x-api-key\" = \"ZQXHEADERkey#not a comment\" }}\n\
         env_http_headers = {{ Authorization = \"GATEWAY_BEARER_TOKEN_VARIABLE\" }}\n\
         experimental_bearer_token = \"ZQXHASHtoken#with hash Cc3\"\n"
    );
    let canaries = ["ZQXINLINEtoken", "ZQXHEADERkey", "ZQXHASHtoken"];
    let env = TestEnv::new().config(&config).file("templates/config.toml", &config);
    check_all_formats(&env, &canaries, "secrets-in-config");
    let run = env.run(&["check", "--offline", "--codex-version", "0.169.0", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let secrets = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "secrets-in-config").unwrap();
    let findings = secrets["details"]["findings"].as_array().unwrap();
    // The three literal credentials, and not the env var NAME of `env_http_headers`.
    assert_eq!(findings.len(), 3, "{secrets:#}");
    lint_all_formats(&env, "templates", &canaries, "secrets-in-config");
}

#[test]
fn terminal_escapes_in_config_values_and_file_names_are_shown_escaped() {
    let config = format!(
        "{BEDROCK_HEAD}model = \"openai.gpt-5.5\\u001b]52;c;ZQXESC=\\u0007\\u001b[2K\\r\\u202eevil\\u2066\"\n{AWS_TABLE}"
    );
    let env = TestEnv::new()
        .config(&config)
        .file("templates/config.toml", &config)
        .file("templates/evil\u{1b}[2K\r.toml", &config);
    check_all_formats(&env, &[], "model-id");
    lint_all_formats(&env, "templates", &[], "model-id");
    // Shown, escaped: the reader still sees what is in the file.
    let run = env.run(&["check", "--offline", "--codex-version", "0.169.0"]);
    assert!(run.stdout.contains("\\u{1b}]52;c;ZQXESC="), "{}", run.stdout);
}

#[test]
fn a_line_feed_in_a_value_cannot_forge_a_line_of_the_report() {
    let config = format!("{BEDROCK_HEAD}model = \"openai.gpt-5.5\\n  ✓ ZQXSPOOF  all good\"\n{AWS_TABLE}");
    let env = TestEnv::new().config(&config).file("templates/config.toml", &config);
    let templates = env.home().join("templates");
    for args in [
        vec!["check", "--offline", "--codex-version", "0.169.0"],
        vec!["check", "--offline", "--codex-version", "0.169.0", "-v"],
        vec!["lint", templates.to_str().unwrap()],
    ] {
        let run = env.run(&args);
        assert!(run.stdout.contains("ZQXSPOOF"), "{args:?}: the value is shown:\n{}", run.stdout);
        // One-line fields escape the line feed; a multi-line text (Codex's own error or warning, quoted
        // under `-v`) keeps it but is indented, so no line starts where a check's row does.
        let forged = run.stdout.lines().filter(|l| l.starts_with("  ✓ ZQXSPOOF")).count();
        assert_eq!(forged, 0, "{args:?}:\n{}", run.stdout);
    }
}

#[cfg(unix)]
#[test]
fn a_credential_process_echoing_a_secret_on_stderr_is_masked_in_every_format() {
    // The secret is known (the environment holds it too); it carries the characters each format
    // encodes, so only a redaction before encoding catches it everywhere.
    let secret = "ZQXPROCESSsecret%25&amp;<b>\"q\\Yy7Xx6";
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("cred.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' 'refresh failed for {} \u{1b}]52;c;aGk=\u{7}\u{1b}[2K\r' >&2\nexit 1\n",
            secret.replace('\'', "'\\''")
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let env = TestEnv::new()
        .config(&format!(
            "{BEDROCK_HEAD}model = \"openai.gpt-5.5\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\nprofile = \"proc\"\n"
        ))
        .aws_config(&format!("[profile proc]\ncredential_process = {}\n", script.display()))
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // aws-config runs credential_process through `sh -c`, found on PATH.
        .env("PATH", "/usr/bin:/bin");
    for format in FORMATS {
        let run = env.run(&[
            "check",
            "--codex-version",
            "0.169.0",
            "--select",
            "credentials",
            "--timeout",
            "5",
            "--format",
            format,
            "-v",
        ]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("refresh failed for"), "{format}: the stderr is reported:\n{}", run.stdout);
        let leaks = leaked(&run, &[secret]);
        assert!(leaks.is_empty(), "{format}: {leaks:?}\n{}", run.stdout);
    }
}

#[test]
fn a_proxy_password_is_masked_in_every_format() {
    // A proxy on a closed loopback port: the probe fails through it and the report names the proxy.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    // With a scheme, and without one (the HTTP client accepts `user:password@host:port`; a short
    // password is masked too).
    for (proxy, password) in [
        (format!("http://ZQXPROXYuser:ZQXPROXYpw%26@127.0.0.1:{port}"), "ZQXPROXYpw"),
        (format!("ZQXPROXYuser:Qz7@127.0.0.1:{port}"), ":Qz7@"),
    ] {
        let env = TestEnv::new()
            .config(&format!("{BEDROCK_HEAD}model = \"openai.gpt-5.5\"\n{AWS_TABLE}"))
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("HTTPS_PROXY", &proxy);
        proxy_run(&env, password);
    }
}

fn proxy_run(env: &TestEnv, password: &str) {
    for format in FORMATS {
        let run = env.run(&[
            "check",
            "--codex-version",
            "0.169.0",
            "--select",
            "responses-probe",
            "--timeout",
            "3",
            "--format",
            format,
            "-v",
        ]);
        assert!(run.code == 0 || run.code == 1, "{format}: exit {} {}", run.code, run.stderr);
        assert!(run.stdout.contains("127.0.0.1"), "{format}: the proxy is named:\n{}", run.stdout);
        let leaks = leaked(&run, &[password]);
        assert!(leaks.is_empty(), "{format}: {leaks:?}\n{}", run.stdout);
    }
}

#[test]
fn secrets_in_dotenv_templates_are_masked_in_every_lint_format() {
    let env = TestEnv::new().file(
        "templates/.env.example",
        "AWS_REGION=us-east-1\nMY_GATEWAY_TOKEN=\"ZQXDOTENVtemplate%&<>#Hh5\"\nAWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS1hYmNkZWZnaGlqazpzZWNyZXQ=\n",
    );
    lint_all_formats(&env, "templates", &["ZQXDOTENVtemplate", "ABSKQmVkcm9ja0FQ"], "secrets-in-config");
    // Both are found: the quoted value runs to its closing quote, `#` and `<>` included.
    let path = env.home().join("templates");
    let run = env.run(&["lint", path.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = &report["files"][0]["checks"][0]["details"]["findings"];
    assert_eq!(findings.as_array().map(Vec::len), Some(2), "{findings:#}");
}

#[test]
fn a_credential_given_with_dash_c_is_known_to_the_redactor() {
    let token = "ZQXOVERRIDEtoken%&<>Kk4Jj3";
    let env = TestEnv::new().config(&format!("{BEDROCK_HEAD}{AWS_TABLE}"));
    let bearer = format!("model_providers.gateway.experimental_bearer_token={token}");
    // The same value echoed back as the model id.
    let model = format!("model={token}");
    for format in FORMATS {
        // Named, so that the config loads and model-id judges (and quotes) the model.
        let run = env.run(&[
            "check",
            "--offline",
            "--codex-version",
            "0.169.0",
            "--format",
            format,
            "-c",
            &bearer,
            "-c",
            "model_providers.gateway.name=Gateway",
            "-c",
            &model,
        ]);
        assert!(run.code == 0 || run.code == 1, "{format}: exit {} {}", run.code, run.stderr);
        assert!(run.stdout.contains("model-id"), "{format}:\n{}", run.stdout);
        let leaks = leaked(&run, &[token]);
        assert!(leaks.is_empty(), "{format}: {leaks:?}\n{}", run.stdout);
    }
}

#[test]
fn iam_and_usage_errors_show_control_characters_escaped() {
    let env = TestEnv::new()
        .config(&format!(
            "{BEDROCK_HEAD}model = \"openai.gpt-5.5\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\\u202e\\u001b[2K\"\n"
        ))
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    let run = env.run(&["iam"]);
    // The region is quoted, in the policy or in the refusal.
    assert!(run.stdout.contains("us-east-1") || run.stderr.contains("us-east-1"), "{run:?}");
    assert!(leaked(&run, &[]).is_empty(), "{:?}", leaked(&run, &[]));
    // A path named with an escape, given to lint, in its usage error.
    let run = env.run(&["lint", "/nonexistent/\u{1b}]52;c;aGk=\u{7}.toml"]);
    assert_eq!(run.code, 2);
    assert!(leaked(&run, &[]).is_empty(), "{:?}", leaked(&run, &[]));
}
