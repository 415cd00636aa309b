//! `region`: the region Codex resolves for the winning auth path and where it comes from; a missing
//! region predicted with Codex's exact error; the version's Mantle allowlist, case-sensitive
//! (reference §4.1, §4.2).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, closest, quoted, report_fatal};
use crate::catalog::Feature;
use crate::codex::RegionSource;
use crate::codex::{BedrockKind, MANTLE_PROVIDER};
use crate::context::Mode;
use crate::env_vars::{AWS_DEFAULT_REGION, AWS_REGION};
use crate::fix::{Edit, Fix, FixOptions, locate_key};
use crate::meta::CheckId;
use crate::prediction::provider_path;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::Region,
        group: "region",
        kind: Kind::Offline,
        fixable: Fixable::Unsafe,
        lint: true,
        summary: "resolved region and its source for the winning auth path; missing region; the version's Mantle allowlist",
        doc: include_str!("../../checks/region.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let kind = match bedrock(ctx) {
        Ok(kind) => kind,
        Err(skip) => return skip.into(),
    };
    let rules = &ctx.rules;
    let allowed = rules.mantle_regions();
    let mut out = match &ctx.prediction.region {
        Some(r) => Outcome::pass(format!("{} (from {})", r.value, r.source)),
        None if ctx.prediction.base_url.is_some() => Outcome::pass("none needed: the base_url override is used as-is"),
        None if ctx.mode == Mode::Template => {
            Outcome::info("not pinned: each user's AWS_REGION, AWS_DEFAULT_REGION or AWS profile region decides")
        }
        None => Outcome::pass(""),
    };
    if let Some(r) = &ctx.prediction.region {
        out.set("region", r.value.clone());
        out.set("source", r.source.to_string());
    }
    if kind == BedrockKind::Mantle {
        out.set("allowlist", allowed.to_vec());
    }
    let remedy = match &ctx.prediction.region {
        Some(r) => {
            let fixed_case = allowed.iter().find(|a| a.eq_ignore_ascii_case(r.value.trim()));
            match fixed_case.map(String::as_str).or_else(|| closest(r.value.trim(), allowed.iter().map(String::as_str), 3)) {
                Some(s) => format!("Set `aws.region = \"{s}\"` in [model_providers.{MANTLE_PROVIDER}.aws] (allowed: {})", quoted(allowed)),
                None => format!("Set aws.region to one of {}", quoted(allowed)),
            }
        }
        None if rules.has(Feature::BearerRegionFromEnv) || ctx.prediction.auth.as_ref().is_some_and(|a| a.method == crate::codex::AuthMethod::Sigv4) => {
            "Add `[model_providers.amazon-bedrock.aws]` with `region = \"us-east-1\"` to config.toml (or export AWS_REGION)".to_owned()
        }
        None => format!(
            "Add `[model_providers.amazon-bedrock.aws]` with `region = \"us-east-1\"`: Codex {} reads the bearer-token region from config only",
            rules.version
        ),
    };
    report_fatal(ctx, CheckId::Region, &mut out, &remedy);
    // Codex pastes the region into the host name (the Runtime provider validates nothing, reference
    // §10): a value that is not a region name can move the request to another host.
    if let Some(r) = &ctx.prediction.region
        && !crate::net::is_region_name(r.value.trim())
        && out.findings.is_empty()
    {
        let host = ctx.prediction.destination_host.as_deref().unwrap_or("no valid host");
        out.push(
            Finding::fail(format!(
                "`{}` (from {}) is not an AWS region name: Codex pastes it into the URL, which then goes to `{host}`",
                r.value, r.source
            ))
            .fix(remedy.clone()),
        );
    }

    // The Runtime provider builds `bedrock-runtime.<region>.amazonaws.com` for every region (E
    // runtime-region-china); the China partition's hosts end in `.amazonaws.com.cn`.
    if let Some(r) = &ctx.prediction.region
        && kind == BedrockKind::Runtime
        && r.value.trim().starts_with("cn-")
        && ctx.prediction.base_url.is_none()
    {
        out.push(
            Finding::fail(format!(
                "`{}` is in the China partition: Codex calls bedrock-runtime.{}.amazonaws.com, but that partition's endpoints end in .amazonaws.com.cn",
                r.value.trim(),
                r.value.trim()
            ))
            .fix(format!(
                "Set base_url = \"https://bedrock-runtime.{}.amazonaws.com.cn/openai/v1\" in [model_providers.amazon-bedrock-runtime]",
                r.value.trim()
            )),
        );
    }

    // Sources that are set but lose, which users often believe are in effect.
    if let Some(r) = &ctx.prediction.region {
        let config_region =
            ctx.config.get_str(&provider_path(ctx.prediction.table(), &["aws", "region"])).ok().flatten();
        for var in [AWS_REGION, AWS_DEFAULT_REGION] {
            if let Some(v) = ctx.env.trimmed(var)
                && !matches!(&r.source, RegionSource::Env(e) if e.var == var)
                && v != r.value.trim()
            {
                out.push(Finding::info(format!("{var}=`{v}` is ignored: {} comes first", r.source)));
            }
        }
        if let Some((v, _)) = config_region
            && v.trim().is_empty()
        {
            out.push(Finding::info("aws.region is empty: Codex treats it as unset"));
        }
        let profile_region = ctx.aws_profile_get(&ctx.aws_profile.name, "region");
        let bearer = ctx.prediction.auth.as_ref().is_some_and(|a| a.method == crate::codex::AuthMethod::Bearer);
        if let (Some(pr), true) = (profile_region, bearer)
            && pr != r.value.trim()
        {
            out.push(Finding::info(format!(
                "the bearer-token path never reads the AWS profile region (`{pr}` in profile `{}`)",
                ctx.aws_profile.name
            )));
        }
    }
    out
}

