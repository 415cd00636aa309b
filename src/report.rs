//! What checks produce and the report that renderers print. Renderers never compute: everything they
//! show is in these types.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::context::Location;
use crate::meta::CheckMeta;

/// A check's verdict. The order is severity: the worst finding decides a check's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Did not run (offline, not applicable, prerequisite missing).
    Skip,
    /// Nothing wrong.
    Pass,
    /// Worth knowing, nothing wrong.
    Info,
    /// Works, but not as the user probably intends, or will break soon.
    Warn,
    /// Codex will fail, or send something that cannot work.
    Fail,
}

impl Status {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Skip => "skip",
            Status::Pass => "pass",
            Status::Info => "info",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One problem (or note) a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// How bad.
    pub status: Status,
    /// The problem, one line, no trailing period.
    pub message: String,
    /// What to do about it (a sentence or a command).
    pub remediation: Option<String>,
    /// Where in a file.
    pub location: Option<Location>,
}

impl Finding {
    /// A failure.
    pub fn fail(message: impl Into<String>) -> Finding {
        Finding { status: Status::Fail, message: message.into(), remediation: None, location: None }
    }

    /// A warning.
    pub fn warn(message: impl Into<String>) -> Finding {
        Finding { status: Status::Warn, message: message.into(), remediation: None, location: None }
    }

    /// A note.
    pub fn info(message: impl Into<String>) -> Finding {
        Finding { status: Status::Info, message: message.into(), remediation: None, location: None }
    }

    /// Adds the remedy.
    pub fn fix(mut self, remediation: impl Into<String>) -> Finding {
        self.remediation = Some(remediation.into());
        self
    }

    /// Adds the location.
    pub fn at(mut self, location: Option<Location>) -> Finding {
        self.location = location;
        self
    }
}

/// What one check returns.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Status when there are no findings (pass, info or skip).
    pub clean_status: Status,
    /// The summary when there are no findings (or the skip reason).
    pub summary: String,
    /// Problems found.
    pub findings: Vec<Finding>,
    /// Check-specific facts for `-v` and JSON.
    pub details: Map<String, Value>,
}

impl Outcome {
    /// Passed, with what was verified.
    pub fn pass(summary: impl Into<String>) -> Outcome {
        Outcome { clean_status: Status::Pass, summary: summary.into(), findings: Vec::new(), details: Map::new() }
    }

    /// Informational only.
    pub fn info(summary: impl Into<String>) -> Outcome {
        Outcome { clean_status: Status::Info, ..Outcome::pass(summary) }
    }

    /// Not run, with the reason.
    pub fn skip(reason: impl Into<String>) -> Outcome {
        Outcome { clean_status: Status::Skip, ..Outcome::pass(reason) }
    }

    /// Adds a finding.
    pub fn with(mut self, finding: Finding) -> Outcome {
        self.findings.push(finding);
        self
    }

    /// Adds a finding in place.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Adds a detail.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Outcome {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// Adds a detail in place.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.details.insert(key.to_owned(), value.into());
    }

    /// The check's status: its worst finding, or the clean status.
    pub fn status(&self) -> Status {
        self.findings.iter().map(|f| f.status).max().unwrap_or(self.clean_status).max(self.clean_status)
    }

    /// The finding that sets the status (first of the worst).
    pub fn headline(&self) -> Option<&Finding> {
        let worst = self.findings.iter().map(|f| f.status).max()?;
        self.findings.iter().find(|f| f.status == worst)
    }
}

/// Whether `bedrock-doctor fix` can repair what a check found (the JSON report's `fix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixAvailable {
    /// Plain `fix` applies it (otherwise it needs `--unsafe` or a flag value).
    pub safe: bool,
}

/// One check's result in the report.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// The check.
    pub meta: &'static CheckMeta,
    /// Its outcome.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
    /// The fix for what it found, if there is one.
    pub fix: Option<FixAvailable>,
}

impl CheckResult {
    /// The status.
    pub fn status(&self) -> Status {
        self.outcome.status()
    }

    /// The one-line summary: the headline finding's message, or the clean summary.
    pub fn summary(&self) -> String {
        match self.outcome.headline() {
            // A note adds to what the check established; it does not replace it.
            Some(f) if f.status == Status::Info && !self.outcome.summary.is_empty() => {
                format!("{}; {}", self.outcome.summary, f.message)
            }
            Some(f) => {
                let more = self.outcome.findings.iter().filter(|g| g.status >= Status::Warn).count().saturating_sub(1);
                if more > 0 { format!("{} (+{more} more)", f.message) } else { f.message.clone() }
            }
            None => self.outcome.summary.clone(),
        }
    }
}

/// Counts per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Passed.
    pub pass: usize,
    /// Informational.
    pub info: usize,
    /// Warnings.
    pub warn: usize,
    /// Failures.
    pub fail: usize,
    /// Skipped.
    pub skip: usize,
}

/// All results, in registry order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Results in run order.
    pub results: Vec<CheckResult>,
    /// Secrets met while running (credentials resolved by the live pass), for scrubbing the output.
    /// Never rendered.
    pub secrets: Vec<String>,
}

impl Report {
    /// The overall status: fail if anything failed, warn if anything warned, else pass.
    pub fn status(&self) -> Status {
        match self.results.iter().map(CheckResult::status).max() {
            Some(Status::Fail) => Status::Fail,
            Some(Status::Warn) => Status::Warn,
            _ => Status::Pass,
        }
    }

    /// Counts per status.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for r in &self.results {
            match r.status() {
                Status::Pass => t.pass += 1,
                Status::Info => t.info += 1,
                Status::Warn => t.warn += 1,
                Status::Fail => t.fail += 1,
                Status::Skip => t.skip += 1,
            }
        }
        t
    }

    /// The process exit code (PRODUCT.md: 0 ok, 1 a failure, or a warning under `--strict`).
    pub fn exit_code(&self, strict: bool) -> i32 {
        match self.status() {
            Status::Fail => 1,
            Status::Warn if strict => 1,
            _ => 0,
        }
    }
}
