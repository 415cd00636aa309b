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

/// A character that continues a token (base64, URL-safe base64, percent-encoding, dotted ids).
pub fn is_token_char(c: char) -> bool {
    token_char(c)
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
    let n = name.to_ascii_lowercase().replace('-', "_");
    // Keys whose value names something rather than being it: `env_key` and `*_env_var` name an
    // environment variable (Codex's `ModelProviderInfo::env_key`, MCP's `bearer_token_env_var`),
    // `*_file` a path, `*_id` an identifier, `*_instructions` help text.
    if n.ends_with("_id")
        || n.ends_with("_file")
        || n.ends_with("_env")
        || n.ends_with("_env_var")
        || n.ends_with("_var")
        || n.ends_with("_instructions")
        || n == "env_key"
    {
        return None;
    }
    if n.contains("secret_access_key") || n.contains("secret_key") {
        Some(SecretKind::SecretAccessKey)
    } else if n.contains("session_token") || n.contains("security_token") {
        Some(SecretKind::SessionToken)
    } else if n.contains("bearer")
        || n.contains("token")
        || n.contains("api_key")
        || n.contains("apikey")
        || n.contains("password")
        || n.contains("secret")
    {
        Some(SecretKind::Token)
    } else {
        None
    }
}

/// Keys whose value can only be a credential written out (Codex's `experimental_bearer_token` is sent as
/// `Authorization: Bearer <value>`; the AWS file keys; passwords): any value that is not a placeholder
/// counts, however short, rather than only values that look random.
fn is_definite(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    matches!(
        n.as_str(),
        "experimental_bearer_token" | "aws_secret_access_key" | "aws_session_token" | "aws_bearer_token_bedrock"
    ) || n.ends_with("password")
}

/// A credential written out: 8 characters or more, not a placeholder, and not an environment variable's
/// name (`AWS_BEARER_TOKEN_BEDROCK` there is a mistake, not a secret).
fn looks_literal(value: &str) -> bool {
    let v = value.trim();
    let var_name = v.contains('_') && v.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    v.chars().count() >= 8 && !var_name && !is_placeholder(v)
}

/// HTTP headers whose value is a credential (`http_headers` of a provider or an MCP server sends the
/// value as written).
fn is_credential_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase().replace('-', "_");
    matches!(n.as_str(), "authorization" | "proxy_authorization" | "cookie" | "x_api_key" | "api_key")
        || kind_for_name(&n).is_some()
}

/// A header value (`Bearer …`, `Basic …` or the bare key) that holds a real credential.
fn credential_in_header_value(value: &str) -> Option<&str> {
    let v = value.trim();
    let token = match v.split_once(' ') {
        Some((scheme, rest)) if ["bearer", "basic", "token"].contains(&scheme.to_ascii_lowercase().as_str()) => {
            rest.trim()
        }
        _ => v,
    };
    looks_literal(token).then_some(token)
}

/// What a string value of a Codex config is, by the meaning of the key that holds it, and the part of it
/// that is the credential (a header's `Bearer …` scheme is not).
fn config_value_kind<'a>(path: &[&str], value: &'a str) -> Option<(SecretKind, &'a str)> {
    let (key, parents) = path.split_last()?;
    match parents.last().copied().unwrap_or("") {
        // Header name -> environment variable NAME (ModelProviderInfo::env_http_headers): never a secret.
        "env_http_headers" => return None,
        // Header name -> the value sent as written.
        "http_headers" => {
            return is_credential_header(key)
                .then(|| credential_in_header_value(value))
                .flatten()
                .map(|secret| (SecretKind::Token, secret));
        }
        _ => {}
    }
    match *key {
        // `http_headers` written as one string (a type error Codex quotes whole): a credential header in it
        // is still a credential.
        "http_headers" => {
            let (name, rest) = value.split_once(':')?;
            is_credential_header(name)
                .then(|| credential_in_header_value(rest))
                .flatten()
                .map(|s| (SecretKind::Token, s))
        }
        "env_http_headers" => None,
        _ => match kind_for_name(key)
            .filter(|_| if is_definite(key) { looks_literal(value) } else { looks_real(value) })
        {
            Some(kind) => Some((kind, value)),
            // A URL carrying a credential: `https://user:password@host`, `?api-key=…`.
            None => url_parts(value)
                .into_iter()
                .find(|part| part.credential && looks_real(part.text))
                .map(|part| (SecretKind::Token, part.text)),
        },
    }
}

