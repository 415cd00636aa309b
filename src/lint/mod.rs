//! `bedrock-doctor lint PATH...`: the offline config checks on config templates, many at once, for CI.
//!
//! Each template is judged alone: no user environment, `.env`, auth.json or AWS files are read
//! (`Options::isolated`), so only what the file itself decides counts. A `NAME.config.toml` next to a
//! `config.toml` is judged layered over it, as `codex --profile NAME` would load it, and a base with
//! profiles (files or legacy `[profiles.NAME]` tables) is judged through each of them (see
//! [`lint_base`]). `.env*` files are scanned for credentials. Files are independent, so they are
//! checked in parallel.

pub mod policy;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use semver::Version;

use crate::checks::{CHECKS, Runner};
use crate::context::{Context, Inputs, Location, Mode, Options};
use crate::error::Error;
use crate::meta::CheckId;
use crate::redact::Redactor;
use crate::report::{CheckResult, Finding, Outcome, Report};
use crate::runner::Selection;
use crate::session::Session;

pub use policy::Policy;

/// TOML files of other tools that a walked directory may hold; named on the command line they are
/// still linted.
const NOT_CODEX: &[&str] =
    &["Cargo.toml", "pyproject.toml", "rustfmt.toml", ".rustfmt.toml", "clippy.toml", "taplo.toml"];

/// What kind of file a template is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Template {
    /// A Codex config (`config.toml` or any other `*.toml`).
    Config,
    /// `NAME.config.toml` next to a `config.toml`: a profile file.
    Profile { base: PathBuf, name: String },
    /// A `.env` / `.env.example` template.
    Dotenv,
}

/// One file's result.
#[derive(Debug)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Its report.
    pub report: Report,
    /// What it knows of the file's secrets, for redacting the output.
    pub redactor: Redactor,
}

/// `lint` settings.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// The Codex version whose rules apply.
    pub version: Version,
    /// The team policy.
    pub policy: Option<Policy>,
    /// `--select` / `--ignore`.
    pub selection: Selection,
}

/// Files under `paths`: files as given, directories walked for `*.toml` and `.env*` (hidden and build
/// directories skipped). Sorted, so output is stable. A directory without any template is an error.
pub fn discover(paths: &[PathBuf], exclude: Option<&Path>) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::at("reading", path, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found);
            // The policy file often sits next to the templates; it is not one.
            let excluded = exclude.and_then(|p| std::fs::canonicalize(p).ok());
            found.retain(|p| std::fs::canonicalize(p).ok() != excluded || excluded.is_none());
            // A directory with nothing to lint is a wrong path or a moved template folder: a CI job that
            // passes on zero files would hide it.
            if found.is_empty() {
                return Err(Error::at("linting", path, "no Codex config templates (*.toml, .env*) in it or below"));
            }
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if !matches!(name.as_str(), ".git" | "target" | "node_modules" | ".venv" | ".fidelity") {
                walk(&path, out);
            }
        } else if NOT_CODEX.contains(&name.as_str()) {
            continue;
        } else if name.ends_with(".toml") || name.starts_with(".env") || name.ends_with(".env") {
            out.push(path);
        }
    }
}

/// What `path` is.
pub fn classify(path: &Path) -> Template {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name.starts_with(".env") || name.ends_with(".env") {
        return Template::Dotenv;
    }
    if let Some(profile) = name.strip_suffix(".config.toml") {
        let base = path.with_file_name("config.toml");
        if base.is_file() {
            return Template::Profile { base, name: profile.to_owned() };
        }
    }
    Template::Config
}

/// Files checked (in parallel) and written before the next are started: large enough that the
/// workers rarely wait for each other at the end of a batch, small enough that a batch's reports
/// (a few KB each) stay a few MB.
pub const BATCH: usize = 512;

