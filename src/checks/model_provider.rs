//! `model-provider`: `model_provider` is exactly `amazon-bedrock` (or `amazon-bedrock-runtime` from
//! 0.148). Unset means requests go to OpenAI; an unknown id stops Codex (reference §2.1).

use super::{Check, CheckMeta, Fixable, Kind, Runner, closest, report_fatal};
use crate::catalog::Feature;
use crate::codex::{AMAZON_BEDROCK_NAME, BedrockKind, MANTLE_PROVIDER, RUNTIME_PROVIDER, Route};
use crate::fix::{Change, Edit, Fix, FixOptions, Safety, locate_key};
use crate::meta::CheckId;
use crate::net::Destination;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ModelProvider,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Sometimes,
        lint: true,
        summary: "`model_provider` is exactly `amazon-bedrock` (or `amazon-bedrock-runtime` ≥ 0.148)",
        doc: include_str!("../../checks/model-provider.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let p = &ctx.prediction;
    let found = ctx.config.get(&["model_provider"]);
    let location = found.as_ref().and_then(|f| ctx.config.location(f));
    let set_it = "Set `model_provider = \"amazon-bedrock\"` at the top of config.toml";
    let Some(provider) = p.provider.as_deref() else {
        return Outcome::pass("").with(
            Finding::fail("model_provider is not set: Codex sends every request to OpenAI (api.openai.com), not Bedrock: this setup does not use Bedrock").fix(set_it),
        );
    };
    let mut out = Outcome::pass(provider.to_owned());
    out.set("provider", provider);
    if let Some(dest) = &p.destination {
        out.set("destination", dest.label());
    }
    let mut candidates = vec![MANTLE_PROVIDER];
    if ctx.rules.has(Feature::RuntimeProvider) {
        candidates.push(RUNTIME_PROVIDER);
    }
    let suggestion = closest(provider, candidates.iter().copied(), 4)
        .or_else(|| provider.to_ascii_lowercase().contains("bedrock").then_some(MANTLE_PROVIDER));
    let own_table = ctx.config.get(&["model_providers", provider]).is_some();
    let remedy = match suggestion {
        Some(s) if own_table => format!(
            "Use the built-in id: `model_provider = \"{s}\"`, and rename `[model_providers.{provider}]` to `[model_providers.{s}]`"
        ),
        Some(s) => format!("Use the built-in id: `model_provider = \"{s}\"`"),
        None => set_it.to_owned(),
    };
    report_fatal(ctx, CheckId::ModelProvider, &mut out, &remedy);
    if !out.findings.is_empty() {
        return out;
    }
    match (p.route, &p.destination) {
        (Some(Route::Bedrock(_)), _) if p.bedrock.map(BedrockKind::id) != Some(provider) => {
            out.summary = format!("{provider} (run as Amazon Bedrock)");
            out.push(Finding::info(format!(
                "Codex runs `{provider}` as Amazon Bedrock because its name is exactly \"{}\": it needs a Bedrock region and Bedrock credentials, whatever its env_key",
                ctx.config.get_str(&["model_providers", provider, "name"]).ok().flatten().map_or(AMAZON_BEDROCK_NAME, |(n, _)| n)
            )));
        }
        (Some(Route::Bedrock(_)), _) => {}
        (_, Some(Destination::Mantle { region })) | (_, Some(Destination::Runtime { region })) => {
            let service =
                if matches!(p.destination, Some(Destination::Mantle { .. })) { "Mantle" } else { "the Runtime" };
            out.summary = format!("{provider} (custom) → Bedrock {service} in {region}");
            out.push(Finding::info(format!(
                "custom provider `{provider}` reaches Amazon Bedrock {service}, with a bearer token at most; the built-in `{}` provider would add SigV4 and SSO profiles, region checks and Codex's Bedrock model catalog (`bedrock-doctor fix --unsafe` migrates, comments kept)",
                if service == "Mantle" { MANTLE_PROVIDER } else { RUNTIME_PROVIDER }
            )));
        }
        (_, Some(Destination::Other { authority })) => {
            out.summary = format!("{provider} → {authority} (gateway)");
            out.push(Finding::info(format!(
                "`{provider}` sends requests to `{authority}`: if it is a gateway to Bedrock, what it forwards cannot be checked from here"
            )));
        }
        (_, Some(Destination::OpenAi)) => out.push(
            Finding::fail(format!("`{provider}` sends requests to OpenAI: this setup does not use Bedrock"))
                .fix(remedy)
                .at(location),
        ),
        (_, None) if provider == RUNTIME_PROVIDER && !ctx.rules.has(Feature::RuntimeProvider) => out.push(
            Finding::fail(format!("`{provider}` is built in only from Codex 0.148.0 (this is {})", ctx.rules.version))
                .fix(remedy)
                .at(location),
        ),
        (_, None) => {}
    }
    out
}

