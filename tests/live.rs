//! The live checks against real protocol peers on 127.0.0.1: the Mantle stand-in (tests/live/standin.py),
//! which verifies every SigV4 signature independently with botocore and answers like AWS, and moto's STS.
//! Peers come from `.venv` (tests/live/setup.sh). Without it these tests say SKIP, unless
//! `BD_REQUIRE_LIVE_PEERS=1` (set by tests/run.sh when the install succeeded) or `CI=true` (the CI
//! machine), which makes that a failure.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestEnv;
use serde_json::Value;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const BEARER: &str = "bedrock-api-key-R09PRFRPS0VOR09PRFRPS0VOR09PRFRPS0VO";

/// Whether a missing peer is a failure rather than a SKIP: `BD_REQUIRE_LIVE_PEERS=1` or `CI=true`.
fn peers_required() -> bool {
    std::env::var_os("BD_REQUIRE_LIVE_PEERS").is_some_and(|v| v == "1")
        || std::env::var_os("CI").is_some_and(|v| v == "true")
}

fn venv_python() -> Option<PathBuf> {
    let python = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python"));
    if python.exists() {
        return Some(python);
    }
    assert!(!peers_required(), "BD_REQUIRE_LIVE_PEERS=1 or CI=true, but .venv is missing: run tests/live/setup.sh");
    eprintln!("SKIP: .venv is missing (run tests/live/setup.sh); live tests need moto and botocore");
    None
}

/// A running stand-in; it exits when its stdin closes (on drop).
struct Standin {
    child: Child,
    ready: Value,
}

impl Standin {
    fn start(extra: &[&str]) -> Option<Standin> {
        Standin::serving(&["openai.gpt-5.5", "openai.gpt-oss-120b-1:0"], extra)
    }

    /// A stand-in that serves (and lists) exactly `models`.
    fn serving(models: &[&str], extra: &[&str]) -> Option<Standin> {
        let python = venv_python()?;
        let mut args = vec![
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/standin.py").to_owned(),
            "--credentials".into(),
            format!("{AKID}:{SECRET}"),
            "--credentials".into(),
            format!("AKIDSESSION:{SECRET}:SESSIONTOKEN/with+chars="),
            "--bearer".into(),
            BEARER.into(),
        ];
        for &model in models {
            args.extend(["--model".to_owned(), model.to_owned()]);
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let mut child = Command::new(python)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start standin.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("ready line");
        let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad ready line {line:?}: {e}"));
        Some(Standin { child, ready })
    }

    fn url(&self, listener: &str) -> String {
        self.ready[listener].as_str().unwrap().to_owned()
    }

    /// The stand-in's log of what it received, oldest first. An unreadable log is a failure, not an
    /// empty log.
    fn requests(&self) -> Vec<Value> {
        let body = http_get(&format!("{}/__requests", self.url("http")));
        let log: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("stand-in log is not JSON ({e}): {body:?}"));
        log.as_array().unwrap_or_else(|| panic!("stand-in log is not an array: {log}")).clone()
    }

