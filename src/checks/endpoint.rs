//! `endpoint`: the exact URL Codex will call (path by version, `base_url` override from 0.145), where it
//! goes (Bedrock Mantle, the Runtime, OpenAI, a gateway), the signing region against the URL's region,
//! and AWS credentials aimed at a host that is not an AWS service endpoint — decided on the URL as the
//! HTTP client parses it (reference §4.3, §10; [`crate::net`]).

use super::{Check, CheckMeta, Fixable, Kind, Runner};
use crate::bearer;
use crate::codex::{AuthMethod, BedrockKind};
use crate::context::Mode;
use crate::env_vars::AWS_BEARER_TOKEN_BEDROCK;
use crate::meta::CheckId;
use crate::net::{Destination, Target};
use crate::prediction::provider_path;
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

/// What AWS credential a request carries, if any: the built-in providers sign (SigV4) or send a
/// Bedrock API key; a custom provider sends one when its `env_key` is `AWS_BEARER_TOKEN_BEDROCK` or its
/// inline token is a Bedrock API key.
fn aws_credential(ctx: &Session, id: &str) -> Option<&'static str> {
    let p = &ctx.prediction;
    if p.bedrock.is_some() && p.table() == id {
        return match p.auth.as_ref().map(|a| a.method) {
            Some(AuthMethod::Bearer) => Some("your Bedrock API key"),
            Some(AuthMethod::Sigv4) => Some("your AWS SigV4 signature (and session token)"),
            _ => None,
        };
    }
    let get = |key: &str| ctx.config.get_str(&provider_path(id, &[key])).ok().flatten().map(|(v, _)| v);
    if get("env_key") == Some(AWS_BEARER_TOKEN_BEDROCK) {
        return Some("your Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)");
    }
    let token = get("experimental_bearer_token")?;
    (bearer::inspect(token.trim()) != bearer::KeyInfo::Unknown).then_some("a Bedrock API key")
}

/// Every provider table (selected or not) that would send an AWS credential to a host that is not an
/// AWS service endpoint: each user of such a config leaks it as soon as the provider is selected.
fn credential_leaks(ctx: &Session) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, _) in ctx.config.keys(&["model_providers"]) {
        if id == ctx.prediction.table() && ctx.prediction.endpoint.is_some() {
            continue; // judged on the predicted URL below
        }
        let Some(what) = aws_credential(ctx, &id) else { continue };
        let Some((base, found)) = ctx.config.get_str(&provider_path(&id, &["base_url"])).ok().flatten() else {
            if ctx.prediction.bedrock.is_none() || id != ctx.prediction.table() {
                // No base_url: the OpenAI API.
                out.push(
                    Finding::fail(format!("provider `{id}` sends {what} to api.openai.com (it has no base_url)"))
                        .fix("Point base_url at https://bedrock-mantle.REGION.api.aws/openai/v1, or use the built-in amazon-bedrock provider")
                        .at(ctx.config.table_location(&provider_path(&id, &[]))),
                );
            }
            continue;
        };
        let host = match Target::parse(base) {
            Ok(t) if t.may_receive_credentials() => continue,
            Ok(t) => t.authority(),
            Err(e) => format!("{base}` ({e})`"),
        };
        out.push(
            Finding::fail(format!(
                "provider `{id}` sends {what} to `{host}`, which is not an AWS service endpoint reached over https"
            ))
            .fix("Use the built-in amazon-bedrock provider, or point this provider at an AWS endpoint")
            .at(ctx.config.location(&found)),
        );
    }
    out
}

