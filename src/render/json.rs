//! The JSON report (PRODUCT.md, `schema_version` 1).

use serde_json::{Value, json};

use crate::context::Location;
use crate::report::{CheckResult, Report};
use crate::session::Session;

fn location(loc: &Option<Location>) -> Value {
    match loc {
        Some(l) => json!({"file": l.file.display().to_string(), "line": l.line, "column": l.column}),
        None => Value::Null,
    }
}

/// The `prediction` object.
pub fn prediction(ctx: &Session) -> Value {
    let p = &ctx.prediction;
    json!({
        "codex_version": ctx.codex.version.to_string(),
        "codex_version_source": ctx.codex.source.as_str(),
        "provider": p.provider.as_deref().unwrap_or("openai"),
        "model": p.model,
        "auth": p.auth.as_ref().map(|a| json!({
            "method": a.method.as_str(),
            "source": a.source.as_str(),
            "profile": a.profile,
            "access_key_id_last4": a.access_key_id_last4,
            "shadowed": a.shadowed.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        })),
        "region": p.region.as_ref().map(|r| json!({"value": r.value, "source": r.source.to_string()})),
        "base_url": p.base_url,
        "endpoint": p.endpoint,
        "signing": p.signing.as_ref().map(|s| json!({"service": s.service, "region": s.region})),
        "codex_error": p.codex_error().map(|f| f.text.clone()),
    })
}

/// One check as JSON (shared by `check` and `lint`).
pub fn check(result: &CheckResult) -> Value {
    let outcome = &result.outcome;
    let headline = outcome.headline();
    let mut details = outcome.details.clone();
    if !outcome.findings.is_empty() {
        let findings: Vec<Value> = outcome
            .findings
            .iter()
            .map(|f| json!({"status": f.status.as_str(), "message": f.message, "remediation": f.remediation, "location": location(&f.location)}))
            .collect();
        details.insert("findings".into(), Value::Array(findings));
    }
    json!({
        "id": result.meta.id,
        "status": result.status().as_str(),
        "summary": result.summary(),
        "details": details,
        "remediation": headline.and_then(|f| f.remediation.clone()),
                "fix": match result.fix {
            Some(f) => json!({"available": true, "safe": f.safe}),
            None => json!({"available": false, "safe": false}),
        },
        "location": location(&headline.and_then(|f| f.location.clone())),
        "duration_ms": result.duration.as_secs_f64() * 1000.0,
    })
}

/// The whole report as pretty JSON.
pub fn render(ctx: &Session, report: &Report) -> String {
    let value = json!({
        "schema_version": 1,
        "tool": {"name": "bedrock-doctor", "version": env!("CARGO_PKG_VERSION")},
        "status": report.status().as_str(),
        "prediction": prediction(ctx),
        "checks": report.results.iter().map(check).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

/// `lint` as JSON: one entry per file, each with the check objects of the `check` report.
pub fn render_lint(targets: &[super::Target<'_>], version: &semver::Version) -> String {
    super::stream::to_string(LintJson::new(version), targets)
}

/// `lint` JSON, streamed and compact: the head, each file's object, then the overall `status` (last,
/// because it is known only at the end; JSON members are unordered).
pub struct LintJson {
    version: String,
    worst: crate::report::Status,
    first: bool,
}

impl LintJson {
    /// A writer for the rules of Codex `version`.
    pub fn new(version: &semver::Version) -> LintJson {
        LintJson { version: version.to_string(), worst: crate::report::Status::Pass, first: true }
    }
}

impl super::stream::LintStream for LintJson {
    fn begin(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let head = json!({
            "schema_version": 1,
            "tool": {"name": "bedrock-doctor", "version": env!("CARGO_PKG_VERSION")},
            "codex_version": self.version,
        });
        let mut text = head.to_string();
        text.pop(); // the closing brace; `files` follows
        text.push_str(",\"files\":[");
        out.write_all(text.as_bytes())
    }

    fn file(
        &mut self,
        t: &super::Target<'_>,
        scrub: super::stream::Scrub<'_>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let status = t.report.status();
        self.worst = self.worst.max(status);
        let file = json!({
            "path": t.file.display().to_string(),
            "status": status.as_str(),
            "checks": t.report.results.iter().map(check).collect::<Vec<_>>(),
        });
        if !std::mem::take(&mut self.first) {
            out.write_all(b",")?;
        }
        out.write_all(scrub(&file.to_string()).as_bytes())
    }

    fn end(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(format!("],\"status\":\"{}\"}}\n", self.worst.as_str()).as_bytes())
    }
}
