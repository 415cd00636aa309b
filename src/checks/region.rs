//! `region`: the region Codex resolves for the winning auth path and where it comes from; a missing
//! region predicted with Codex's exact error; the version's Mantle allowlist, case-sensitive
//! (reference §4.1, §4.2).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, closest, quoted, report_fatal};
use crate::catalog::Feature;
use crate::codex::BedrockKind;
use crate::codex::RegionSource;
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
    let table = kind.id();
    let remedy = match &ctx.prediction.region {
        Some(r) => match closest_supported(ctx, r.value.trim()) {
            Ok(choice) => format!("{} ({})", set_region(table, &choice.region), choice.why),
            Err(why) => {
                format!("Set `region` in `[model_providers.{table}.aws]` to one of {} ({why})", quoted(allowed))
            }
        },
        None if rules.has(Feature::BearerRegionFromEnv)
            || ctx.prediction.auth.as_ref().is_some_and(|a| a.method == crate::codex::AuthMethod::Sigv4) =>
        {
            format!(
                "Add `[model_providers.{table}.aws]` with `region = \"us-east-1\"` (or your region) to config.toml, or export AWS_REGION; `bedrock-doctor fix --region R` writes it"
            )
        }
        None => format!(
            "Add `[model_providers.{table}.aws]` with `region = \"us-east-1\"` (or your region): Codex {} reads the bearer-token region from config only; `bedrock-doctor fix --region R` writes it",
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
                "Set `base_url = \"{}\"` in `[model_providers.amazon-bedrock-runtime]`",
                china_runtime_url(r.value.trim())
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

/// The Runtime's OpenAI-compatible endpoint in a China region (that partition's hosts end in
/// `.amazonaws.com.cn`).
fn china_runtime_url(region: &str) -> String {
    format!("https://bedrock-runtime.{region}.amazonaws.com.cn/openai/v1")
}

/// The remediation that sets the region, paste-correct: the key as written inside its table.
pub fn set_region(table: &str, region: &str) -> String {
    format!("Set `region = \"{region}\"` in `[model_providers.{table}.aws]`")
}

/// A supported region to replace an unsupported one, and why it was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionChoice {
    /// The region.
    pub region: String,
    /// Why it (`the closest supported region to …`).
    pub why: String,
}

/// The supported region nearest `from`: the same name in another case; else, among the version's
/// Mantle regions of `from`'s partition (GovCloud credentials work only in GovCloud, and the other way
/// round) that serve the model (the catalog's `model_regions`, when it knows the model) and that the
/// team policy allows (`lint --policy`), the nearest on the map ([`crate::catalog::REGION_LOCATIONS`]);
/// for a name the map does not know, the nearest spelling (a typo of a supported name). `Err` says why
/// there is none.
pub fn closest_supported(ctx: &Session, from: &str) -> Result<RegionChoice, String> {
    let allowed = ctx.rules.mantle_regions();
    if let Some(same) = allowed.iter().find(|a| a.eq_ignore_ascii_case(from) && a.as_str() != from) {
        return Ok(RegionChoice { region: same.clone(), why: format!("`{same}` is the same name in lower case") });
    }
    let gov = from.starts_with("us-gov-");
    let mut candidates: Vec<&str> =
        allowed.iter().map(String::as_str).filter(|r| r.starts_with("us-gov-") == gov).collect();
    if candidates.is_empty() {
        let partition = if gov { "GovCloud" } else { "commercial" };
        return Err(format!("Codex {} supports no {partition} region", ctx.rules.version));
    }
    // The policy first: availability then chooses among what the team allows, not the other way round.
    let mut policy = "";
    if let Some(permitted) = &ctx.options.allowed_regions {
        candidates.retain(|c| permitted.iter().any(|p| p == c));
        if candidates.is_empty() {
            return Err("the team policy allows none of them".to_owned());
        }
        policy = " the team policy allows";
    }
    let mut serving = "";
    if let Some(model) = ctx.prediction.model.as_deref()
        && let Some(regions) = ctx.rules.catalog().model_regions.models.get(model)
    {
        let served: Vec<&str> = candidates.iter().copied().filter(|c| regions.iter().any(|r| r == c)).collect();
        if !served.is_empty() {
            candidates = served;
            serving = " that serves the model";
        }
    }
    let nearest = candidates
        .iter()
        .filter_map(|c| crate::catalog::region_distance_km(from, c).map(|d| (d, *c)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((km, region)) = nearest {
        let mut why = format!("`{region}` is the nearest supported region{serving}{policy} (~{km:.0} km away)");
        if from.starts_with("cn-") {
            why.push_str("; an account of the China partition has no credentials there");
        }
        return Ok(RegionChoice { region: region.to_owned(), why });
    }
    match closest(from, candidates.iter().copied(), 3) {
        Some(region) => Ok(RegionChoice {
            region: region.to_owned(),
            why: format!("`{from}` is on no region map; `{region}` is the nearest spelling{serving}{policy}"),
        }),
        None => Err(format!("`{from}` is neither a region the map knows nor a misspelling of a supported one")),
    }
}

/// `--region R` pins the region (asked for). With `--unsafe`: an unsupported region becomes the closest
/// supported one ([`closest_supported`]), and a region that resolves from the environment or the AWS
/// profile is pinned in config.toml, where the desktop app and VS Code also read it. A missing region
/// waits for `--region`: which region is the user's is not for `fix` to guess.
fn fixes(ctx: &Session, options: &FixOptions) -> Vec<Fix> {
    let Ok(kind) = bedrock(ctx) else { return Vec::new() };
    let logical = provider_path(kind.id(), &["aws", "region"]);
    let Some((file, path)) = locate_key(ctx, &logical) else { return Vec::new() };
    let set = |r: &str| Edit::Set { path: path.clone(), value: r.into() };
    // The same words as the remediation, so a wrapped title never splits a dotted key mid-span.
    let title = |r: &str| set_region(kind.id(), r);
    if let Some(region) = &options.region {
        // `fix` refuses a region Codex would not send to before planning (`validate_flags`).
        if ctx.prediction.region.as_ref().is_some_and(|r| r.value.trim() == region) {
            return Vec::new();
        }
        return vec![Fix::unsafe_edit(CheckId::Region, title(region), file.clone(), set(region)).requested(true)];
    }
    let Some(resolved) = &ctx.prediction.region else {
        if ctx.prediction.fatal_for(CheckId::Region).next().is_some() {
            return vec![Fix::needs_flag(
                CheckId::Region,
                "--region",
                format!("Set `{}`", logical.join(".")),
                "no region resolves, and which one is yours is not for fix to guess",
            )];
        }
        return Vec::new();
    };
    if ctx.prediction.fatal_for(CheckId::Region).next().is_some() {
        let value = resolved.value.trim();
        return match closest_supported(ctx, value) {
            Ok(choice) => {
                let note = format!("`{value}` is not supported by Codex {}: {}", ctx.rules.version, choice.why);
                vec![
                    Fix::unsafe_edit(CheckId::Region, title(&choice.region), file.clone(), set(&choice.region))
                        .note(note),
                ]
            }
            Err(why) => vec![Fix::needs_flag(CheckId::Region, "--region", format!("Set `{}`", logical.join(".")), why)],
        };
    }
    let value = resolved.value.trim();
    if kind == BedrockKind::Runtime && value.starts_with("cn-") && ctx.prediction.base_url.is_none() {
        // The China partition: the same provider, another host (unsafe: where requests go changes).
        let logical = provider_path(kind.id(), &["base_url"]);
        // Every version with the Runtime provider (0.148+) allows base_url on it (0.145+).
        let Some((file, path)) = locate_key(ctx, &logical) else { return Vec::new() };
        let url = china_runtime_url(value);
        return vec![
            Fix::unsafe_edit(
                CheckId::Region,
                format!("Set `{} = \"{url}\"`", logical.join(".")),
                file,
                Edit::Set { path, value: url.as_str().into() },
            )
            .note("the China partition's endpoints end in .amazonaws.com.cn"),
        ];
    }
    let pinnable = matches!(resolved.source, RegionSource::Env(_) | RegionSource::Profile(_));
    if pinnable && ctx.prediction.base_url.is_none() {
        return vec![
            Fix::unsafe_edit(CheckId::Region, title(value), file.clone(), set(value))
                .note(format!("pinned from {}, which the desktop app and editors may not see", resolved.source)),
        ];
    }
    Vec::new()
}
