//! Which provider `model_provider` selects, how Codex runs it, and Codex's error for one that does not
//! exist.
//!
//! Built-in ids win over a user table of the same id (S `model-provider-info`: user providers are added
//! only for ids that are not built in; the Bedrock tables are merged under their own rules). A user table
//! whose `name` is exactly `Amazon Bedrock` is run as Amazon Bedrock (S `is_amazon_bedrock` compares the
//! name; E 0.135–0.171: it then needs a Bedrock region, and without `base_url` it calls Mantle).

use super::{Fatal, Prediction, location_of, provider_path, provider_str};
use crate::catalog::Feature;
use crate::codex::{
    AMAZON_BEDROCK_NAME, AMAZON_BEDROCK_RUNTIME_NAME, BedrockKind, MANTLE_PROVIDER, OPENAI_PROVIDER, OSS_PROVIDERS,
    RUNTIME_PROVIDER, Route,
};
use crate::codex_errors as err;
use crate::context::Context;
use crate::meta::CheckId;

pub(crate) fn resolve_provider(ctx: &Context, p: &mut Prediction) {
    let (id, found) = match ctx.config.get_str(&["model_provider"]) {
        Ok(Some((id, found))) => (id.to_owned(), found),
        // Unset: Codex uses `openai` (reference §2.1).
        Ok(None) => {
            p.route = Some(Route::OpenAi);
            return;
        }
        // Mistyped: already a load error.
        Err(_) => return,
    };
    p.provider = Some(id.clone());
    let rules = &ctx.rules;
    let route = match id.as_str() {
        MANTLE_PROVIDER if rules.has(Feature::BedrockProvider) => Some(Route::Bedrock(BedrockKind::Mantle)),
        RUNTIME_PROVIDER if rules.has(Feature::RuntimeProvider) => Some(Route::Bedrock(BedrockKind::Runtime)),
        OPENAI_PROVIDER => Some(Route::OpenAi),
        id if OSS_PROVIDERS.iter().any(|(oss, _)| *oss == id) => Some(Route::Oss),
        id if ctx.config.get(&provider_path(id, &[])).is_some() => Some(match provider_str(ctx, id, &["name"]) {
            Some(AMAZON_BEDROCK_NAME) if rules.has(Feature::BedrockByName) => Route::Bedrock(BedrockKind::Mantle),
            Some(AMAZON_BEDROCK_RUNTIME_NAME) if rules.has(Feature::RuntimeProvider) => {
                Route::Bedrock(BedrockKind::Runtime)
            }
            _ => Route::Custom,
        }),
        _ => None,
    };
    p.route = route;
    match route {
        Some(Route::Bedrock(kind)) => p.bedrock = Some(kind),
        Some(_) => {}
        None => p.fatal.push(Fatal {
            check: CheckId::ModelProvider,
            text: err::provider_not_found(&id),
            location: location_of(ctx, &found),
        }),
    }
}
