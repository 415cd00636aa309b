//! `model-region`: the model is offered in the resolved region, from the catalog's curated
//! availability data (with its verification date); the live `model-access` check confirms it.

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, quoted};
use crate::codex::BedrockKind;
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ModelRegion,
        group: "region",
        kind: Kind::Offline,
        fixable: Fixable::No,
        lint: true,
        summary: "the model is offered in that region (catalog data with its verification date)",
        doc: include_str!("../../checks/model-region.md"),
    },
    run: Runner::Offline(run),
    fixes: None,
};

fn run(ctx: &Session) -> Outcome {
    let kind = match bedrock(ctx) {
        Ok(kind) => kind,
        Err(skip) => return skip.into(),
    };
    if kind == BedrockKind::Runtime {
        return Outcome::skip(
            "no availability data for amazon-bedrock-runtime (cross-region profiles route themselves)",
        );
    }
    let (Some(model), Some(region)) = (&ctx.prediction.model, &ctx.prediction.region) else {
        return Outcome::skip("model or region not resolved");
    };
    let data = &ctx.rules.catalog().model_regions;
    let region = region.value.trim();
    let mut out = Outcome::pass(format!("`{model}` is offered in {region} (data verified {})", data.verified));
    out.set("verified", data.verified.clone());
    match data.models.get(model) {
        None => Outcome::info(format!(
            "no availability data for `{model}` (data verified {}); the live model-access check confirms it",
            data.verified
        )),
        Some(regions) if regions.iter().any(|r| r == region) => {
            out.set("regions", regions.clone());
            out
        }
        Some(regions) => {
            out.set("regions", regions.clone());
            out.with(
                Finding::warn(format!(
                    "`{model}` is not known to be offered in {region} (known: {}; data verified {}): Bedrock answers 404 model not found",
                    quoted(regions),
                    data.verified
                ))
                .fix(format!(
                    "Set `region` in `[model_providers.{}.aws]` to {}, or pick a model served in {region}",
                    ctx.prediction.table(),
                    quoted(regions)
                )),
            )
        }
    }
}
