//! `model-region`: the model is offered in the resolved region, from the catalog's curated
//! availability data (with its verification date); the live `model-access` check confirms it.

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, quoted};
use crate::codex::BedrockKind;
use crate::fix::{Edit, Fix, FixOptions, locate_key};
use crate::meta::CheckId;
use crate::prediction::provider_path;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ModelRegion,
        group: "region",
        kind: Kind::Offline,
        fixable: Fixable::Unsafe,
        lint: true,
        summary: "the model is offered in that region (catalog data with its verification date)",
        doc: include_str!("../../checks/model-region.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
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

/// The model is not known to be served in the region: with `--unsafe`, the nearest supported region
/// that serves it ([`super::region::closest_supported`]); where none qualifies, held for `--region`
/// (or `--model`, for a model served where the user is).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    let Ok(BedrockKind::Mantle) = bedrock(ctx) else { return Vec::new() };
    let (Some(model), Some(region)) = (&ctx.prediction.model, &ctx.prediction.region) else { return Vec::new() };
    let region = region.value.trim();
    let Some(regions) = ctx.rules.catalog().model_regions.models.get(model) else { return Vec::new() };
    if regions.iter().any(|r| r == region) {
        return Vec::new();
    }
    let logical = provider_path(BedrockKind::Mantle.id(), &["aws", "region"]);
    let Some((file, path)) = locate_key(ctx, &logical) else { return Vec::new() };
    match super::region::closest_supported(ctx, region) {
        Ok(choice) if choice.region != region && regions.contains(&choice.region) => {
            let title = super::region::set_region(BedrockKind::Mantle.id(), &choice.region);
            let note = format!("`{model}` is not known to be served in {region}: {}", choice.why);
            vec![
                Fix::unsafe_edit(
                    CheckId::ModelRegion,
                    title,
                    file,
                    Edit::Set { path, value: choice.region.as_str().into() },
                )
                .note(note),
            ]
        }
        _ => vec![Fix::needs_flag(
            CheckId::ModelRegion,
            "--region",
            format!("Set `{}` to one of {}", logical.join("."), quoted(regions)),
            format!(
                "no supported region that serves `{model}` qualifies; or choose a model served in {region} (--model)"
            ),
        )],
    }
}
