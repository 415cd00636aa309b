//! The Responses probe: one minimal request to the URL Codex will call, with the headers Codex sends for
//! that version, signed the way Codex signs it (SigV4 for `bedrock-mantle`, or `Authorization: Bearer`).
//!
//! Signed headers by version (reference §5.2): 0.124–0.130 `accept;content-type;host;x-amz-date;
//! x-client-request-id;x-codex-turn-metadata;x-codex-window-id` (+`x-codex-beta-features` from 0.128);
//! from 0.131 also `session-id;thread-id;x-amzn-mantle-client-agent`. No header with `_` is sent:
//! Mantle does not preserve snake_case headers when it verifies a signature.

use std::time::{Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

use crate::catalog::Rules;
use crate::codex::BedrockKind;
use crate::net::{self, UrlError};
use crate::prediction::codex_header_names;

/// The variable that redirects the probe (for tests and gateways); always shown in the report.
pub const MANTLE_ENDPOINT_OVERRIDE: &str = crate::env_vars::AWS_ENDPOINT_URL_BEDROCK_MANTLE;

/// Where the probe goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The URL the request is sent to, parsed once: the same value is signed and sent.
    pub url: url::Url,
    /// `host[:port]` as the HTTP client connects to it, for messages.
    pub host: String,
    /// Whether an override redirected it.
    pub overridden: bool,
}

/// Why the probe is not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The predicted URL, or the override, does not parse.
    NotAUrl {
        /// Where it came from (`AWS_ENDPOINT_URL_BEDROCK_MANTLE`), if not the prediction.
        from: Option<&'static str>,
        /// The text.
        url: String,
        /// Why.
        why: UrlError,
    },
    /// The host is not an AWS service endpoint reached over https: no credentials go there.
    NotAws {
        /// The host as the HTTP client parses it.
        host: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotAUrl { from: Some(var), url, why } => write!(f, "{var}=`{url}` is {why}"),
            Refusal::NotAUrl { from: None, url, why } => write!(f, "`{url}` is {why}"),
            Refusal::NotAws { host } => write!(
                f,
                "`{host}` is not an AWS service endpoint reached over https: the doctor does not send credentials there (set {MANTLE_ENDPOINT_OVERRIDE} to probe it on purpose)"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// Why a probe that was sent has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The request could not be signed.
    Sign(String),
    /// The transport failed; the text is the error's full chain.
    Transport(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Sign(e) => write!(f, "cannot sign: {e}"),
            SendError::Transport(chain) => f.write_str(chain),
        }
    }
}

impl std::error::Error for SendError {}

/// The probe's URL: Codex's predicted URL, or the same path under `AWS_ENDPOINT_URL_BEDROCK_MANTLE`.
/// `Err` when the URL would carry credentials anywhere but an AWS service endpoint over https, unless
/// an explicit override (always shown in the report) says so. The decision is made on the URL as the
/// HTTP client parses it, and that parsed URL is what is signed and sent.
pub fn target(predicted: &str, override_url: Option<&str>) -> Result<Target, Refusal> {
    let parsed =
        net::Target::parse(predicted).map_err(|why| Refusal::NotAUrl { from: None, url: predicted.to_owned(), why })?;
    if let Some(text) = override_url {
        let base = net::Target::parse(text).map_err(|why| Refusal::NotAUrl {
            from: Some(MANTLE_ENDPOINT_OVERRIDE),
            url: text.to_owned(),
            why,
        })?;
        let mut url = base.url.clone();
        let path = url.path().trim_end_matches('/').to_owned();
        if path.is_empty() {
            url.set_path(parsed.url.path());
        } else {
            url.set_path(&format!("{path}/responses"));
        }
        url.set_query(None);
        url.set_fragment(None);
        return Ok(Target { url, host: base.authority(), overridden: true });
    }
    if !parsed.may_receive_credentials() {
        return Err(Refusal::NotAws { host: parsed.authority() });
    }
    let host = parsed.authority();
    Ok(Target { url: parsed.url, host, overridden: false })
}

/// A request id-like value that changes per run.
fn request_id() -> String {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = nanos ^ (u128::from(std::process::id()) << 64);
    let h = format!("{n:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The headers Codex sends (and signs) on a Responses request for this version, with values.
pub fn codex_headers(kind: BedrockKind, builtin: bool, rules: &Rules) -> Vec<(&'static str, String)> {
    let id = request_id();
    codex_header_names(kind, builtin, rules)
        .into_iter()
        .map(|name| {
            let value = match name {
                "accept" => "text/event-stream".to_owned(),
                "content-type" => "application/json".to_owned(),
                "x-codex-turn-metadata" => "{}".to_owned(),
                "x-codex-beta-features" => "none".to_owned(),
                "x-amzn-mantle-client-agent" => "codex".to_owned(),
                // x-client-request-id, x-codex-window-id, session-id, thread-id: one id per request.
                _ => id.clone(),
            };
            (name, value)
        })
        .collect()
}

/// The smallest Responses request Codex could send: the configured model, a one-word input.
pub fn body(model: &str) -> Vec<u8> {
    serde_json::json!({
        "model": model,
        "instructions": "Reply with OK.",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "ping"}]}],
        "stream": true,
        "store": false,
        "max_output_tokens": 16,
    })
    .to_string()
    .into_bytes()
}

