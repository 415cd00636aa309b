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
        "model_catalog": {
            "source": ctx.models.source.as_str(),
            "description": ctx.catalog_source_text(),
            "problem": ctx.models.problem,
        },
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

/// `lint` as JSON: one entry per file, each with the check objects of the `check` report. Written
/// compactly and a file at a time: over thousands of templates a single pretty-printed value tree costs
/// more than the checks themselves.
pub fn render_lint(targets: &[super::Target<'_>], version: &semver::Version) -> String {
    let worst = targets.iter().map(|t| t.report.status()).max().unwrap_or(crate::report::Status::Pass);
    let head = json!({
        "schema_version": 1,
        "tool": {"name": "bedrock-doctor", "version": env!("CARGO_PKG_VERSION")},
        "status": worst.as_str(),
        "codex_version": version.to_string(),
    });
    let mut out = head.to_string();
    out.pop(); // the closing brace; `files` follows
    out.push_str(",\"files\":[");
    for (i, t) in targets.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let file = json!({
            "path": t.file.display().to_string(),
            "status": t.report.status().as_str(),
            "checks": t.report.results.iter().map(check).collect::<Vec<_>>(),
        });
        out.push_str(&file.to_string());
    }
    out.push_str("]}\n");
    out
}
