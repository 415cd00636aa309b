//! The team policy of `lint --policy FILE` (PRODUCT.md): what a platform team allows in the templates
//! it hands out. Each violation is a finding at the key that breaks it.

use std::path::Path;

use semver::Version;
use serde::Deserialize;

use crate::checks::{CheckMeta, Fixable, Kind};
use crate::codex::MANTLE_PROVIDER;
use crate::error::Error;
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The policy pseudo-check (it runs only under `lint --policy`).
pub static META: CheckMeta = CheckMeta {
    id: CheckId::Policy,
    group: "policy",
    kind: Kind::Offline,
    fixable: Fixable::No,
    lint: false,
    summary: "the team policy of `lint --policy`: allowed models and regions, pinned region, minimum Codex version, no base_url",
    doc: include_str!("../../checks/policy.md"),
};

/// A team policy file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Models a template may use.
    pub allowed_models: Option<Vec<String>>,
    /// Regions a template may pin.
    pub allowed_regions: Option<Vec<String>>,
    /// Templates must pin `aws.region`.
    #[serde(default)]
    pub require_region: bool,
    /// Evaluate with at least this version's rules.
    pub min_codex_version: Option<Version>,
    /// Templates must not set `base_url`.
    #[serde(default)]
    pub forbid_base_url: bool,
}

impl Policy {
    /// Reads a policy file; a typo in it is an error, not an ignored key.
    pub fn load(path: &Path) -> Result<Policy, Error> {
        // Bounded like every read: a FIFO or /dev/zero given as --policy is refused, never read.
        let source = crate::context::SourceFile::read(path);
        let text = source.text().ok_or_else(|| {
            let why = crate::context::files::describe(&source.read).unwrap_or_default();
            Error::at("reading the policy", path, why)
        })?;
        toml_edit::de::from_str(text).map_err(|e| Error::at("reading the policy", path, e.to_string().trim()))
    }
}

/// The policy's findings for one template.
pub fn evaluate(policy: &Policy, ctx: &Session) -> Outcome {
    let mut out = Outcome::pass("the template follows the team policy");
    let provider = ctx.prediction.bedrock.map_or(MANTLE_PROVIDER, |k| k.id());
    let region_key = ["model_providers", provider, "aws", "region"];
    let located = |path: &[&str]| ctx.config.get(path).and_then(|f| ctx.config.location(&f));
    if let Some(allowed) = &policy.allowed_models {
        let model = ctx
            .prediction
            .model
            .clone()
            .or_else(|| ctx.config.get_str(&["model"]).ok().flatten().map(|(m, _)| m.to_owned()));
        match model {
            Some(m) if allowed.contains(&m) => {}
            Some(m) => out.push(
                Finding::fail(format!(
                    "model `{m}` is not allowed by the team policy (allowed: {})",
                    allowed.join(", ")
                ))
                .fix(format!("Set `model` to one of {}", allowed.join(", ")))
                .at(located(&["model"])),
            ),
            None => out
                .push(Finding::fail("the template sets no model; the team policy allows only some").fix("Set `model`")),
        }
    }
    let pinned =
        ctx.config.get_str(&region_key).ok().flatten().map(|(r, _)| r.trim().to_owned()).filter(|r| !r.is_empty());
    if policy.require_region && pinned.is_none() {
        out.push(
            Finding::fail("the team policy requires a pinned region, and the template has none")
                .fix(format!("Add `[model_providers.{provider}.aws]` with `region = \"…\"`")),
        );
    }
    if let (Some(allowed), Some(region)) = (&policy.allowed_regions, &pinned)
        && !allowed.contains(region)
    {
        out.push(
            Finding::fail(format!(
                "region `{region}` is not allowed by the team policy (allowed: {})",
                allowed.join(", ")
            ))
            .fix(format!("Set `region` in `[model_providers.{provider}.aws]` to one of {}", allowed.join(", ")))
            .at(located(&region_key)),
        );
    }
    if policy.forbid_base_url {
        for id in [MANTLE_PROVIDER, crate::codex::RUNTIME_PROVIDER] {
            if let Some(found) = ctx.config.get(&["model_providers", id, "base_url"]) {
                out.push(
                    Finding::fail("the team policy forbids `base_url`")
                        .fix("Delete `base_url`")
                        .at(ctx.config.location(&found)),
                );
            }
        }
    }
    out
}