fn run(ctx: &Session) -> Outcome {
    let p = &ctx.prediction;
    let leaks = credential_leaks(ctx);
    let Some(url) = &p.endpoint else {
        let mut out = if ctx.mode == Mode::Template && p.fatal.is_empty() && p.bedrock.is_some() {
            Outcome::info("the URL depends on each user's region (not pinned)")
        } else if leaks.is_empty() {
            return Outcome::skip(super::no_request(p));
        } else {
            Outcome::pass("")
        };
        out.findings.extend(leaks);
        return out;
    };
    let location = ctx.config.get(&provider_path(p.table(), &["base_url"])).and_then(|f| ctx.config.location(&f));
    let target = match Target::parse(url) {
        Ok(t) => t,
        Err(e) => {
            return Outcome::pass("").with(
                Finding::fail(format!("base_url makes Codex call `{url}`, which is {e}"))
                    .fix("Use https://bedrock-mantle.REGION.api.aws/openai/v1")
                    .at(location),
            );
        }
    };
    let destination = p.destination.clone().unwrap_or_else(|| Destination::of(&target));
    let mut out = Outcome::pass(format!("POST {url}"));
    out.findings.extend(leaks);
    out.set("url", url.clone());
    out.set("host", target.authority());
    out.set("destination", destination.label());
    if let Some(signing) = &p.signing {
        out.set("signing", serde_json::json!({"service": signing.service, "region": signing.region}));
    }
    if let Some(base) = &p.base_url {
        out.set("base_url", base.clone());
    }
    // The text of a URL can name one host and connect to another (`http://127.0.0.1?@bedrock-mantle…`):
    // the report names the host the HTTP client (reqwest, like Codex) connects to.
    let naive = url.split_once("://").map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    let shown_host = if naive.eq_ignore_ascii_case(&target.authority()) {
        String::new()
    } else {
        format!(" (the URL reads `{naive}`, but the connection goes to `{}`)", target.authority())
    };
    if let Some(what) = aws_credential(ctx, p.table())
        && !target.may_receive_credentials()
    {
        out.push(
            Finding::fail(format!(
                "Codex sends {what} to `{}`, which is not an AWS service endpoint reached over https{shown_host}",
                target.authority()
            ))
            .fix("Remove base_url (Codex then derives the AWS endpoint from the region), or point it at https://bedrock-mantle.REGION.api.aws/openai/v1")
            .at(location.clone()),
        );
    } else if !shown_host.is_empty() {
        out.push(Finding::warn(format!("base_url is misleading{shown_host}")).at(location.clone()));
    }
    match &destination {
        Destination::Other { authority } if p.bedrock.is_none() => {
            out.push(Finding::info(format!(
                "requests go to `{authority}`, a gateway or another service: the doctor checks the URL and the credential Codex sends there, not what the gateway forwards to Bedrock"
            )));
            if target.url.scheme() == "http"
                && !matches!(target.host.as_str(), "127.0.0.1" | "::1" | "localhost")
                && p.auth.as_ref().is_some_and(|a| a.method != AuthMethod::None)
            {
                out.push(
                    Finding::warn(format!("`{authority}` is reached over http://: the token travels unencrypted"))
                        .fix("Use https")
                        .at(location.clone()),
                );
            }
        }
        Destination::OpenAi => out.push(Finding::info("requests go to OpenAI, not Amazon Bedrock")),
        _ => {}
    }
    let Some(kind) = p.bedrock else { return out };
    if p.base_url.is_none() {
        if kind == BedrockKind::Mantle && !url.contains("/openai/v1/") {
            out.push(Finding::info(format!(
                "Codex {} uses the old /v1/responses path (/openai/v1 from 0.128.0)",
                ctx.rules.version
            )));
        }
        return out;
    }
    if let (Some(url_region), Some(signing)) = (target.region(), &p.signing)
        && url_region != signing.region
    {
        out.push(
            Finding::fail(format!(
                "base_url points at {url_region} but Codex signs for {}: the signature's scope will not match and AWS answers 403",
                signing.region
            ))
            .fix(format!(
                "{}, or point base_url at {}",
                super::region::set_region(p.table(), url_region),
                signing.region
            ))
            .at(location.clone()),
        );
    }
    let path = target.url.path();
    if matches!(destination, Destination::Mantle { .. }) && path.trim_end_matches('/') != "/openai/v1/responses" {
        out.push(
            Finding::warn(format!("base_url path makes Codex call `{path}`; Mantle serves /openai/v1/responses"))
                .fix("End base_url with /openai/v1")
                .at(location),
        );
    }
    out
}
