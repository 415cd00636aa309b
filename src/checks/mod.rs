//! The checks, one per file, and the registry whose order is the run order (PRODUCT.md).
//!
//! A check is a pure function of the [`Session`]: it never reads another check's outcome, so any subset
//! can run (`--select`), and the report can always say why something did not run. Facts shared by
//! several checks (what Codex will do) live in the session's [`crate::prediction::Prediction`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::codex::BedrockKind;
use crate::live::Live;
use crate::report::{Finding, Outcome};
use crate::session::Session;

pub mod app_versions;
pub mod auth_source;
pub mod aws_profile;
pub mod bearer_token;
pub mod codex_dotenv;
pub mod codex_version;
pub mod config_file;
pub mod config_profile;
pub mod credentials;
pub mod endpoint;
pub mod model_access;
pub mod model_id;
pub mod model_provider;
pub mod model_region;
pub mod provider_overrides;
pub mod region;
pub mod responses_probe;
pub mod secrets_in_config;
pub mod sts_identity;
pub mod unknown_keys;
pub mod web_search;
pub mod wire_api;

pub use crate::meta::{CheckId, CheckMeta, Fixable, Kind};

/// What a live check returns: a future the runner bounds with `--timeout`.
pub type LiveFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// How a check runs.
#[derive(Debug)]
pub enum Runner {
    /// Pure local work on the context.
    Offline(fn(&Session) -> Outcome),
    /// Network work, run concurrently with the other live checks.
    Live(fn(Arc<Session>, Arc<Live>) -> LiveFuture),
}

/// Proposes the typed edits that repair what a check finds.
pub type FixFn = fn(&Session, &crate::fix::FixOptions) -> Vec<crate::fix::Fix>;

/// A registered check.
#[derive(Debug)]
pub struct Check {
    /// What it is.
    pub meta: CheckMeta,
    /// What it does.
    pub run: Runner,
    /// Its fixes, when it has any.
    pub fixes: Option<FixFn>,
}

/// Every check, in run order: the order of [`CheckId::ALL`] (a test keeps them one-to-one).
pub const CHECKS: &[&Check] = &[
    &codex_version::CHECK,
    &app_versions::CHECK,
    &config_file::CHECK,
    &config_profile::CHECK,
    &model_provider::CHECK,
    &provider_overrides::CHECK,
    &unknown_keys::CHECK,
    &wire_api::CHECK,
    &web_search::CHECK,
    &model_id::CHECK,
    &codex_dotenv::CHECK,
    &auth_source::CHECK,
    &bearer_token::CHECK,
    &region::CHECK,
    &model_region::CHECK,
    &aws_profile::CHECK,
    &endpoint::CHECK,
    &secrets_in_config::CHECK,
    &credentials::CHECK,
    &sts_identity::CHECK,
    &model_access::CHECK,
    &responses_probe::CHECK,
];

/// The check with that id (`policy` is not a registered check).
pub fn find(id: CheckId) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.meta.id == id)
}

/// The registered check of that spelling (command-line input).
pub fn find_str(id: &str) -> Option<&'static Check> {
    CheckId::parse(id).and_then(find)
}

/// Why a check that needs a Bedrock provider did not run.
pub struct NotBedrock(String);

impl From<NotBedrock> for Outcome {
    fn from(reason: NotBedrock) -> Outcome {
        Outcome::skip(reason.0)
    }
}

/// The Bedrock provider in use, or why there is none.
pub fn bedrock(ctx: &Session) -> Result<BedrockKind, NotBedrock> {
    match (ctx.prediction.bedrock, ctx.prediction.provider.as_deref()) {
        (Some(kind), _) => Ok(kind),
        (None, None) => Err(NotBedrock("no Bedrock provider selected (model_provider is unset)".into())),
        (None, Some(p)) if ctx.prediction.reaches_bedrock() => Err(NotBedrock(format!(
            "`{p}` is a custom provider: Codex applies no Bedrock region or AWS credential rules to it (see model-provider)"
        ))),
        (None, Some(p)) => Err(NotBedrock(format!("model_provider `{p}` is not a Bedrock provider"))),
    }
}

/// Adds a failure for each fatal Codex error this check owns, quoting Codex's exact text.
///
/// Codex prints only the first: a later one is what it stops at once the first is fixed, and says so
/// (naming the check that reports the first), so one cause is never told as two "Codex stops".
pub fn report_fatal(ctx: &Session, check: CheckId, outcome: &mut Outcome, remediation: &str) {
    let first = ctx.prediction.codex_error();
    for fatal in ctx.prediction.fatal_for(check) {
        let message = match first {
            Some(f) if !std::ptr::eq(f, fatal) && f.check != check => {
                format!("once {} is fixed, Codex stops: {}", f.check, headline(&fatal.text))
            }
            _ => format!("Codex stops: {}", headline(&fatal.text)),
        };
        outcome.push(Finding::fail(message).fix(remediation).at(fatal.location.clone()));
        outcome.set("codex_error", fatal.text.clone());
    }
}

/// What a check's verdict rests on, beyond the gathered facts: when it is missing, the check is
/// skipped with a reason naming it ([`unmet_need`]), instead of judging a config Codex never accepts
/// or a request Codex never sends. One cause is then one failure, reported by the check that owns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Facts of their own (the Codex install, the files themselves, `.env`).
    Nothing,
    /// A config Codex loads: the check reads what it says (provider, model, region, credentials).
    LoadedConfig,
    /// A request Codex sends (the probe of that request).
    SendableRequest,
}

