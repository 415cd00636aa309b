//! Finds credentials written literally into text (config files, templates, `.env.example`).
//!
//! Shapes, not names: an AWS access key id (`AKIA`/`ASIA` + 16), a Bedrock API key (short-term
//! `bedrock-api-key-…`, long-term `ABSK…`), and values of keys that name a secret (`aws_secret_access_key`,
//! `experimental_bearer_token`, `AWS_SESSION_TOKEN`, …) when they are long enough to be real.

use serde::Serialize;

/// What kind of secret a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// `AKIA…`/`ASIA…` access key id (not secret by itself, but never belongs in a shared file).
    AccessKeyId,
    /// A secret access key.
    SecretAccessKey,
    /// A session token.
    SessionToken,
    /// A short-term Bedrock API key.
    BedrockShortTermKey,
    /// A long-term Bedrock API key.
    BedrockLongTermKey,
    /// Any other token-named value.
    Token,
}

impl SecretKind {
    /// Words for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::AccessKeyId => "an AWS access key id",
            SecretKind::SecretAccessKey => "an AWS secret access key",
            SecretKind::SessionToken => "an AWS session token",
            SecretKind::BedrockShortTermKey => "a short-term Bedrock API key",
            SecretKind::BedrockLongTermKey => "a long-term Bedrock API key",
            SecretKind::Token => "a bearer token",
        }
    }
}

/// One secret found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretHit {
    /// Its kind.
    pub kind: SecretKind,
    /// The value (for redaction only: never print it).
    pub value: String,
    /// Byte offset in the text.
    pub offset: usize,
}

fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_' | '.' | '%')
}

/// A key starts a token after anything but a letter, digit, or a character that continues base64 or an
/// identifier (`x-ABSK…` is not a key; `KEY=ABSK…` and `"ABSK…` are).
pub fn starts_token(text: &str, start: usize) -> bool {
    text[..start].chars().next_back().is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')))
}

fn kind_for_name(name: &str) -> Option<SecretKind> {
    let n = name.to_ascii_lowercase();
    if n.ends_with("_id") || n.ends_with("token_file") || n.ends_with("_env") || n == "env_key" {
        return None;
    }
    if n.contains("secret_access_key") || n.contains("secret_key") {
        Some(SecretKind::SecretAccessKey)
    } else if n.contains("session_token") || n.contains("security_token") {
        Some(SecretKind::SessionToken)
    } else if n.contains("bearer") || n.contains("token") || n.contains("api_key") || n.contains("password") {
        Some(SecretKind::Token)
    } else {
        None
    }
}

/// Every secret in `text`, in order of appearance.
pub fn scan(text: &str) -> Vec<SecretHit> {
    let mut hits: Vec<SecretHit> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |kind, value: &str, offset| {
        if seen.insert(offset) {
            hits.push(SecretHit { kind, value: value.to_owned(), offset });
        }
    };
    // Shapes anywhere, starting at a word boundary (`KEY=ABSK…` holds a key after the `=`).
    for prefix in ["bedrock-api-key-", "ABSK", "AKIA", "ASIA"] {
        // A match inside a token already taken is part of it: skipping those keeps the scan linear
        // however hostile the file (`ABSK=ABSK=…`).
        let mut covered = 0;
        for (start, _) in text.match_indices(prefix) {
            if start < covered || !starts_token(text, start) {
                continue;
            }
            let len = text[start..].find(|c: char| !token_char(c)).unwrap_or(text.len() - start);
            covered = start + len;
            let token = &text[start..start + len];
            if let Some(kind) = shape_kind(token) {
                push(kind, token, start);
            }
        }
    }
    // `name = "value"` / `NAME=value` pairs whose name says secret.
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some((name, value)) = content.split_once('=') {
            let name = name.trim().trim_start_matches("export ").trim().trim_matches('"');
            let raw = value.trim();
            let unquoted = raw.trim_matches(|c| c == '"' || c == '\'');
            let value_end = unquoted.find([' ', '#']).unwrap_or(unquoted.len());
            let value = &unquoted[..value_end];
            if let Some(kind) = kind_for_name(name)
                && looks_real(value)
            {
                let at = offset + content.find(value).unwrap_or(0);
                push(kind, value, at);
            }
        }
        offset += line.len();
    }
    hits.sort_by_key(|h| h.offset);
    // A name-based hit on the same value as a shape hit is the same secret, known better by its shape.
    let shaped: std::collections::HashSet<String> =
        hits.iter().filter(|h| h.kind != SecretKind::Token).map(|h| h.value.clone()).collect();
    hits.retain(|h| h.kind != SecretKind::Token || !shaped.contains(&h.value));
    hits
}

fn shape_kind(token: &str) -> Option<SecretKind> {
    let t = token.trim_matches(|c| c == '.' || c == '%');
    if t.starts_with("bedrock-api-key-") && t.len() >= 40 {
        return Some(SecretKind::BedrockShortTermKey);
    }
    if t.starts_with("ABSK") && t.len() >= 40 {
        return Some(SecretKind::BedrockLongTermKey);
    }
    if t.len() == 20
        && (t.starts_with("AKIA") || t.starts_with("ASIA"))
        && t[4..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some(SecretKind::AccessKeyId);
    }
    None
}

/// Placeholders (`<your-key>`, `${AWS_SECRET}`, `changeme`, `xxxx`) are not secrets.
fn looks_real(value: &str) -> bool {
    if value.len() < 16 || value.contains(['<', '>', '$', '{', '}', ' ']) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if ["example", "changeme", "placeholder", "your", "xxxx", "redacted", "dummy"].iter().any(|w| lower.contains(w)) {
        return false;
    }
    value.chars().collect::<std::collections::BTreeSet<_>>().len() > 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_kind() {
        let text = "aws_access_key_id = AKIAIOSFODNN7ABCDEFG\n\
                    aws_secret_access_key = \"q8Zr1kLmN0pQrStUvWx2yZ3aBcDeFgHiJkLmNoPq\"\n\
                    AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ\n\
                    token = \"bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbg==\"\n\
                    experimental_bearer_token = \"ABSKQmVkcm9ja0FQSUtleS1hYmNkZWZnaGlqazpzZWNyZXQ=\"\n";
        let kinds: Vec<SecretKind> = scan(text).iter().map(|h| h.kind).collect();
        for kind in [
            SecretKind::AccessKeyId,
            SecretKind::SecretAccessKey,
            SecretKind::SessionToken,
            SecretKind::BedrockShortTermKey,
            SecretKind::BedrockLongTermKey,
        ] {
            assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
        }
    }

    #[test]
    fn placeholders_and_names_only_are_not_secrets() {
        let text = "aws_secret_access_key = \"<your-secret-key>\"\nAWS_BEARER_TOKEN_BEDROCK=${TOKEN}\nenv_key = \"AWS_BEARER_TOKEN_BEDROCK\"\nregion = \"us-east-1\"\n";
        assert!(scan(text).is_empty(), "{:?}", scan(text));
    }
}