    /// The newest Responses probe in the stand-in's log after the first `since` entries.
    fn probe_since(&self, since: usize) -> Value {
        let log = self.requests();
        log[since..]
            .iter()
            .rev()
            .find(|r| r["path"] == "/openai/v1/responses")
            .unwrap_or_else(|| panic!("no probe arrived after entry {since}: {log:?}"))
            .clone()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_once('/').map_or((rest, "/"), |(a, p)| (a, p));
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(stream, "GET /{} HTTP/1.0\r\nHost: {authority}\r\n\r\n", path.trim_start_matches('/')).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP body from {url}: {response:?}"));
    body.to_owned()
}

/// moto's server on a free loopback port.
struct Moto(Child, String);

impl Moto {
    fn start() -> Option<Moto> {
        let python = venv_python()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = python.with_file_name("moto_server");
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Moto(child, url))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const CONFIG: &str = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n";

fn keys(env: TestEnv) -> TestEnv {
    env.env("AWS_ACCESS_KEY_ID", AKID).env("AWS_SECRET_ACCESS_KEY", SECRET)
}

/// Points every AWS endpoint at the stand-in.
fn at(env: TestEnv, standin: &Standin) -> TestEnv {
    let http = standin.url("http");
    env.env("AWS_ENDPOINT_URL", &http)
        .env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", &http)
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

fn live_json(env: &TestEnv, version: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--codex-version",
        version,
        "--timeout",
        "3",
        "--select",
        "credentials,sts-identity,model-access,responses-probe",
    ];
    args.extend_from_slice(extra);
    let run = env.run(&args);
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

fn kind(report: &Value, id: &str) -> String {
    let check = check(report, id);
    check["details"]["kind"].as_str().unwrap_or_else(|| panic!("{id} has no details.kind: {check}")).to_owned()
}

#[test]
fn sigv4_probe_is_verified_by_botocore_with_codex_headers_per_version() {
    let Some(standin) = Standin::start(&[]) else { return };
    let env = at(keys(TestEnv::new().config(CONFIG)), &standin);
    let report = live_json(&env, "0.169.0", &[]);
    assert_eq!(check(&report, "credentials")["status"], "pass");
    assert_eq!(check(&report, "sts-identity")["details"]["account"], "123456789012");
    assert_eq!(
        check(&report, "model-access")["details"]["listed"],
        serde_json::json!(["openai.gpt-5.5", "openai.gpt-oss-120b-1:0"])
    );
    assert_eq!(kind(&report, "responses-probe"), "ok");
    assert_signed_as_reported(
        &report,
        &standin.probe_since(0),
        "accept;content-type;host;session-id;thread-id;x-amz-date;x-amzn-mantle-client-agent;x-client-request-id;x-codex-beta-features;x-codex-turn-metadata;x-codex-window-id",
    );
    let seen = standin.requests().len();
    let old = live_json(&env, "0.128.0", &[]);
    assert_eq!(kind(&old, "responses-probe"), "ok");
    assert_signed_as_reported(
        &old,
        &standin.probe_since(seen),
        "accept;content-type;host;x-amz-date;x-client-request-id;x-codex-beta-features;x-codex-turn-metadata;x-codex-window-id",
    );
}

/// The report claims `expected` as the SignedHeaders of its probe; the stand-in recorded exactly that
/// set from the Authorization header it received, and botocore verified the signature over it.
fn assert_signed_as_reported(report: &Value, probe: &Value, expected: &str) {
    let claimed = check(report, "responses-probe")["details"]["signed_headers"]
        .as_str()
        .unwrap_or_else(|| panic!("the report names no signed headers: {}", check(report, "responses-probe")));
    assert_eq!(claimed, expected);
    let recorded: Vec<&str> = probe["auth"]["signed_headers"]
        .as_array()
        .unwrap_or_else(|| panic!("the stand-in recorded no signed_headers array: {probe}"))
        .iter()
        .map(|h| h.as_str().unwrap_or_else(|| panic!("a signed header that is not a string: {h}")))
        .collect();
    assert_eq!(recorded.join(";"), claimed, "signed on the wire vs. claimed by the report: {probe}");
    assert_eq!(probe["auth"]["kind"], "sigv4", "{probe}");
    assert_eq!(probe["verified"], true, "botocore did not verify the signature: {probe}");
    assert_eq!(probe["auth"]["exact_match"], true, "botocore's Authorization differs: {probe}");
    assert_eq!(probe["status"], 200, "{probe}");
}

#[test]
fn session_credentials_and_runtime_ids_verify() {
    let Some(standin) = Standin::start(&[]) else { return };
    let env = at(
        TestEnv::new()
            .config(&CONFIG.replace("openai.gpt-5.5", "openai.gpt-oss-120b-1:0"))
            .env("AWS_ACCESS_KEY_ID", "AKIDSESSION")
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", "SESSIONTOKEN/with+chars="),
        &standin,
    );
    let report = live_json(&env, "0.169.0", &[]);
    assert_eq!(check(&report, "credentials")["details"]["temporary"], true);
    assert_eq!(kind(&report, "responses-probe"), "ok");
    assert_eq!(check(&report, "model-access")["status"], "info", "listed in its Runtime form");
}

#[test]
fn a_tampered_signature_is_rejected_by_the_verifier() {
    // The stand-in knows AKIDEXAMPLE with another secret than the one we sign with: botocore's
    // signature differs, so the verifier must refuse it.
    let Some(standin) = Standin::start(&[]) else { return };
    let env = at(
        TestEnv::new()
            .config(CONFIG)
            .env("AWS_ACCESS_KEY_ID", AKID)
            .env("AWS_SECRET_ACCESS_KEY", "WRONGsecretWRONGsecretWRONGsecret0000000"),
        &standin,
    );
    let report = live_json(&env, "0.169.0", &["--select", "responses-probe"]);
    assert_eq!(kind(&report, "responses-probe"), "signature-mismatch");
    let unknown = at(
        TestEnv::new().config(CONFIG).env("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN0").env("AWS_SECRET_ACCESS_KEY", SECRET),
        &standin,
    );
    assert_eq!(kind(&live_json(&unknown, "0.169.0", &[]), "responses-probe"), "invalid-credentials");
    assert_eq!(kind(&live_json(&unknown, "0.169.0", &[]), "sts-identity"), "invalid-credentials");
}

#[test]
fn every_answer_is_classified_with_a_remedy() {
    let Some(standin) = Standin::start(&[]) else { return };
    let cases = [
        ("probe.access-denied", "access-denied", "bedrock-mantle:CreateInference"),
        ("probe.explicit-deny", "access-denied", "explicit deny"),
        ("probe.expired-token", "expired-credentials", "expired"),
        ("probe.validation", "validation", "web_search"),
        ("probe.throttled", "throttled", "429"),
        ("probe.server-error", "server-error", "500"),
        ("openai.gpt-9-nope", "model-not-found", "not served"),
        ("probe.clock-skew", "signature-expired", "clock"),
    ];
    for (model, expected, words) in cases {
        let env = at(keys(TestEnv::new().config(&CONFIG.replace("openai.gpt-5.5", model))), &standin);
        let report = live_json(&env, "0.169.0", &["--select", "responses-probe"]);
        let probe = check(&report, "responses-probe");
        assert_eq!(kind(&report, "responses-probe"), expected, "{model}: {probe}");
        let text = probe.to_string();
        assert!(text.contains(words), "{model}: {text}");
        assert!(probe["remediation"].is_string(), "{model}: a remedy");
    }
    // The skewed Date header is noticed on its own too.
    let env = at(keys(TestEnv::new().config(&CONFIG.replace("openai.gpt-5.5", "probe.clock-skew"))), &standin);
    let findings =
        check(&live_json(&env, "0.169.0", &["--select", "responses-probe"]), "responses-probe")["details"]["findings"]
            .to_string();
    assert!(findings.contains("local clock is"), "{findings}");
}

#[test]
fn bearer_tokens_are_sent_as_codex_sends_them() {
    let Some(standin) = Standin::start(&[]) else { return };
    let env = at(TestEnv::new().config(CONFIG).env("AWS_BEARER_TOKEN_BEDROCK", &format!("  {BEARER}  ")), &standin);
    let report = live_json(&env, "0.169.0", &[]);
    assert_eq!(kind(&report, "responses-probe"), "ok", "trimmed like Codex trims it");
    assert_eq!(check(&report, "credentials")["status"], "skip");
    let bad = at(
        TestEnv::new().config(CONFIG).env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-Tk9UVEhFUklHSFRPTkU="),
        &standin,
    );
    assert_eq!(check(&live_json(&bad, "0.169.0", &[]), "responses-probe")["status"], "fail");
    let denied = at(
        TestEnv::new()
            .config(&CONFIG.replace("openai.gpt-5.5", "probe.bearer-denied"))
            .env("AWS_BEARER_TOKEN_BEDROCK", BEARER),
        &standin,
    );
    let text = check(&live_json(&denied, "0.169.0", &[]), "responses-probe").to_string();
    assert!(text.contains("bedrock-mantle:CallWithBearerToken"), "{text}");
}

#[test]
fn faults_are_bounded_and_named() {
    let Some(standin) = Standin::start(&[]) else { return };
    for (listener, expected) in [("blackhole", "timeout"), ("drip", "timeout"), ("reset", "network")] {
        let env = keys(TestEnv::new().config(CONFIG)).env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", &standin.url(listener));
        let start = Instant::now();
        let run = env.run(&[
            "check",
            "--format",
            "json",
            "--codex-version",
            "0.169.0",
            "--timeout",
            "1",
            "--select",
            "responses-probe",
        ]);
        let elapsed = start.elapsed();
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(kind(&report, "responses-probe"), expected, "{listener}");
        // --timeout 1 plus the 0.5 s the contract allows, plus process start-up.
        assert!(elapsed < Duration::from_millis(2500), "{listener} took {elapsed:?}");
    }
    let tls = keys(TestEnv::new().config(CONFIG)).env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", &standin.url("badtls"));
    assert_eq!(kind(&live_json(&tls, "0.169.0", &["--select", "responses-probe"]), "responses-probe"), "tls");
    // The trusted TLS listener works once its CA is trusted the way Codex is told about it.
    let https = keys(TestEnv::new().config(CONFIG))
        .env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", &standin.url("https"))
        .env("CODEX_CA_CERTIFICATE", &standin.url("ca"));
    assert_eq!(kind(&live_json(&https, "0.169.0", &["--select", "responses-probe"]), "responses-probe"), "ok");
}

#[test]
fn dns_and_proxy_failures_are_named() {
    let Some(standin) = Standin::start(&[]) else { return };
    // A dead proxy (reqwest proxies loopback too): named as the proxy, not the network.
    let proxied = keys(TestEnv::new().config(CONFIG))
        .env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", &standin.url("http"))
        .env("HTTP_PROXY", "http://127.0.0.1:9");
    let report = live_json(&proxied, "0.169.0", &["--select", "responses-probe"]);
    assert_eq!(kind(&report, "responses-probe"), "proxy", "{}", check(&report, "responses-probe"));
    // A host that does not resolve: DNS fails, in a network namespace with only loopback, so the
    // lookup fails at once and nothing leaves the machine.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".codex")).unwrap();
    std::fs::write(dir.path().join(".codex/config.toml"), CONFIG).unwrap();
    let Some(report) = isolated(
        dir.path(),
        &[
            ("AWS_ACCESS_KEY_ID", AKID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_ENDPOINT_URL_BEDROCK_MANTLE", "http://bedrock-mantle.xx-nowhere-1.invalid"),
        ],
        &["check", "--format", "json", "--codex-version", "0.169.0", "--timeout", "3", "--select", "responses-probe"],
    ) else {
        return;
    };
    assert_eq!(kind(&report, "responses-probe"), "dns", "{}", check(&report, "responses-probe"));
}

#[test]
fn credentials_are_not_sent_to_a_non_aws_base_url() {
    let Some(standin) = Standin::start(&[]) else { return };
    // The base_url is the stand-in itself (127.0.0.1 is not an AWS host), so a probe sent there anyway
    // would show up in its log.
    let config =
        format!("{CONFIG}\n[model_providers.amazon-bedrock]\nbase_url = \"{}/openai/v1\"\n", standin.url("http"));
    let env = keys(TestEnv::new().config(&config)).env("AWS_ENDPOINT_URL", &standin.url("http"));
    let report = live_json(&env, "0.169.0", &["--select", "responses-probe"]);
    let probe = check(&report, "responses-probe");
    assert_eq!(probe["status"], "skip");
    assert!(probe["summary"].as_str().unwrap().contains("not an AWS service endpoint"), "{probe}");
    let log = standin.requests();
    assert!(log.iter().all(|r| r["path"] != "/openai/v1/responses"), "credentials went to the base_url: {log:?}");
    // The control: the same config with the explicit override does reach the stand-in at that path,
    // so the absence above is the doctor's refusal, not a stand-in that records nothing.
    let control = env.env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", &standin.url("http"));
    assert_eq!(kind(&live_json(&control, "0.169.0", &["--select", "responses-probe"]), "responses-probe"), "ok");
    assert_eq!(standin.probe_since(log.len())["verified"], true);
}

#[test]
fn moto_sts_through_a_profile_with_static_keys() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new()
        .config(&CONFIG.replace("region = \"us-east-1\"", "region = \"us-east-1\"\nprofile = \"dev\""))
        .aws_credentials(&format!("[dev]\naws_access_key_id = AKIDPROFILEKEY1\naws_secret_access_key = {SECRET}\n"))
        .env("AWS_ENDPOINT_URL_STS", &moto.1)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let report = live_json(&env, "0.169.0", &["--select", "credentials,sts-identity"]);
    assert_eq!(check(&report, "credentials")["details"]["access_key_id_last4"], "KEY1");
    assert_eq!(check(&report, "sts-identity")["details"]["account"], "123456789012");
}

#[test]
fn credential_sources_fail_with_their_real_cause() {
    let Some(_) = venv_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.sh");
    let bad = dir.path().join("bad.sh");
    std::fs::write(
        &ok,
        format!(
            "#!/bin/sh\necho '{{\"Version\":1,\"AccessKeyId\":\"AKIDPROCESS01\",\"SecretAccessKey\":\"{SECRET}\"}}'\n"
        ),
    )
    .unwrap();
    std::fs::write(&bad, "#!/bin/sh\necho 'token refresh failed: VPN down' >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    for p in [&ok, &bad] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let aws_config = format!(
        "[profile ok]\ncredential_process = {}\n[profile bad]\ncredential_process = {}\n\
         [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
        ok.display(),
        bad.display()
    );
    let with = |profile: &str| {
        TestEnv::new()
            .config(
                &CONFIG.replace("region = \"us-east-1\"", &format!("region = \"us-east-1\"\nprofile = \"{profile}\"")),
            )
            .aws_config(&aws_config)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // aws-config runs credential_process through `sh -c`, found on PATH.
            .env("PATH", "/usr/bin:/bin")
    };
    let report = live_json(&with("ok"), "0.169.0", &["--select", "credentials"]);
    assert_eq!(check(&report, "credentials")["details"]["access_key_id_last4"], "SS01");
    let report = live_json(&with("bad"), "0.169.0", &["--select", "credentials"]);
    let text = check(&report, "credentials").to_string();
    assert!(text.contains("VPN down") && text.contains("exited with"), "{text}");
    // SSO with an expired cached token (the cache file name is sha1 of the session name).
    let expired = TestEnv::new()
        .config(&CONFIG.replace("region = \"us-east-1\"", "region = \"us-east-1\"\nprofile = \"sso\""))
        .aws_config(&aws_config)
        .file(
            &format!(".aws/sso/cache/{}.json", sha1_hex("corp")),
            r#"{"accessToken":"expired-token","expiresAt":"2025-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://example.awsapps.com/start"}"#,
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let report = live_json(&expired, "0.169.0", &["--select", "credentials"]);
    let c = check(&report, "credentials");
    assert_eq!(c["status"], "fail");
    assert!(c["summary"].as_str().unwrap().contains("SSO session of profile `sso` expired"), "{c}");
    assert!(c["remediation"].as_str().unwrap().contains("aws sso login --profile sso"));
    // A named profile that does not exist.
    let missing = live_json(&with("nope"), "0.169.0", &["--select", "credentials"]);
    assert_eq!(check(&missing, "credentials")["status"], "fail");
}

#[test]
fn no_credentials_and_no_instance_metadata_conclude_quickly() {
    let Some(standin) = Standin::start(&[]) else { return };
    // Instance metadata black-holed (the usual off-EC2 case) rather than disabled.
    let env = TestEnv::new().config(CONFIG).env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &standin.url("blackhole"));
    let start = Instant::now();
    let report = live_json(&env, "0.169.0", &[]);
    let elapsed = start.elapsed();
    assert_eq!(check(&report, "credentials")["status"], "fail");
    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
}

#[test]
fn canary_secrets_never_leak_from_live_output() {
    let Some(standin) = Standin::start(&[]) else { return };
    let secret = "CANARYSECRETliveLIVElive0123456789abcdefg";
    let env = at(
        TestEnv::new()
            .config(&CONFIG.replace("openai.gpt-5.5", "probe.access-denied"))
            .env("AWS_ACCESS_KEY_ID", AKID)
            .env("AWS_SECRET_ACCESS_KEY", secret),
        &standin,
    );
    for format in ["human", "json"] {
        let run = env.run(&["check", "--format", format, "--codex-version", "0.169.0", "--timeout", "3", "-v"]);
        // A report was printed (the refused probe fails the run), so the absence below means something.
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("responses-probe"), "{format}: {}", run.stdout);
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{format}");
        assert!(!run.stdout.contains(&secret[secret.len() - 12..]));
    }
    let bearer_env = at(
        TestEnv::new()
            .config(CONFIG)
            .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-Q0FOQVJZQkVBUkVSTElWRUxJVkVMSVZFTElWRQ=="),
        &standin,
    );
    let run = bearer_env.run(&["check", "--format", "json", "--codex-version", "0.169.0", "--timeout", "3", "-v"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    assert_eq!(check(&report, "responses-probe")["status"], "fail", "an unknown bearer token is refused");
    assert!(!run.stdout.contains("Q0FOQVJZQkVBUkVSTElWRUxJVkVMSVZFTElWRQ"));
}

fn sha1_hex(input: &str) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(input.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Codex applies `$CODEX_HOME/.env` to its own environment; the live checks must see the same, without
/// the doctor changing its process environment. Keys, endpoint overrides and the IMDS switch all come
/// from `.env` here, and the shell has none of them.
#[test]
fn dotenv_steers_the_live_checks_without_touching_the_process_environment() {
    let Some(standin) = Standin::start(&[]) else { return };
    let http = standin.url("http");
    let dotenv = format!(
        "AWS_ACCESS_KEY_ID={AKID}\nAWS_SECRET_ACCESS_KEY={SECRET}\nAWS_ENDPOINT_URL={http}\nAWS_ENDPOINT_URL_BEDROCK_MANTLE={http}\nAWS_EC2_METADATA_DISABLED=true\n"
    );
    let env = TestEnv::new().config(CONFIG).dotenv(&dotenv);
    let report = live_json(&env, "0.169.0", &[]);
    assert_eq!(check(&report, "credentials")["status"], "pass", "{report:#}");
    assert_eq!(check(&report, "sts-identity")["details"]["account"], "123456789012", "{report:#}");
    assert_eq!(kind(&report, "responses-probe"), "ok", "{report:#}");
    let probes: Vec<Value> = standin.requests().into_iter().filter(|r| r["path"] == "/openai/v1/responses").collect();
    assert_eq!(probes.len(), 1, "one probe reached the stand-in: {probes:?}");
    assert_eq!(probes[0]["auth"]["akid"], AKID, "{probes:?}");
    assert_eq!(probes[0]["verified"], true, "botocore verified the signature: {probes:?}");
}

/// A `.env` that points the SDK at another shared credentials file: aws-config itself, handed Codex's
/// environment, must read that file (the shell's default file has no such profile).
#[test]
fn dotenv_credentials_file_is_read_by_the_sdk_chain() {
    let Some(standin) = Standin::start(&[]) else { return };
    let env = TestEnv::new().config(CONFIG);
    let creds = env.home().join("team-credentials");
    std::fs::write(&creds, format!("[default]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"))
        .unwrap();
    let env = at(env.dotenv(&format!("AWS_SHARED_CREDENTIALS_FILE={}\n", creds.display())), &standin);
    let report = live_json(&env, "0.169.0", &[]);
    assert_eq!(check(&report, "credentials")["status"], "pass", "{report:#}");
    assert_eq!(check(&report, "sts-identity")["details"]["account"], "123456789012", "{report:#}");
}

/// `model-access` on Mantle's own list: the stand-in serves and lists exactly A and B (B is not an
/// OpenAI model, so ListFoundationModels by provider would not list it); A passes, naming it; C fails,
/// naming what Mantle serves. The list request is signed for `bedrock-mantle` and verified by botocore.
#[test]
fn model_access_names_exactly_what_mantle_lists() {
    const A: &str = "openai.gpt-5.5";
    const B: &str = "qwen.qwen3-coder-30b-a3b-instruct";
    let Some(standin) = Standin::serving(&[A, B], &["--credentials", &format!("AKIDNOLISTACCESS:{SECRET}")]) else {
        return;
    };
    let env = at(keys(TestEnv::new().config(CONFIG)), &standin);
    let report = live_json(&env, "0.169.0", &["--select", "model-access"]);
    let access = check(&report, "model-access");
    // `info`: passed, with the note that the endpoint override redirected the call.
    assert_eq!(access["status"], "info", "{access}");
    assert_eq!(access["details"]["listed"], serde_json::json!([A, B]), "{access}");
    assert!(access["summary"].as_str().unwrap().contains(&format!("`{A}`")), "{access}");
    let lists: Vec<Value> = standin.requests().into_iter().filter(|r| r["route"] == "mantle.models").collect();
    assert_eq!(lists.len(), 1, "one models list request: {lists:?}");
    assert_eq!(lists[0]["path"], "/openai/v1/models");
    assert_eq!(lists[0]["auth"]["service"], "bedrock-mantle", "{lists:?}");
    assert_eq!(lists[0]["verified"], true, "botocore verified the signature: {lists:?}");
    assert!(standin.requests().iter().all(|r| r["route"] != "bedrock.ListFoundationModels"), "Mantle only");

    let other = at(keys(TestEnv::new().config(&CONFIG.replace(A, "openai.gpt-oss-20b"))), &standin);
    let report = live_json(&other, "0.169.0", &["--select", "model-access"]);
    let access = check(&report, "model-access");
    assert_eq!(access["status"], "fail", "{access}");
    let text = access.to_string();
    assert!(text.contains("openai.gpt-oss-20b") && text.contains(A) && text.contains(B), "{text}");

    // The same list with the bearer token Codex would send.
    let bearer = at(TestEnv::new().config(CONFIG).env("AWS_BEARER_TOKEN_BEDROCK", BEARER), &standin);
    let access = check(&live_json(&bearer, "0.169.0", &["--select", "model-access"]), "model-access").clone();
    assert_eq!(access["details"]["listed"], serde_json::json!([A, B]), "{access}");

    // Not allowed to list: a warning naming the IAM action Mantle names.
    let denied = at(
        TestEnv::new().config(CONFIG).env("AWS_ACCESS_KEY_ID", "AKIDNOLISTACCESS").env("AWS_SECRET_ACCESS_KEY", SECRET),
        &standin,
    );
    let access = check(&live_json(&denied, "0.169.0", &["--select", "model-access"]), "model-access").clone();
    assert_eq!(access["status"], "warn", "{access}");
    assert!(access.to_string().contains("bedrock-mantle:ListModels"), "{access}");
}

/// A closed loopback port: bound, then released.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn summary_and_findings(report: &Value, id: &str) -> String {
    let c = check(report, id);
    format!("{} {}", c["summary"], c["details"]["findings"])
}

/// Each live failure names the endpoint (host as parsed) and how it failed: connection refused on a
/// closed port, an untrusted self-signed certificate, for STS, the Mantle list and the probe alike.
#[test]
fn live_failures_name_the_endpoint_and_the_cause() {
    let Some(standin) = Standin::start(&[]) else { return };
    // STS, the Mantle list and the probe all pointed at `url`.
    let all_at = |url: &str| {
        keys(TestEnv::new().config(CONFIG))
            .env("AWS_ENDPOINT_URL_STS", url)
            .env("AWS_ENDPOINT_URL_BEDROCK_MANTLE", url)
            .env("AWS_EC2_METADATA_DISABLED", "true")
    };
    let port = closed_port();
    let report = live_json(&all_at(&format!("http://127.0.0.1:{port}")), "0.169.0", &[]);
    for id in ["sts-identity", "model-access", "responses-probe"] {
        let text = summary_and_findings(&report, id);
        assert!(text.contains(&format!("127.0.0.1:{port}: connection refused")), "{id}: {text}");
    }
    assert_eq!(kind(&report, "responses-probe"), "refused");
    let badtls = standin.url("badtls");
    let tls_host = badtls.trim_start_matches("https://").to_owned();
    let report = live_json(&all_at(&badtls), "0.169.0", &[]);
    for id in ["sts-identity", "model-access", "responses-probe"] {
        let text = summary_and_findings(&report, id);
        assert!(text.contains(&format!("{tls_host}: TLS certificate not trusted")), "{id}: {text}");
        assert!(!text.contains("resolve"), "{id}: {text}");
    }
    // Nothing with a credential reached the untrusted listener.
    assert!(standin.requests().iter().all(|r| r["listener"] != "badtls"), "{:?}", standin.requests());
}

/// Runs the doctor in a network namespace with only loopback: every DNS lookup fails at once and
/// nothing leaves the machine. `None` when `unshare -n` is not available.
fn isolated(home: &std::path::Path, envs: &[(&str, &str)], args: &[&str]) -> Option<Value> {
    if Command::new("unshare").args(["-n", "true"]).status().map(|s| !s.success()).unwrap_or(true) {
        eprintln!("SKIP: needs `unshare -n`");
        return None;
    }
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", "ip link set lo up 2>/dev/null; exec \"$@\"", "sh", common::BIN])
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOME", home)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    Some(
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr))),
    )
}

