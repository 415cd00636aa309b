//! The human report: what Codex will do, one line per check, then what to fix.

use std::fmt::Write as _;

use owo_colors::OwoColorize;

use super::Style;
use crate::redact::{Redacted, RunFacts};
use crate::report::{Report, Status};

struct Paint {
    style: Style,
}

impl Paint {
    fn status(&self, status: Status) -> String {
        let (unicode, ascii) = match status {
            Status::Pass => ("✓", "[ok]  "),
            Status::Fail => ("✗", "[FAIL]"),
            Status::Warn => ("!", "[warn]"),
            Status::Info => ("i", "[info]"),
            Status::Skip => ("–", "[skip]"),
        };
        let symbol = if self.style.ascii { ascii } else { unicode };
        if !self.style.color {
            return symbol.to_owned();
        }
        match status {
            Status::Pass => symbol.green().to_string(),
            Status::Fail => symbol.red().bold().to_string(),
            Status::Warn => symbol.yellow().bold().to_string(),
            Status::Info => symbol.blue().to_string(),
            Status::Skip => symbol.dimmed().to_string(),
        }
    }

    fn heading(&self, text: &str) -> String {
        if self.style.color { text.bold().to_string() } else { text.to_owned() }
    }

    fn dim(&self, text: &str) -> String {
        if self.style.color { text.dimmed().to_string() } else { text.to_owned() }
    }

    fn arrow(&self) -> &'static str {
        if self.style.ascii { "->" } else { "→" }
    }
}

fn prediction(facts: &RunFacts, paint: &Paint, out: &mut String) {
    let p = &facts.prediction;
    let _ = writeln!(out, "{}", paint.heading("What Codex will do"));
    let mut row = |label: &str, value: String| {
        let _ = writeln!(out, "  {label:<9} {value}");
    };
    row("provider", p.provider.clone().unwrap_or_else(|| "openai (model_provider not set)".into()));
    row("model", p.model.clone().map_or("-".into(), |m| if p.model_is_default { format!("{m} (default)") } else { m }));
    if let Some(a) = &p.auth {
        let mut text = match a.method {
            crate::codex::AuthMethod::None => "none (no Authorization header)".to_owned(),
            method => format!("{} via {}", method.as_str(), a.source.as_str()),
        };
        if let Some(var) = &a.env_var {
            let _ = write!(text, " ({var})");
        }
        if let Some(profile) = &a.profile {
            let _ = write!(text, " (profile {profile})");
        }
        if let Some(last4) = &a.access_key_id_last4 {
            let _ = write!(text, ", key …{last4}");
        }
        if !a.shadowed.is_empty() {
            let shadowed: Vec<&str> = a.shadowed.iter().map(|s| s.as_str()).collect();
            let _ = write!(text, "; shadows {}", shadowed.join(", "));
        }
        row("auth", text);
    }
    if let Some(r) = &p.region {
        row("region", format!("{} ({})", r.value, r.source));
    }
    if let Some(url) = &p.endpoint {
        row("endpoint", format!("POST {url}"));
    }
    if let Some(dest) = &p.destination {
        row("goes to", dest.to_string());
    }
    for (var, url) in &facts.endpoint_overrides {
        row("override", format!("{var}={url} (the doctor's own AWS calls; Codex ignores it)"));
    }
    if let Some(s) = &p.signing {
        row("signing", format!("SigV4 {} / {}", s.service, s.region));
    }
    match p.codex_error() {
        Some(f) => {
            let mut lines = f.text.lines();
            row("outcome", format!("Codex stops before sending: {}", lines.next().unwrap_or("")));
            for line in lines {
                row("", line.to_owned());
            }
        }
        None if p.endpoint.is_some() => row("outcome", "Codex sends the request".into()),
        None => {}
    }
}