/// A part of a URL that can carry a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrlPart<'a> {
    /// The text as written.
    pub text: &'a str,
    /// Whether its role says credential (a password, a query value whose name says secret), rather than
    /// only possibly one (any other query value, a fragment, a user name without password).
    pub credential: bool,
}

/// The parts of `text` that may hold secrets when it is a URL (`scheme://…`, or a proxy's bare
/// `user:password@host:port`): the userinfo (the password alone when there is one), every query value,
/// and the fragment. The authority ends at `/`, `?`, `#` or `\\`, as the WHATWG parser that the HTTP
/// client uses ends it.
pub fn url_parts(text: &str) -> Vec<UrlPart<'_>> {
    let mut out = Vec::new();
    let rest = match text.find("://") {
        Some(i) => &text[i + 3..],
        None if text.contains('@') && !text.contains(char::is_whitespace) => text,
        None => return out,
    };
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    if let Some((userinfo, _)) = rest[..authority_end].rsplit_once('@') {
        match userinfo.split_once(':') {
            Some((_, password)) => out.push(UrlPart { text: password, credential: true }),
            None => out.push(UrlPart { text: userinfo, credential: false }),
        }
    }
    let tail = &rest[authority_end..];
    let (before_fragment, fragment) = match tail.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (tail, None),
    };
    if let Some((_, query)) = before_fragment.split_once('?') {
        for item in query.split('&') {
            match item.split_once('=') {
                Some((name, value)) => out.push(UrlPart { text: value, credential: kind_for_name(name).is_some() }),
                None => out.push(UrlPart { text: item, credential: false }),
            }
        }
    }
    out.extend(fragment.map(|f| UrlPart { text: f, credential: false }));
    out.retain(|p| !p.text.is_empty());
    out
}

/// Every secret in a Codex config file: the key shapes anywhere in `text` (comments included), and every
/// string value whose key means a credential, wherever it sits (tables, dotted keys, inline tables,
/// arrays). `root` is the parsed file; a file that does not parse falls back to [`scan`]'s line reading.
pub fn scan_config(text: &str, root: Option<&toml_edit::Table>) -> Vec<SecretHit> {
    let Some(root) = root else { return scan(text) };
    let mut hits = scan_shapes(text);
    hits.extend(scan_table(root).into_iter().map(|mut h| {
        // The span covers the opening quote; point at the value itself.
        h.offset = (h.offset + 1).min(text.len());
        h
    }));
    finish(hits)
}

/// The string values of a parsed table whose key means a credential (see [`scan_config`]); offsets are
/// those of the values' spans (0 for a table built from `-c` overrides, which has none).
pub fn scan_table(root: &toml_edit::Table) -> Vec<SecretHit> {
    let mut hits = Vec::new();
    let mut path: Vec<String> = Vec::new();
    walk_table(root, &mut path, &mut |path, value, span| {
        let keys: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Some((kind, secret)) = config_value_kind(&keys, value) {
            hits.push(SecretHit { kind, value: secret.to_owned(), offset: span.map_or(0, |s| s.start) });
        }
    });
    hits
}

/// Called with each string value of a TOML tree: its key path, the value and its span.
type Visit<'a> = dyn FnMut(&[String], &str, Option<std::ops::Range<usize>>) + 'a;

fn walk_table(table: &dyn toml_edit::TableLike, path: &mut Vec<String>, visit: &mut Visit<'_>) {
    for (key, item) in table.iter() {
        path.push(key.to_owned());
        walk_item(item, path, visit);
        path.pop();
    }
}

