//! `bedrock-doctor iam`: the least-privilege IAM policy for the setup Codex will use.
//!
//! Actions, as AWS documents them for Bedrock Mantle (OpenAI-compatible endpoints): inference needs
//! `bedrock-mantle:CreateInference`; Bedrock API keys (bearer tokens) also need
//! `bedrock-mantle:CallWithBearerToken` (granted on `*` by the managed policy
//! AmazonBedrockMantleInferenceAccess). The doctor's `model-access` check reads Mantle's own models
//! list (`GET …/openai/v1/models`, the Bedrock user guide's "Get list of models": Mantle is listed through
//! its OpenAI-compatible /models endpoint, the Runtime through ListFoundationModels). Its IAM action is
//! `bedrock-mantle:ListModels`: that is the action Mantle names when it refuses the list (denials quoted
//! in public reports), and the AWS managed policy AmazonBedrockMantleReadOnly grants it through
//! `bedrock-mantle:List*`. Its row in the Service Authorization Reference (`list_bedrock-mantle`) was not
//! read, so the name is stated with those sources, not as documented. Mantle's resource ARN format is
//! not documented, so the policy scopes by region with `aws:RequestedRegion` instead of guessing ARNs.

use serde_json::{Value, json};

use crate::codex::{AuthMethod, BedrockKind};
use crate::session::Session;

/// The IAM action of Mantle's models list (`GET …/openai/v1/models`), which `model-access` reads.
pub const MANTLE_LIST_ACTION: &str = "bedrock-mantle:ListModels";

/// Where [`MANTLE_LIST_ACTION`] comes from, printed by `bedrock-doctor iam` next to the policy.
pub const MANTLE_LIST_SOURCE: &str = "bedrock-mantle:ListModels (model-access reads Mantle's GET /openai/v1/models): the action Mantle names when it refuses that list; the AWS managed policy AmazonBedrockMantleReadOnly grants it through bedrock-mantle:List*. Its row in the Service Authorization Reference (list_bedrock-mantle) was not confirmed.";

/// Why no policy can be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IamRefusal {
    /// `amazon-bedrock-runtime`: its actions are not confirmed.
    RuntimeNotCovered,
    /// No Bedrock provider is selected.
    NotBedrock,
    /// The policy is scoped to a region, and none resolves.
    NoRegion,
}

impl std::fmt::Display for IamRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IamRefusal::RuntimeNotCovered => {
                "amazon-bedrock-runtime is not covered: its IAM actions are not confirmed from AWS documentation yet"
            }
            IamRefusal::NotBedrock => "model_provider is not a Bedrock provider (see `bedrock-doctor check`)",
            IamRefusal::NoRegion => {
                "no region resolved: pin aws.region (or pass -c model_providers.amazon-bedrock.aws.region=R)"
            }
        })
    }
}

impl std::error::Error for IamRefusal {}

/// The policy, or why none can be given.
pub fn policy(ctx: &Session) -> Result<Value, IamRefusal> {
    let p = &ctx.prediction;
    // A custom provider that reaches Mantle is judged by its destination: the region is the host's.
    let region = match (p.bedrock, &p.destination) {
        (Some(BedrockKind::Mantle), _) => p.region.as_ref().map(|r| r.value.trim().to_owned()),
        (Some(BedrockKind::Runtime), _) | (None, Some(crate::net::Destination::Runtime { .. })) => {
            return Err(IamRefusal::RuntimeNotCovered);
        }
        (None, Some(crate::net::Destination::Mantle { region })) => Some(region.clone()),
        (None, _) => return Err(IamRefusal::NotBedrock),
    };
    let region = region.ok_or(IamRefusal::NoRegion)?;
    let in_region = json!({"StringEquals": {"aws:RequestedRegion": region}});
    let mut statements = vec![json!({
        "Sid": "CodexBedrockMantleInference",
        "Effect": "Allow",
        "Action": ["bedrock-mantle:CreateInference"],
        "Resource": "*",
        "Condition": in_region,
    })];
    if p.auth.as_ref().is_some_and(|a| a.method == AuthMethod::Bearer) {
        statements.push(json!({
            "Sid": "CodexBedrockApiKey",
            "Effect": "Allow",
            "Action": ["bedrock-mantle:CallWithBearerToken"],
            "Resource": "*",
            "Condition": in_region,
        }));
    }
    // `model-access` on Mantle reads Mantle's own list; see the module documentation for the source.
    statements.push(json!({
        "Sid": "BedrockDoctorModelDiscovery",
        "Effect": "Allow",
        "Action": [MANTLE_LIST_ACTION],
        "Resource": "*",
        "Condition": in_region,
    }));
    Ok(json!({"Version": "2012-10-17", "Statement": statements}))
}
