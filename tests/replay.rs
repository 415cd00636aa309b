//! The offline replay: what real Codex releases did, recorded in `tests/fidelity/observed/<version>.json`
//! by `tests/fidelity/record.py`, compared with what the doctor predicts for the same case, for every
//! case and every recorded version. No network, no Codex binary: seconds.
//!
//! Each case directory of `tests/fidelity/cases/` is laid out as the recorder laid it out for Codex
//! (HOME, CODEX_HOME, `.env`, auth.json, AWS files), the doctor's session is built in-process with the
//! case's environment and options, and every field Codex exposed is compared: the request's host and
//! path, auth scheme, SigV4 scope and key id, the signed headers, the region (the scope region when a
//! `base_url` replaces the host), the model, whether the `web_search` tool was sent, which credential
//! source was used, the full text of a start-up error, the model catalogs of `codex debug models`.
//!
//! `every_catalog_boundary_is_observed_on_both_sides` then moves each version boundary of
//! `checks/catalog.toml` by one tested release, up and down, and requires the replay to fail: a rule
//! whose boundary can move without a test noticing is not proven by observation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use bedrock_doctor::catalog::{CATALOG_SOURCE, Catalog, Feature};
use bedrock_doctor::checks;
use bedrock_doctor::codex::{AuthSource, Route};
use bedrock_doctor::context::{Context, Inputs, Options};
use bedrock_doctor::live::last4;
use bedrock_doctor::meta::CheckId;
use bedrock_doctor::platform::Platform;
use bedrock_doctor::prediction::signed_header_names;
use bedrock_doctor::render;
use bedrock_doctor::session::Session;
use semver::Version;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Cases whose recording the doctor cannot match, each for a reason it cannot know offline. Every other
/// case must agree everywhere. The list cannot go stale: a pending case that agrees on every recorded
/// version fails the test until it is taken off the list, and a name that is not a case directory fails
/// it too.
const PENDING_CASES: &[&str] = &[
    // The provider `auth` command prints nothing, so Codex sends no Authorization (E, every release);
    // the doctor does not run commands offline and predicts the bearer token the command is for.
    "custom-auth-command-empty",
    // From 0.156.1 a ChatGPT sign-in first asks chatgpt.com for workspace routing; the capture answers
    // every request with 400, so Codex stops there. A real backend answers: not a setup error.
    "openai-default-chatgpt-login",
];

/// One case directory and its `case.toml`.
struct Case {
    name: String,
    dir: PathBuf,
    toml: Value,
}

