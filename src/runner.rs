//! Runs the selected checks: the offline ones in registry order (pure local work), then the live ones
//! concurrently, each bounded by `--timeout`, and reports everything in registry order.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::checks::{CHECKS, Check, Runner};
use crate::live::Live;
use crate::meta::CheckId;
use crate::report::{CheckResult, Finding, FixAvailable, Outcome, Report};
use crate::session::Session;

/// Which checks run (`--select`, `--ignore`).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only these ids (empty: all).
    pub select: Vec<CheckId>,
    /// Never these ids.
    pub ignore: Vec<CheckId>,
}

/// Ids on the command line that name no check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownIds(pub Vec<String>);

impl std::fmt::Display for UnknownIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown check id(s): {} (see `bedrock-doctor list`)", self.0.join(", "))
    }
}

impl std::error::Error for UnknownIds {}

impl Selection {
    /// Parses the command line's ids; `Err` lists the ones that name no check.
    pub fn parse(select: &[String], ignore: &[String]) -> Result<Selection, UnknownIds> {
        let unknown: Vec<String> =
            select.iter().chain(ignore).filter(|id| CheckId::parse(id).is_none()).cloned().collect();
        if !unknown.is_empty() {
            return Err(UnknownIds(unknown));
        }
        let ids = |list: &[String]| list.iter().filter_map(|id| CheckId::parse(id)).collect();
        Ok(Selection { select: ids(select), ignore: ids(ignore) })
    }

    /// Whether the check with that id runs.
    pub fn includes_id(&self, id: CheckId) -> bool {
        (self.select.is_empty() || self.select.contains(&id)) && !self.ignore.contains(&id)
    }

    /// Whether `check` runs.
    pub fn includes(&self, check: &Check) -> bool {
        self.includes_id(check.meta.id)
    }
}

/// The outer backstop lets a check's own (inner) timeouts fire first, so the report names what timed
/// out rather than only that something did.
const BACKSTOP_MARGIN: Duration = Duration::from_millis(250);

/// The progress line on stderr while live checks run (a terminal only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spinner {
    /// None: not a terminal, or a machine format.
    Off,
    /// Braille frames.
    Unicode,
    /// `--ascii`: nothing outside ASCII reaches the terminal, progress included.
    Ascii,
}

