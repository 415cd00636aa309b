//! `$CODEX_HOME/auth.json`: the managed Bedrock credentials that the Desktop/TUI setup wizard writes
//! (reference §5.4). Only the two Bedrock modes matter here; every other login mode plays no part on
//! Bedrock.

use serde_json::Value;

use super::files::SourceFile;

/// Managed Bedrock credentials found in auth.json.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManagedAuth {
    /// `{"auth_mode":"bedrockApiKey","bedrock_api_key":{"api_key","region"}}` (Codex ≥ 0.142).
    ApiKey { api_key: String, region: Option<String> },
    /// `{"auth_mode":"bedrockAccessKeys","bedrock_access_keys":{…}}` (Codex ≥ 0.150).
    AccessKeys { access_key_id: String, secret_access_key: String, session_token: Option<String> },
}

/// What auth.json holds.
#[derive(Clone, Debug)]
pub struct AuthJson {
    /// The file as read.
    pub source: SourceFile,
    /// The managed Bedrock credentials, if any.
    pub managed: Option<ManagedAuth>,
    /// The `auth_mode` value, whatever it is.
    pub auth_mode: Option<String>,
    /// Why the file could not be understood (not JSON, a Bedrock mode with missing fields).
    pub problem: Option<String>,
    /// An OpenAI login: `Some(true)` for a ChatGPT sign-in (`tokens`), `Some(false)` for an API key
    /// (`OPENAI_API_KEY`), what the built-in `openai` provider and `requires_openai_auth` use.
    pub openai_login: Option<bool>,
}

impl AuthJson {
    /// Parses the file.
    pub fn parse(source: SourceFile) -> AuthJson {
        let mut out = AuthJson { source, managed: None, auth_mode: None, problem: None, openai_login: None };
        let Some(text) = out.source.text() else {
            if out.source.exists() {
                out.problem = out.source.problem();
            }
            return out;
        };
        let json: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                out.problem = Some(format!("{}: not valid JSON ({e})", out.source.path.display()));
                return out;
            }
        };
        out.auth_mode = json.get("auth_mode").and_then(Value::as_str).map(str::to_owned);
        let field = |obj: &Value, k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let present = |key: &str| json.get(key).is_some_and(|v| !v.is_null());
        out.openai_login = match out.auth_mode.as_deref() {
            Some("chatgpt") => Some(true),
            Some("apikey") => Some(false),
            Some(mode) if mode.starts_with("bedrock") => None,
            _ if present("tokens") => Some(true),
            _ if present("OPENAI_API_KEY") => Some(false),
            _ => None,
        };
        match out.auth_mode.as_deref() {
            Some("bedrockApiKey") => {
                let record = json.get("bedrock_api_key").cloned().unwrap_or(Value::Null);
                match field(&record, "api_key") {
                    Some(api_key) => {
                        out.managed = Some(ManagedAuth::ApiKey { api_key, region: field(&record, "region") })
                    }
                    None => {
                        out.problem = Some("auth.json: `bedrockApiKey` mode without `bedrock_api_key.api_key`".into())
                    }
                }
            }
            Some("bedrockAccessKeys") => {
                let record = json.get("bedrock_access_keys").cloned().unwrap_or(Value::Null);
                match (field(&record, "access_key_id"), field(&record, "secret_access_key")) {
                    (Some(access_key_id), Some(secret_access_key)) => {
                        out.managed = Some(ManagedAuth::AccessKeys {
                            access_key_id,
                            secret_access_key,
                            session_token: field(&record, "session_token"),
                        })
                    }
                    _ => out.problem = Some("auth.json: `bedrockAccessKeys` mode without both keys".into()),
                }
            }
            Some(mode) if mode.to_ascii_lowercase().contains("bedrock") => {
                out.problem = Some(format!(
                    "auth.json: unknown auth_mode `{mode}` (Codex knows `bedrockApiKey` and `bedrockAccessKeys`)"
                ));
            }
            _ => {}
        }
        out
    }

    /// Every secret value in the file, for redaction.
    pub fn secrets(&self) -> Vec<String> {
        match &self.managed {
            Some(ManagedAuth::ApiKey { api_key, .. }) => vec![api_key.clone()],
            Some(ManagedAuth::AccessKeys { secret_access_key, session_token, .. }) => {
                std::iter::once(secret_access_key.clone()).chain(session_token.clone()).collect()
            }
            None => Vec::new(),
        }
    }
}
