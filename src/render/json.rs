//! The JSON report (PRODUCT.md, `schema_version` 1).

use serde::Serialize;
use serde_json::{Value, json};

use crate::context::Location;
use crate::redact::{Redacted, RunFacts};
use crate::report::{CheckResult, Report};

/// The `prediction` object.
pub fn prediction(facts: &Redacted<RunFacts>) -> Value {
    let p = &facts.prediction;
    json!({
        "codex_version": facts.codex_version,
        "codex_version_source": facts.codex_version_source,
        "model_catalog": {
            "source": facts.model_catalog.0,
            "description": facts.model_catalog.1,
            "problem": facts.model_catalog.2,
        },
        "provider": p.provider.as_deref().unwrap_or("openai"),
        "model": p.model,
        "auth": p.auth.as_ref().map(|a| json!({
            "method": a.method.as_str(),
            "source": a.source.as_str(),
            "profile": a.profile,
            "access_key_id_last4": a.access_key_id_last4,
            "shadowed": a.shadowed.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "env_var": a.env_var,
        })),
        "region": p.region.as_ref().map(|r| json!({"value": r.value, "source": r.source.to_string()})),
        "base_url": p.base_url,
        "endpoint": p.endpoint,
        "destination": p.destination.as_ref().map(|d| d.label()),
        "destination_host": p.destination_host,
        "endpoint_overrides": facts.endpoint_overrides.iter().map(|(k, v)| json!({"variable": k, "url": v})).collect::<Vec<_>>(),
        "signing": p.signing.as_ref().map(|s| json!({"service": s.service, "region": s.region})),
        "codex_error": p.codex_error().map(|f| f.text.clone()),
    })
}

/// One check as JSON (shared by `check` and `lint`).
pub fn check(result: &CheckResult) -> Value {
    serde_json::to_value(CheckJson::of(result)).unwrap_or(Value::Null)
}

/// One check as the JSON report writes it, borrowed from the result: `lint` serialises it straight to
/// text, without building (and cloning the details into) a value tree per check.
#[derive(Serialize)]
struct CheckJson<'a> {
    id: crate::meta::CheckId,
    status: &'static str,
    summary: String,
    details: Details<'a>,
    remediation: Option<&'a str>,
    fix: FixJson,
    location: Option<LocationJson<'a>>,
    duration_ms: f64,
}

impl<'a> CheckJson<'a> {
    fn of(result: &'a CheckResult) -> CheckJson<'a> {
        let headline = result.outcome.headline();
        CheckJson {
            id: result.meta.id,
            status: result.status().as_str(),
            summary: result.summary(),
            details: Details { map: &result.outcome.details, findings: &result.outcome.findings },
            remediation: headline.and_then(|f| f.remediation.as_deref()),
            fix: FixJson { available: result.fix.is_some(), safe: result.fix.is_some_and(|f| f.safe) },
            location: headline.and_then(|f| f.location.as_ref()).map(LocationJson),
            duration_ms: result.duration.as_secs_f64() * 1000.0,
        }
    }
}

#[derive(Serialize)]
struct FixJson {
    available: bool,
    safe: bool,
}

/// The check's details, then its findings (when it has any) under `findings`.
struct Details<'a> {
    map: &'a serde_json::Map<String, Value>,
    findings: &'a [crate::report::Finding],
}

impl Serialize for Details<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let has_findings = !self.findings.is_empty();
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.map {
            if !(has_findings && key == "findings") {
                map.serialize_entry(key, value)?;
            }
        }
        if has_findings {
            let findings: Vec<FindingJson<'_>> = self.findings.iter().map(FindingJson).collect();
            map.serialize_entry("findings", &findings)?;
        }
        map.end()
    }
}

struct FindingJson<'a>(&'a crate::report::Finding);

impl Serialize for FindingJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let f = self.0;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("status", f.status.as_str())?;
        map.serialize_entry("message", &f.message)?;
        map.serialize_entry("remediation", &f.remediation)?;
        map.serialize_entry("location", &f.location.as_ref().map(LocationJson))?;
        map.end()
    }
}

struct LocationJson<'a>(&'a Location);

impl Serialize for LocationJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("file", &self.0.file.display().to_string())?;
        map.serialize_entry("line", &self.0.line)?;
        map.serialize_entry("column", &self.0.column)?;
        map.end()
    }
}

/// The whole report as pretty JSON.
pub fn render(facts: &Redacted<RunFacts>, report: &Redacted<Report>) -> String {
    let report: &Report = report;
    let value = json!({
        "schema_version": 1,
        "tool": {"name": "bedrock-doctor", "version": env!("CARGO_PKG_VERSION")},
        "status": report.status().as_str(),
        "prediction": prediction(facts),
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

    fn file(&mut self, t: &super::Target<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let status = t.report.status();
        self.worst = self.worst.max(status);
        #[derive(Serialize)]
        struct FileJson<'a> {
            path: String,
            status: &'static str,
            checks: Vec<CheckJson<'a>>,
        }
        let file = FileJson {
            path: t.file.display().to_string(),
            status: status.as_str(),
            checks: t.report.results.iter().map(CheckJson::of).collect(),
        };
        if !std::mem::take(&mut self.first) {
            out.write_all(b",")?;
        }
        let text = serde_json::to_string(&file).unwrap_or_default();
        out.write_all(text.as_bytes())
    }

    fn end(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(format!("],\"status\":\"{}\"}}\n", self.worst.as_str()).as_bytes())
    }
}
