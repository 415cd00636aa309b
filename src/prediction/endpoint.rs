//! The URL of the Responses request (reference §4.3).

use super::RegionPrediction;
use crate::catalog::{Feature, Rules};
use crate::codex::BedrockKind;

pub(crate) fn endpoint(
    kind: BedrockKind,
    rules: &Rules,
    base_url: Option<&str>,
    region: Option<&RegionPrediction>,
) -> Option<String> {
    if let Some(base) = base_url {
        // Codex trims the trailing `/` of the base and joins `responses` (S codex-api/src/provider.rs).
        return Some(format!("{}/responses", base.trim_end_matches('/')));
    }
    let region = region?.value.trim();
    Some(match kind {
        BedrockKind::Runtime => format!("https://bedrock-runtime.{region}.amazonaws.com/openai/v1/responses"),
        BedrockKind::Mantle if rules.has(Feature::OpenaiV1Path) => {
            format!("https://bedrock-mantle.{region}.api.aws/openai/v1/responses")
        }
        BedrockKind::Mantle => format!("https://bedrock-mantle.{region}.api.aws/v1/responses"),
    })
}