/// DNS failures in a supported region (us-east-1) for STS, the Mantle list and the probe: named as DNS
/// failures of the host, never as "an unsupported region". An SSO profile whose portal cannot be
/// reached names the profile and the portal host.
#[test]
fn dns_failures_name_the_host_and_the_sso_portal() {
    let Some(_) = venv_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".codex")).unwrap();
    std::fs::write(dir.path().join(".codex/config.toml"), CONFIG).unwrap();
    let args = [
        "check",
        "--format",
        "json",
        "--codex-version",
        "0.169.0",
        "--timeout",
        "3",
        "--select",
        "sts-identity,model-access,responses-probe",
    ];
    let Some(report) = isolated(
        dir.path(),
        &[
            ("AWS_ACCESS_KEY_ID", AKID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ENDPOINT_URL_BEDROCK_MANTLE", "https://bedrock-mantle.us-east-1.invalid"),
        ],
        &args,
    ) else {
        return;
    };
    for (id, host) in [
        ("sts-identity", "sts.us-east-1.amazonaws.com"),
        ("model-access", "bedrock-mantle.us-east-1.invalid"),
        ("responses-probe", "bedrock-mantle.us-east-1.invalid"),
    ] {
        let text = summary_and_findings(&report, id);
        assert!(text.contains(&format!("{host} does not resolve: DNS resolution failed")), "{id}: {text}");
        assert!(!text.contains("unsupported region"), "{id}: {text}");
    }
    // SSO: a valid cached token, and the portal does not resolve.
    let config = CONFIG.replace("region = \"us-east-1\"", "region = \"us-east-1\"\nprofile = \"sso\"");
    std::fs::write(dir.path().join(".codex/config.toml"), config).unwrap();
    std::fs::create_dir_all(dir.path().join(".aws/sso/cache")).unwrap();
    std::fs::write(
        dir.path().join(".aws/config"),
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(format!(".aws/sso/cache/{}.json", sha1_hex("corp"))),
        r#"{"accessToken":"valid-token","expiresAt":"2099-01-01T00:00:00Z","region":"eu-west-1","startUrl":"https://example.awsapps.com/start"}"#,
    )
    .unwrap();
    let Some(report) = isolated(
        dir.path(),
        &[("AWS_EC2_METADATA_DISABLED", "true")],
        &["check", "--format", "json", "--codex-version", "0.169.0", "--timeout", "3", "--select", "credentials"],
    ) else {
        return;
    };
    let c = check(&report, "credentials");
    let text = c.to_string();
    assert_eq!(c["status"], "fail", "{text}");
    assert!(
        text.contains("SSO portal portal.sso.eu-west-1.amazonaws.com of profile `sso` could not be reached"),
        "{text}"
    );
    assert!(c["remediation"].as_str().unwrap().contains("portal.sso.eu-west-1.amazonaws.com"), "{text}");
    assert!(!c["remediation"].as_str().unwrap().contains("aws sso login"), "the token is valid: {text}");
}