/// A misspelt id that names no provider becomes `amazon-bedrock` (safe: Codex cannot start with it).
/// Setting an unset provider, or replacing a custom provider, changes where requests go (unsafe).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    if ctx.prediction.bedrock.is_some() {
        return Vec::new();
    }
    if let Some(fix) = migrate_custom(ctx) {
        return vec![fix];
    }
    let Some((file, path)) = locate_key(ctx, &["model_provider"]) else { return Vec::new() };
    let set = |id: &str| Edit::Set { path: path.clone(), value: id.into() };
    let title = |id: &str| format!("Set `model_provider = \"{id}\"`");
    let Some(provider) = ctx.prediction.provider.as_deref() else {
        return vec![
            Fix::unsafe_edit(CheckId::ModelProvider, title(MANTLE_PROVIDER), file.clone(), set(MANTLE_PROVIDER))
                .note("Codex will send requests to Amazon Bedrock instead of OpenAI"),
        ];
    };
    let mut candidates = vec![MANTLE_PROVIDER];
    if ctx.rules.has(Feature::RuntimeProvider) {
        candidates.push(RUNTIME_PROVIDER);
    }
    let Some(target) = closest(provider, candidates.iter().copied(), 4)
        .or_else(|| provider.to_ascii_lowercase().contains("bedrock").then_some(MANTLE_PROVIDER))
    else {
        return Vec::new();
    };
    let Some(table) = ctx.config.get(&["model_providers", provider]) else {
        return vec![Fix::safe(CheckId::ModelProvider, title(target), file.clone(), set(target))];
    };
    // The misspelt id has a table of its own: it is the built-in provider's table under the wrong name
    // when it holds only keys the built-in provider takes (`aws.profile`, `aws.region`, …), and then it
    // is renamed with the selector, in place, comments kept (renaming only the selector would orphan
    // the profile and region). A table with other keys (`name`, `env_key`, …) defines a provider of its
    // own: replacing it changes where requests go (unsafe, table kept).
    let mut leaves = Vec::new();
    leaf_keys(table.item, "", &mut leaves);
    let overridable = ctx.rules.provider_overridable();
    let foreign: Vec<&String> = leaves.iter().filter(|k| !overridable.contains(k)).collect();
    if !foreign.is_empty() {
        return vec![Fix::unsafe_edit(CheckId::ModelProvider, title(target), file.clone(), set(target)).note(format!(
            "`[model_providers.{provider}]` defines a provider of its own ({}); it is kept, unused",
            foreign.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ))];
    }
    let table_title =
        format!("{} and rename `[model_providers.{provider}]` to `[model_providers.{target}]`", title(target));
    let table_file = ctx.config.layer_path(table.layer).map(std::path::Path::to_path_buf);
    if ctx.config.get(&["model_providers", target]).is_some() {
        return vec![
            Fix {
                safety: Safety::Refused,
                ..Fix::safe(CheckId::ModelProvider, table_title, file.clone(), set(target))
            }
            .note(format!(
                "`[model_providers.{target}]` already exists: merge `[model_providers.{provider}]` into it by hand"
            )),
        ];
    }
    let Some(table_file) = table_file else { return Vec::new() };
    let mut fix = Fix::safe(CheckId::ModelProvider, table_title, file.clone(), set(target));
    let table_path = match &table.layer.source {
        crate::context::codex_config::LayerSource::LegacyProfile(name) => {
            vec!["profiles".to_owned(), name.clone(), "model_providers".to_owned(), provider.to_owned()]
        }
        _ => vec!["model_providers".to_owned(), provider.to_owned()],
    };
    fix.changes.push(Change::Edit { file: table_file, edit: Edit::Rename { path: table_path, to: target.to_owned() } });
    vec![fix]
}