/// Lints every file, in parallel; results in the order of `files`.
pub fn lint(files: &[PathBuf], options: &LintOptions) -> Vec<FileReport> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(files.len().max(1));
    let mut slots: Vec<Option<FileReport>> = (0..files.len()).map(|_| None).collect();
    let chunks: Vec<Vec<(usize, FileReport)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        done.push((i, lint_file(path, options)));
                    }
                    done
                })
            })
            .collect();
        // A worker that panicked loses its files; they are reported as crashed below.
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    for (i, report) in chunks.into_iter().flatten() {
        slots[i] = Some(report);
    }
    slots
        .into_iter()
        .zip(files)
        .map(|(slot, path)| {
            slot.unwrap_or_else(|| FileReport {
                path: path.clone(),
                report: Report { results: vec![crashed(path)], secrets: Vec::new() },
                redactor: Redactor::default(),
            })
        })
        .collect()
}

fn crashed(path: &Path) -> CheckResult {
    let meta = &crate::checks::config_file::CHECK.meta;
    let outcome = Outcome::pass("").with(Finding::fail(format!("internal error while checking {}", path.display())));
    CheckResult { meta, outcome, duration: std::time::Duration::ZERO, fix: None }
}

/// Lints one file.
pub fn lint_file(path: &Path, options: &LintOptions) -> FileReport {
    match classify(path) {
        Template::Dotenv => lint_dotenv(path),
        template => lint_config(path, &template, options),
    }
}

/// One evaluation of a template: the config at `config_path`, with `profile` selected as
/// `codex --profile NAME` would select it.
fn session(config_path: &Path, profile: Option<&str>, options: &LintOptions) -> Session {
    let dir = config_path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let inputs = Inputs {
        env: Default::default(),
        options: Options {
            codex_home: Some(dir),
            codex_profile: profile.map(str::to_owned),
            codex_version: Some(options.version.clone()),
            offline: true,
            scan_apps: false,
            config_path: Some(config_path.to_path_buf()),
            mode: Mode::Template,
            allowed_regions: options.policy.as_ref().and_then(|p| p.allowed_regions.clone()),
            ..Options::default()
        },
        now: crate::live::unix_now(),
        catalog: crate::catalog::catalog(),
        // A template is judged alone: nothing platform-specific is gathered for it.
        platform: crate::platform::Platform::current(),
    };
    Session::new(Context::gather(inputs))
}

/// The lint checks (and the policy) over one session, in registry order.
fn run_checks(ctx: &Session, options: &LintOptions) -> Vec<CheckResult> {
    let mut results = Vec::new();
    for check in CHECKS.iter().filter(|c| c.meta.lint && options.selection.includes(c)) {
        let Runner::Offline(run) = check.run else { continue };
        let start = Instant::now();
        let reported =
            |id: CheckId| options.selection.includes_id(id) && crate::checks::find(id).is_some_and(|c| c.meta.lint);
        let outcome = match crate::checks::unmet_need(check.meta.id, &ctx.prediction, reported) {
            Some(reason) => Outcome::skip(reason),
            None => run(ctx),
        };
        results.push(CheckResult { meta: &check.meta, outcome, duration: start.elapsed(), fix: None });
    }
    let policy_selected = options.selection.includes_id(CheckId::Policy);
    if let Some(policy) = options.policy.as_ref().filter(|_| policy_selected) {
        let start = Instant::now();
        let outcome = policy::evaluate(policy, ctx);
        results.push(CheckResult { meta: &policy::META, outcome, duration: start.elapsed(), fix: None });
    }
    results
}

/// The profiles a base config is used with: `NAME.config.toml` files beside a `config.toml` (Codex
/// ≥ 0.134 reads them for `--profile NAME`) and the legacy `[profiles.NAME]` tables of the file itself.
fn profiles_of(path: &Path, ctx: &Session) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    if path.file_name().is_some_and(|n| n == "config.toml")
        && let Some(dir) = path.parent()
        && let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() { Path::new(".") } else { dir })
    {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(profile) = name.strip_suffix(".config.toml")
                && crate::context::codex_config::is_profile_name(profile)
                && entry.file_type().is_ok_and(|t| t.is_file())
            {
                out.push((profile.to_owned(), true));
            }
        }
    }
    if let Some(tables) =
        ctx.config.base().and_then(|f| f.table()).and_then(|t| t.get("profiles")).and_then(|p| p.as_table_like())
    {
        for (name, _) in tables.iter() {
            if crate::context::codex_config::is_profile_name(name) && !out.iter().any(|(n, _)| n == name) {
                out.push((name.to_owned(), false));
            }
        }
    }
    out.sort();
    out
}

