//! Runs the selected checks in registry order and times each one.

use std::time::Instant;

use crate::checks::{CHECKS, Check};
use crate::context::Context;
use crate::report::{CheckResult, Report};

/// Which checks run (`--select`, `--ignore`).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only these ids (empty: all).
    pub select: Vec<String>,
    /// Never these ids.
    pub ignore: Vec<String>,
}

impl Selection {
    /// Ids that name no check.
    pub fn unknown_ids(&self) -> Vec<String> {
        self.select.iter().chain(&self.ignore).filter(|id| crate::checks::find(id).is_none()).cloned().collect()
    }

    /// Whether `check` runs.
    pub fn includes(&self, check: &Check) -> bool {
        let id = check.meta.id;
        (self.select.is_empty() || self.select.iter().any(|s| s == id)) && !self.ignore.iter().any(|s| s == id)
    }
}

/// Runs every selected check.
pub fn run(ctx: &Context, selection: &Selection) -> Report {
    let results = CHECKS
        .iter()
        .copied()
        .filter(|c| selection.includes(c))
        .map(|check| {
            let start = Instant::now();
            let outcome = (check.run)(ctx);
            CheckResult { meta: &check.meta, outcome, duration: start.elapsed() }
        })
        .collect();
    Report { results }
}