/// What each check needs. One exhaustive match: a new check must say.
pub fn need(id: CheckId) -> Need {
    use CheckId::*;
    match id {
        CodexVersion | AppVersions | ConfigFile | CodexDotenv | SecretsInConfig | Policy => Need::Nothing,
        ConfigProfile | ModelProvider | ProviderOverrides | UnknownKeys | WireApi | WebSearch | ModelId
        | AuthSource | BearerToken | Region | ModelRegion | AwsProfile | Endpoint | Credentials | StsIdentity
        | ModelAccess => Need::LoadedConfig,
        ResponsesProbe => Need::SendableRequest,
    }
}

/// Why `id` cannot be judged on this prediction, when it cannot: the standard skip reason of [`Need`].
/// The check that owns the first Codex error always runs, to report it. `reported` says whether a check
/// is in this run (`--select`/`--ignore`, `lint`'s subset): when the owner is not, the reason quotes
/// Codex's error itself, since naming a check the reader cannot see would hide why.
pub fn unmet_need(
    id: CheckId,
    p: &crate::prediction::Prediction,
    reported: impl Fn(CheckId) -> bool,
) -> Option<String> {
    let first = p.codex_error()?;
    if first.check == id {
        return None;
    }
    let shown = reported(first.check);
    let cause =
        if shown { format!("{} fails", first.check) } else { format!("Codex stops: {}", headline(&first.text)) };
    match need(id) {
        Need::Nothing => None,
        Need::LoadedConfig | Need::SendableRequest if p.load_failed => {
            Some(format!("needs a config that loads ({cause})"))
        }
        Need::LoadedConfig => None,
        Need::SendableRequest if shown => Some(no_request(p)),
        Need::SendableRequest => Some(format!("needs a request Codex sends ({cause})")),
    }
}

/// Why there is no request to judge: Codex stops first (naming the check that says why), or sends none.
pub fn no_request(p: &crate::prediction::Prediction) -> String {
    match p.codex_error() {
        Some(first) => format!("needs a request Codex sends (Codex stops first: see {})", first.check),
        None => "Codex sends no request for this setup".to_owned(),
    }
}

/// The line of a Codex error worth a headline: its first line, joined with the second when the first
/// is only a prefix (`Error loading config.toml:` followed by `file:line:col: message`).
pub fn headline(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim_end();
    match lines.next() {
        Some(second) if first.ends_with(':') => format!("{first} {}", second.trim()),
        _ => first.to_owned(),
    }
}

/// A quoted list for messages: `a`, `b`, `c`.
pub fn quoted(items: &[impl AsRef<str>]) -> String {
    items.iter().map(|i| format!("`{}`", i.as_ref())).collect::<Vec<_>>().join(", ")
}

/// Damerau-free edit distance, for "did you mean".
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within `max` edits.
///
/// The distance is at least the difference in length, so a candidate whose length differs by more than
/// `max` is skipped without computing it: a 4 MB value costs one length count, not 4 MB × the catalog.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, max: usize) -> Option<&'a str> {
    let len = word.chars().count();
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|c| c.chars().count().abs_diff(len) <= max)
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_is_skipped_when_what_it_needs_is_missing_and_never_when_it_owns_the_cause() {
        use crate::prediction::{Fatal, Prediction};
        let fatal = |check| Fatal { check, text: "x".into(), location: None };
        let mut p = Prediction { fatal: vec![fatal(CheckId::ConfigFile)], load_failed: true, ..Prediction::default() };
        assert_eq!(unmet_need(CheckId::ConfigFile, &p, |_| true), None);
        assert_eq!(unmet_need(CheckId::SecretsInConfig, &p, |_| true), None);
        let loads = Some("needs a config that loads (config-file fails)".to_owned());
        for id in [CheckId::ModelProvider, CheckId::Region, CheckId::ResponsesProbe, CheckId::Credentials] {
            assert_eq!(unmet_need(id, &p, |_| true), loads, "{id}");
        }
        // A config that loads, and Codex stops at the region: only the request is missing.
        p = Prediction { fatal: vec![fatal(CheckId::Region)], load_failed: false, ..Prediction::default() };
        assert_eq!(unmet_need(CheckId::Region, &p, |_| true), None);
        assert_eq!(unmet_need(CheckId::ModelId, &p, |_| true), None);
        assert_eq!(
            unmet_need(CheckId::ResponsesProbe, &p, |_| true),
            Some("needs a request Codex sends (Codex stops first: see region)".to_owned())
        );
        // Nothing stops Codex: everything runs.
        p.fatal.clear();
        assert!(CheckId::ALL.iter().all(|id| unmet_need(*id, &p, |_| true).is_none()));
    }

    #[test]
    fn registry_and_ids_are_one_to_one_and_in_order() {
        let registered: Vec<CheckId> = CHECKS.iter().map(|c| c.meta.id).collect();
        let ids: Vec<CheckId> = CheckId::ALL.iter().copied().filter(|id| *id != CheckId::Policy).collect();
        assert_eq!(registered, ids);
    }
}
