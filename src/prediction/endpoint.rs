//! The Responses request: its URL (reference §4.3), the headers Codex signs on it (§5.2), and whether
//! its body carries the `web_search` tool (§2.6).

use super::RegionPrediction;
use crate::catalog::{Feature, Rules};
use crate::codex::BedrockKind;

/// The URL, from `base_url` or derived from the region.
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

/// The headers Codex sends, and signs under SigV4, on a Responses request, besides `host` and
/// `x-amz-date` (E §5.2: the signed-headers list of each release; the Runtime provider sends no
/// Mantle client agent before 0.160, and a user table run as Bedrock because of its `name` never
/// does: E name-amazon-bedrock-access-keys, 0.131–0.171). `builtin`: the provider is the built-in one.
pub fn codex_header_names(kind: BedrockKind, builtin: bool, rules: &Rules) -> Vec<&'static str> {
    let mut names = vec!["accept", "content-type", "x-client-request-id", "x-codex-turn-metadata", "x-codex-window-id"];
    if rules.has(Feature::OpenaiV1Path) {
        names.push("x-codex-beta-features");
    }
    if rules.has(Feature::MantleClientHeaders) {
        names.extend(["session-id", "thread-id"]);
        if builtin && (kind == BedrockKind::Mantle || rules.has(Feature::RuntimeClientAgent)) {
            names.push("x-amzn-mantle-client-agent");
        }
    }
    names
}

/// The SigV4 `SignedHeaders` list Codex produces, sorted (a session token adds `x-amz-security-token`).
pub fn signed_header_names(kind: BedrockKind, builtin: bool, rules: &Rules, session_token: bool) -> Vec<&'static str> {
    let mut names = codex_header_names(kind, builtin, rules);
    names.extend(["host", "x-amz-date"]);
    if session_token {
        names.push("x-amz-security-token");
    }
    names.sort_unstable();
    names
}

/// Whether the request body carries the `web_search` tool: never on the Runtime provider, never when
/// `web_search = "disabled"`, never on the releases that suppressed it for Bedrock (E §2.6).
pub(crate) fn web_search_tool(kind: BedrockKind, rules: &Rules, web_search: Option<&str>) -> bool {
    kind == BedrockKind::Mantle && web_search != Some("disabled") && !rules.has(Feature::WebSearchSuppressed)
}