/// Tags a finding with the profiles whose evaluation produced it.
fn tagged(finding: &Finding, profiles: &[String]) -> Finding {
    let names = profiles.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    let noun = if profiles.len() == 1 { "profile" } else { "profiles" };
    Finding { message: format!("{} (with {noun} {names})", finding.message), ..finding.clone() }
}

/// A base config judged as Codex uses it. With no profile, alone. With profiles (decision, recorded in
/// the README): a base that has `NAME.config.toml` files or `[profiles.NAME]` tables is judged through
/// each `codex --profile NAME`, layered as Codex layers it, and alone only when it selects a profile
/// itself (`profile = "x"`, what a plain `codex` reads). So a base that only defines providers for its
/// profiles is not failed for lacking `model_provider`, and a legacy `[profiles.NAME]` table gets the
/// refusal Codex ≥ 0.134 gives `--profile NAME`. The base's report keeps what lies in the base file
/// (and, for a `[profiles.NAME]` table, what has no place), each finding naming the profile(s) it came
/// from; what lies in a profile file, or has no place, is that file's own report.
fn lint_base(path: &Path, options: &LintOptions) -> (Vec<CheckResult>, Redactor) {
    let alone = session(path, None, options);
    let profiles = profiles_of(path, &alone);
    if profiles.is_empty() {
        let results = run_checks(&alone, options);
        return (results, alone.redactor.clone());
    }
    let selector = alone.config.base().and_then(|f| f.table()).is_some_and(|t| t.contains_key("profile"));
    // (profile, results, redactor, whether Codex stops before sending anything)
    type Run<'a> = (Option<&'a (String, bool)>, Vec<CheckResult>, Redactor, bool);
    let mut runs: Vec<Run<'_>> = Vec::new();
    if selector {
        runs.push((None, run_checks(&alone, options), alone.redactor.clone(), false));
    }
    for profile in &profiles {
        let ctx = session(path, Some(&profile.0), options);
        let stops = ctx.prediction.codex_error().is_some();
        runs.push((Some(profile), run_checks(&ctx, options), ctx.redactor.clone(), stops));
    }
    let redactor = Redactor::merge(runs.iter().map(|(_, _, r, _)| r));
    let Some((_, first, _, _)) = runs.first() else { return (Vec::new(), redactor) };
    let mut merged: Vec<CheckResult> = first
        .iter()
        .map(|r| CheckResult { outcome: Outcome { findings: Vec::new(), ..r.outcome.clone() }, ..r.clone() })
        .collect();
    for (i, result) in merged.iter_mut().enumerate() {
        // (finding, profiles it came from), in first-seen order.
        let mut found: Vec<(Finding, Vec<String>)> = Vec::new();
        for (profile, results, _, stops) in &runs {
            let Some(r) = results.get(i) else { continue };
            for f in &r.outcome.findings {
                let in_base = f.location.as_ref().is_some_and(|l| l.file == path);
                let keep = match profile {
                    None => true,
                    // Placeless findings of a profile file belong to that file's report; those of a
                    // `[profiles.NAME]` table to the base, unless Codex stops first (then they are
                    // consequences of the error, which is reported where it lies).
                    Some((_, is_file)) => in_base || (f.location.is_none() && !is_file && !stops),
                };
                if !keep {
                    continue;
                }
                match found.iter_mut().find(|(g, _)| g == f) {
                    Some((_, names)) => names.extend(profile.map(|p| p.0.clone())),
                    None => found.push((f.clone(), profile.map(|p| vec![p.0.clone()]).unwrap_or_default())),
                }
            }
        }
        result.outcome.findings =
            found.iter().map(|(f, names)| if names.is_empty() { f.clone() } else { tagged(f, names) }).collect();
    }
    (merged, redactor)
}

