//! `model-id`: the model is one the version's Bedrock catalog knows; Runtime-style ids
//! (`openai.gpt-oss-120b-1:0`, `us.`/`global.` prefixes on Mantle), bare `gpt-*` ids and near misses are
//! caught with the right id suggested. Codex itself never blocks an unknown id: it warns about fallback
//! metadata and sends it, and Bedrock answers 404 (reference §3).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock, closest};
use crate::catalog::Feature;
use crate::codex::BedrockKind;
use crate::codex_errors;
use crate::fix::{Edit, Fix, FixOptions, locate_key};
use crate::meta::CheckId;
use crate::net::Destination;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ModelId,
        group: "model",
        kind: Kind::Offline,
        fixable: Fixable::Sometimes,
        lint: true,
        summary: "ID in the version's Bedrock catalog; Runtime-style IDs, bare `gpt-*`, near misses, with the right ID suggested",
        doc: include_str!("../../checks/model-id.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

/// Cross-region inference profile prefixes of Bedrock Runtime.
const RUNTIME_PREFIXES: &[&str] = &["global.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov."];

/// Rewrites a Runtime-style or bare id into the Mantle form: drops a cross-region prefix and a
/// `-1:0` / `-v1` / `:0` version suffix, and adds the `openai.` namespace.
pub fn mantle_form(id: &str) -> String {
    let mut s = id.trim().to_owned();
    if let Some(p) = RUNTIME_PREFIXES.iter().find(|p| s.starts_with(**p)) {
        s = s[p.len()..].to_owned();
    }
    if let Some(colon) = s.rfind(':')
        && s[colon + 1..].bytes().all(|b| b.is_ascii_digit())
    {
        s.truncate(colon);
    }
    if let Some(dash) = s.rfind('-') {
        let tail = &s[dash + 1..];
        let numeric = !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit());
        let v_numeric = tail.len() > 1 && tail.starts_with('v') && tail[1..].bytes().all(|b| b.is_ascii_digit());
        // `gpt-oss-120b-1` carries a Runtime revision; `gpt-5` does not end in `-<digits>` after a name.
        if (numeric && s[..dash].contains('-') && !s[..dash].ends_with("gpt")) || v_numeric {
            s.truncate(dash);
        }
    }
    if s.starts_with("gpt-") || s.starts_with("o") && s.len() <= 4 {
        s = format!("openai.{s}");
    }
    s
}