/// `--region R` pins the region (asked for). With `--unsafe`: an unsupported region becomes the closest
/// supported one, and a region that resolves from the environment or the AWS profile is pinned in
/// config.toml, where the desktop app and VS Code also read it.
fn fixes(ctx: &Session, options: &FixOptions) -> Vec<Fix> {
    let Ok(kind) = bedrock(ctx) else { return Vec::new() };
    let logical = provider_path(kind.id(), &["aws", "region"]);
    let Some((file, path)) = locate_key(ctx, &logical) else { return Vec::new() };
    let set = |r: &str| Edit::Set { path: path.clone(), value: r.into() };
    let title = |r: &str| format!("Set `{} = \"{r}\"`", logical.join("."));
    let allowed = ctx.rules.mantle_regions();
    if let Some(region) = &options.region {
        let mut fix = Fix::unsafe_edit(CheckId::Region, title(region), file.clone(), set(region)).requested(true);
        if kind == BedrockKind::Mantle && !allowed.contains(region) {
            fix = fix.note(format!("Codex {} does not support `{region}`: it will refuse to send", ctx.rules.version));
        }
        return vec![fix];
    }
    let Some(resolved) = &ctx.prediction.region else { return Vec::new() };
    if ctx.prediction.fatal_for(CheckId::Region).next().is_some() {
        let value = resolved.value.trim();
        let fixed = allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(value))
            .map(String::as_str)
            .or_else(|| closest(value, allowed.iter().map(String::as_str), 3));
        return match fixed {
            Some(r) => vec![Fix::unsafe_edit(CheckId::Region, title(r), file.clone(), set(r)).note(format!(
                "`{value}` is not supported by Codex {}; `{r}` is the closest supported region",
                ctx.rules.version
            ))],
            None => Vec::new(),
        };
    }
    let pinnable = matches!(resolved.source, RegionSource::Env(_) | RegionSource::Profile(_));
    if pinnable && ctx.prediction.base_url.is_none() {
        let value = resolved.value.trim();
        return vec![
            Fix::unsafe_edit(CheckId::Region, title(value), file.clone(), set(value))
                .note(format!("pinned from {}, which the desktop app and editors may not see", resolved.source)),
        ];
    }
    Vec::new()
}
