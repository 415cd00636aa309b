//! `lint` output written as it is produced: the opening, then each file's part, then the closing, so
//! that memory stays flat over any number of templates (100k reports and their rendered text held at
//! once took over 1 GB). Each writer keeps only counters (and, for SARIF, the rules seen; for JUnit, a
//! spool file, because its totals must be on the opening tag).
//!
//! Each target's path and report are already [`crate::redact::Redacted`]: a writer only encodes.

use std::io::Write;

use super::Target;

/// One output format, streamed.
pub trait LintStream {
    /// Writes the opening.
    fn begin(&mut self, out: &mut dyn Write) -> std::io::Result<()>;
    /// Writes one file's part.
    fn file(&mut self, target: &Target<'_>, out: &mut dyn Write) -> std::io::Result<()>;
    /// Writes the closing (tallies, totals).
    fn end(&mut self, out: &mut dyn Write) -> std::io::Result<()>;
}

/// Streams `targets` through `stream` into a string (the whole-document renderers, and `check`).
pub fn to_string(mut stream: impl LintStream, targets: &[Target<'_>]) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = stream.begin(&mut out);
    for target in targets {
        let _ = stream.file(target, &mut out);
    }
    let _ = stream.end(&mut out);
    String::from_utf8(out).unwrap_or_default()
}
