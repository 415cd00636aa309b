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
    fn symbol(&self, status: Status) -> &'static str {
        let (unicode, ascii) = match status {
            Status::Pass => ("✓", "[ok]  "),
            Status::Fail => ("✗", "[FAIL]"),
            Status::Warn => ("!", "[warn]"),
            Status::Info => ("i", "[info]"),
            Status::Skip => ("–", "[skip]"),
        };
        if self.style.ascii { ascii } else { unicode }
    }

    /// The columns the status symbol takes (before colour).
    fn status_columns(&self, status: Status) -> usize {
        self.symbol(status).chars().count()
    }

    fn status(&self, status: Status) -> String {
        let symbol = self.symbol(status);
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
    let layout = paint.style.layout();
    let p = &facts.prediction;
    let _ = writeln!(out, "{}", paint.heading("What Codex will do"));
    // The value column: two spaces, a 9-column label, a space.
    const VALUE: usize = 12;
    let row = |out: &mut String, label: &str, value: String| {
        let _ = writeln!(out, "  {label:<9} {}", layout.hanging(VALUE, &value));
    };
    row(out, "provider", p.provider.clone().unwrap_or_else(|| "openai (model_provider not set)".into()));
    row(
        out,
        "model",
        p.model.clone().map_or("-".into(), |m| if p.model_is_default { format!("{m} (default)") } else { m }),
    );
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
        row(out, "auth", text);
    }
    if let Some(r) = &p.region {
        row(out, "region", format!("{} ({})", r.value, r.source));
    }
    if let Some(url) = &p.endpoint {
        row(out, "endpoint", format!("POST {url}"));
    }
    if let Some(dest) = &p.destination {
        row(out, "goes to", dest.to_string());
    }
    for (var, url) in &facts.endpoint_overrides {
        row(out, "override", format!("{var}={url} (the doctor's own AWS calls; Codex ignores it)"));
    }
    if let Some(s) = &p.signing {
        row(out, "signing", format!("SigV4 {} / {}", s.service, s.region));
    }
    match p.codex_error() {
        Some(f) => {
            let mut lines = f.text.lines();
            row(out, "outcome", format!("Codex stops before sending: {}", lines.next().unwrap_or("")));
            for line in lines {
                // A source snippet (`2 | [table`, `  |     ^`) keeps its columns: the caret points
                // into the line above.
                if is_snippet(line) {
                    let _ = writeln!(out, "{:VALUE$}{}", "", layout.spell(line));
                } else {
                    row(out, "", line.to_owned());
                }
            }
        }
        None if p.endpoint.is_some() => row(out, "outcome", "Codex sends the request".into()),
        None => {}
    }
}

/// Whether a line of a Codex error is part of a source snippet (`  |`, `2 | text`, a caret line).
fn is_snippet(line: &str) -> bool {
    let t = line.trim_start();
    let t = t.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start();
    t.starts_with('|') || (!t.is_empty() && t.chars().all(|c| c == '^' || c == ' '))
}

