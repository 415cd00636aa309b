//! JUnit XML: one `<testsuite>` per evaluated file, one `<testcase>` per check result.
//!
//! The counts agree with the exit code, so a dashboard never shows red for a run that passed: fail is
//! a `<failure type="error">`; warn is a `<failure type="warning">` under `--strict` (where it fails
//! the run) and otherwise a passing testcase whose warnings are in `<system-out>`, prefixed `warn:`;
//! info passes with its notes in `<system-out>`; skip is `<skipped>` with the reason; pass is a bare
//! testcase. So `failures` counts the checks that make the exit code 1.

use std::fmt::Write as _;

use super::Target;
use super::{display_path, message, place, reported};
use crate::report::{CheckResult, Status};

/// Escapes text for an XML 1.0 attribute value. Characters XML 1.0 cannot carry at all (C0 controls
/// other than tab, LF and CR, and U+FFFE/U+FFFF) are written as `\u{…}`; tab, LF and CR become
/// character references so that attribute-value and line-end normalisation keep them.
pub fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// The same for element text, where quotes and line feeds can stay as they are.
fn escape_text(text: &str) -> String {
    escape_with(text, false)
}

fn escape_with(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn seconds(result: &CheckResult) -> String {
    format!("{:.3}", result.duration.as_secs_f64())
}

/// Whether a result is a JUnit failure: what makes the exit code 1.
fn fails(status: Status, strict: bool) -> bool {
    status == Status::Fail || (strict && status == Status::Warn)
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    skipped: usize,
    time: f64,
}

impl Counts {
    fn add(&mut self, result: &CheckResult, strict: bool) {
        self.tests += 1;
        match result.status() {
            status if fails(status, strict) => self.failures += 1,
            Status::Skip => self.skipped += 1,
            _ => {}
        }
        self.time += result.duration.as_secs_f64();
    }

    fn attributes(&self) -> String {
        format!(
            r#"tests="{}" failures="{}" errors="0" skipped="{}" time="{:.3}""#,
            self.tests, self.failures, self.skipped, self.time
        )
    }
}

fn testcase(target: &Target<'_>, file: &str, result: &CheckResult, strict: bool, out: &mut String) {
    let _ = write!(
        out,
        r#"    <testcase classname="{}" name="{}" time="{}""#,
        escape(file),
        escape(result.meta.id.as_str()),
        seconds(result)
    );
    let status = result.status();
    let findings = reported(result);
    let lines: Vec<String> = findings
        .iter()
        .map(|f| {
            let (at, own) = place(target, f);
            let position = if own { format!("{}:{}", at.line, at.column) } else { "1".to_owned() };
            format!("{}:{position}: {}: {}", display_path(&at.file), f.status.as_str(), message(target, f))
        })
        .collect();
    match status {
        Status::Pass => out.push_str("/>\n"),
        Status::Skip => {
            let _ =
                writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", escape(&result.outcome.summary));
        }
        status if !fails(status, strict) => {
            let mut text = result.outcome.summary.clone();
            for line in &lines {
                text.push('\n');
                text.push_str(line);
            }
            let _ =
                writeln!(out, ">\n      <system-out>{}</system-out>\n    </testcase>", escape_text(text.trim_start()));
        }
        _ => {
            let kind = if status == Status::Fail { "error" } else { "warning" };
            let headline = result.outcome.headline().map_or_else(|| result.summary(), |f| f.message.clone());
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n    </testcase>",
                escape(&headline),
                escape_text(&lines.join("\n"))
            );
        }
    }
}

/// The JUnit XML document; `strict` as `--strict` (warnings fail).
pub fn render(targets: &[Target<'_>], strict: bool) -> String {
    super::stream::to_string(JunitStream::new(strict), targets)
}

/// JUnit, streamed. The totals belong on the opening `<testsuites>` tag and are known only at the end,
/// so the suites go to an anonymous temporary file (deleted by the OS when closed) and are copied out
/// after the opening tag: memory stays flat however many files there are.
pub struct JunitStream {
    strict: bool,
    total: Counts,
    spool: Option<std::fs::File>,
}

impl JunitStream {
    /// A stream whose failures are what `--strict` (or not) makes fail.
    pub fn new(strict: bool) -> JunitStream {
        JunitStream { strict, total: Counts::default(), spool: None }
    }
}

impl super::stream::LintStream for JunitStream {
    fn begin(&mut self, _out: &mut dyn std::io::Write) -> std::io::Result<()> {
        Ok(())
    }

    fn file(&mut self, target: &Target<'_>, _out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use std::io::Write as _;
        let file = display_path(target.file);
        let mut counts = Counts::default();
        let mut cases = String::new();
        for result in &target.report.results {
            counts.add(result, self.strict);
            self.total.add(result, self.strict);
            testcase(target, &file, result, self.strict, &mut cases);
        }
        let mut suite = String::new();
        let _ = writeln!(suite, "  <testsuite name=\"{}\" {}>", escape(&file), counts.attributes());
        suite.push_str(&cases);
        suite.push_str("  </testsuite>\n");
        let spool = match &mut self.spool {
            Some(f) => f,
            None => self.spool.insert(tempfile::tempfile()?),
        };
        spool.write_all(suite.as_bytes())
    }

    fn end(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use std::io::Seek as _;
        let mut head = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(head, "<testsuites name=\"bedrock-doctor\" {}>", self.total.attributes());
        out.write_all(head.as_bytes())?;
        if let Some(spool) = &mut self.spool {
            spool.rewind()?;
            std::io::copy(spool, out)?;
        }
        out.write_all(b"</testsuites>\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_characters_xml_cannot_hold() {
        assert_eq!(escape("<a & 'b'>\"\t\r\n"), "&lt;a &amp; &apos;b&apos;&gt;&quot;&#9;&#13;&#10;");
        assert_eq!(escape("\u{1b}[31m\u{0}\u{FFFF}é"), "\\u{1b}[31m\\u{0}\\u{ffff}é");
        assert_eq!(escape_text("<a & 'b'>\"\t\r\n"), "&lt;a &amp; 'b'&gt;\"\t&#13;\n");
    }
}
