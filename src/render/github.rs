//! GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` line per finding, which
//! the runner turns into an annotation on the file and line (ruff's `render/github.rs`).
//!
//! The runner splits a command at the first `::` and its properties at `,` and `:`, and ends it at a
//! newline, so the message and the property values are escaped as `actions/toolkit`'s `command.ts`
//! does. A finding without a place of its own is annotated at line 1 of the evaluated file (without
//! `col`), and its message says so.

use std::io::Write;

use super::Target;
use super::stream::LintStream;
use super::{display_path, message, place, reported};
use crate::report::Status;

/// Escapes a command's message (`escapeData` in `actions/toolkit`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`escapeProperty`): the message escapes plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(status: Status) -> &'static str {
    match status {
        Status::Fail => "error",
        Status::Warn => "warning",
        Status::Info | Status::Pass | Status::Skip => "notice",
    }
}

/// The workflow commands, one line per finding, in report order.
pub fn render(targets: &[Target<'_>]) -> String {
    super::stream::to_string(GithubStream, targets)
}

fn file_lines(target: &Target<'_>) -> String {
    let mut out = String::new();
    for result in &target.report.results {
        for finding in reported(result) {
            let (at, own) = place(target, finding);
            let mut props = format!("file={},line={}", escape_property(&display_path(&at.file)), at.line);
            if own {
                props.push_str(&format!(",col={}", at.column));
            }
            props.push_str(&format!(",title={}", escape_property(&format!("bedrock-doctor ({})", result.meta.id))));
            out.push_str(&format!(
                "::{} {props}::{}\n",
                command(finding.status),
                escape_data(&message(target, finding))
            ));
        }
    }
    out
}

/// GitHub workflow commands, streamed: nothing before or after the lines.
pub struct GithubStream;

impl LintStream for GithubStream {
    fn begin(&mut self, _out: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }

    fn file(&mut self, target: &Target<'_>, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(file_lines(target).as_bytes())
    }

    fn end(&mut self, _out: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("50% a\r\nb: c, d"), "50%25 a%0D%0Ab%3A c%2C d");
    }
}
