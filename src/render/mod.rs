//! Renderers: pure functions from the report (and the prediction) to text. They compute nothing and
//! decide nothing, and they only ever see [`Redacted`] values: [`render`] and [`lint_targets`] redact the
//! report once (secrets masked, control characters escaped) before any format encodes it, so each
//! format only escapes for itself, and a new format cannot skip the redaction.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod stream;
pub mod text;

use std::path::{Component, Path, PathBuf};

use crate::context::Location;
use crate::redact::{Redacted, Redactor, RunFacts};
use crate::report::{CheckResult, Finding, Report, Status};
use crate::session::Session;

/// One evaluated file (a template for `lint`, config.toml for `check`) and its report: the unit the
/// machine formats (SARIF, GitHub, JUnit) are built from.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The file findings without a location of their own are attached to.
    pub file: &'a Redacted<PathBuf>,
    /// Its report.
    pub report: &'a Redacted<Report>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: one line per check, then a remediation table.
    Human,
    /// The JSON report of PRODUCT.md.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`).
    Github,
    /// JUnit XML: one testcase per file × check.
    Junit,
}

/// Presentation choices for the human format.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// ASCII symbols only.
    pub ascii: bool,
    /// Details and every finding under each check.
    pub verbose: bool,
    /// `--strict`: warnings fail, so the formats that count failures (JUnit) count them too.
    pub strict: bool,
    /// Columns to wrap to ([`text::width`]).
    pub width: usize,
}

impl Default for Style {
    fn default() -> Style {
        Style { color: false, ascii: false, verbose: false, width: text::DEFAULT_WIDTH, strict: false }
    }
}

impl Style {
    /// The layout of wrapped text in this style.
    pub fn layout(&self) -> text::Layout {
        text::Layout { width: self.width, ascii: self.ascii }
    }
}

/// What the `check` report shows about the run, taken from the session (not yet redacted).
pub fn facts(ctx: &Session) -> RunFacts {
    RunFacts {
        codex_version: ctx.codex.version.to_string(),
        codex_version_source: ctx.codex.source.as_str(),
        codex_binary: ctx.codex.binary.clone(),
        rules_verified: ctx.rules.catalog().meta.verified.clone(),
        prediction: ctx.prediction.clone(),
        endpoint_overrides: ctx.endpoint_overrides.clone(),
        model_catalog: (ctx.models.source.as_str(), ctx.catalog_source_text(), ctx.models.problem.clone()),
    }
}

/// Renders the report of `check`, redacted by `redactor` (the session's, plus what the live checks
/// resolved) before any format sees it.
pub fn render(format: Format, ctx: &Session, report: Report, redactor: &Redactor, style: Style) -> String {
    let facts = redactor.redact(facts(ctx));
    let config = redactor.redact(ctx.codex_home.join("config.toml"));
    let report = redactor.redact(report);
    let targets = [Target { file: &config, report: &report }];
    match format {
        Format::Human => human::render(&facts, &report, style),
        Format::Json => json::render(&facts, &report),
        Format::Sarif => sarif::render(&targets),
        Format::Github => github::render(&targets),
        Format::Junit => junit::render(&targets, style.strict),
    }
}

/// The files of `lint` and their reports, redacted by one redactor before any format sees them (the
/// whole-document renderers and tests; the CLI streams, redacting each file with its own redactor).
pub fn lint_targets(
    redactor: &Redactor,
    reports: impl IntoIterator<Item = (PathBuf, Report)>,
) -> Vec<(Redacted<PathBuf>, Redacted<Report>)> {
    reports.into_iter().map(|(path, report)| (redactor.redact(path), redactor.redact(report))).collect()
}

/// The streaming writer of `lint` output in `format`.
pub fn lint_stream(format: Format, version: &semver::Version, style: Style) -> Box<dyn stream::LintStream> {
    match format {
        Format::Human => Box::new(human::LintHuman::new(version, style)),
        Format::Json => Box::new(json::LintJson::new(version)),
        Format::Sarif => Box::new(sarif::SarifStream::default()),
        Format::Github => Box::new(github::GithubStream),
        Format::Junit => Box::new(junit::JunitStream::new(style.strict)),
    }
}

/// The findings a check contributes to the machine formats: none for a check that passed or was
/// skipped, every finding otherwise, in order.
fn reported(result: &CheckResult) -> &[Finding] {
    match result.status() {
        Status::Pass | Status::Skip => &[],
        Status::Info | Status::Warn | Status::Fail => &result.outcome.findings,
    }
}

/// Where a finding is shown, and whether that is its own place or the fallback to line 1 of the
/// evaluated file.
fn place(target: &Target<'_>, finding: &Finding) -> (Location, bool) {
    match &finding.location {
        Some(l) => (Location { file: l.file.clone(), line: l.line.max(1), column: l.column.max(1) }, true),
        None => (Location { file: target.file.to_path_buf(), line: 1, column: 1 }, false),
    }
}

/// The one-line text of a finding: the message, the remedy, and for a finding without a place of
/// its own, a note saying where it is pinned.
fn message(target: &Target<'_>, finding: &Finding) -> String {
    let mut text = finding.message.clone();
    if let Some(fix) = &finding.remediation {
        text.push_str(" — fix: ");
        text.push_str(fix);
    }
    if finding.location.is_none() {
        text.push_str(&format!(" (not tied to a line of {}; reported at line 1)", display_path(target.file)));
    }
    text
}

/// A path as the machine formats show it: relative to the current directory when it is under it
/// (code scanning and annotations resolve paths against the checkout), with forward slashes.
pub fn display_path(path: &Path) -> String {
    let relative = if path.is_absolute() {
        std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
    } else {
        Some(path.to_path_buf())
    };
    let shown = relative.unwrap_or_else(|| path.to_path_buf());
    let parts: Vec<String> = shown
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    let joined = parts.join("/");
    match (shown.has_root(), joined.is_empty()) {
        (true, _) if !joined.starts_with('/') => format!("/{joined}"),
        (_, true) => ".".to_owned(),
        _ => joined,
    }
}
