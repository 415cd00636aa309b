//! `responses-probe` (live): one minimal request to the URL Codex will call, signed exactly as Codex
//! signs it, and the answer classified: ok, access denied (which IAM action), model not found, signature
//! or clock problems, expired credentials, throttling, DNS, TLS, proxy, timeout.

use std::sync::Arc;

use super::{Check, CheckMeta, Fixable, Kind, LiveFuture, Runner};
use crate::env_vars::{ALL_PROXY_VARS, HTTP_PROXY_VARS, HTTPS_PROXY_VARS};
use crate::live::classify::{Verdict, clock_skew, responses_answer, transport_error};
use crate::live::probe::{self, MANTLE_ENDPOINT_OVERRIDE};
use crate::live::{Live, request_target, unix_now};
use crate::meta::CheckId;
use crate::report::{Finding, Outcome, Status};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ResponsesProbe,
        group: "live",
        kind: Kind::Live,
        fixable: Fixable::No,
        lint: false,
        summary: "a minimal Responses request to the predicted URL, signed exactly as Codex signs it; the answer classified",
        doc: include_str!("../../checks/responses-probe.md"),
    },
    run: Runner::Live(run),
    fixes: None,
};

fn run(ctx: Arc<Session>, live: Arc<Live>) -> LiveFuture {
    Box::pin(async move { check(&ctx, &live).await })
}

async fn check(ctx: &Session, live: &Live) -> Outcome {
    let p = &ctx.prediction;
    let Some(model) = &p.model else { return Outcome::skip("no model predicted") };
    let Prepared { kind, target, http, auth: request_auth } = match prepare(ctx, live).await {
        Ok(prepared) => prepared,
        Err(outcome) => return outcome,
    };
    let region = live.region.clone().unwrap_or_default();
    let mut out = Outcome::pass(format!("POST {}", target.url));
    out.set("url", target.url.to_string());
    if target.overridden {
        out.push(Finding::info(format!("{MANTLE_ENDPOINT_OVERRIDE} redirects the probe to {}", target.url)));
    }
    match probe::send(http, &target.url, kind, p.builtin_bedrock(), &ctx.rules, request_auth.as_auth(), model).await {
        Ok(answer) => {
            out.set("status", answer.status);
            out.set("latency_ms", answer.latency_ms as u64);
            if let Some(signed) = &answer.signed_headers {
                out.set("signed_headers", signed.clone());
            }
            let verdict = responses_answer(
                answer.status,
                &answer.body,
                request_auth.is_bearer(),
                model,
                &region,
                answer.latency_ms,
            );
            out.set("kind", verdict.kind);
            if verdict.status == Status::Pass {
                out.summary = verdict.message;
            } else {
                out.push(verdict.into_finding(""));
            }
            if let Some(skew) = answer.date.and_then(|server| clock_skew(server, unix_now())) {
                out.push(skew.into_finding(""));
            }
        }
        Err(error) => {
            let mut verdict = transport_error(&error.to_string(), &target.host, live.timeout.as_secs_f64());
            // reqwest does not say "proxy" when the proxy refuses: a configured proxy is the suspect
            // for a connection that failed outright.
            let proxy = [HTTPS_PROXY_VARS, HTTP_PROXY_VARS, ALL_PROXY_VARS]
                .iter()
                .flat_map(|vars| vars.iter())
                .find_map(|k| ctx.env.trimmed(k).map(|v| (*k, v)));
            if let (Some((var, value)), "network" | "refused") = (proxy, verdict.kind) {
                verdict = Verdict {
                    kind: "proxy",
                    message: format!("the request through the proxy {var}={value} failed ({error})"),
                    remediation: Some(format!("Check that the proxy at {value} is up, or exempt AWS with NO_PROXY")),
                    ..verdict
                };
            }
            out.set("kind", verdict.kind);
            out.push(verdict.into_finding(""));
        }
    }
    out
}

/// What a request to Codex's own destination needs (the probe, and Mantle's models list in
/// `model-access`): where, decided by the probe's host rule; over which client; with which credential.
pub(super) struct Prepared<'a> {
    pub kind: crate::codex::BedrockKind,
    pub target: probe::Target,
    pub http: &'a reqwest::Client,
    pub auth: crate::live::RequestAuth,
}

/// [`Prepared`], or the outcome that says why there is no request to send.
pub(super) async fn prepare<'a>(ctx: &Session, live: &'a Live) -> Result<Prepared<'a>, Outcome> {
    let (kind, target) = request_target(ctx).map_err(Outcome::skip)?;
    let http = match &live.http {
        Ok(client) => client,
        Err(e) => return Err(Outcome::pass("").with(Finding::fail(format!("cannot set up HTTPS: {e}")))),
    };
    let auth = live.request_auth(ctx).await.map_err(Outcome::skip)?;
    Ok(Prepared { kind, target, http, auth })
}