fn run(ctx: &Session) -> Outcome {
    let kind = match bedrock(ctx) {
        Ok(kind) => kind,
        Err(skip) => return by_destination(ctx).unwrap_or_else(|| skip.into()),
    };
    let rules = &ctx.rules;
    let Some(model) = ctx.prediction.model.clone() else {
        return Outcome::skip("no model and no default known for this version");
    };
    let location = ctx.config.get(&["model"]).and_then(|f| ctx.config.location(&f));
    let catalog: &[String] = match kind {
        BedrockKind::Mantle => rules.model_catalog(),
        BedrockKind::Runtime => rules.runtime_catalog(),
    };
    let mut out = Outcome::pass(format!("`{model}` is in Codex {}'s Bedrock catalog", rules.version));
    out.set("model", model.clone());
    out.set("catalog", catalog.to_vec());
    let set_model = |m: &str| format!("Set `model = \"{m}\"`");

    if ctx.prediction.model_is_default {
        if kind == BedrockKind::Mantle && !rules.has(Feature::BedrockModelCatalog) {
            return out.with(
                Finding::fail(format!(
                    "model is not set and Codex {} has no Bedrock catalog: it sends its OpenAI default `{model}`, which Bedrock does not serve",
                    rules.version
                ))
                .fix("Set `model = \"openai.gpt-oss-120b\"` (or upgrade Codex)"),
            );
        }
        out.summary = format!("model not set: Codex {} uses `{model}`, its catalog's first entry", rules.version);
        return out.with(
            Finding::info(format!("model is not set; Codex {} picks `{model}`", rules.version)).fix(set_model(&model)),
        );
    }
    if catalog.contains(&model) {
        return out;
    }
    if kind == BedrockKind::Mantle && model.starts_with("anthropic.") {
        // Not a "Runtime id": Mantle serves Claude, but on its Anthropic Messages API (reference §10).
        return out.with(
            Finding::fail(format!(
                "`{model}` is a Claude model: Mantle serves Claude on its Anthropic Messages API, not on the OpenAI Responses API Codex calls"
            ))
            .fix(format!("Use an OpenAI model, e.g. `{}`", catalog.first().map_or("openai.gpt-oss-120b", String::as_str)))
            .at(location),
        );
    }
    let warning = codex_errors::model_fallback_warning(&model);
    out.set("codex_warning", warning);

    if kind == BedrockKind::Runtime {
        if catalog.is_empty() {
            out.summary = format!("`{model}` (the Runtime catalog of Codex {} is not recorded)", rules.version);
            return out;
        }
        let suggestion = catalog.iter().find(|m| m.ends_with(&format!(".{}", mantle_form(&model)))).cloned();
        let f =
            Finding::warn(format!("`{model}` is not in the amazon-bedrock-runtime catalog of Codex {}", rules.version));
        return out.with(
            match suggestion {
                Some(s) => f.fix(set_model(&s)),
                None => f,
            }
            .at(location),
        );
    }

    let mantle = mantle_form(&model);
    let known = rules.all_known_models();
    let runtime_style = mantle != model && model.trim() != mantle;
    if runtime_style {
        let target =
            if catalog.contains(&mantle) || known.contains(&mantle.as_str()) { Some(mantle.clone()) } else { None };
        let why = if model.starts_with("gpt-") {
            "a bare OpenAI id; Bedrock Mantle ids start with `openai.`"
        } else {
            "a Bedrock Runtime id; Mantle (amazon-bedrock) takes the plain Mantle id"
        };
        let finding =
            Finding::fail(format!("`{model}` is {why}: Bedrock will answer 404 model not found")).at(location.clone());
        out.push(match target {
            Some(t) => finding.fix(set_model(&t)),
            None => finding
                .fix(format!("Use a Mantle id, e.g. `{}`", catalog.first().map_or("openai.gpt-5.5", |s| s.as_str()))),
        });
        return out;
    }
    if known.contains(&model.as_str()) {
        let newest = catalog.first().map_or("openai.gpt-oss-120b", |s| s.as_str());
        out.push(
            Finding::warn(format!(
                "`{model}` is not in Codex {}'s Bedrock catalog: Codex warns about fallback metadata and may mis-size context and reasoning",
                rules.version
            ))
            .fix(set_model(newest))
            .at(location),
        );
        return out;
    }
    match closest(&model, catalog.iter().map(String::as_str), 3) {
        // A warning: new models arrive with names one edit away from old ones (gpt-6.1 → gpt-6.2).
        Some(near) => out.push(
            Finding::warn(format!(
                "`{model}` is not in Codex {}'s Bedrock catalog (did you mean `{near}`?)",
                rules.version
            ))
            .fix(set_model(near))
            .at(location),
        ),
        None => out.push(
            Finding::warn(format!(
                "`{model}` is unknown to Codex {}: it sends it anyway and Bedrock answers 404 if no such model exists",
                rules.version
            ))
            .fix(format!(
                "Use one of the catalog ids, e.g. `{}`",
                catalog.first().map_or("openai.gpt-5.5", |s| s.as_str())
            ))
            .at(location),
        ),
    }
    out
}