/// How the probe authenticates.
pub enum Auth<'a> {
    /// SigV4 with these credentials, service and region.
    Sigv4 { credentials: &'a Credentials, service: &'a str, region: &'a str },
    /// `Authorization: Bearer`.
    Bearer(&'a str),
}

/// The answer: status, `Date` header, body (read only for errors) and time to the response headers.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The server's `Date`, as UTC seconds.
    pub date: Option<i64>,
    /// The body, for non-2xx answers.
    pub body: String,
    /// Milliseconds until the response headers arrived.
    pub latency_ms: u128,
    /// The header names that were signed (SigV4), in the order of the `SignedHeaders` list.
    pub signed_headers: Option<String>,
}

/// Builds a request with `headers` and `body`, authenticated by `auth`: a bearer header, or a SigV4
/// signature over exactly the method, URL, headers and body that are sent. Returns the request and, for
/// SigV4, the `SignedHeaders` list.
fn authenticated(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &url::Url,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
    auth: Auth<'_>,
) -> Result<(reqwest::RequestBuilder, Option<String>), SendError> {
    let mut request = client.request(method.clone(), url.clone());
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let mut signed_headers = None;
    match auth {
        Auth::Bearer(token) => request = request.header("authorization", format!("Bearer {}", token.trim())),
        Auth::Sigv4 { credentials, service, region } => {
            let identity = credentials.clone().into();
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region(region)
                .name(service)
                .time(SystemTime::now())
                .settings(SigningSettings::default())
                .build()
                .map_err(|e| SendError::Sign(e.to_string()))?
                .into();
            let signable = SignableRequest::new(
                method.as_str(),
                url.as_str(),
                headers.iter().map(|(k, v)| (*k, v.as_str())),
                SignableBody::Bytes(&body),
            )
            .map_err(|e| SendError::Sign(e.to_string()))?;
            let (instructions, _) = sign(signable, &params).map_err(|e| SendError::Sign(e.to_string()))?.into_parts();
            for (name, value) in instructions.headers() {
                if name.eq_ignore_ascii_case("authorization") {
                    signed_headers =
                        value.split("SignedHeaders=").nth(1).and_then(|s| s.split(',').next()).map(str::to_owned);
                }
                request = request.header(name, value);
            }
        }
    }
    if !body.is_empty() {
        request = request.body(body);
    }
    Ok((request, signed_headers))
}

/// Sends the probe. `Err` carries the transport error's full chain.
pub async fn send(
    client: &reqwest::Client,
    url: &url::Url,
    kind: BedrockKind,
    builtin: bool,
    rules: &Rules,
    auth: Auth<'_>,
    model: &str,
) -> Result<Answer, SendError> {
    let headers = codex_headers(kind, builtin, rules);
    let (request, signed_headers) = authenticated(client, reqwest::Method::POST, url, &headers, body(model), auth)?;
    let start = Instant::now();
    let response = request.send().await.map_err(|e| SendError::Transport(super::classify::chain(&e)))?;
    let latency_ms = start.elapsed().as_millis();
    let status = response.status().as_u16();
    let date = response.headers().get("date").and_then(|d| d.to_str().ok()).and_then(super::classify::parse_http_date);
    // A 2xx answer is a stream of generated tokens: its headers are the proof, the body is not needed.
    let body = if response.status().is_success() { String::new() } else { response.text().await.unwrap_or_default() };
    Ok(Answer { status, date, body, latency_ms, signed_headers })
}

/// The models list next to a Responses URL: `…/openai/v1/responses` → `…/openai/v1/models`. Derived
/// from the [`Target`] the host decision already accepted, so it goes to the same host, never elsewhere.
pub fn models_url(target: &Target) -> url::Url {
    let mut url = target.url.clone();
    let path = url.path().trim_end_matches('/');
    let base = path.strip_suffix("/responses").unwrap_or(path);
    url.set_path(&format!("{base}/models"));
    url
}

/// A models list answer is read up to this many bytes: a few hundred ids fit many times over.
const MAX_MODELS_BODY: usize = 1 << 20;