fn walk_item(item: &toml_edit::Item, path: &mut Vec<String>, visit: &mut Visit<'_>) {
    use toml_edit::{Item, Value};
    match item {
        Item::Table(t) => walk_table(t, path, visit),
        Item::ArrayOfTables(a) => a.iter().for_each(|t| walk_table(t, path, visit)),
        Item::Value(v) => walk_value(v, path, visit),
        Item::None => {}
    }
    fn walk_value(value: &Value, path: &mut Vec<String>, visit: &mut Visit<'_>) {
        match value {
            Value::String(s) => visit(path, s.value(), s.span()),
            Value::InlineTable(t) => walk_table(t, path, visit),
            Value::Array(a) => a.iter().for_each(|v| walk_value(v, path, visit)),
            _ => {}
        }
    }
}

/// Every secret in `text` (a `.env` file, a template, a config that does not parse), in order of
/// appearance: key shapes anywhere, and `name = "value"` / `NAME=value` lines whose name says secret.
pub fn scan(text: &str) -> Vec<SecretHit> {
    let mut hits = scan_shapes(text);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some((name, raw)) = content.split_once('=') {
            let name = name.trim().trim_start_matches("export ").trim().trim_matches(['"', '\'']);
            let raw = raw.trim_start();
            let raw_at = content.len() - raw.len();
            // A quoted value runs to its closing quote (`#` and spaces inside are part of it); a bare one
            // to the first space or comment.
            let (value, start) = match raw.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &raw[1..];
                    (body.find(q).map_or(body, |end| &body[..end]), raw_at + 1)
                }
                _ => (raw.find([' ', '\t', '#']).map_or(raw, |end| &raw[..end]), raw_at),
            };
            if let Some(kind) = kind_for_name(name)
                && (looks_real(value) || (is_definite(name) && looks_literal(value)))
            {
                hits.push(SecretHit { kind, value: value.to_owned(), offset: offset + start });
            } else if name.eq_ignore_ascii_case("http_headers")
                && let Some((kind, secret)) = config_value_kind(&["http_headers"], value)
            {
                let at = start + value.find(secret).unwrap_or(0);
                hits.push(SecretHit { kind, value: secret.to_owned(), offset: offset + at });
            }
        }
        offset += line.len();
    }
    finish(hits)
}

/// Key shapes anywhere, starting at a word boundary (`KEY=ABSK…` holds a key after the `=`).
fn scan_shapes(text: &str) -> Vec<SecretHit> {
    let mut hits = Vec::new();
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
                hits.push(SecretHit { kind, value: token.to_owned(), offset: start });
            }
        }
    }
    hits
}

/// In order of appearance, one hit per value: a name-based hit on the value of a shape hit is the same
/// secret, known better by its shape.
fn finish(mut hits: Vec<SecretHit>) -> Vec<SecretHit> {
    hits.sort_by_key(|h| (h.offset, h.kind == SecretKind::Token));
    let shaped: std::collections::HashSet<String> =
        hits.iter().filter(|h| h.kind != SecretKind::Token).map(|h| h.value.clone()).collect();
    hits.retain(|h| h.kind != SecretKind::Token || !shaped.contains(&h.value));
    let mut seen = std::collections::HashSet::new();
    hits.retain(|h| seen.insert(h.value.clone()));
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
    // A value with a few spaces can be a token pasted with a stray space; more is prose (a description).
    if value.len() < 16 || value.matches(' ').count() > 2 {
        return false;
    }
    !is_placeholder(value) && value.chars().collect::<std::collections::BTreeSet<_>>().len() > 6
}