impl Case {
    fn str_list(&self, key: &str) -> Vec<String> {
        self.toml[key]
            .as_array()
            .map_or_else(Vec::new, |a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
    }

    fn env(&self) -> BTreeMap<String, String> {
        self.toml["env"]
            .as_object()
            .map(|o| o.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect())
            .unwrap_or_default()
    }

    fn codex_args(&self) -> Vec<String> {
        let mut args = self.str_list("global_args");
        args.extend(self.str_list("args"));
        args
    }

    fn strict_config(&self) -> bool {
        self.codex_args().iter().any(|a| a == "--strict-config")
    }
}

fn cases() -> Vec<Case> {
    let dir = Path::new(ROOT).join("tests/fidelity/cases");
    let mut out: Vec<Case> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let dir = e.path();
            let text = std::fs::read_to_string(dir.join("case.toml")).unwrap_or_default();
            let toml: Value = toml_edit::de::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            Case { name: e.file_name().to_string_lossy().into_owned(), dir, toml }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// version → case → observation.
fn recordings() -> BTreeMap<Version, BTreeMap<String, Value>> {
    let dir = Path::new(ROOT).join("tests/fidelity/observed");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let file: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
        let version = Version::parse(file["version"].as_str().unwrap()).unwrap();
        let cases = file["cases"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        out.insert(version, cases);
    }
    out
}

/// The case's world on disk, as `run_case.py` lays it out for Codex.
struct World {
    _root: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    codex_home: PathBuf,
    workdir: PathBuf,
}

impl World {
    fn new(case: &Case) -> World {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let home = root.join("home");
        let codex_home = home.join(".codex");
        let workdir = root.join("work");
        for d in [&home, &codex_home, &workdir] {
            std::fs::create_dir_all(d).unwrap();
        }
        let world = World { _root: dir, root, home, codex_home, workdir };
        for entry in std::fs::read_dir(&case.dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let dst = if name == "config.toml" || name.ends_with(".config.toml") || name == "auth.json" {
                world.codex_home.join(&name)
            } else if name == "dotenv" {
                world.codex_home.join(".env")
            } else if name == "aws_config" || name == "aws_credentials" {
                std::fs::create_dir_all(world.home.join(".aws")).unwrap();
                world.home.join(".aws").join(&name[4..])
            } else {
                continue;
            };
            let text = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(&dst, world.subst(&text)).unwrap();
        }
        world
    }

    fn subst(&self, s: &str) -> String {
        s.replace("@@CODEX_HOME@@", &self.codex_home.display().to_string())
            .replace("@@WORKDIR@@", &self.workdir.display().to_string())
            .replace("@@HOME@@", &self.home.display().to_string())
    }

    /// Temp paths back to the recorder's placeholders (`run_case.normalizer`).
    fn normalize(&self, s: &str) -> String {
        s.replace(&self.codex_home.display().to_string(), "$CODEX_HOME")
            .replace(&self.workdir.display().to_string(), "$WORKDIR")
            .replace(&self.home.display().to_string(), "$HOME")
            .replace(&self.root.display().to_string(), "$TMPROOT")
    }
}

/// The doctor's options for the case's Codex options (`-p`, `-c`).
fn options(case: &Case, world: &World, version: &Version) -> Options {
    let mut options =
        Options { codex_version: Some(version.clone()), offline: true, scan_apps: false, ..Options::default() };
    let args = case.codex_args();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let next = args.get(i + 1).map(|v| world.subst(v));
        match a.as_str() {
            "-p" | "--profile" => {
                options.codex_profile = next;
                i += 1;
            }
            "-c" | "--config" => {
                options.overrides.extend(next);
                i += 1;
            }
            "--strict-config" => {}
            other if other.starts_with("--profile=") => options.codex_profile = Some(other[10..].to_owned()),
            other if other.starts_with("--config=") => options.overrides.push(other[9..].to_owned()),
            other => panic!("case {}: no doctor equivalent for codex option {other:?}", case.name),
        }
        i += 1;
    }
    options
}

fn session(case: &Case, version: &Version, catalog: &'static Catalog) -> (Session, World) {
    let world = World::new(case);
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("HOME".into(), world.home.display().to_string());
    env.insert("CODEX_HOME".into(), world.codex_home.display().to_string());
    env.insert("PATH".into(), String::new());
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    for (k, v) in case.env() {
        env.insert(k, world.subst(&v));
    }
    let options = options(case, &world, version);
    let inputs = Inputs { env, options, now: 1_796_000_000, catalog, platform: Platform::Linux };
    (Session::new(Context::gather(inputs)), world)
}

fn eq(out: &mut Vec<String>, field: &str, predicted: Value, observed: Value) {
    if predicted != observed {
        out.push(format!("{field}: predicted {predicted}, observed {observed}"));
    }
}

/// The URL the client reached: `url` as recorded (scheme, port, query), or `https://host/path` in
/// recordings made before the recorder kept it.
fn observed_url(r: &Value) -> String {
    match r["url"].as_str() {
        Some(url) => url.to_owned(),
        None => format!("https://{}{}", r["host"].as_str().unwrap_or(""), r["path"].as_str().unwrap_or("")),
    }
}

/// Where the recorder saw the credential of a bearer source come from (`credential_headers` origins):
/// the prefix the origin of the `authorization` header must start with. `None`: nothing to compare (no
/// credential, or a command's output, which the doctor does not run offline).
fn expected_origin(session: &Session) -> Option<String> {
    let p = &session.prediction;
    let auth = p.auth.as_ref()?;
    let table = p.table();
    Some(match auth.source {
        AuthSource::ProviderEnvKey => format!("env:{}", auth.env_var.as_deref().unwrap_or("")),
        AuthSource::ProviderToken => format!("config.toml:model_providers.{table}.experimental_bearer_token"),
        AuthSource::ProviderHeader => format!("config.toml:model_providers.{table}.http_headers."),
        AuthSource::OpenaiLogin => "auth.json:".to_owned(),
        AuthSource::CodexApiKey => "env:CODEX_API_KEY".to_owned(),
        _ => return None,
    })
}

/// A provider Codex does not run as Bedrock, whatever host it reaches: the URL as the client reached
/// it, the provider id and model of the banner (a WebSocket GET has no body), the scheme of the
/// credential and where its value came from.
fn compare_other(out: &mut Vec<String>, session: &Session, pred: &Value, obs: &Value) {
    let p = &session.prediction;
    let r = &obs["request"];
    let host = r["host"].as_str().unwrap_or("");
    let provider = match obs["banner"]["provider"].as_str() {
        Some(p) => p.to_owned(),
        None if host.ends_with("openai.com") || host.ends_with("chatgpt.com") => "openai".to_owned(),
        None => format!("non-bedrock host {host}"),
    };
    eq(out, "provider", pred["provider"].clone(), provider.into());
    // The unredacted URL: the report masks query values, the wire does not.
    eq(out, "endpoint", p.endpoint.clone().into(), observed_url(r).into());
    let observed_method = if r["auth"].is_null() { Value::from("none") } else { r["auth"].clone() };
    eq(out, "auth.method", pred["auth"]["method"].clone(), observed_method);
    if let Some(expected) = expected_origin(session) {
        let origins: Vec<&str> = r["credential_headers"]["authorization"]["origins"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !origins.iter().any(|o| o.starts_with(&expected)) {
            out.push(format!("auth.source: predicted a value from {expected}…, the recorder saw {origins:?}"));
        }
    }
    let model = r["model"].as_str().or(obs["banner"]["model"].as_str());
    eq(out, "model", pred["model"].clone(), model.into());
    eq(out, "codex_error", pred["codex_error"].clone(), Value::Null);
}

/// Every disagreement between the recording and the prediction for one case on one version.
fn compare(case: &Case, version: &Version, obs: &Value, catalog: &'static Catalog) -> Vec<String> {
    let (session, world) = session(case, version, catalog);
    let pred = render::json::prediction(&session.redactor.redact(render::facts(&session)));
    let p = &session.prediction;
    let rules = &session.rules;
    let mut out = Vec::new();
    let outcome = obs["outcome"].as_str().unwrap_or("");
    if case.strict_config() {
        // `--strict-config` is a flag of 0.131+: before, clap refuses it; from then, unknown keys
        // are fatal. The doctor reports it as a detail of `unknown-keys`.
        let error = obs["error"].as_str().unwrap_or("");
        // clap refuses an unknown flag with exit code 2 ("For more information, try '--help'.").
        let accepted = !(outcome == "error" && (obs["exit_code"] == 2 || error.contains("--strict-config")));
        eq(&mut out, "--strict-config accepted", rules.has(Feature::StrictConfig).into(), accepted.into());
        if accepted {
            let check = checks::find(CheckId::UnknownKeys).unwrap();
            let checks::Runner::Offline(run) = check.run else { unreachable!() };
            let refused = run(&session).details.contains_key("strict_config");
            eq(&mut out, "--strict-config refuses the config", refused.into(), (outcome == "error").into());
        }
        return out;
    }
    match outcome {
        "bedrock" | "other-host" if !matches!(p.route, Some(Route::Bedrock(_))) => {
            compare_other(&mut out, &session, &pred, obs);
        }
        "bedrock" => {
            let r = &obs["request"];
            let host = r["host"].as_str().unwrap_or("");
            eq(&mut out, "endpoint", pred["endpoint"].clone(), observed_url(r).into());
            if let Some(provider) = obs["banner"]["provider"].as_str() {
                // The provider id `codex exec` printed in its banner.
                eq(&mut out, "provider", pred["provider"].clone(), provider.into());
            }
            eq(&mut out, "auth.method", pred["auth"]["method"].clone(), r["auth"].clone());
            let sig = &r["sigv4"];
            if r["auth"] == "sigv4" {
                eq(&mut out, "signing.service", pred["signing"]["service"].clone(), sig["service"].clone());
                eq(&mut out, "signing.region", pred["signing"]["region"].clone(), sig["region"].clone());
                let key = sig["access_key_id"].as_str().unwrap_or("");
                // Only a command's output (which the doctor does not run offline) may leave it unknown.
                let command = pred["auth"]["source"] == "credential-export";
                if !(command && pred["auth"]["access_key_id_last4"].is_null()) {
                    let predicted = pred["auth"]["access_key_id_last4"].clone();
                    eq(&mut out, "auth.access_key_id_last4", predicted, last4(key).into());
                }
                let token = sig["security_token"].as_bool().unwrap_or(false);
                let names: Vec<Value> = signed_header_names(
                    p.bedrock.unwrap_or(bedrock_doctor::codex::BedrockKind::Mantle),
                    p.builtin_bedrock(),
                    rules,
                    token,
                )
                .into_iter()
                .map(Value::from)
                .collect();
                eq(&mut out, "signed headers", Value::Array(names), sig["signed_headers"].clone());
            } else {
                eq(&mut out, "signing", pred["signing"].clone(), Value::Null);
            }
            let base_url = !pred["base_url"].is_null();
            if !base_url {
                eq(
                    &mut out,
                    "region.value",
                    pred["region"]["value"].clone(),
                    host.split('.').nth(1).filter(|_| host.starts_with("bedrock")).into(),
                );
            } else if r["auth"] == "sigv4" {
                // The host comes from base_url, not the region: the scope shows the region (§4.3).
                eq(&mut out, "region.value (scope)", pred["region"]["value"].clone(), sig["region"].clone());
            }
            eq(&mut out, "model", pred["model"].clone(), r["model"].clone());
            eq(&mut out, "codex_error", pred["codex_error"].clone(), Value::Null);
            eq(&mut out, "web_search tool", p.web_search_tool.into(), r["web_search_tool"].clone());
            if r["auth"].is_null() {
                // Codex sent no credential at all (0.123): there is no source to compare.
                eq(&mut out, "auth", pred["auth"].clone(), Value::Null);
                return out;
            }
            let sources: Vec<&str> =
                obs["credential_sources"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let predicted = pred["auth"]["source"].as_str().unwrap_or("");
            if sources.is_empty() {
                out.push(format!(
                    "auth.source: the recording names no credential source of the case ({predicted} predicted)"
                ));
            } else if !sources.contains(&predicted) {
                out.push(format!(
                    "auth.source: predicted {predicted}, observed the credential of {}",
                    sources.join(" or ")
                ));
            }
            for s in &sources {
                assert!(AuthSource::parse(s).is_some(), "{}: unknown credential source {s}", case.name);
            }
        }
        "error" if case.toml["observe"] == "models" => {
            // `codex debug models` formats its start-up errors its own way; the doctor predicts the
            // errors of `codex exec` and the TUI. That Codex stops is what this case can show.
            if pred["codex_error"].is_null() {
                out.push(format!("codex_error: predicted none, observed {}", obs["error"]));
            }
        }
        "error" => {
            let predicted = pred["codex_error"].as_str().map(|e| world.normalize(e));
            eq(&mut out, "codex_error", predicted.into(), obs["error"].clone());
        }
        "other-host" => {
            let r = &obs["request"];
            let host = r["host"].as_str().unwrap_or("");
            // The banner names the provider Codex ran with; older recordings only have the host.
            let provider = match obs["banner"]["provider"].as_str() {
                Some(p) => p.to_owned(),
                None if host.ends_with("openai.com") || host.ends_with("chatgpt.com") => "openai".to_owned(),
                None => format!("non-bedrock host {host}"),
            };
            eq(&mut out, "provider", pred["provider"].clone(), provider.into());
            let url = observed_url(r);
            if !(pred["endpoint"].is_null() || pred["endpoint"] == url.as_str()) {
                out.push(format!("endpoint: predicted {}, observed {url}", pred["endpoint"]));
            }
            if r.get("auth").is_some() {
                // The scheme of the credential sent (null: no Authorization header at all).
                eq(&mut out, "auth.method", pred["auth"]["method"].clone(), r["auth"].clone());
            }
            if let Some(model) = obs["banner"]["model"].as_str() {
                // A WebSocket's GET carries no body: the banner says which model Codex runs with.
                eq(&mut out, "model", pred["model"].clone(), model.into());
            }
            eq(&mut out, "codex_error", pred["codex_error"].clone(), Value::Null);
        }
        "models" => {
            let observed: BTreeSet<&str> =
                obs["models"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let bedrock_slugs = observed.iter().any(|m| m.starts_with("openai.") || m.contains(".openai."));
            let listed: &[String] = match p.bedrock {
                Some(bedrock_doctor::codex::BedrockKind::Runtime) => rules.runtime_catalog(),
                _ => {
                    eq(
                        &mut out,
                        "Bedrock model catalog",
                        rules.has(Feature::BedrockModelCatalog).into(),
                        bedrock_slugs.into(),
                    );
                    rules.model_catalog()
                }
            };
            if bedrock_slugs || !listed.is_empty() {
                let predicted: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
                if predicted != observed {
                    out.push(format!("model catalog: predicted {predicted:?}, observed {observed:?}"));
                }
            }
        }
        other => out.push(format!("the recording has outcome {other:?}: re-record this case")),
    }
    out
}

/// Replays every case on `versions` under `catalog`; returns (pairs, failures).
fn replay(versions: &[&Version], catalog: &'static Catalog) -> (usize, Vec<String>) {
    let recorded = recordings();
    let cases = cases();
    let mut pairs = 0;
    let mut failures = Vec::new();
    for version in versions {
        let observed = &recorded[*version];
        for case in &cases {
            let Some(obs) = observed.get(&case.name) else {
                failures.push(format!("{} @ {version}: no recording (run tests/fidelity/record.py)", case.name));
                continue;
            };
            pairs += 1;
            for problem in compare(case, version, obs, catalog) {
                failures.push(format!("{} @ {version}: {problem}", case.name));
            }
        }
    }
    (pairs, failures)
}

fn builtin() -> &'static Catalog {
    bedrock_doctor::catalog::catalog()
}

/// The case a failure line (`case @ version: problem`) belongs to.
fn failure_case(failure: &str) -> &str {
    failure.split(" @ ").next().unwrap_or("")
}

/// Splits failures into (those of pending cases, all others), and lists the pending cases that no
/// longer disagree anywhere (they must leave `PENDING_CASES`) or that are not case directories.
fn split_pending(
    failures: Vec<String>,
    case_names: &BTreeSet<String>,
    pending_cases: &[&str],
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let pending: BTreeSet<&str> = pending_cases.iter().copied().collect();
    let (expected, unexpected): (Vec<String>, Vec<String>) =
        failures.into_iter().partition(|f| pending.contains(failure_case(f)));
    let disagreeing: BTreeSet<&str> = expected.iter().map(|f| failure_case(f)).collect();
    let stale = pending_cases
        .iter()
        .filter(|c| !case_names.contains(**c) || !disagreeing.contains(**c))
        .map(|c| {
            if case_names.contains(*c) {
                format!("{c}: agrees on every recorded version; take it off PENDING_CASES")
            } else {
                format!("{c}: listed in PENDING_CASES but there is no such case")
            }
        })
        .collect();
    (expected, unexpected, stale)
}

#[test]
fn every_case_on_every_recorded_version_is_predicted_as_codex_did_it() {
    let recorded = recordings();
    let tested: BTreeSet<Version> = builtin().meta.tested_versions.iter().cloned().collect();
    let have: BTreeSet<Version> = recorded.keys().cloned().collect();
    assert_eq!(have, tested, "every version the catalog claims as tested is recorded, and only those");
    assert!(have.len() >= 25, "{} versions recorded", have.len());
    let versions: Vec<&Version> = recorded.keys().collect();
    let (pairs, failures) = replay(&versions, builtin());
    assert_eq!(pairs, versions.len() * cases().len(), "every case is recorded on every version");
    let names: BTreeSet<String> = cases().into_iter().map(|c| c.name).collect();
    let (expected, unexpected, stale) = split_pending(failures, &names, PENDING_CASES);
    assert!(unexpected.is_empty(), "{} of {pairs} pairs disagree:\n{}", unexpected.len(), unexpected.join("\n"));
    assert!(stale.is_empty(), "PENDING_CASES is stale:\n{}", stale.join("\n"));
    eprintln!(
        "replay: {pairs} pairs ({} cases x {} versions); all agree except {} disagreements in {} pending cases",
        names.len(),
        versions.len(),
        expected.len(),
        PENDING_CASES.len()
    );
}

#[test]
fn pending_cases_are_told_apart_from_the_others() {
    // The bookkeeping itself: a failure of a pending case is expected, any other is not, and a
    // pending case without failures (or without a directory) makes the list stale.
    let pending = ["custom-x", "custom-y", "custom-gone"];
    let names: BTreeSet<String> = ["region-config", "custom-x", "custom-y"].map(str::to_owned).into();
    let failures = vec![
        "custom-x @ 0.171.0: endpoint: predicted null, observed \"x\"".to_owned(),
        "region-config @ 0.169.0: model: predicted \"a\", observed \"b\"".to_owned(),
    ];
    let (expected, unexpected, stale) = split_pending(failures, &names, &pending);
    assert_eq!(expected, vec!["custom-x @ 0.171.0: endpoint: predicted null, observed \"x\"".to_owned()]);
    assert_eq!(unexpected, vec!["region-config @ 0.169.0: model: predicted \"a\", observed \"b\"".to_owned()]);
    assert_eq!(
        stale,
        vec![
            "custom-y: agrees on every recorded version; take it off PENDING_CASES".to_owned(),
            "custom-gone: listed in PENDING_CASES but there is no such case".to_owned(),
        ]
    );
}

/// A boundary of the catalog: where it is written, and the version.
#[derive(Clone, Debug)]
enum Boundary {
    /// `[features] NAME = { since | until = V }`.
    Feature { name: String, key: &'static str, version: Version },
    /// A version written in the `versions` requirements of `[[TABLE]]`.
    Range { table: String, version: Version },
}

impl Boundary {
    fn version(&self) -> &Version {
        match self {
            Boundary::Feature { version, .. } | Boundary::Range { version, .. } => version,
        }
    }

    /// The catalog text with this boundary moved to `to`.
    fn moved(&self, to: &Version) -> String {
        let mut doc: toml_edit::DocumentMut = CATALOG_SOURCE.parse().unwrap();
        match self {
            Boundary::Feature { name, key, .. } => {
                let feature = doc["features"][name.as_str()].as_inline_table_mut().unwrap();
                feature.insert(*key, to.to_string().into());
            }
            Boundary::Range { table, version } => {
                for entry in doc[table.as_str()].as_array_of_tables_mut().unwrap().iter_mut() {
                    let req = entry["versions"].as_str().unwrap();
                    let moved = req
                        .split(',')
                        .map(|part| {
                            let part = part.trim();
                            let op_len = part.find(|c: char| c.is_ascii_digit()).unwrap();
                            let (op, v) = part.split_at(op_len);
                            if Version::parse(v.trim()).unwrap() == *version {
                                format!("{op}{to}")
                            } else {
                                part.to_owned()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    entry["versions"] = toml_edit::value(moved);
                }
            }
        }
        doc.to_string()
    }
}

fn boundaries() -> Vec<Boundary> {
    let doc: toml_edit::DocumentMut = CATALOG_SOURCE.parse().unwrap();
    let mut out = Vec::new();
    for (name, item) in doc["features"].as_table().unwrap() {
        for key in ["since", "until"] {
            if let Some(v) = item.get(key).and_then(|v| v.as_str()) {
                out.push(Boundary::Feature { name: name.to_owned(), key, version: Version::parse(v).unwrap() });
            }
        }
    }
    for (table, item) in doc.iter() {
        let Some(array) = item.as_array_of_tables() else { continue };
        let mut seen = BTreeSet::new();
        for entry in array {
            for part in entry["versions"].as_str().unwrap().split(',') {
                let v = part.trim().trim_start_matches(|c: char| !c.is_ascii_digit());
                seen.insert(Version::parse(v).unwrap());
            }
        }
        out.extend(seen.into_iter().map(|version| Boundary::Range { table: table.to_owned(), version }));
    }
    out
}

#[test]
fn every_catalog_boundary_is_observed_on_both_sides() {
    let tested: Vec<Version> = builtin().meta.tested_versions.clone();
    let all = boundaries();
    assert!(all.len() >= 40, "only {} boundaries found in the catalog", all.len());
    let mut unproven = Vec::new();
    let mut moves = 0;
    for boundary in &all {
        let b = boundary.version();
        // Up: B itself gets the old behaviour. Down: the newest tested release before B gets the new one.
        let up = (tested.contains(b)).then(|| (Version::new(b.major, b.minor, b.patch + 1), b.clone()));
        let down = tested.iter().filter(|t| *t < b).max().map(|p| (p.clone(), p.clone()));
        if up.is_none() && !tested.iter().any(|t| t > b) {
            // A boundary above every tested release decides nothing observed.
            unproven.push(format!("{boundary:?}: no tested release at or above it"));
            continue;
        }
        for (to, flipped) in up.into_iter().chain(down) {
            moves += 1;
            let catalog: &'static Catalog = Box::leak(Box::new(Catalog::parse(&boundary.moved(&to)).unwrap()));
            // Noticed means: the replay of the flipped release changes (normally from clean to failing).
            let (_, baseline) = replay(&[&flipped], builtin());
            let (_, failures) = replay(&[&flipped], catalog);
            if failures == baseline {
                unproven.push(format!("{boundary:?} moved to {to}: the replay of {flipped} still passes"));
            }
        }
    }
    assert!(unproven.is_empty(), "{} of {moves} boundary moves go unnoticed:\n{}", unproven.len(), unproven.join("\n"));
    eprintln!("boundaries: {} boundaries, {moves} moves, each one fails the replay", all.len());
}
