//! Which region Codex uses and where it comes from: the bearer rules (config, then the environment
//! from 0.136) or the AWS SDK chain (config, environment, profile) (reference §4.1).

use super::{AuthPrediction, Fatal, RegionPrediction, provider_path, provider_str};
use crate::catalog::Feature;
use crate::codex::{AuthSource, RegionSource};
use crate::codex_errors as err;
use crate::context::{Context, Location, ManagedAuth};
use crate::env_vars::*;
use crate::meta::CheckId;

/// The region and its source, or Codex's error when there is none.
pub(crate) fn resolve_region(
    ctx: &Context,
    table: &str,
    auth: &AuthPrediction,
    has_base_url: bool,
) -> Result<Option<RegionPrediction>, Fatal> {
    let rules = &ctx.rules;
    let env = &ctx.env;
    let config_region = provider_str(ctx, table, &["aws", "region"]).map(str::trim).filter(|r| !r.is_empty());
    let region = |value: &str, source: RegionSource| Ok(Some(RegionPrediction { value: value.to_owned(), source }));

    if auth.source == AuthSource::ManagedApiKey
        && let Some(ManagedAuth::ApiKey { region: Some(r), .. }) = &ctx.auth_json.managed
        && !r.trim().is_empty()
    {
        return region(r.trim(), RegionSource::ManagedApiKey);
    }
    if auth.source.uses_bearer_region() {
        if let Some(r) = config_region {
            return region(r, RegionSource::Config);
        }
        if rules.has(Feature::BearerRegionFromEnv) {
            for key in [AWS_REGION, AWS_DEFAULT_REGION] {
                if let Some(r) = env.trimmed(key) {
                    return region(r, RegionSource::Env(env.source(key)));
                }
            }
        }
        return Err(Fatal { check: CheckId::Region, text: err::bearer_requires_region(rules), location: None });
    }
    // A command-backed token with a base_url makes no AWS lookup at all (S amazon_bedrock auth).
    if auth.source == AuthSource::ProviderCommand && has_base_url {
        return Ok(None);
    }
    if let Some(r) = config_region {
        return region(r, RegionSource::Config);
    }
    // aws-config's environment provider takes AWS_REGION as it is, even empty (no fallback then).
    for key in [AWS_REGION, AWS_DEFAULT_REGION] {
        if let Some(r) = env.value(key) {
            return region(r, RegionSource::Env(env.source(key)));
        }
    }
    let profile = &ctx.aws_profile.name;
    if let Some(r) = ctx.aws_profile_get(profile, "region") {
        return region(r, RegionSource::Profile(profile.clone()));
    }
    Err(Fatal { check: CheckId::Region, text: err::sdk_no_region(), location: None })
}

/// Where `aws.region` is written, when the region comes from it.
pub(crate) fn region_location(ctx: &Context, table: &str, source: &RegionSource) -> Option<Location> {
    if !source.is_config() {
        return None;
    }
    let found = ctx.config.get(&provider_path(table, &["aws", "region"]))?;
    ctx.config.location(&found)
}
