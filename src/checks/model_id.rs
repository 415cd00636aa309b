//! `model-id`: the model is one the version's Bedrock catalog knows; Runtime-style ids
//! (`openai.gpt-oss-120b-1:0`, `us.`/`global.` prefixes on Mantle), bare `gpt-*` ids and near misses are
//! caught with the right id suggested. Codex itself never blocks an unknown id: it warns about fallback
//! metadata and sends it, and Bedrock answers 404 (reference §3).

use super::{Check, CheckMeta, Fixable, Kind, Runner, bedrock};
use crate::catalog::Feature;
use crate::codex::BedrockKind;
use crate::codex_errors;
use crate::context::CatalogAuthority;
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

/// The numbers in an id, in order (`openai.gpt-6.2-sol` → `["6", "2"]`, `openai.gpt-oss-120b` →
/// `["120"]`): its generation, line and size.
fn numbers(id: &str) -> Vec<&str> {
    id.split(|c: char| !c.is_ascii_digit()).filter(|run| !run.is_empty()).collect()
}

/// The words of an id, lower-cased (`openai.gpt-6.2-sol` → `["openai", "gpt", "sol"]`).
fn words(id: &str) -> Vec<String> {
    id.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase).collect()
}

/// One slip of the finger at most: an inserted, dropped or wrong letter, or two neighbours swapped.
fn one_slip(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            diff.len() == 1
                || (diff.len() == 2 && diff[1] == diff[0] + 1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]])
        }
        1 => {
            let i = (0..short.len()).find(|&i| short[i] != long[i]).unwrap_or(short.len());
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

/// The catalog id `model` is a misspelling of, when that is certain enough to say "did you mean". A
/// candidate qualifies when:
/// - it has exactly the same numbers as `model`, in order: new releases bring ids one character away
///   from old ones, so `openai.gpt-6.2-sol` is never "corrected" to `openai.gpt-6.1-sol` (a downgrade),
///   nor `gpt-6.1` to `gpt-6`, nor `gpt-oss-12b` to `gpt-oss-120b`;
/// - it has the same words, each at most one slip apart ([`one_slip`]), so `sool` → `sol` and `tera` →
///   `terra` qualify, but `terra` → `astra` (another model of the same generation) does not;
/// - the whole ids, ignoring case, are at most 3 edits apart (separators included);
/// - no other candidate is as close.
pub fn spelling_near_miss<'a>(model: &str, catalog: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let (model_numbers, model_words) = (numbers(model), words(model));
    let lower = model.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    let mut tied = false;
    for candidate in catalog {
        let candidate_words = words(candidate);
        let same_model = candidate != model
            && numbers(candidate) == model_numbers
            && candidate_words.len() == model_words.len()
            && model_words.iter().zip(&candidate_words).all(|(a, b)| one_slip(a, b));
        if !same_model {
            continue;
        }
        let d = super::edit_distance(&lower, &candidate.to_ascii_lowercase());
        match best {
            _ if d > 3 => {}
            Some((bd, _)) if d > bd => {}
            Some((bd, _)) if d == bd => tied = true,
            _ => {
                best = Some((d, candidate));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, c)| c)
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
    let catalog = ctx.model_catalog(kind);
    let authority = ctx.catalog_authority(kind);
    let version = &rules.version;
    // Codex is newer than the rules and its own catalog could not be read: a missing model may be one
    // this Codex added, so that is information, never a warning or a suggestion.
    let unverified = authority == CatalogAuthority::Unverified;
    let verified_up_to = rules.verified_up_to();
    let mut out = Outcome::pass(format!("`{model}` is in Codex {version}'s Bedrock catalog"));
    out.set("model", model.clone());
    out.set("catalog", catalog.to_vec());
    out.set("catalog_source", ctx.catalog_source_text());
    let set_model = |m: &str| format!("Set `model = \"{m}\"`");

    if ctx.prediction.model_is_default {
        if kind == BedrockKind::Mantle && !rules.has(Feature::BedrockModelCatalog) {
            return out.with(
                Finding::fail(format!(
                    "model is not set and Codex {version} has no Bedrock catalog: it sends its OpenAI default `{model}`, which Bedrock does not serve"
                ))
                .fix("Set `model = \"openai.gpt-oss-120b\"` (or upgrade Codex)"),
            );
        }
        out.summary = format!("model not set: Codex {version} uses `{model}`, its catalog's first entry");
        let message = if unverified {
            format!(
                "model is not set; Codex {version} picks its catalog's first entry (`{model}` in the rules verified up to {verified_up_to}; this newer Codex may pick another)"
            )
        } else {
            format!("model is not set; Codex {version} picks `{model}`")
        };
        return out.with(Finding::info(message).fix(set_model(&model)));
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
    let unknown_to_rules = |out: &mut Outcome, provider: &str| {
        out.summary = format!("`{model}`, not in the {provider}catalog of the rules verified up to {verified_up_to}");
        out.push(
            Finding::info(format!(
                "Codex {version} is newer than those rules and its own catalog was not read, so it may list `{model}`"
            ))
            .at(location.clone()),
        );
    };

    if kind == BedrockKind::Runtime {
        if catalog.is_empty() {
            out.summary = format!("`{model}` (the Runtime catalog of Codex {version} is not recorded)");
            return out;
        }
        if unverified {
            unknown_to_rules(&mut out, "amazon-bedrock-runtime ");
            return out;
        }
        // Only the cross-region prefix is suggested, so the model itself never changes.
        let suggestion = catalog.iter().find(|m| m.ends_with(&format!(".{}", mantle_form(&model)))).cloned();
        let f = Finding::warn(format!("`{model}` is not in the amazon-bedrock-runtime catalog of Codex {version}"));
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
        // The shape is wrong whatever the catalog: Mantle never takes Runtime ids or bare OpenAI ids.
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
            None => finding.fix(format!(
                "Set `model = \"{mantle}\"` if Mantle serves it (no catalog the rules know lists it), or a catalog id, e.g. `{}`",
                catalog.first().map_or("openai.gpt-5.5", |s| s.as_str())
            )),
        });
        return out;
    }
    if unverified {
        unknown_to_rules(&mut out, "");
        return out;
    }
    if known.contains(&model.as_str()) {
        let newest = catalog.first().map_or("openai.gpt-oss-120b", |s| s.as_str());
        out.push(
            Finding::warn(format!(
                "`{model}` is not in Codex {version}'s Bedrock catalog: Codex warns about fallback metadata and may mis-size context and reasoning"
            ))
            // Codex still sends it and Bedrock may well serve it: swapping in another model is the
            // user's choice, never one `fix --unsafe` makes for them.
            .fix(format!(
                "Keep it if Bedrock serves it to you (only Codex's metadata for it is missing), or choose a catalog id with `fix --model ID`, e.g. `{newest}`"
            ))
            .at(location),
        );
        return out;
    }
    match spelling_near_miss(&model, catalog.iter().map(String::as_str)) {
        Some(near) => out.push(
            Finding::warn(format!("`{model}` is not in Codex {version}'s Bedrock catalog (did you mean `{near}`?)"))
                .fix(set_model(near))
                .at(location),
        ),
        None => out.push(
            Finding::warn(format!(
                "`{model}` is unknown to Codex {version}: it sends it anyway and Bedrock answers 404 if no such model exists"
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
            let catalog = ctx.model_catalog(BedrockKind::Mantle);
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
            let catalog = ctx.model_catalog(BedrockKind::Runtime);
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

/// What `fix` does about the model: the edit the remediation of [`run`] names, with its safety.
/// Stripping Runtime decoration (a `us.`/`global.` prefix, a `-1:0` suffix) and correcting a certain
/// misspelling are safe: the model stays the one the user chose. Picking another model or a cross-region
/// inference profile is unsafe. Where the report only gives an example ("use a catalog id, e.g. …"), the
/// fix waits for `--model`.
enum Proposal {
    Safe(String, Option<String>),
    Unsafe(String, String),
    NeedsModel(String, String),
}

fn proposal(ctx: &Session) -> Option<Proposal> {
    let p = &ctx.prediction;
    let model = p.model.clone()?;
    let kind = match bedrock(ctx) {
        Ok(kind) => kind,
        Err(_) => return by_destination_proposal(ctx, &model),
    };
    let rules = &ctx.rules;
    let version = &rules.version;
    let catalog = ctx.model_catalog(kind);
    let first = |fallback: &'static str| catalog.first().map_or(fallback, String::as_str).to_owned();
    if p.model_is_default {
        return (kind == BedrockKind::Mantle && !rules.has(Feature::BedrockModelCatalog)).then(|| {
            Proposal::Unsafe(
                "openai.gpt-oss-120b".to_owned(),
                format!("Codex {version} has no Bedrock catalog; this picks a model"),
            )
        });
    }
    if catalog.contains(&model) {
        return None;
    }
    let unverified = ctx.catalog_authority(kind) == CatalogAuthority::Unverified;
    if kind == BedrockKind::Mantle && model.starts_with("anthropic.") {
        return Some(Proposal::NeedsModel(first("openai.gpt-oss-120b"), "Mantle serves Claude on another API".into()));
    }
    if kind == BedrockKind::Runtime {
        if catalog.is_empty() || unverified {
            return None;
        }
        let profile = catalog.iter().find(|m| m.ends_with(&format!(".{}", mantle_form(&model))))?;
        return Some(Proposal::Unsafe(
            profile.clone(),
            "a cross-region inference profile routes requests across the regions of its geography".into(),
        ));
    }
    let mantle = mantle_form(&model);
    let known = rules.all_known_models();
    if mantle != model && model.trim() != mantle {
        if catalog.contains(&mantle) {
            return Some(Proposal::Safe(mantle, None));
        }
        if known.contains(&mantle.as_str()) {
            let note = format!(
                "`{mantle}` is the same model without Runtime decoration; it is not in Codex {version}'s catalog, so Codex warns about fallback metadata"
            );
            return Some(Proposal::Safe(mantle, Some(note)));
        }
        return Some(Proposal::Unsafe(
            mantle,
            format!(
                "no catalog the rules know lists it (Codex {version}'s first entry is `{}`)",
                first("openai.gpt-5.5")
            ),
        ));
    }
    if unverified {
        return None;
    }
    if known.contains(&model.as_str()) {
        return Some(Proposal::NeedsModel(
            first("openai.gpt-oss-120b"),
            format!("another model is the user's choice: `{model}` is only missing from Codex {version}'s catalog"),
        ));
    }
    match spelling_near_miss(&model, catalog.iter().map(String::as_str)) {
        Some(near) => Some(Proposal::Safe(near.to_owned(), None)),
        None => Some(Proposal::NeedsModel(
            first("openai.gpt-5.5"),
            format!("`{model}` is unknown and no catalog id is certainly the one meant"),
        )),
    }
}

/// [`proposal`] for a provider Codex does not run as Bedrock, after [`by_destination`].
fn by_destination_proposal(ctx: &Session, model: &str) -> Option<Proposal> {
    match ctx.prediction.destination.as_ref()? {
        Destination::Mantle { .. } => {
            let catalog = ctx.model_catalog(BedrockKind::Mantle);
            if model.starts_with("anthropic.") {
                let first = catalog.first().map_or("openai.gpt-oss-120b", String::as_str).to_owned();
                return Some(Proposal::NeedsModel(first, "Mantle serves Claude on another API".into()));
            }
            let mantle = mantle_form(model);
            (mantle != model).then_some(Proposal::Safe(mantle, None))
        }
        Destination::Runtime { .. } => {
            let catalog = ctx.model_catalog(BedrockKind::Runtime);
            if catalog.is_empty() || catalog.iter().any(|m| m == model) || model.starts_with("anthropic.") {
                return None;
            }
            let profile = catalog.iter().find(|m| m.ends_with(&format!(".{}", mantle_form(model))))?;
            (!RUNTIME_PREFIXES.iter().any(|p| model.starts_with(p))).then(|| {
                Proposal::Unsafe(
                    profile.clone(),
                    "a cross-region inference profile routes requests across the regions of its geography".into(),
                )
            })
        }
        Destination::Other { .. } | Destination::OpenAi => None,
    }
}

/// `--model ID` sets the model (asked for); otherwise the edit the report names, with its safety.
fn fixes(ctx: &Session, options: &FixOptions) -> Vec<Fix> {
    let Some((file, path)) = locate_key(ctx, &["model"]) else { return Vec::new() };
    let set = |m: &str| Edit::Set { path: path.clone(), value: m.into() };
    let title = |m: &str| format!("Set `model = \"{m}\"`");
    if let Some(model) = &options.model {
        if ctx.prediction.model.as_deref() != Some(model.as_str()) || ctx.prediction.model_is_default {
            return vec![Fix::unsafe_edit(CheckId::ModelId, title(model), file.clone(), set(model)).requested(true)];
        }
        return Vec::new();
    }
    let fix = match proposal(ctx) {
        None => return Vec::new(),
        Some(Proposal::Safe(m, note)) => {
            let fix = Fix::safe(CheckId::ModelId, title(&m), file.clone(), set(&m));
            match note {
                Some(n) => fix.note(n),
                None => fix,
            }
        }
        Some(Proposal::Unsafe(m, note)) => {
            Fix::unsafe_edit(CheckId::ModelId, title(&m), file.clone(), set(&m)).note(note)
        }
        Some(Proposal::NeedsModel(example, why)) => {
            Fix::needs_flag(CheckId::ModelId, "--model", format!("Set `model` to a catalog id, e.g. `{example}`"), why)
        }
    };
    vec![fix]
}

#[cfg(test)]
mod tests {
    use super::{mantle_form, spelling_near_miss};

    const CATALOG_0_171: &[&str] = &[
        "openai.gpt-6.2-sol",
        "openai.gpt-6.2-astra",
        "openai.gpt-6.1-sol",
        "openai.gpt-6-astra",
        "openai.gpt-6.1-terra",
        "openai.gpt-6-sol",
        "openai.gpt-6-luna",
        "openai.gpt-5.6-sol",
        "openai.gpt-5.5",
        "openai.gpt-oss-120b",
        "openai.gpt-oss-20b",
    ];

    fn near(model: &str, catalog: &[&'static str]) -> Option<&'static str> {
        spelling_near_miss(model, catalog.iter().copied())
    }

    #[test]
    fn a_typo_fix_never_changes_the_generation() {
        let without_6_2 = &CATALOG_0_171[2..];
        // 6.2 is not a misspelling of 6.1 (a downgrade), nor 6.1 of 6, nor 6 of 6.1.
        assert_eq!(near("openai.gpt-6.2-sol", without_6_2), None);
        assert_eq!(near("openai.gpt-6.1-luna", without_6_2), None);
        assert_eq!(near("openai.gpt-6-terra", without_6_2), None);
        assert_eq!(near("openai.gpt-7-nova", CATALOG_0_171), None);
        // Nor a size: 20b is not 120b.
        assert_eq!(near("openai.gpt-oss-12b", CATALOG_0_171), None);
        assert_eq!(near("openai.gpt-5.5", &["openai.gpt-5.4"]), None);
    }

    #[test]
    fn spelling_slips_within_one_model_are_near_misses() {
        assert_eq!(near("openai.gpt-6.1-sool", CATALOG_0_171), Some("openai.gpt-6.1-sol"));
        assert_eq!(near("openai.gpt6.1-sol", CATALOG_0_171), Some("openai.gpt-6.1-sol"));
        assert_eq!(near("openai-gpt-6.2-astra", CATALOG_0_171), Some("openai.gpt-6.2-astra"));
        assert_eq!(near("OpenAI.GPT-6.2-Sol", CATALOG_0_171), Some("openai.gpt-6.2-sol"));
        assert_eq!(near("openai.gpt-6.1-tera", CATALOG_0_171), Some("openai.gpt-6.1-terra"));
        assert_eq!(near("openai.gpt5.5", CATALOG_0_171), Some("openai.gpt-5.5"));
        assert_eq!(near("openai.gpt-6.2-atsra", CATALOG_0_171), Some("openai.gpt-6.2-astra"));
        assert_eq!(near("opnai.gpt-6.1-slo", CATALOG_0_171), Some("openai.gpt-6.1-sol"));
    }

    #[test]
    fn far_or_ambiguous_spellings_get_no_suggestion() {
        // Another model of the same generation, or a word more than one slip away.
        assert_eq!(near("openai.gpt-6-terra", &["openai.gpt-6-astra"]), None);
        assert_eq!(near("openai.gpt-6.1-sun", CATALOG_0_171), None);
        assert_eq!(near("openai.gpt-6.1-xxxxx", CATALOG_0_171), None);
        // Words slipped separately but more than 3 edits in all.
        assert_eq!(near("opnai_gpt_6.1_sool", CATALOG_0_171), None);
        // Equally close to two ids of the same generation: no guess.
        assert_eq!(near("openai.gpt-6-xuna", &["openai.gpt-6-luna", "openai.gpt-6-kuna"]), None);
        // An id in the catalog is not a near miss of itself.
        assert_eq!(near("openai.gpt-6.1-sol", &["openai.gpt-6.1-sol"]), None);
    }

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