/// Placeholders: `<your-key>`, `${TOKEN}`, `$TOKEN`, `{{ secrets.KEY }}`, `changeme`, `…EXAMPLE…`. A `<`
/// or `{` inside a token is just a character of it.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with('$')
        || v.contains("${")
        || v.contains("{{")
        || (v.starts_with('{') && v.ends_with('}'))
    {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    ["example", "changeme", "placeholder", "your", "xxxx", "redacted", "dummy"].iter().any(|w| lower.contains(w))
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

    #[test]
    fn names_of_variables_are_not_secrets_by_the_keys_meaning() {
        let text = "[mcp_servers.agentcore]\nbearer_token_env_var = \"AGENTCORE_GATEWAY_ACCESS_TOKEN\"\n\
                    [model_providers.mantle]\nenv_key = \"AWS_BEARER_TOKEN_BEDROCK_FOR_MANTLE\"\n\
                    env_http_headers = { Authorization = \"MANTLE_AUTHORIZATION_TOKEN_VALUE\" }\n";
        let root = toml_edit::Document::parse(text).unwrap().as_table().clone();
        assert!(scan_config(text, Some(&root)).is_empty(), "{:?}", scan_config(text, Some(&root)));
    }

    #[test]
    fn inline_tables_headers_urls_and_quoted_values_are_secrets() {
        let text = "[model_providers.gw]\n\
                    x = { experimental_bearer_token = \"q8Zr1kLm<N0p>QrStUvWx2\" }\n\
                    http_headers = { \"X-Api-Key\" = \"k3yV4lu3#notacomment99\", version = \"1.2.3-abcdefghijklmnop\" }\n\
                    base_url = \"https://gw.example/v1?api-key=Zq8Zr1kLmN0pQrStUvWx\"\n\
                    experimental_bearer_token = \"with space Zq8Zr1kLmN0pQr\"\n";
        let root = toml_edit::Document::parse(text).unwrap().as_table().clone();
        let values: Vec<String> = scan_config(text, Some(&root)).into_iter().map(|h| h.value).collect();
        assert_eq!(
            values,
            vec![
                "q8Zr1kLm<N0p>QrStUvWx2".to_string(),
                "k3yV4lu3#notacomment99".to_string(),
                "Zq8Zr1kLmN0pQrStUvWx".to_string(),
                "with space Zq8Zr1kLmN0pQr".to_string(),
            ]
        );
        // The same file read as lines (it would not parse) finds the quoted values whole.
        let lines: Vec<String> =
            scan("experimental_bearer_token = \"with#hash Zq8Zr1kLmN0pQr\"\n").into_iter().map(|h| h.value).collect();
        assert_eq!(lines, vec!["with#hash Zq8Zr1kLmN0pQr".to_string()]);
        // A header value written as one string, as a type error would quote it.
        let typed = "http_headers = \"Authorization: Bearer Zq8Zr1kLmN0pQrStUv\"\n";
        let root = toml_edit::Document::parse(typed).unwrap().as_table().clone();
        let values: Vec<String> = scan_config(typed, Some(&root)).into_iter().map(|h| h.value).collect();
        assert_eq!(values, vec!["Zq8Zr1kLmN0pQrStUv".to_string()]);
    }

    #[test]
    fn url_parts_follow_the_authority_the_http_client_sees() {
        let texts = |u: &str| url_parts(u).into_iter().map(|p| p.text.to_owned()).collect::<Vec<_>>();
        assert_eq!(texts("http://user:pw@proxy:8080"), vec!["pw"]);
        assert_eq!(texts("user:pw@proxy:8080"), vec!["pw"]);
        // `?` ends the authority: no userinfo here, `@evil` is query text.
        assert_eq!(
            texts("http://127.0.0.1:8765?@bedrock-mantle.us-east-1.api.aws/openai/v1"),
            vec!["@bedrock-mantle.us-east-1.api.aws/openai/v1"]
        );
        assert_eq!(texts("https://h/p?a=1&b#f"), vec!["1", "b", "f"]);
        assert!(texts("https://bedrock-mantle.us-east-1.api.aws/openai/v1").is_empty());
    }

    #[test]
    fn a_written_bearer_token_counts_however_short_unless_a_placeholder_or_a_name() {
        let hits = |text: &str| {
            let root = toml_edit::Document::parse(text).unwrap().as_table().clone();
            scan_config(text, Some(&root)).into_iter().map(|h| h.value).collect::<Vec<_>>()
        };
        assert_eq!(hits("[model_providers.gw]\nexperimental_bearer_token = \"sk-a1b2c3\"\n"), vec!["sk-a1b2c3"]);
        assert!(hits("[model_providers.gw]\nexperimental_bearer_token = \"AWS_BEARER_TOKEN_BEDROCK\"\n").is_empty());
        assert!(hits("[model_providers.gw]\nexperimental_bearer_token = \"<your token>\"\n").is_empty());
        // A generic token-named key still needs a value that looks real.
        assert!(hits("refresh_token_hint = \"short-one\"\n").is_empty());
    }
}
