//! `model-access` (live): the configured model is among the models the destination serves to this
//! account in this region. Mantle (`amazon-bedrock`, and custom providers whose destination is Mantle)
//! is asked for its own OpenAI-compatible list (`GET …/openai/v1/models`), authenticated exactly like
//! the Responses request, and the id must be listed exactly: Mantle serves what it lists, by that id.
//! The Bedrock Runtime is asked through the control plane (ListFoundationModels, provider OpenAI),
//! where Runtime and Mantle ids are compared in their Mantle form.

use std::sync::Arc;

use aws_sdk_bedrock::error::ProvideErrorMetadata;

use super::model_id::mantle_form;
use super::sts_identity::override_notes;
use super::{Check, CheckMeta, Fixable, Kind, LiveFuture, Runner};
use crate::codex::BedrockKind;
use crate::live::classify::{chain, models_answer, sdk_error, transport_error};
use crate::live::probe::{self, MANTLE_ENDPOINT_OVERRIDE};
use crate::live::{Live, Resolved};
use crate::meta::CheckId;
use crate::net::Destination;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ModelAccess,
        group: "live",
        kind: Kind::Live,
        fixable: Fixable::No,
        lint: false,
        summary: "Mantle's own models list (Runtime: ListFoundationModels) lists the model",
        doc: include_str!("../../checks/model-access.md"),
    },
    run: Runner::Live(run),
    fixes: None,
};

fn run(ctx: Arc<Session>, live: Arc<Live>) -> LiveFuture {
    Box::pin(async move { check(&ctx, &live).await })
}

async fn check(ctx: &Session, live: &Live) -> Outcome {
    let p = &ctx.prediction;
    let Some(model) = p.model.clone() else { return Outcome::skip("model not resolved") };
    let runtime = p.bedrock == Some(BedrockKind::Runtime)
        || (p.bedrock.is_none() && matches!(p.destination, Some(Destination::Runtime { .. })));
    if runtime { control_plane(ctx, live, &model).await } else { mantle(ctx, live, &model).await }
}

/// Mantle's own list, on the host the probe is allowed to reach (the same host decision).
async fn mantle(ctx: &Session, live: &Live, model: &str) -> Outcome {
    let super::responses_probe::Prepared { target, http, auth, .. } =
        match super::responses_probe::prepare(ctx, live).await {
            Ok(prepared) => prepared,
            Err(outcome) => return outcome,
        };
    let region = live
        .region
        .clone()
        .or_else(|| target.url.host_str().and_then(crate::net::host_region))
        .unwrap_or_else(|| target.host.clone());
    let url = probe::models_url(&target);
    let mut out = Outcome::pass(format!("GET {url}"));
    out.set("source", "mantle-models");
    out.set("url", url.to_string());
    if target.overridden {
        out.push(Finding::info(format!("{MANTLE_ENDPOINT_OVERRIDE} redirects this call to {url}")));
    }
    match probe::list_models(http, &url, auth.as_auth()).await {
        Ok(answer) if (200..300).contains(&answer.status) => match probe::model_ids(&answer.body) {
            Some(ids) => {
                if ids.iter().any(|id| id == model) {
                    out.summary = format!("Mantle serves `{model}` in {region} ({} models listed)", ids.len());
                } else {
                    let finding = Finding::fail(format!(
                        "`{model}` is not in Mantle's model list for this account in {region}: Codex's requests will get 404 model not found"
                    ));
                    out.push(if ids.is_empty() {
                        finding.fix(format!(
                            "Mantle lists no models for this account in {region}; use a region that serves them"
                        ))
                    } else {
                        finding.fix(format!("Use a model Mantle serves here: {}", ids.join(", ")))
                    });
                }
                out.set("listed", ids);
            }
            None => out.push(Finding::warn(format!("{}: the answer of {url} is not a models list", answer.status))),
        },
        Ok(answer) => {
            out.set("status", answer.status);
            let verdict = models_answer(answer.status, &answer.body, auth.is_bearer(), &region);
            out.set("kind", verdict.kind);
            out.push(verdict.into_finding("Mantle: "));
        }
        Err(error) => {
            let verdict = transport_error(&error.to_string(), &target.host, live.timeout.as_secs_f64());
            out.set("kind", verdict.kind);
            out.push(verdict.into_finding("Mantle: "));
        }
    }
    out
}

/// The Runtime: the control plane's ListFoundationModels (provider OpenAI), compared in Mantle form.
async fn control_plane(ctx: &Session, live: &Live, model: &str) -> Outcome {
    let Some(region) = live.region.clone() else { return Outcome::skip("region not resolved") };
    let creds = match live.credentials(ctx).await {
        Resolved::Credentials(c) => c,
        Resolved::Bearer => {
            return Outcome::skip(
                "Codex authenticates with a bearer token; ListFoundationModels needs IAM credentials (the probe checks the model instead)",
            );
        }
        Resolved::NotApplicable(reason) => return Outcome::skip(reason),
        _ => return Outcome::skip("no credentials resolved (see credentials)"),
    };
    let config = live.sdk_config(creds).await;
    let client = aws_sdk_bedrock::Client::new(&config);
    let mut out = match client.list_foundation_models().by_provider("OpenAI").send().await {
        Ok(list) => {
            let ids: Vec<String> = list.model_summaries().iter().map(|m| m.model_id().to_owned()).collect();
            let wanted = mantle_form(model);
            let mut out = if ids.iter().any(|id| mantle_form(id) == wanted) {
                Outcome::pass(format!("`{model}` is listed in {region} ({} OpenAI models)", ids.len()))
            } else {
                Outcome::pass("").with(
                    Finding::warn(format!(
                        "`{model}` is not listed in {region}: Bedrock will answer 404 model not found"
                    ))
                    .fix(if ids.is_empty() {
                        format!("No OpenAI models are listed in {region}; pick a region that serves them")
                    } else {
                        format!("Use one of the listed models: {}", ids.join(", "))
                    }),
                )
            };
            out.set("source", "list-foundation-models");
            out.set("listed", ids);
            out
        }
        Err(e) => {
            let message = e.message().map(str::to_owned).unwrap_or_else(|| chain(&e));
            let host = live.sdk_host("BEDROCK", "bedrock");
            let v = sdk_error(e.code(), &message, "bedrock:ListFoundationModels", &host, live.timeout.as_secs_f64());
            let mut out = Outcome::pass("").with(Finding {
                status: v.status,
                message: format!("Bedrock: {}", v.message),
                remediation: v.remediation,
                location: None,
            });
            out.set("kind", v.kind);
            out
        }
    };
    override_notes(live, "BEDROCK", &mut out);
    out
}
