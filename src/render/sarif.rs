//! SARIF 2.1.0 for GitHub code scanning: one run, one rule per check that appears in the reports,
//! one result per finding.
//!
//! Hand-written serde structs (as ruff's `message/sarif.rs`) rather than a SARIF crate: the subset
//! code scanning reads is small, and the structs make the emitted shape reviewable. Code scanning
//! rejects a result without a physical location, so a finding that has no place in a file of its own
//! (an environment variable, a live check) is pinned to line 1 of the evaluated file, and its message
//! says so.

use std::path::Path;

use serde::Serialize;

use super::{Target, display_path, message, place, reported};
use crate::checks::CheckMeta;
use crate::report::Status;

/// The schema `$schema` names: the OASIS 2.1.0 schema with its approved errata (vendored in
/// `tests/sarif-2.1.0.schema.json`, which the tests validate against).
pub const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help<'a>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    /// Code scanning shows tags as filters.
    tags: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
}

/// The SARIF level of a finding's status. Pass and skip never reach a result through a check's
/// status; a finding built with them by hand is shown as `none`, which the schema allows.
pub fn level(status: Status) -> &'static str {
    match status {
        Status::Fail => "error",
        Status::Warn => "warning",
        Status::Info => "note",
        Status::Pass | Status::Skip => "none",
    }
}

/// `display_path` as a URI reference: relative paths stay relative, others become `file://` URIs.
fn uri(path: &Path) -> String {
    let shown = display_path(path);
    if shown.starts_with('/') {
        format!("file://{}", encode(&shown, true))
    } else if let Some((drive, rest)) = shown.split_once(":/").filter(|(d, _)| d.len() == 1) {
        // Windows `C:/…`, outside the current directory.
        format!("file:///{drive}:/{}", encode(rest, true))
    } else {
        encode(&shown, false)
    }
}

/// Percent-encodes what a URI path may not hold. A `:` in a relative reference would read as a
/// scheme, so it is encoded there.
fn encode(path: &str, absolute: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            )
            || (absolute && byte == b':');
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The "What it checks" section of a check page, as one paragraph-preserving block.
fn what_it_checks(doc: &str) -> Option<String> {
    let start = doc.find("## What it checks")?;
    let body = &doc[start..];
    let body = body.split_once('\n').map_or("", |(_, rest)| rest);
    let end = body.find("\n## ").unwrap_or(body.len());
    let text = body[..end].trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn rule(meta: &CheckMeta) -> Rule<'_> {
    Rule {
        id: meta.id.as_str(),
        name: meta.id.as_str(),
        short_description: Text { text: meta.summary.to_owned() },
        full_description: Text { text: what_it_checks(meta.doc).unwrap_or_else(|| meta.summary.to_owned()) },
        help: Help { text: meta.doc, markdown: meta.doc },
        // Every check can fail; each result carries its own level.
        default_configuration: Configuration { level: "error" },
        properties: RuleProperties { tags: vec!["bedrock-doctor", meta.group] },
    }
}

/// The SARIF log, pretty-printed.
pub fn render(targets: &[Target<'_>]) -> String {
    super::stream::to_string(SarifStream::default(), targets)
}

/// Indents every line of `text` but the first by `n` spaces.
fn indent_rest(text: &str, n: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(n)))
}

/// SARIF, streamed: the log's opening, each result as it comes, then the tool with the rules seen
/// (after the results: the rules are known only at the end, and JSON members are unordered).
#[derive(Default)]
pub struct SarifStream {
    rules: Vec<&'static CheckMeta>,
    results: usize,
}

impl super::stream::LintStream for SarifStream {
    fn begin(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let head = format!(
            "{{\n  \"$schema\": {},\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [",
            serde_json::Value::from(SCHEMA)
        );
        out.write_all(head.as_bytes())
    }

    fn file(&mut self, target: &Target<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut text = String::new();
        for result in &target.report.results {
            let meta = result.meta;
            let rule_index = match self.rules.iter().position(|r| r.id == meta.id) {
                Some(i) => i,
                None => {
                    self.rules.push(meta);
                    self.rules.len() - 1
                }
            };
            for finding in reported(result) {
                let (at, _) = place(target, finding);
                let item = SarifResult {
                    rule_id: meta.id.as_str().to_owned(),
                    rule_index,
                    level: level(finding.status),
                    message: Text { text: message(target, finding) },
                    locations: vec![SarifLocation {
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation { uri: uri(&at.file) },
                            region: Region { start_line: at.line, start_column: Some(at.column) },
                        },
                    }],
                };
                text.push_str(if self.results == 0 { "\n        " } else { ",\n        " });
                text.push_str(&indent_rest(&serde_json::to_string_pretty(&item).unwrap_or_default(), 8));
                self.results += 1;
            }
        }
        out.write_all(text.as_bytes())
    }

    fn end(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let tool = Tool {
            driver: Driver {
                name: "bedrock-doctor",
                version: env!("CARGO_PKG_VERSION"),
                semantic_version: env!("CARGO_PKG_VERSION"),
                rules: self.rules.iter().map(|m| rule(m)).collect(),
            },
        };
        let close = if self.results == 0 { "]" } else { "\n      ]" };
        let tool = indent_rest(&serde_json::to_string_pretty(&tool).unwrap_or_default(), 6);
        out.write_all(format!("{close},\n      \"tool\": {tool}\n    }}\n  ]\n}}\n").as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_keep_forward_slashes_and_encode_what_a_uri_cannot_hold() {
        assert_eq!(uri(Path::new("./templates/a b.toml")), "templates/a%20b.toml");
        assert_eq!(uri(Path::new("c:d.toml")), "c%3Ad.toml");
        assert_eq!(uri(Path::new("/nowhere/x y/config.toml")), "file:///nowhere/x%20y/config.toml");
    }

    #[test]
    fn full_description_is_the_what_it_checks_section() {
        let doc = "# x\n\n## What it checks\n\nThe thing.\n\n- a\n\n## Why it matters\n\nNo.\n";
        assert_eq!(what_it_checks(doc).as_deref(), Some("The thing.\n\n- a"));
        assert_eq!(what_it_checks("# x\n"), None);
    }
}