/// An `SSL_CERT_FILE` without a certificate: the AWS SDK's TLS stack reads it from the process and
/// would panic building its client; the live pass stops with a finding naming the file instead.
#[test]
fn an_ssl_cert_file_without_certificates_is_a_finding_not_a_crash() {
    let Some(standin) = Standin::start(&[]) else { return };
    let env = at(keys(TestEnv::new().config(CONFIG)), &standin);
    let empty = env.home().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let env = env.env("SSL_CERT_FILE", &empty.display().to_string());
    let report = live_json(&env, "0.169.0", &[]);
    let text = report["checks"].to_string();
    assert!(!text.contains("crashed") && !text.contains("panicked"), "{text}");
    let credentials = check(&report, "credentials");
    assert_eq!(credentials["status"], "fail", "{credentials}");
    assert!(
        credentials.to_string().contains("SSL_CERT_FILE=")
            && credentials.to_string().contains("holds no PEM certificate"),
        "{credentials}"
    );
}

/// A valid SSO token, the portal behind a certificate the SDK does not trust while `SSL_CERT_FILE` is
/// set: the failure names the portal host as called, the profile, the certificate, and that Codex's
/// credential client does not use the custom CA (openai/codex #43381).
#[test]
fn an_sso_portal_behind_an_untrusted_certificate_names_the_ca_store() {
    let Some(standin) = Standin::start(&[]) else { return };
    let badtls = standin.url("badtls");
    let env = TestEnv::new()
        .config(&CONFIG.replace("region = \"us-east-1\"", "region = \"us-east-1\"\nprofile = \"sso\""))
        .aws_config(
            "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
             [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n",
        )
        .file(
            &format!(".aws/sso/cache/{}.json", sha1_hex("corp")),
            r#"{"accessToken":"valid-token","expiresAt":"2099-01-01T00:00:00Z"}"#,
        )
        .env("AWS_ENDPOINT_URL_SSO", &badtls)
        .env("SSL_CERT_FILE", &standin.url("ca"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let report = live_json(&env, "0.169.0", &["--select", "credentials"]);
    let c = check(&report, "credentials");
    let text = c.to_string();
    let host = badtls.trim_start_matches("https://");
    assert!(
        text.contains(&format!(
            "the SSO portal {host} of profile `sso` could not be reached: TLS certificate not trusted"
        )),
        "{text}"
    );
    assert!(text.contains("SSL_CERT_FILE is set") && text.contains("#43381"), "{text}");
    assert!(standin.requests().iter().all(|r| r["listener"] != "badtls"), "the token went to an untrusted host");
}
