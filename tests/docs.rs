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

/// Markdown link targets of a page: the `target` of every `[text](target)`.
fn link_targets(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].trim().to_owned());
        }
    }
    out
}

/// Why a page's text points outside the repository, if it does: a relative link that leaves the
/// checkout or names a missing file, an absolute file path, or a note that only exists on the
/// authors' machines.
fn outside_references(file: &std::path::Path, text: &str, root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let markdown = file.extension().is_some_and(|e| e == "md");
    for target in if markdown { link_targets(text) } else { Vec::new() } {
        if target.starts_with("http://") || target.starts_with("https://") || target.starts_with('#') {
            continue;
        }
        let path = target.split('#').next().unwrap_or("");
        let resolved = file.parent().unwrap().join(path);
        match resolved.canonicalize() {
            Ok(p) if p.starts_with(root) => {}
            Ok(p) => out.push(format!("link `{target}` leaves the repository ({})", p.display())),
            Err(_) => out.push(format!("link `{target}` names no file in the repository")),
        }
    }
    for marker in ["shared/reference", "codex-bedrock.md", "stack.md", "/work/"] {
        if text.contains(marker) {
            out.push(format!("mentions `{marker}`, which is not in the repository"));
        }
    }
    out
}

fn files_under(dir: &std::path::Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

#[test]
fn pages_and_help_texts_cite_only_what_ships_in_the_repository() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
    let mut files = Vec::new();
    files_under(&root.join("checks"), "md", &mut files);
    files_under(&root.join("docs"), "md", &mut files);
    files_under(&root.join("src"), "rs", &mut files);
    files.extend(["README.md", "tests/fidelity/README.md", "checks/catalog.toml"].map(|f| root.join(f)));
    assert!(files.iter().any(|f| f.ends_with("docs/codex-behaviour.md")), "docs/codex-behaviour.md ships");
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for p in outside_references(file, &text, &root) {
            problems.push(format!("{}: {p}", file.strip_prefix(&root).unwrap().display()));
        }
    }
    assert!(problems.is_empty(), "{} reference(s) outside the repository:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_link_outside_the_repository_is_caught() {
    // The detector itself: each of these must be reported, and a link to a shipped file must not.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
    let page = root.join("checks/region.md");
    for bad in [
        "see [notes](../../shared/reference/codex-bedrock.md) §4",
        "see [x](../no-such-file.md)",
        "see [x](/etc/hostname)",
        "- shared/reference/codex-bedrock.md §4.1",
    ] {
        assert!(!outside_references(&page, bad, &root).is_empty(), "not caught: {bad}");
    }
    let good = "see [docs/codex-behaviour.md](../docs/codex-behaviour.md) §4.1 and [AWS](https://docs.aws.amazon.com/)";
    assert_eq!(outside_references(&page, good, &root), Vec::<String>::new());
}