/// The dotted paths of the values under `item` (`aws.profile`, `aws.region`, …).
fn leaf_keys(item: &toml_edit::Item, prefix: &str, out: &mut Vec<String>) {
    match item.as_table_like() {
        Some(table) => {
            for (key, child) in table.iter() {
                let path = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
                leaf_keys(child, &path, out);
            }
        }
        None => out.push(prefix.to_owned()),
    }
}

/// A custom provider that reaches Bedrock with a bearer token becomes the built-in provider for the
/// same service and region (unsafe: the credential it uses changes). The custom table stays where it is,
/// with its comments: Codex tolerates an unused provider table, and deleting it would drop the user's
/// notes. The model keeps its id; `model-id` says if the built-in catalog wants another form.
fn migrate_custom(ctx: &Session) -> Option<Fix> {
    let p = &ctx.prediction;
    if p.route != Some(Route::Custom) {
        return None;
    }
    // Codex that stops before sending (its env_key is unset) has no endpoint; the table's base_url still
    // says where the provider points.
    let from_table = || {
        let (url, _) = ctx.config.get_str(&["model_providers", p.table(), "base_url"]).ok().flatten()?;
        crate::net::Target::parse(url).ok().map(|t| Destination::of(&t))
    };
    let destination = p.destination.clone().or_else(from_table)?;
    let (builtin, region) = match &destination {
        Destination::Mantle { region } => (MANTLE_PROVIDER, region),
        Destination::Runtime { region } if ctx.rules.has(Feature::RuntimeProvider) => (RUNTIME_PROVIDER, region),
        _ => return None,
    };
    if builtin == MANTLE_PROVIDER && !ctx.rules.mantle_regions().iter().any(|r| r == region) {
        return None;
    }
    let (file, path) = locate_key(ctx, &["model_provider"])?;
    let region_path: Vec<String> =
        ["model_providers", builtin, "aws", "region"].iter().map(|s| (*s).to_owned()).collect();
    let env_var = p.auth.as_ref().and_then(|a| a.env_var.as_deref());
    let credential = match env_var {
        Some(crate::env_vars::AWS_BEARER_TOKEN_BEDROCK) => {
            "AWS_BEARER_TOKEN_BEDROCK keeps working (the built-in provider reads it); unset it to use an SSO profile with SigV4".to_owned()
        }
        Some(var) => format!(
            "the built-in provider does not read `{var}`: export the key as AWS_BEARER_TOKEN_BEDROCK, or set aws.profile for SigV4"
        ),
        None => "the built-in provider reads AWS_BEARER_TOKEN_BEDROCK or signs with your AWS credentials (SigV4)".to_owned(),
    };
    let mut fix = Fix::unsafe_edit(
        CheckId::ModelProvider,
        format!("Switch to the built-in `{builtin}` provider (region {region})"),
        file.clone(),
        Edit::Set { path, value: builtin.into() },
    )
    .note(format!("the custom table `{}` is kept, unused; {credential}", p.table()));
    fix.changes
        .push(crate::fix::Change::Edit { file, edit: Edit::Set { path: region_path, value: region.as_str().into() } });
    Some(fix)
}