/// The answer of a models list: status, body (capped) and time to the response headers.
#[derive(Debug)]
pub struct ModelsAnswer {
    /// HTTP status.
    pub status: u16,
    /// The body, up to [`MAX_MODELS_BODY`] bytes.
    pub body: String,
    /// Milliseconds until the response headers arrived.
    pub latency_ms: u128,
}

/// `GET <models url>`, authenticated exactly like the Responses probe (same client, same signing
/// service and region, or the same bearer token).
pub async fn list_models(client: &reqwest::Client, url: &url::Url, auth: Auth<'_>) -> Result<ModelsAnswer, SendError> {
    let headers = vec![("accept", "application/json".to_owned())];
    let (request, _) = authenticated(client, reqwest::Method::GET, url, &headers, Vec::new(), auth)?;
    let start = Instant::now();
    let mut response = request.send().await.map_err(|e| SendError::Transport(super::classify::chain(&e)))?;
    let latency_ms = start.elapsed().as_millis();
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    while bytes.len() < MAX_MODELS_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(SendError::Transport(super::classify::chain(&e))),
        }
    }
    bytes.truncate(MAX_MODELS_BODY);
    Ok(ModelsAnswer { status, body: String::from_utf8_lossy(&bytes).into_owned(), latency_ms })
}

/// The ids of an OpenAI-style models list (`{"data":[{"id":…}]}`), in the server's order; `None`
/// when the body is not such a list.
pub fn model_ids(body: &str) -> Option<Vec<String>> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let data = json.get("data")?.as_array()?;
    Some(data.iter().filter_map(|m| m.get("id").and_then(|id| id.as_str()).map(str::to_owned)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use semver::Version;

    #[test]
    fn headers_follow_the_version() {
        let names = |v: &str| -> Vec<&'static str> {
            let mut n: Vec<&str> =
                codex_headers(BedrockKind::Mantle, true, &Rules::for_version(Version::parse(v).unwrap()))
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect();
            n.sort_unstable();
            n
        };
        assert_eq!(
            names("0.125.0"),
            vec!["accept", "content-type", "x-client-request-id", "x-codex-turn-metadata", "x-codex-window-id"]
        );
        assert!(names("0.128.0").contains(&"x-codex-beta-features"));
        assert!(names("0.169.0").contains(&"x-amzn-mantle-client-agent"));
        assert!(names("0.169.0").iter().all(|n| !n.contains('_')), "Mantle drops snake_case headers");
    }

    #[test]
    fn targets_never_carry_credentials_off_aws_without_an_override() {
        let aws = "https://bedrock-mantle.us-east-1.api.aws/openai/v1/responses";
        assert_eq!(target(aws, None).unwrap().url.as_str(), aws);
        for hostile in [
            "https://gateway.example.com/v1/responses",
            "http://127.0.0.1:8765?@bedrock-mantle.us-east-1.api.aws/openai/v1/responses",
            "http://127.0.0.1:8765#@bedrock-mantle.us-east-1.api.aws/openai/v1/responses",
            "https://bedrock-runtime.x@127.0.0.1#.amazonaws.com/openai/v1/responses",
            "https://ec2-3-80-1-1.compute-1.amazonaws.com/openai/v1/responses",
            "http://bedrock-mantle.us-east-1.api.aws/openai/v1/responses",
        ] {
            assert!(matches!(target(hostile, None), Err(Refusal::NotAws { .. })), "{hostile}");
        }
        let redirected = target(aws, Some("http://127.0.0.1:8080")).unwrap();
        assert_eq!(redirected.url.as_str(), "http://127.0.0.1:8080/openai/v1/responses");
        assert!(redirected.overridden);
        assert_eq!(
            target(aws, Some("http://127.0.0.1:8080/gw/openai/v1/")).unwrap().url.as_str(),
            "http://127.0.0.1:8080/gw/openai/v1/responses"
        );
    }

    #[test]
    fn the_models_list_sits_next_to_the_responses_url() {
        let aws = "https://bedrock-mantle.us-east-1.api.aws/openai/v1/responses";
        assert_eq!(
            models_url(&target(aws, None).unwrap()).as_str(),
            "https://bedrock-mantle.us-east-1.api.aws/openai/v1/models"
        );
        let old = "https://bedrock-mantle.us-east-1.api.aws/v1/responses";
        assert_eq!(
            models_url(&target(old, None).unwrap()).as_str(),
            "https://bedrock-mantle.us-east-1.api.aws/v1/models"
        );
        let gw = target(aws, Some("http://127.0.0.1:8080/gw/openai/v1/")).unwrap();
        assert_eq!(models_url(&gw).as_str(), "http://127.0.0.1:8080/gw/openai/v1/models");
        assert_eq!(
            model_ids(r#"{"object":"list","data":[{"id":"a"},{"id":"b"}]}"#),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(model_ids("<html>"), None);
    }
}