/// A provider Codex does not run as Bedrock, judged by where its request goes (reference §10): Mantle's
/// Responses API serves `openai.` ids (Claude only on its Anthropic Messages API), the Runtime's
/// OpenAI-compatible endpoint its inference-profile ids; a gateway's ids are its own.
fn by_destination(ctx: &Session) -> Option<Outcome> {
    let p = &ctx.prediction;
    let model = p.model.clone()?;
    let location = ctx.config.get(&["model"]).and_then(|f| ctx.config.location(&f));
    let set_model = |m: &str| format!("Set `model = \"{m}\"`");
    let unset = if p.model_is_default {
        format!("model is not set: Codex sends its OpenAI default `{model}`, which")
    } else {
        format!("`{model}`")
    };
    let mut out = Outcome::pass(format!("`{model}`"));
    out.set("model", model.clone());
    match p.destination.as_ref()? {
        Destination::Mantle { .. } => {
            let catalog = ctx.rules.model_catalog();
            if model.starts_with("anthropic.") {
                out.push(
                    Finding::fail(format!(
                        "{unset} is a Claude model: Mantle serves Claude on its Anthropic Messages API, not on the OpenAI Responses API Codex calls"
                    ))
                    .fix(format!("Use an OpenAI model on Mantle, e.g. `{}`", catalog.first().map_or("openai.gpt-oss-120b", String::as_str)))
                    .at(location),
                );
                return Some(out);
            }
            let mantle = mantle_form(&model);
            if mantle != model {
                let why = if model.starts_with("gpt-") {
                    "a bare OpenAI id; Mantle ids start with `openai.`"
                } else {
                    "a Bedrock Runtime id; Mantle takes the plain Mantle id"
                };
                out.push(
                    Finding::fail(format!("{unset} is {why}: Mantle answers 404 model not found"))
                        .fix(set_model(&mantle))
                        .at(location),
                );
            }
            Some(out)
        }
        Destination::Runtime { .. } => {
            let catalog = ctx.rules.runtime_catalog();
            if catalog.is_empty() || catalog.contains(&model) || model.starts_with("anthropic.") {
                return Some(out);
            }
            let profile = catalog.iter().find(|m| m.ends_with(&format!(".{}", mantle_form(&model)))).cloned();
            if let Some(profile) = profile.filter(|_| !RUNTIME_PREFIXES.iter().any(|p| model.starts_with(p))) {
                out.push(
                    Finding::fail(format!(
                        "{unset} is not an id the Runtime serves for this model: it takes the inference-profile id"
                    ))
                    .fix(set_model(&profile))
                    .at(location),
                );
            }
            Some(out)
        }
        Destination::Other { .. } | Destination::OpenAi => {
            Some(Outcome::info(format!("`{model}`: the id is the destination's own, not checked against Bedrock")))
        }
    }
}

/// The id the user meant, when it is certain: a Runtime-style, bare or misspelt id whose Mantle form is
/// in this version's catalog.
pub fn catalog_correction(ctx: &Session) -> Option<String> {
    if ctx.prediction.bedrock != Some(BedrockKind::Mantle) || ctx.prediction.model_is_default {
        return None;
    }
    let model = ctx.prediction.model.as_deref()?;
    let catalog = ctx.rules.model_catalog();
    if catalog.iter().any(|m| m == model) {
        return None;
    }
    let mantle = mantle_form(model);
    if mantle != model && catalog.contains(&mantle) {
        return Some(mantle);
    }
    if ctx.rules.all_known_models().contains(&model) {
        return None;
    }
    closest(model, catalog.iter().map(String::as_str), 3).map(str::to_owned)
}

/// `--model ID` sets the model (asked for); otherwise a certain correction is safe.
fn fixes(ctx: &Session, options: &FixOptions) -> Vec<Fix> {
    let Some((file, path)) = locate_key(ctx, &["model"]) else { return Vec::new() };
    let set = |m: &str| Edit::Set { path: path.clone(), value: m.into() };
    if let Some(model) = &options.model {
        if ctx.prediction.model.as_deref() != Some(model.as_str()) || ctx.prediction.model_is_default {
            return vec![
                Fix::unsafe_edit(CheckId::ModelId, format!("Set `model = \"{model}\"`"), file.clone(), set(model))
                    .requested(true),
            ];
        }
        return Vec::new();
    }
    match catalog_correction(ctx) {
        Some(m) => vec![Fix::safe(CheckId::ModelId, format!("Set `model = \"{m}\"`"), file.clone(), set(&m))],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::mantle_form;

    #[test]
    fn runtime_ids_map_to_mantle_ids() {
        assert_eq!(mantle_form("openai.gpt-oss-120b-1:0"), "openai.gpt-oss-120b");
        assert_eq!(mantle_form("us.openai.gpt-5.5"), "openai.gpt-5.5");
        assert_eq!(mantle_form("global.openai.gpt-6.1-sol"), "openai.gpt-6.1-sol");
        assert_eq!(mantle_form("openai.gpt-5.5-v1"), "openai.gpt-5.5");
        assert_eq!(mantle_form("openai.gpt-5.5-v1:0"), "openai.gpt-5.5");
        assert_eq!(mantle_form("gpt-5.5"), "openai.gpt-5.5");
        assert_eq!(mantle_form("openai.gpt-5.5"), "openai.gpt-5.5");
        assert_eq!(mantle_form("openai.gpt-6-luna"), "openai.gpt-6-luna");
    }
}
