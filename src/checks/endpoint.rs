//! `endpoint`: the exact URL Codex will call (path by version, `base_url` override from 0.145), the
//! signing region against the URL's region, and credentials aimed at a host that is not AWS
//! (reference §4.3).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock};
use crate::codex::{AuthMethod, BedrockKind};
use crate::context::Mode;
use crate::meta::CheckId;
use crate::net::{host_region, is_aws_host, split_url};
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::Endpoint,
        group: "endpoint",
        kind: Kind::Offline,
        fixable: Fixable::No,
        lint: true,
        summary: "the exact URL Codex will call; signing region vs URL region; credentials aimed at a non-AWS host",
        doc: include_str!("../../checks/endpoint.md"),
    },
    run: Runner::Offline(run),
    fixes: None,
};

/// Custom providers whose `env_key` hands them the Bedrock API key, and a host that is not AWS: every
/// user of such a config sends their key there.
fn bearer_key_leaks(ctx: &Session) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, _) in ctx.config.keys(&["model_providers"]) {
        if id.starts_with("amazon-bedrock") {
            continue;
        }
        let key = ctx.config.get_str(&["model_providers", &id, "env_key"]).ok().flatten();
        let Some((env_key, found)) = key else { continue };
        if env_key != crate::env_vars::AWS_BEARER_TOKEN_BEDROCK {
            continue;
        }
        let base = ctx.config.get_str(&["model_providers", &id, "base_url"]).ok().flatten().map(|(b, _)| b.to_owned());
        let host = base.as_deref().and_then(split_url).map(|(_, h, _)| h.to_owned()).unwrap_or_default();
        if !is_aws_host(&host) {
            out.push(
                Finding::fail(format!(
                    "provider `{id}` sends AWS_BEARER_TOKEN_BEDROCK to `{}`, which is not an AWS endpoint",
                    if host.is_empty() { "an unset base_url" } else { &host }
                ))
                .fix("Use the built-in amazon-bedrock provider, or point this provider at an AWS endpoint")
                .at(ctx.config.location(&found)),
            );
        }
    }
    out
}

fn run(ctx: &Session) -> Outcome {
    let leaks = bearer_key_leaks(ctx);
    let kind = match bedrock(ctx) {
        Ok(kind) => kind,
        Err(skip) if leaks.is_empty() => return skip.into(),
        Err(_) => {
            let mut out = Outcome::pass("");
            out.findings = leaks;
            return out;
        }
    };
    let p = &ctx.prediction;
    let Some(url) = &p.endpoint else {
        if !leaks.is_empty() {
            let mut out = Outcome::pass("");
            out.findings = leaks;
            return out;
        }
        if ctx.mode == Mode::Template && p.fatal.is_empty() {
            return Outcome::info("the URL depends on each user's region (not pinned)");
        }
        return Outcome::skip("Codex stops before sending a request (see codex_error)");
    };
    let mut out = Outcome::pass(format!("POST {url}"));
    out.findings.extend(leaks);
    out.set("url", url.clone());
    if let Some(signing) = &p.signing {
        out.set("signing", serde_json::json!({"service": signing.service, "region": signing.region}));
    }
    let Some(base) = &p.base_url else {
        if kind == BedrockKind::Mantle && !url.contains("/openai/v1/") {
            out.push(Finding::info(format!(
                "Codex {} uses the old /v1/responses path (/openai/v1 from 0.128.0)",
                ctx.rules.version
            )));
        }
        return out;
    };
    let location = ctx
        .config
        .get(&crate::prediction::provider_path(kind.id(), &["base_url"]))
        .and_then(|f| ctx.config.location(&f));
    out.set("base_url", base.clone());
    let Some((scheme, host, path)) = split_url(base) else {
        return out.with(
            Finding::fail(format!("base_url `{base}` is not a URL"))
                .fix("Use https://bedrock-mantle.REGION.api.aws/openai/v1")
                .at(location),
        );
    };
    let what = match p.auth.as_ref().map(|a| a.method) {
        Some(AuthMethod::Bearer) => "your Bedrock API key",
        _ => "your AWS SigV4 signature (and session token)",
    };
    if !is_aws_host(host) {
        // In a user's own config a gateway can be deliberate; a shared template ships every user's
        // credentials there, so `lint` fails it.
        let severity = if ctx.mode == Mode::Template { Finding::fail } else { Finding::warn };
        out.push(
            severity(format!("base_url sends {what} to `{host}`, which is not an AWS endpoint"))
                .fix("Remove base_url unless this host is a gateway you trust with AWS credentials")
                .at(location.clone()),
        );
    }
    if scheme != "https" {
        out.push(
            Finding::warn(format!("base_url uses {scheme}://: credentials travel unencrypted"))
                .fix("Use https")
                .at(location.clone()),
        );
    }
    if let (Some(url_region), Some(signing)) = (host_region(host), &p.signing)
        && url_region != signing.region
    {
        out.push(
                Finding::fail(format!(
                    "base_url points at {url_region} but Codex signs for {}: the signature's scope will not match and AWS answers 403",
                    signing.region
                ))
                .fix(format!("Set aws.region = \"{url_region}\", or point base_url at {}", signing.region))
                .at(location.clone()),
            );
    }
    if host.starts_with("bedrock-mantle.") && path.trim_end_matches('/') != "/openai/v1" {
        out.push(
            Finding::warn(format!("base_url path `{path}` is not /openai/v1: Codex appends only /responses"))
                .fix("End base_url with /openai/v1")
                .at(location),
        );
    }
    out
}