impl Spinner {
    fn frames(self) -> Option<&'static [&'static str]> {
        match self {
            Spinner::Off => None,
            Spinner::Unicode => Some(&["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]),
            Spinner::Ascii => Some(&["|", "/", "-", "\\"]),
        }
    }
}

/// Runs every selected check. `spinner` shows the live checks still running on stderr.
pub fn run(ctx: Arc<Session>, selection: &Selection, spinner: Spinner) -> Report {
    let selected: Vec<&'static Check> = CHECKS.iter().copied().filter(|c| selection.includes(c)).collect();
    let mut results: Vec<Option<CheckResult>> = selected.iter().map(|_| None).collect();
    let mut live = Vec::new();
    for (idx, check) in selected.iter().enumerate() {
        // A live check is not run offline; any check whose need is unmet is skipped with its reason. No
        // fix is advertised for a skipped check: the report would name an edit it never explains. `fix`
        // still applies what the checks propose once the config loads, and prints each edit.
        let skip = match check.run {
            Runner::Live(_) if ctx.options.offline => Some("not run: --offline".to_owned()),
            _ => crate::checks::unmet_need(check.meta.id, &ctx.prediction, |id| selection.includes_id(id)),
        };
        if let Some(reason) = skip {
            let outcome = Outcome::skip(reason);
            results[idx] = Some(CheckResult { meta: &check.meta, outcome, duration: Duration::ZERO, fix: None });
            continue;
        }
        match check.run {
            Runner::Offline(run) => {
                let start = Instant::now();
                let outcome = run(&ctx);
                let duration = start.elapsed();
                let fix = fix_available(check, &ctx);
                results[idx] = Some(CheckResult { meta: &check.meta, outcome, duration, fix });
            }
            Runner::Live(run) => live.push((idx, *check, run)),
        }
    }
    let mut secrets = Vec::new();
    if !live.is_empty() {
        let (done, resolved) = run_live(ctx, live, spinner);
        for (idx, result) in done {
            results[idx] = Some(result);
        }
        secrets = resolved;
    }
    Report { results: results.into_iter().flatten().collect(), secrets }
}

/// What `fix` would do for this check with no flags: nothing, safe edits, or only unsafe ones.
fn fix_available(check: &Check, ctx: &Session) -> Option<FixAvailable> {
    // `fix` refuses to edit a config.toml that does not parse: what the checks would propose from the
    // empty document it leaves (set `model_provider`, …) is not on offer.
    if ctx.config.base().is_some_and(|base| base.parse_error().is_some()) {
        return None;
    }
    let fixes: Vec<_> = (check.fixes?)(ctx, &crate::fix::FixOptions::default())
        .into_iter()
        // Neither a refused fix nor one waiting for a flag value is something `fix` would do.
        .filter(|f| !matches!(f.safety, crate::fix::Safety::Refused | crate::fix::Safety::NeedsFlag(_)))
        .collect();
    (!fixes.is_empty()).then(|| FixAvailable { safe: fixes.iter().all(|f| f.safety == crate::fix::Safety::Safe) })
}

type LiveRun = fn(Arc<Session>, Arc<Live>) -> crate::checks::LiveFuture;

fn run_live(
    ctx: Arc<Session>,
    checks: Vec<(usize, &'static Check, LiveRun)>,
    spinner: Spinner,
) -> (Vec<(usize, CheckResult)>, Vec<String>) {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            let failed = checks
                .into_iter()
                .map(|(idx, check, _)| {
                    let outcome = Outcome::pass("").with(Finding::fail(format!("cannot start the async runtime: {e}")));
                    (idx, CheckResult { meta: &check.meta, outcome, duration: Duration::ZERO, fix: None })
                })
                .collect();
            return (failed, Vec::new());
        }
    };
    let limit = ctx.options.timeout;
    runtime.block_on(async move {
        let live = Arc::new(Live::new(&ctx).await);
        let pending: Arc<Mutex<BTreeSet<CheckId>>> =
            Arc::new(Mutex::new(checks.iter().map(|(_, c, _)| c.meta.id).collect()));
        let spin = spinner.frames().map(|frames| tokio::spawn(spin(pending.clone(), frames)));
        let mut set = tokio::task::JoinSet::new();
        for (idx, check, run) in checks {
            let (ctx, live, pending) = (ctx.clone(), live.clone(), pending.clone());
            set.spawn(async move {
                let start = Instant::now();
                // An inner task, so that a panic in one check becomes that check's result.
                let mut task = tokio::spawn(run(ctx, live));
                let outcome = match tokio::time::timeout(limit + BACKSTOP_MARGIN, &mut task).await {
                    Ok(Ok(outcome)) => outcome,
                    Ok(Err(crash)) => Outcome::pass("").with(Finding::fail(format!("the check crashed: {crash}"))),
                    Err(_) => {
                        task.abort();
                        Outcome::pass("").with(
                            Finding::fail(format!("no answer within --timeout {} s", limit.as_secs_f64()))
                                .fix("Check the network path to AWS, or raise --timeout"),
                        )
                    }
                };
                if let Ok(mut p) = pending.lock() {
                    p.remove(&check.meta.id);
                }
                (idx, CheckResult { meta: &check.meta, outcome, duration: start.elapsed(), fix: None })
            });
        }
        let mut done = Vec::new();
        while let Some(joined) = set.join_next().await {
            // The outer task only awaits the inner one; it cannot panic.
            if let Ok(result) = joined {
                done.push(result);
            }
        }
        if let Some(handle) = spin {
            handle.abort();
            let _ = handle.await;
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
        done.sort_by_key(|(idx, _)| *idx);
        (done, live.resolved_secrets())
    })
}

async fn spin(pending: Arc<Mutex<BTreeSet<CheckId>>>, frames: &'static [&'static str]) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    for frame in frames.iter().cycle() {
        tick.tick().await;
        let names =
            pending.lock().map(|p| p.iter().map(|id| id.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{frame} waiting for {names}");
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_spinner_prints_only_ascii() {
        assert!(Spinner::Ascii.frames().unwrap().iter().all(|f| f.is_ascii()));
        assert!(Spinner::Unicode.frames().unwrap().iter().any(|f| !f.is_ascii()));
        assert!(Spinner::Off.frames().is_none());
    }
}