/// Renders the report.
pub fn render(facts: &Redacted<RunFacts>, report: &Redacted<Report>, style: Style) -> String {
    let (facts, report): (&RunFacts, &Report) = (facts, report);
    let paint = Paint { style };
    let mut out = String::new();
    let origin = match (&facts.codex_binary, facts.codex_version_source) {
        (Some(b), "path") => b.display().to_string(),
        (_, source) => source.to_owned(),
    };
    let _ = writeln!(
        out,
        "bedrock-doctor {} · Codex {} ({origin}) · rules verified {} · models: {}\n",
        env!("CARGO_PKG_VERSION"),
        facts.codex_version,
        facts.rules_verified,
        facts.model_catalog.1
    );
    prediction(facts, &paint, &mut out);
    let _ = writeln!(out, "\n{}", paint.heading("Checks"));
    let width = report.results.iter().map(|r| r.meta.id.as_str().len()).max().unwrap_or(0);
    for result in &report.results {
        let status = result.status();
        let _ = writeln!(out, "  {} {:<width$}  {}", paint.status(status), result.meta.id, result.summary());
        let shown: Vec<_> = if style.verbose {
            result.outcome.findings.iter().collect()
        } else {
            result.outcome.headline().into_iter().collect()
        };
        for finding in shown {
            if style.verbose {
                let _ = writeln!(out, "      {} {}", paint.status(finding.status), finding.message);
            }
            if let Some(loc) = &finding.location {
                let _ = writeln!(
                    out,
                    "      {}",
                    paint.dim(&format!("at {}:{}:{}", loc.file.display(), loc.line, loc.column))
                );
            }
        }
        if style.verbose {
            for (key, value) in &result.outcome.details {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    // One entry a line: the `rules` of codex-version are two dozen of them.
                    serde_json::Value::Object(map) => map
                        .iter()
                        .map(|(k, v)| format!("\n  {k}: {}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                        .collect(),
                    other => other.to_string(),
                };
                let _ = writeln!(
                    out,
                    "      {}",
                    paint.dim(&format!(
                        "{key}:{}{}",
                        if text.starts_with('\n') { "" } else { " " },
                        text.replace('\n', "\n        ")
                    ))
                );
            }
            let _ = writeln!(out, "      {}", paint.dim(&format!("{:.2} ms", result.duration.as_secs_f64() * 1000.0)));
        }
    }

    let rows: Vec<_> = report
        .results
        .iter()
        .flat_map(|r| r.outcome.findings.iter().map(move |f| (r, f)))
        .filter(|(_, f)| f.status >= Status::Warn)
        .collect();
    if !rows.is_empty() {
        let _ = writeln!(out, "\n{}", paint.heading("Remediation"));
        let id_width = rows.iter().map(|(r, _)| r.meta.id.as_str().len()).max().unwrap_or(0);
        for (result, finding) in rows {
            let id = result.meta.id.as_str();
            let _ = writeln!(out, "  {} {:<id_width$}  {}", paint.status(finding.status), id, finding.message);
            if let Some(fix) = &finding.remediation {
                let _ = writeln!(out, "    {:<id_width$}  {} {fix}", "", paint.arrow());
            }
        }
        let fixable: Vec<&str> =
            report.results.iter().filter(|r| r.fix.is_some_and(|f| f.safe)).map(|r| r.meta.id.as_str()).collect();
        let unsafe_only: Vec<&str> =
            report.results.iter().filter(|r| r.fix.is_some_and(|f| !f.safe)).map(|r| r.meta.id.as_str()).collect();
        if !fixable.is_empty() {
            let _ = writeln!(out, "\n  `bedrock-doctor fix` repairs: {}", fixable.join(", "));
        }
        if !unsafe_only.is_empty() {
            let _ = writeln!(out, "  `bedrock-doctor fix --unsafe` also changes: {}", unsafe_only.join(", "));
        }
    }
    let t = report.tally();
    let _ = writeln!(
        out,
        "\n{} checks: {} passed, {} info, {} warnings, {} failed, {} skipped",
        report.results.len(),
        t.pass,
        t.info,
        t.warn,
        t.fail,
        t.skip
    );
    out
}

/// `lint` for people: findings grouped by file, then a one-line tally.
pub fn render_lint(targets: &[super::Target<'_>], version: &semver::Version, ascii: bool, color: bool) -> String {
    super::stream::to_string(LintHuman::new(version, ascii, color), targets)
}

/// `lint` for people, streamed: each file with problems as it comes, then the tally.
pub struct LintHuman {
    paint: Paint,
    version: String,
    files: usize,
    failing: usize,
    warning: usize,
}

impl LintHuman {
    /// A writer for the rules of Codex `version`.
    pub fn new(version: &semver::Version, ascii: bool, color: bool) -> LintHuman {
        let paint = Paint { style: Style { color, ascii, verbose: false, strict: false } };
        LintHuman { paint, version: version.to_string(), files: 0, failing: 0, warning: 0 }
    }
}

impl super::stream::LintStream for LintHuman {
    fn begin(&mut self, _out: &mut dyn std::io::Write) -> std::io::Result<()> {
        Ok(())
    }

    fn file(&mut self, target: &super::Target<'_>, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
        let paint = &self.paint;
        let report = target.report;
        self.files += 1;
        match report.status() {
            Status::Fail => self.failing += 1,
            Status::Warn => self.warning += 1,
            _ => {}
        }
        let problems: Vec<_> = report.results.iter().filter(|r| r.status() >= Status::Warn).collect();
        if problems.is_empty() {
            return Ok(());
        }
        let mut out = String::new();
        let _ = writeln!(out, "{}", paint.heading(&target.file.display().to_string()));
        let width = problems.iter().map(|r| r.meta.id.as_str().len()).max().unwrap_or(0);
        for result in problems {
            for finding in result.outcome.findings.iter().filter(|f| f.status >= Status::Warn) {
                let _ =
                    writeln!(out, "  {} {:<width$}  {}", paint.status(finding.status), result.meta.id, finding.message);
                if let Some(loc) = &finding.location {
                    let _ = writeln!(
                        out,
                        "      {}",
                        paint.dim(&format!("at {}:{}:{}", loc.file.display(), loc.line, loc.column))
                    );
                }
                if let Some(fix) = &finding.remediation {
                    let _ = writeln!(out, "      {} {fix}", paint.arrow());
                }
            }
        }
        out.push('\n');
        sink.write_all(out.as_bytes())
    }

    fn end(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let tally = format!(
            "{} file(s) checked with the rules of Codex {}: {} failing, {} with warnings, {} clean\n",
            self.files,
            self.version,
            self.failing,
            self.warning,
            self.files - self.failing - self.warning
        );
        out.write_all(tally.as_bytes())
    }
}
