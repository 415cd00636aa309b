//! The check pages cannot drift: every registered check has a page with the fixed headings, no page is
//! an orphan, and every page's Example is run through the real binary and must print exactly the
//! Output the page shows (actionlint's check-checks, without an extra tool). A check's Example runs as
//! `check --select ID`; the lint-only `policy` page's runs as `lint --policy policy.toml templates`.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use bedrock_doctor::checks::{CHECKS, CheckMeta, Kind};
use common::{BIN, TestEnv};

const HEADINGS: &[&str] =
    &["## What it checks", "## Why it matters", "## How Codex behaves", "## Example", "## How to fix", "## References"];

/// Fenced blocks of a Markdown section: (role = last word of the info string, body).
fn blocks(section: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let role = info.split_whitespace().last().unwrap_or("").to_owned();
        let mut body = String::new();
        for inner in lines.by_ref() {
            if inner.starts_with("```") {
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        out.push((role, body));
    }
    out
}

fn section<'a>(page: &'a str, heading: &str) -> &'a str {
    let start = page.find(heading).map_or(page.len(), |i| i + heading.len());
    let end = page[start..].find("\n## ").map_or(page.len(), |i| start + i);
    &page[start..end]
}

/// The lines the check prints in the Checks section: its own line and the indented lines under it.
fn check_lines(stdout: &str, id: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    let checks_section = stdout.split("\nChecks\n").nth(1).unwrap_or("");
    let checks_section = checks_section.split("\n\n").next().unwrap_or("");
    for line in checks_section.lines() {
        let is_check_line = line.starts_with("  ") && !line.starts_with("    ");
        if is_check_line {
            inside = line.split_whitespace().nth(1) == Some(id);
        } else if !line.starts_with("      ") {
            inside = false;
        }
        if inside {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

#[test]
fn every_check_has_a_complete_page_and_no_page_is_orphaned() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/checks");
    // `policy` is the lint-only pseudo-check: documented, but not in the `check` registry.
    let ids: BTreeSet<&str> =
        CHECKS.iter().map(|c| c.meta.id.as_str()).chain([bedrock_doctor::lint::policy::META.id.as_str()]).collect();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(id) = name.strip_suffix(".md") {
            assert!(ids.contains(id), "checks/{name} documents no registered check");
        }
    }
    for meta in CHECKS.iter().map(|c| &c.meta).chain([&bedrock_doctor::lint::policy::META]) {
        let page = meta.doc;
        let id = meta.id.as_str();
        assert!(page.starts_with(&format!("# {id}\n")), "checks/{id}.md must start with `# {id}`");
        for heading in HEADINGS {
            assert!(page.contains(heading), "checks/{id}.md lacks `{heading}`");
        }
    }
}

/// The number of pages in `checks/`.
fn page_count() -> usize {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/checks");
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".md"))
        .count()
}

/// The `policy` page's Example: its `policy.toml` block as `policy.toml` and its `config.toml` block as
/// `templates/config.toml` in a fresh directory, then `lint --select policy --policy policy.toml
/// templates` there. Returns (what the page says, what the binary printed for the template).
fn run_policy_example(meta: &CheckMeta) -> Result<(String, String), String> {
    let id = meta.id;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    let (mut policy, mut template, mut expected) = (false, false, None);
    let mut args: Vec<String> = Vec::new();
    for (role, body) in blocks(section(meta.doc, "## Example")) {
        match role.as_str() {
            "policy.toml" => {
                std::fs::write(dir.path().join("policy.toml"), body).unwrap();
                policy = true;
            }
            "config.toml" => {
                std::fs::write(dir.path().join("templates/config.toml"), body).unwrap();
                template = true;
            }
            "args" => args.extend(body.split_whitespace().map(str::to_owned)),
            "output" => expected = Some(body),
            other => panic!("checks/{id}.md: unknown example block role `{other}`"),
        }
    }
    let expected = expected.ok_or_else(|| format!("checks/{id}.md: the Example has no ```text output block"))?;
    if !policy || !template {
        return Err(format!("checks/{id}.md: the Example needs a ```toml policy.toml and a ```toml config.toml block"));
    }
    let mut argv: Vec<String> =
        ["lint", "--color", "never", "--select", id.as_str(), "--policy", "policy.toml"].map(str::to_owned).into();
    if !args.iter().any(|a| a == "--codex-version") {
        argv.extend(["--codex-version".into(), "0.169.0".into()]);
    }
    argv.extend(args);
    argv.push("templates".into());
    let out = Command::new(BIN).args(&argv).current_dir(dir.path()).env_clear().env("PATH", "").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The template's block: its path, then its findings, up to the blank line before the tally.
    let actual = stdout.split("\n\n").next().unwrap_or("").lines().map(|l| format!("{}\n", l.trim_end())).collect();
    Ok((expected, actual))
}

#[test]
fn every_example_prints_its_output() {
    let mut failures = Vec::new();
    let mut run = 0;
    for check in CHECKS {
        let id = check.meta.id.as_str();
        let example = section(check.meta.doc, "## Example");
        let mut env = TestEnv::new();
        let mut args: Vec<String> = Vec::new();
        let mut expected = None;
        for (role, body) in blocks(example) {
            env = match role.as_str() {
                "config.toml" => env.config(&body),
                "dotenv" => env.dotenv(&body),
                "aws-config" => env.aws_config(&body),
                "aws-credentials" => env.aws_credentials(&body),
                "auth.json" => env.auth_json(&body),
                "env" => body.lines().filter_map(|l| l.split_once('=')).fold(env, |e, (k, v)| e.env(k, v)),
                "args" => {
                    args.extend(body.split_whitespace().map(str::to_owned));
                    env
                }
                "output" => {
                    expected = Some(body);
                    env
                }
                other => panic!("checks/{id}.md: unknown example block role `{other}`"),
            };
        }
        let Some(expected) = expected else {
            failures.push(format!("checks/{id}.md: the Example has no ```text output block"));
            continue;
        };
        if expected.trim().is_empty() {
            failures.push(format!("checks/{id}.md: the Example's output block is empty"));
        }
        let mut argv = vec!["check".to_owned(), "--color".into(), "never".into(), "--select".into(), id.into()];
        // Live examples run for real, against the closed loopback ports their env blocks point endpoints at.
        if check.meta.kind == Kind::Offline {
            argv.push("--offline".into());
        }
        if !args.iter().any(|a| a == "--codex-version") {
            argv.extend(["--codex-version".into(), "0.169.0".into()]);
        }
        argv.extend(args);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let actual = check_lines(&env.run(&argv).stdout, id);
        run += 1;
        if actual.trim_end() != expected.trim_end() {
            failures.push(format!("checks/{id}.md: the Example prints\n{actual}\nbut the page says\n{expected}"));
        }
    }
    // The lint-only `policy` pseudo-check.
    let meta = &bedrock_doctor::lint::policy::META;
    match run_policy_example(meta) {
        Ok((expected, actual)) => {
            run += 1;
            if expected.trim().is_empty() {
                failures.push(format!("checks/{}.md: the Example's output block is empty", meta.id));
            }
            if actual.trim_end() != expected.trim_end() {
                failures.push(format!(
                    "checks/{}.md: the Example prints\n{actual}\nbut the page says\n{expected}",
                    meta.id
                ));
            }
        }
        Err(problem) => failures.push(problem),
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(run, page_count(), "every page in checks/ has its Example run");
}
