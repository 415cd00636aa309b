//! `credentials` (live): the AWS SDK chain resolves, exactly as Codex's auth path would resolve it,
//! and names the real cause when it does not (Codex only says "an error occurred while loading
//! credentials", reference §5.3).

use std::sync::Arc;

use super::{Check, CheckMeta, Fixable, Kind, LiveFuture, Runner};
use crate::live::classify::credentials_remedy;
use crate::live::{Live, Resolved, last4, provider_name};
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;
use crate::timeutil::{format_utc, human_duration};

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::Credentials,
        group: "live",
        kind: Kind::Live,
        fixable: Fixable::No,
        lint: false,
        summary: "the AWS SDK chain resolves (source, expiry, key id shown only as its last 4 characters)",
        doc: include_str!("../../checks/credentials.md"),
    },
    run: Runner::Live(run),
    fixes: None,
};

/// Credentials that expire sooner than this get a warning: a Codex session outlives them.
const SOON_SECS: i64 = 15 * 60;

fn run(ctx: Arc<Session>, live: Arc<Live>) -> LiveFuture {
    Box::pin(async move { check(&ctx, &live).await })
}

async fn check(ctx: &Session, live: &Live) -> Outcome {
    if live.region.is_none() && ctx.prediction.bedrock.is_some() {
        return Outcome::skip("no region resolved (see region), so the SDK chain is not started");
    }
    match live.credentials(ctx).await {
        Resolved::Credentials(creds) => {
            let provider = provider_name(&creds);
            let key = last4(creds.access_key_id());
            let mut out = Outcome::pass(format!("resolved by {provider}, key …{key}"));
            out.set("provider", provider);
            out.set("access_key_id_last4", key.clone());
            out.set("temporary", creds.session_token().is_some());
            if let Some(predicted) = ctx.prediction.auth.as_ref().and_then(|a| a.access_key_id_last4.clone())
                && predicted != key {
                    out.push(Finding::warn(format!("the prediction expected key …{predicted}, the chain returned …{key}")));
                }
            if let Some(expiry) = creds.expiry() {
                let at = expiry.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
                out.set("expires", format_utc(at));
                let left = at - ctx.now;
                out.summary.push_str(&format!(", expires in {}", human_duration(left)));
                if left < SOON_SECS {
                    out.push(
                        Finding::warn(format!("the credentials expire in {}", human_duration(left)))
                            .fix("Refresh them before a long session (aws sso login, or a new role session)"),
                    );
                }
            }
            out
        }
        Resolved::Bearer => Outcome::skip("Codex authenticates with a bearer token: no AWS credentials are loaded"),
        Resolved::NotApplicable(reason) => Outcome::skip(reason),
        Resolved::TimedOut(limit) => Outcome::pass("").with(
            Finding::fail(format!("the credential chain did not answer within {} s", limit.as_secs_f64()))
                .fix("A hanging credential_process, SSO refresh or instance-metadata probe; run `aws sts get-caller-identity` with the same profile to see which"),
        ),
        Resolved::Failed(message) => {
            let remedy = credentials_remedy(ctx, &message);
            let headline = if message.contains("no credentials found in chain") {
                format!(
                    "no credentials anywhere: not in the environment, profile `{}`, web identity, a container or instance metadata",
                    ctx.aws_profile.name
                )
            } else {
                format!("the AWS credential chain failed: {message}")
            };
            Outcome::pass("").with(Finding::fail(headline).fix(remedy)).detail("chain", message)
        }
    }
}
