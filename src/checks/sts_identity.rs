//! `sts-identity` (live): STS GetCallerIdentity with the resolved credentials: which account and
//! identity Codex will act as.

use std::sync::Arc;

use aws_sdk_sts::error::ProvideErrorMetadata;

use super::{Check, CheckMeta, Fixable, Kind, LiveFuture, Runner};
use crate::live::classify::{chain, sdk_error};
use crate::live::{Live, Resolved};
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::StsIdentity,
        group: "live",
        kind: Kind::Live,
        fixable: Fixable::No,
        lint: false,
        summary: "STS GetCallerIdentity: account, ARN",
        doc: include_str!("../../checks/sts-identity.md"),
    },
    run: Runner::Live(run),
    fixes: None,
};

fn run(ctx: Arc<Session>, live: Arc<Live>) -> LiveFuture {
    Box::pin(async move { check(&ctx, &live).await })
}

/// An info finding for each endpoint override that applies to `service` (`STS`, `BEDROCK`).
pub fn override_notes(live: &Live, service: &str, out: &mut Outcome) {
    for (var, value) in &live.overrides {
        if var == "AWS_ENDPOINT_URL" || var == &format!("AWS_ENDPOINT_URL_{service}") {
            out.push(Finding::info(format!("{var}={value} redirects this call")));
        }
    }
}

async fn check(ctx: &Session, live: &Live) -> Outcome {
    let creds = match live.credentials(ctx).await {
        Resolved::Credentials(c) => c,
        Resolved::Bearer => {
            return Outcome::skip("Codex authenticates with a bearer token: there is no IAM identity to ask STS about");
        }
        Resolved::NotApplicable(reason) => return Outcome::skip(reason),
        _ => return Outcome::skip("no credentials resolved (see credentials)"),
    };
    let config = live.sdk_config(creds).await;
    let client = aws_sdk_sts::Client::new(&config);
    let mut out = match client.get_caller_identity().send().await {
        Ok(id) => {
            let account = id.account().unwrap_or("?").to_owned();
            let arn = id.arn().unwrap_or("?").to_owned();
            let mut out = Outcome::pass(format!("account {account}, {arn}"));
            out.set("account", account);
            out.set("arn", arn);
            out.set("user_id", id.user_id().unwrap_or("").to_owned());
            out
        }
        Err(e) => {
            let message = e.message().map(str::to_owned).unwrap_or_else(|| chain(&e));
            let host = live.sdk_host("STS", "sts");
            let v = sdk_error(e.code(), &message, "sts:GetCallerIdentity", &host, live.timeout.as_secs_f64());
            let mut f = Finding {
                status: v.status,
                message: format!("STS: {}", v.message),
                remediation: v.remediation,
                location: None,
            };
            if v.kind == "access-denied" {
                f.message.push_str(
                    " (GetCallerIdentity needs no permission: an SCP or a permissions boundary denies everything)",
                );
            }
            let mut out = Outcome::pass("").with(f);
            out.set("kind", v.kind);
            out
        }
    };
    override_notes(live, "STS", &mut out);
    out
}
