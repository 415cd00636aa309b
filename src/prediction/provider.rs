//! Which provider `model_provider` selects, and Codex's error for one that does not exist.

use super::{Fatal, Prediction, location_of, provider_path};
use crate::catalog::Feature;
use crate::codex::{BedrockKind, MANTLE_PROVIDER, RUNTIME_PROVIDER};
use crate::codex_errors as err;
use crate::context::Context;
use crate::meta::CheckId;

pub(crate) fn resolve_provider(ctx: &Context, p: &mut Prediction) {
    let found = match ctx.config.get_str(&["model_provider"]) {
        Ok(Some((id, found))) => (id.to_owned(), found),
        // Unset (or mistyped, already fatal): Codex uses `openai`.
        _ => return,
    };
    let (id, found) = found;
    p.provider = Some(id.clone());
    let rules = &ctx.rules;
    let kind = match id.as_str() {
        MANTLE_PROVIDER if rules.has(Feature::BedrockProvider) => Some(BedrockKind::Mantle),
        RUNTIME_PROVIDER if rules.has(Feature::RuntimeProvider) => Some(BedrockKind::Runtime),
        _ => None,
    };
    if kind.is_some() {
        p.bedrock = kind;
        return;
    }
    let builtin = matches!(id.as_str(), "openai" | "ollama" | "lmstudio" | "oss");
    let custom = ctx.config.get(&provider_path(&id, &[])).is_some();
    if !builtin && !custom {
        p.fatal.push(Fatal {
            check: CheckId::ModelProvider,
            text: err::provider_not_found(&id),
            location: location_of(ctx, &found),
        });
    }
}