/// Renders the report, wrapped to `style.width` (every line, when no single word is longer).
pub fn render(facts: &Redacted<RunFacts>, report: &Redacted<Report>, style: Style) -> String {
    let (facts, report): (&RunFacts, &Report) = (facts, report);
    let paint = Paint { style };
    let layout = style.layout();
    let mut out = String::new();
    let origin = match (&facts.codex_binary, facts.codex_version_source) {
        (Some(b), "path") => b.display().to_string(),
        (_, source) => source.to_owned(),
    };
    let header = format!(
        "bedrock-doctor {} · Codex {} ({origin}) · rules verified {} · models: {}",
        env!("CARGO_PKG_VERSION"),
        facts.codex_version,
        facts.rules_verified,
        facts.model_catalog.1
    );
    let _ = writeln!(out, "{}\n", layout.hanging(2, &header));
    prediction(facts, &paint, &mut out);
    let _ = writeln!(out, "\n{}", paint.heading("Checks"));
    let width = report.results.iter().map(|r| r.meta.id.as_str().len()).max().unwrap_or(0);
    for result in &report.results {
        let status = result.status();
        // Two spaces, the symbol, a space, the id column, two spaces: where the summary starts.
        let col = 2 + paint.status_columns(status) + 1 + width + 2;
        let _ = writeln!(
            out,
            "  {} {:<width$}  {}",
            paint.status(status),
            result.meta.id,
            layout.hanging(col, &result.summary())
        );
        let shown: Vec<_> = if style.verbose {
            result.outcome.findings.iter().collect()
        } else {
            result.outcome.headline().into_iter().collect()
        };
        for finding in shown {
            if style.verbose {
                let col = 6 + paint.status_columns(finding.status) + 1;
                let _ =
                    writeln!(out, "      {} {}", paint.status(finding.status), layout.hanging(col, &finding.message));
            }
            if let Some(loc) = &finding.location {
                let _ = writeln!(out, "      {}", paint.dim(&layout.hanging(6, &at(loc))));
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
                    // A list as words, so that it wraps (a JSON array is one unbreakable token).
                    serde_json::Value::Array(items) if items.is_empty() => "none".to_owned(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                let text = format!("{key}:{}{}", if text.starts_with('\n') { "" } else { " " }, text);
                let _ = writeln!(out, "      {}", paint.dim(&layout.hanging(8, &text)));
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
            let col = 2 + paint.status_columns(finding.status) + 1 + id_width + 2;
            let _ = writeln!(
                out,
                "  {} {:<id_width$}  {}",
                paint.status(finding.status),
                id,
                layout.hanging(col, &finding.message)
            );
            if let Some(fix) = &finding.remediation {
                // The arrow stands in the message's column; the remedy's lines align after it.
                let arrow = paint.arrow();
                let text = layout.hanging(col + arrow.chars().count() + 1, fix);
                let _ = writeln!(out, "{:col$}{arrow} {text}", "");
            }
        }
        let fixable: Vec<&str> =
            report.results.iter().filter(|r| r.fix.is_some_and(|f| f.safe)).map(|r| r.meta.id.as_str()).collect();
        let unsafe_only: Vec<&str> =
            report.results.iter().filter(|r| r.fix.is_some_and(|f| !f.safe)).map(|r| r.meta.id.as_str()).collect();
        if !fixable.is_empty() || !unsafe_only.is_empty() {
            out.push('\n');
        }
        if !fixable.is_empty() {
            let text = format!("`bedrock-doctor fix` repairs: {}", fixable.join(", "));
            let _ = writeln!(out, "  {}", layout.hanging(4, &text));
        }
        if !unsafe_only.is_empty() {
            let text = format!("`bedrock-doctor fix --unsafe` also changes: {}", unsafe_only.join(", "));
            let _ = writeln!(out, "  {}", layout.hanging(4, &text));
        }
    }
    let t = report.tally();
    let tally = format!(
        "{} checks: {} passed, {} info, {} warnings, {} failed, {} skipped",
        report.results.len(),
        t.pass,
        t.info,
        t.warn,
        t.fail,
        t.skip
    );
    let _ = writeln!(out, "\n{}", layout.hanging(2, &tally));
    out
}

/// A finding's place, as the human output shows it.
fn at(loc: &crate::context::Location) -> String {
    format!("at {}:{}:{}", loc.file.display(), loc.line, loc.column)
}

/// `lint` for people: findings grouped by file, then a one-line tally.
pub fn render_lint(targets: &[super::Target<'_>], version: &semver::Version, style: Style) -> String {
    super::stream::to_string(LintHuman::new(version, style), targets)
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
    /// A writer for the rules of Codex `version` (`style.verbose` is not used).
    pub fn new(version: &semver::Version, style: Style) -> LintHuman {
        let paint = Paint { style };
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
        let layout = paint.style.layout();
        let mut out = String::new();
        let _ = writeln!(out, "{}", paint.heading(&layout.spell(&target.file.display().to_string())));
        let width = problems.iter().map(|r| r.meta.id.as_str().len()).max().unwrap_or(0);
        for result in problems {
            for finding in result.outcome.findings.iter().filter(|f| f.status >= Status::Warn) {
                let col = 2 + paint.status_columns(finding.status) + 1 + width + 2;
                let _ = writeln!(
                    out,
                    "  {} {:<width$}  {}",
                    paint.status(finding.status),
                    result.meta.id,
                    layout.hanging(col, &finding.message)
                );
                if let Some(loc) = &finding.location {
                    let _ = writeln!(out, "{:col$}{}", "", paint.dim(&layout.hanging(col, &at(loc))));
                }
                if let Some(fix) = &finding.remediation {
                    let arrow = paint.arrow();
                    let text = layout.hanging(col + arrow.chars().count() + 1, fix);
                    let _ = writeln!(out, "{:col$}{arrow} {text}", "");
                }
            }
        }
        out.push('\n');
        sink.write_all(out.as_bytes())
    }

    fn end(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let tally = format!(
            "{} file(s) checked with the rules of Codex {}: {} failing, {} with warnings, {} clean",
            self.files,
            self.version,
            self.failing,
            self.warning,
            self.files - self.failing - self.warning
        );
        let tally = format!("{}\n", self.paint.style.layout().hanging(2, &tally));
        out.write_all(tally.as_bytes())
    }
}
