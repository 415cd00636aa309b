//! `model-access` (live): Bedrock ListFoundationModels (provider OpenAI) in the resolved region lists
//! the configured model. Mantle and Runtime ids are compared in their Mantle form
//! (`openai.gpt-oss-120b-1:0` and `openai.gpt-oss-120b` are the same model).

use std::sync::Arc;

use aws_sdk_bedrock::error::ProvideErrorMetadata;

use super::model_id::mantle_form;
use super::sts_identity::override_notes;
use super::{Check, CheckMeta, Fixable, Kind, LiveFuture, Runner};
use crate::live::classify::{chain, sdk_error};
use crate::live::{Live, Resolved};
use crate::meta::CheckId;
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
        summary: "Bedrock ListFoundationModels in the region lists the model",
        doc: include_str!("../../checks/model-access.md"),
    },
    run: Runner::Live(run),
    fixes: None,
};

fn run(ctx: Arc<Session>, live: Arc<Live>) -> LiveFuture {
    Box::pin(async move { check(&ctx, &live).await })
}

async fn check(ctx: &Session, live: &Live) -> Outcome {
    let (Some(model), Some(region)) = (ctx.prediction.model.clone(), live.region.clone()) else {
        return Outcome::skip("model or region not resolved");
    };
    let creds = match live.credentials(ctx).await {
        Resolved::Credentials(c) => c,
        Resolved::Bearer => {
            return Outcome::skip(
                "Codex authenticates with a bearer token; listing models needs IAM credentials (the probe checks the model instead)",
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
            let wanted = mantle_form(&model);
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
            out.set("listed", ids);
            out
        }
        Err(e) => {
            let message = e.message().map(str::to_owned).unwrap_or_else(|| chain(&e));
            let v = sdk_error(e.code(), &message, "bedrock:ListFoundationModels");
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