fn lint_config(path: &Path, template: &Template, options: &LintOptions) -> FileReport {
    let (results, redactor) = match template {
        Template::Profile { base, name } => {
            let ctx = session(base, Some(name), options);
            let mut results = run_checks(&ctx, options);
            // When Codex stops on an error in the base, what has no place here is its consequence.
            let stops_in_base =
                ctx.prediction.codex_error().is_some_and(|f| f.location.as_ref().is_some_and(|l| l.file == *base));
            for r in &mut results {
                // Findings located in the base config belong to its own report (judged through this
                // profile there); what lies here or has no place is this file's.
                r.outcome.findings.retain(|f| match &f.location {
                    Some(l) => l.file == path,
                    None => !stops_in_base,
                });
                r.outcome.findings = r.outcome.findings.iter().map(|f| tagged(f, std::slice::from_ref(name))).collect();
            }
            (results, ctx.redactor.clone())
        }
        _ => lint_base(path, options),
    };
    FileReport { path: path.to_path_buf(), report: Report { results, secrets: Vec::new() }, redactor }
}

fn lint_dotenv(path: &Path) -> FileReport {
    let meta = &crate::checks::secrets_in_config::CHECK.meta;
    let start = Instant::now();
    let source = crate::context::SourceFile::read(path);
    let mut outcome = Outcome::pass("no literal credentials");
    let mut secrets = Vec::new();
    match source.text() {
        None => outcome.push(Finding::fail(source.problem().unwrap_or_default())),
        Some(text) => {
            let lines = crate::context::files::LineIndex::new(text);
            for hit in crate::secrets::scan(text) {
                let (line, column) = lines.line_col(text, hit.offset);
                outcome.push(
                    Finding::fail(format!("{} in a shared template ({})", hit.kind.describe(), crate::redact::mask(&hit.value)))
                        .fix("Replace it with a placeholder (`AWS_BEARER_TOKEN_BEDROCK=<your key>`) and rotate the exposed credential")
                        .at(Some(Location { file: path.to_path_buf(), line, column })),
                );
                secrets.push(hit.value);
            }
        }
    }
    let result = CheckResult { meta, outcome, duration: start.elapsed(), fix: None };
    let redactor = Redactor::new(secrets);
    FileReport { path: path.to_path_buf(), report: Report { results: vec![result], secrets: Vec::new() }, redactor }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> LintOptions {
        LintOptions { version: Version::new(0, 169, 0), policy: None, selection: Selection::default() }
    }

    #[test]
    fn templates_are_judged_alone_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("a-good.toml");
        let bad = dir.path().join("b-bad.toml");
        let broken = dir.path().join("c-broken.toml");
        std::fs::write(&good, "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n[model_providers.amazon-bedrock.aws]\nregion = \"us-east-1\"\n").unwrap();
        std::fs::write(&bad, "model_provider = \"amazon-bedrock\"\nmodel = \"us.openai.gpt-5.5\"\n").unwrap();
        std::fs::write(&broken, "model_provider = \"amazon-bedrock\"\n[oops\n").unwrap();
        let files = discover(&[dir.path().to_path_buf()], None).unwrap();
        let reports = lint(&files, &options());
        let statuses: Vec<_> = reports.iter().map(|r| r.report.status().as_str()).collect();
        assert_eq!(statuses, vec!["pass", "fail", "fail"]);
        let loc = reports[2]
            .report
            .results
            .iter()
            .flat_map(|r| &r.outcome.findings)
            .find_map(|f| f.location.clone())
            .unwrap();
        assert_eq!((loc.line, loc.file.clone()), (2, broken));
    }

    #[test]
    fn dotenv_templates_are_scanned_for_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join(".env.example");
        std::fs::write(
            &env,
            "AWS_REGION=us-east-1\nAWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS1hYmNkZWZnaGlqazpzZWNyZXQ=\n",
        )
        .unwrap();
        let report = lint_file(&env, &options());
        assert_eq!(report.report.status().as_str(), "fail");
        assert_eq!(report.redactor.secrets().len(), 1);
    }
}
