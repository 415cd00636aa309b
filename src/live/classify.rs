//! Turns what AWS (or the network) answered into a diagnosis: what went wrong, in one line, and what to
//! do. Codex prints "an error occurred while loading credentials" or "unexpected status 403"; these
//! functions name the cause.

use crate::report::Status;
use crate::session::Session;
use crate::timeutil::{format_utc, human_duration};

/// A classified answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// How bad.
    pub status: Status,
    /// A stable machine name for the class (`ok`, `access-denied`, `signature-mismatch`, …).
    pub kind: &'static str,
    /// What happened.
    pub message: String,
    /// What to do.
    pub remediation: Option<String>,
}

impl Verdict {
    /// The report's finding, its message after `prefix` (`"STS: "`, `"Mantle: "`, or nothing).
    pub fn into_finding(self, prefix: &str) -> crate::report::Finding {
        crate::report::Finding {
            status: self.status,
            message: format!("{prefix}{}", self.message),
            remediation: self.remediation,
            location: None,
        }
    }

    fn fail(kind: &'static str, message: String, remediation: impl Into<String>) -> Verdict {
        Verdict { status: Status::Fail, kind, message, remediation: Some(remediation.into()) }
    }
}

/// Folds a multi-line message (aws-config lists every provider it tried on its own line) into one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every message of an error's source chain, joined on one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    one_line(&parts.join(": "))
}

/// Why the credential provider failed, naming the real cause where the context shows it.
pub fn credentials_error(ctx: &Session, e: &aws_credential_types::provider::error::CredentialsError) -> String {
    let text = chain(e);
    let profile = &ctx.aws_profile.name;
    if let Some(token) = ctx.aws.sso_tokens.get(profile) {
        if let Some(exp) = token.expires_at.filter(|t| *t <= ctx.now) {
            return format!(
                "the SSO session of profile `{profile}` expired at {} ({} ago): {text}",
                format_utc(exp),
                human_duration(exp - ctx.now)
            );
        }
        if token.expires_at.is_none() {
            return format!("profile `{profile}` has no cached SSO token (never logged in?): {text}");
        }
    }
    // A valid token, and the SDK got no answer from the portal that trades it for credentials.
    let cause = TransportCause::of(&text);
    if (cause != TransportCause::Other || text.contains("dispatch failure"))
        && let Some((sso_profile, host)) = sso_portal(ctx)
    {
        // Behind a TLS-inspecting proxy: Codex's credential client does not use the custom CA (#43381).
        let ca = [crate::env_vars::CODEX_CA_CERTIFICATE, crate::env_vars::SSL_CERT_FILE]
            .into_iter()
            .find(|v| ctx.env.trimmed(v).is_some())
            .filter(|_| cause == TransportCause::Certificate)
            .map(|v| format!("; {v} is set, but the AWS SDK client that fetches SSO credentials (Codex's too) uses the system/webpki root store, not that CA (openai/codex #43381)"))
            .unwrap_or_default();
        return format!(
            "the SSO portal {host} of profile `{sso_profile}` could not be reached: {} ({text}){ca}",
            cause.how()
        );
    }
    text
}

/// The SSO portal the SDK calls for the selected profile's chain: (the SSO profile, the portal host
/// `portal.sso.<sso_region>.amazonaws.com`, the region from the profile or its `[sso-session]`, or the
/// host of `AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL`).
pub fn sso_portal(ctx: &Session) -> Option<(String, String)> {
    let set = ctx.aws.profiles.as_ref()?;
    ctx.aws
        .sso_tokens
        .keys()
        .find_map(|name| {
            let profile = set.get_profile(name)?;
            let region = profile.get("sso_region").or_else(|| {
                profile.get("sso_session").and_then(|s| set.sso_session(s)).and_then(|s| s.get("sso_region"))
            })?;
            crate::net::is_region_name(region.trim())
                .then(|| (name.clone(), format!("portal.sso.{}.amazonaws.com", region.trim())))
        })
        .map(|(name, default)| {
            // aws-config sends the SSO call to an endpoint override when one is set, as for any client.
            let overridden = [crate::env_vars::AWS_ENDPOINT_URL_SSO, crate::env_vars::AWS_ENDPOINT_URL]
                .into_iter()
                .find_map(|v| ctx.env.trimmed(v))
                .and_then(|url| crate::net::Target::parse(url).ok())
                .map(|t| t.authority());
            (name, overridden.unwrap_or(default))
        })
}

/// The remedy for a credentials failure message.
pub fn credentials_remedy(ctx: &Session, message: &str) -> String {
    let profile = &ctx.aws_profile.name;
    if message.contains("SSO portal") {
        let (sso_profile, host) = sso_portal(ctx).unwrap_or_else(|| (profile.clone(), "the SSO portal".into()));
        format!(
            "The cached SSO token of profile `{sso_profile}` is valid: check the network path to {host} (VPN, proxy, DNS, a TLS-inspecting proxy's CA)"
        )
    } else if message.contains("SSO") || message.contains("sso") {
        format!("aws sso login --profile {profile}")
    } else if message.contains("external process") {
        format!(
            "Run the profile's credential_process by hand and fix what it prints (aws configure get credential_process --profile {profile})"
        )
    } else if message.contains("not enabled")
        || message.contains("no credentials")
        || message.contains("not properly configured")
    {
        format!(
            "Configure credentials: `aws configure sso --profile {profile}` (then set aws.profile), or export AWS_BEARER_TOKEN_BEDROCK"
        )
    } else {
        format!(
            "Check the credentials of AWS profile `{profile}`: `aws sts get-caller-identity --profile {profile}` shows the SDK's own error"
        )
    }
}

/// The message of an AWS JSON error body: `{"message"}`, `{"Message"}` or OpenAI-style `{"error":{"message"}}`.
pub fn body_message(body: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let message = json
        .get("message")
        .or_else(|| json.get("Message"))
        .or_else(|| json.get("error").and_then(|e| e.get("message")))
        .or_else(|| json.get("error").filter(|e| e.is_string()))?;
    message.as_str().map(|s| s.trim().to_owned())
}

/// The IAM action an AccessDenied message names (`… not authorized to perform: bedrock-mantle:CreateInference …`).
pub fn denied_action(message: &str) -> Option<&str> {
    let after = message.split("perform: ").nth(1)?;
    after.split(|c: char| c.is_whitespace() || c == ',').next().filter(|a| a.contains(':'))
}

/// Classifies the Responses probe's HTTP answer.
pub fn responses_answer(status: u16, body: &str, bearer: bool, model: &str, region: &str, latency_ms: u128) -> Verdict {
    let message = body_message(body).unwrap_or_else(|| body.chars().take(200).collect::<String>().trim().to_owned());
    let lower = message.to_ascii_lowercase();
    let credential = if bearer { "AWS_BEARER_TOKEN_BEDROCK" } else { "your AWS credentials" };
    match status {
        200..=299 => Verdict {
            status: Status::Pass,
            kind: "ok",
            message: format!("Bedrock answered {status} in {latency_ms} ms: `{model}` works in {region}"),
            remediation: None,
        },
        401 | 403 if lower.contains("signature expired") => Verdict::fail(
            "signature-expired",
            format!(
                "{status}: the request signature expired ({message}): the local clock is off, or the credentials are stale"
            ),
            "Sync the system clock (timedatectl set-ntp true / sntp -sS time.apple.com) and refresh the credentials",
        ),
        401 | 403 if lower.contains("signature we calculated does not match") => Verdict::fail(
            "signature-mismatch",
            format!("{status}: signature mismatch ({message})"),
            "The secret key does not belong to the access key id, or a proxy rewrote the request; recreate the credentials",
        ),
        401 | 403 if lower.contains("scoped to correct service") || lower.contains("credential should be scoped") => {
            Verdict::fail(
                "wrong-scope",
                format!("{status}: wrong signing scope ({message})"),
                "The endpoint expects a different service or region in the signature; remove base_url or make it match aws.region",
            )
        }
        401 | 403 if lower.contains("expired") => Verdict::fail(
            "expired-credentials",
            format!("{status}: {credential} expired ({message})"),
            if bearer {
                "Generate a new Bedrock API key and update AWS_BEARER_TOKEN_BEDROCK (short-term keys last at most 12 hours)"
            } else {
                "Refresh the credentials (aws sso login, or new keys), then restart Codex"
            },
        ),
        401 | 403
            if lower.contains("security token included in the request is invalid")
                || lower.contains("invalid api key") =>
        {
            Verdict::fail(
                "invalid-credentials",
                format!("{status}: {credential} are not valid in this account or region ({message})"),
                if bearer {
                    "Generate a new Bedrock API key in the account and region Codex calls"
                } else {
                    "Use credentials of an existing IAM identity; check the access key id"
                },
            )
        }
        401 | 403 => {
            let action = denied_action(&message).map(str::to_owned).unwrap_or_else(|| {
                if bearer {
                    "bedrock-mantle:CallWithBearerToken".into()
                } else {
                    "bedrock-mantle:CreateInference".into()
                }
            });
            let scp = lower.contains("explicit deny") || lower.contains("service control policy");
            let why = if scp { "an explicit deny (SCP or permissions boundary) blocks" } else { "the identity lacks" };
            Verdict::fail(
                "access-denied",
                format!("{status}: {why} `{action}` ({message})"),
                if scp {
                    format!(
                        "Ask the account administrator to allow `{action}` in {region}; an explicit deny wins over any allow"
                    )
                } else {
                    format!(
                        "Grant `{action}` (see `bedrock-doctor iam`), e.g. the AmazonBedrockMantleInferenceAccess managed policy"
                    )
                },
            )
        }
        404 => Verdict::fail(
            "model-not-found",
            format!("404: `{model}` is not served in {region} ({message})"),
            "Use a model the region serves, or a region that serves the model (see model-access)",
        ),
        400 if lower.contains("web_search") || lower.contains("tools") => Verdict::fail(
            "validation",
            format!("400: Bedrock rejects the request ({message})"),
            "Set `web_search = \"disabled\"` at the top of config.toml",
        ),
        400 | 422 => Verdict::fail(
            "validation",
            format!("{status}: Bedrock rejects the request ({message})"),
            "See the message; check the model id",
        ),
        429 => Verdict {
            status: Status::Warn,
            kind: "throttled",
            message: format!("429: throttled ({message}); the setup works but the account is at its quota"),
            remediation: Some("Retry later, or request a quota increase for Bedrock in this region".into()),
        },
        500..=599 => Verdict {
            status: Status::Warn,
            kind: "server-error",
            message: format!("{status}: Bedrock had a server error ({message})"),
            remediation: Some("Retry later; check the AWS Health Dashboard for Bedrock in this region".into()),
        },
        _ => Verdict::fail("unexpected-status", format!("{status}: {message}"), "See the message"),
    }
}

/// Classifies the answer of Mantle's models list (`GET …/models`). Authentication failures read as for
/// the probe; a refusal names the list action (a warning: the probe still tests the model itself).
pub fn models_answer(status: u16, body: &str, bearer: bool, region: &str) -> Verdict {
    let verdict = responses_answer(status, body, bearer, "", region, 0);
    let message = body_message(body).unwrap_or_else(|| body.chars().take(200).collect::<String>().trim().to_owned());
    match (status, verdict.kind) {
        (_, "access-denied") => {
            let action = denied_action(&message).unwrap_or("bedrock-mantle:ListModels").to_owned();
            Verdict {
                status: Status::Warn,
                kind: "access-denied",
                message: format!("{status}: not allowed to list Mantle's models: `{action}` ({message})"),
                remediation: Some(format!(
                    "Grant `{action}` (see `bedrock-doctor iam`); the responses-probe check still tests the model itself"
                )),
            }
        }
        (404, _) => Verdict {
            status: Status::Warn,
            kind: "no-models-list",
            message: format!("404: the endpoint answers no models list ({message})"),
            remediation: Some("The responses-probe check tests the model itself".into()),
        },
        _ => verdict,
    }
}

/// How a connection failed before any HTTP answer, read from the error chain (reqwest's, or the AWS
/// SDK's dispatch failure, which wraps the same hyper/rustls errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportCause {
    /// No answer within the deadline.
    Timeout,
    /// The server's certificate is not trusted (unknown issuer, self-signed, wrong name, expired).
    Certificate,
    /// Another TLS failure (handshake, protocol).
    Tls,
    /// The host name did not resolve.
    Dns,
    /// The TCP connection was refused.
    Refused,
    /// The connection was reset or closed.
    Reset,
    /// A proxy failed.
    Proxy,
    /// Anything else.
    Other,
}

impl TransportCause {
    /// Reads the cause from an error chain's text. Certificate and TLS come before DNS: a chain names
    /// the resolver only when resolution failed, but a TLS error must never read as "does not resolve".
    pub fn of(error: &str) -> TransportCause {
        // The URL reqwest quotes (`for url (…)`) is the user's text: a host named `alert.invalid` or
        // `tls-gw` must not decide the cause. Only the words of the error chain do.
        let lower = without_urls(&error.to_ascii_lowercase());
        let any = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        if any(&["timed out", "timeout", "deadline"]) {
            TransportCause::Timeout
        } else if any(&["certificate", "unknownissuer", "self-signed", "self signed", "notvalidforname", "cert verify"])
        {
            TransportCause::Certificate
        } else if any(&["tls", "handshake", "alert"]) {
            TransportCause::Tls
        } else if any(&[
            "dns error",
            "failed to lookup address",
            "name or service not known",
            "no such host",
            "nodename nor servname",
            "temporary failure in name resolution",
            "name resolution",
        ]) {
            TransportCause::Dns
        } else if any(&["connection refused", "os error 111", "os error 61"]) {
            TransportCause::Refused
        } else if any(&["connection reset", "os error 104", "os error 54", "broken pipe", "connection closed"]) {
            TransportCause::Reset
        } else if lower.contains("proxy") {
            TransportCause::Proxy
        } else {
            TransportCause::Other
        }
    }

    /// How it failed, in words.
    pub fn how(self) -> &'static str {
        match self {
            TransportCause::Timeout => "timeout",
            TransportCause::Certificate => "TLS certificate not trusted",
            TransportCause::Tls => "TLS handshake failed",
            TransportCause::Dns => "DNS resolution failed",
            TransportCause::Refused => "connection refused",
            TransportCause::Reset => "connection reset",
            TransportCause::Proxy => "proxy failed",
            TransportCause::Other => "connection failed",
        }
    }
}

/// Classifies a transport failure (no HTTP answer) of a request to `host` (as the client parsed it):
/// the message names the endpoint and how it failed.
pub fn transport_error(error: &str, host: &str, timeout_secs: f64) -> Verdict {
    let cause = TransportCause::of(error);
    let how = cause.how();
    match cause {
        TransportCause::Timeout => Verdict::fail(
            "timeout",
            format!("{host}: {how}, no answer within {timeout_secs} s ({error})"),
            "Check the network path to AWS (VPN, firewall, HTTPS_PROXY/NO_PROXY)",
        ),
        TransportCause::Certificate => Verdict::fail(
            "tls",
            format!("{host}: {how} ({error})"),
            "A TLS-inspecting proxy needs its CA: set SSL_CERT_FILE (and CODEX_CA_CERTIFICATE for Codex) to the CA bundle",
        ),
        TransportCause::Tls => Verdict::fail(
            "tls",
            format!("{host}: {how} ({error})"),
            "Check the proxy or the endpoint: it does not speak TLS as AWS does",
        ),
        TransportCause::Dns => Verdict::fail(
            "dns",
            format!("{host} does not resolve: {how} ({error})"),
            format!("Check DNS and the network path (VPN, resolver): `nslookup {}`", host_name(host)),
        ),
        TransportCause::Refused => Verdict::fail(
            "refused",
            format!("{host}: {how} ({error})"),
            "Nothing listens there, or a firewall rejects it: check the endpoint override or the network path",
        ),
        TransportCause::Proxy => {
            Verdict::fail("proxy", format!("{host}: {how} ({error})"), "Check HTTPS_PROXY / NO_PROXY")
        }
        TransportCause::Reset | TransportCause::Other => Verdict::fail(
            "network",
            format!("{host}: {how} ({error})"),
            "Check the network path to AWS (VPN, firewall, proxy)",
        ),
    }
}

/// The name part of `host[:port]` (an IPv6 literal keeps its brackets off).
fn host_name(host: &str) -> &str {
    match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => {
            host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h)
        }
    }
}

/// Classifies an STS or Bedrock SDK error by its AWS error code; without one (no HTTP answer), as a
/// transport failure of `host`, the endpoint the SDK called.
pub fn sdk_error(code: Option<&str>, message: &str, action: &str, host: &str, timeout_secs: f64) -> Verdict {
    match code {
        Some("InvalidClientTokenId" | "UnrecognizedClientException") => Verdict::fail(
            "invalid-credentials",
            format!("the access key id is not valid ({message})"),
            "The credentials belong to no IAM identity (deleted key, wrong partition); recreate them",
        ),
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired") => Verdict::fail(
            "expired-credentials",
            format!("the credentials expired ({message})"),
            "Refresh them (aws sso login, or new keys)",
        ),
        Some("SignatureDoesNotMatch" | "InvalidSignatureException") => Verdict::fail(
            "signature-mismatch",
            format!("signature mismatch ({message})"),
            "The secret key does not belong to the access key id, or the clock is off",
        ),
        Some("AccessDenied" | "AccessDeniedException") => Verdict {
            status: Status::Warn,
            kind: "access-denied",
            message: format!("not allowed to call `{action}` ({message})"),
            remediation: Some(format!("Grant `{action}` (see `bedrock-doctor iam`)")),
        },
        Some("ThrottlingException" | "Throttling" | "TooManyRequestsException") => Verdict {
            status: Status::Warn,
            kind: "throttled",
            message: format!("throttled ({message})"),
            remediation: Some("Retry later".into()),
        },
        Some(other) => Verdict::fail("service-error", format!("{other}: {message}"), "See the message"),
        None => transport_error(message, host, timeout_secs),
    }
}

/// The clock skew between the server's `Date` header and the local clock, if it matters.
pub fn clock_skew(server: i64, local: i64) -> Option<Verdict> {
    let skew = server - local;
    let words = format!(
        "the local clock is {} {} the server's ({})",
        human_duration(skew),
        if skew > 0 { "behind" } else { "ahead of" },
        format_utc(server)
    );
    match skew.abs() {
        0..=59 => None,
        60..=299 => Some(Verdict {
            status: Status::Warn,
            kind: "clock-skew",
            message: words,
            remediation: Some("Enable time synchronisation (NTP): SigV4 fails beyond 5 minutes".into()),
        }),
        _ => Some(Verdict::fail(
            "clock-skew",
            format!("{words}: SigV4 signatures are rejected beyond 5 minutes"),
            "Enable time synchronisation (timedatectl set-ntp true / sntp -sS time.apple.com)",
        )),
    }
}

/// Parses an HTTP `Date` header (IMF-fixdate, `Sun, 22 Nov 2026 10:15:00 GMT`).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| m == month)?
        + 1;
    crate::timeutil::parse_rfc3339(&format!("{year}-{month:02}-{day:0>2}T{time}Z"))
}

/// `text` without the `for url (…)` parts reqwest puts in its errors (parentheses balanced).
fn without_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("for url (") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "for url (".len()..];
        let mut depth = 1usize;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_in_the_error_never_decides_the_cause() {
        let dns = "error sending request for url (http://alert.invalid:9/openai/v1/models): client error (Connect): dns error: failed to lookup address information";
        assert_eq!(super::TransportCause::of(dns), super::TransportCause::Dns);
        let refused = "error sending request for url (http://tls-gw.example:9/x): client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(super::TransportCause::of(refused), super::TransportCause::Refused);
    }

    use super::*;

    #[test]
    fn access_denied_names_the_action_and_the_scp() {
        let body = r#"{"message":"User: arn:aws:iam::1:user/d is not authorized to perform: bedrock-mantle:CreateInference on resource: x because no identity-based policy allows the bedrock-mantle:CreateInference action"}"#;
        let v = responses_answer(403, body, false, "m", "us-east-1", 5);
        assert_eq!(v.kind, "access-denied");
        assert!(v.message.contains("`bedrock-mantle:CreateInference`"));
        let scp = r#"{"message":"User: u is not authorized to perform: bedrock-mantle:CreateInference with an explicit deny in a service control policy"}"#;
        assert!(responses_answer(403, scp, false, "m", "r", 1).message.contains("explicit deny"));
    }

    #[test]
    fn every_status_class_is_named() {
        let cases = [
            (200, "{}", "ok"),
            (403, r#"{"message":"Signature expired: 20261122T000000Z is now earlier than …"}"#, "signature-expired"),
            (
                403,
                r#"{"message":"The request signature we calculated does not match the signature you provided."}"#,
                "signature-mismatch",
            ),
            (403, r#"{"message":"The security token included in the request is expired"}"#, "expired-credentials"),
            (403, r#"{"message":"The security token included in the request is invalid."}"#, "invalid-credentials"),
            (404, r#"{"error":{"message":"The model 'x' does not exist"}}"#, "model-not-found"),
            (400, r#"{"error":{"message":"Invalid 'tools': unknown variant 'web_search'"}}"#, "validation"),
            (429, r#"{"message":"Too many requests"}"#, "throttled"),
            (503, "<html>", "server-error"),
        ];
        for (status, body, kind) in cases {
            assert_eq!(responses_answer(status, body, false, "m", "r", 1).kind, kind, "{status} {body}");
        }
    }

    #[test]
    fn transport_errors() {
        assert_eq!(transport_error("operation timed out", "h", 5.0).kind, "timeout");
        assert_eq!(transport_error("dns error: failed to lookup address information", "h", 5.0).kind, "dns");
        assert_eq!(transport_error("invalid peer certificate: UnknownIssuer", "h", 5.0).kind, "tls");
        assert_eq!(transport_error("connection reset by peer", "h", 5.0).kind, "network");
        assert_eq!(transport_error("tcp connect error: Connection refused (os error 111)", "h", 5.0).kind, "refused");
    }

    #[test]
    fn transport_errors_name_the_endpoint_and_never_blame_the_region() {
        let host = "bedrock-mantle.us-east-1.api.aws";
        let dns =
            transport_error("dns error: failed to lookup address information: Name or service not known", host, 5.0);
        assert!(dns.message.starts_with(&format!("{host} does not resolve: DNS resolution failed")), "{dns:?}");
        assert!(!format!("{dns:?}").contains("unsupported region"), "{dns:?}");
        assert!(dns.remediation.unwrap().contains("nslookup bedrock-mantle.us-east-1.api.aws"));
        // A certificate error whose chain also mentions a lookup is a certificate error.
        let tls =
            transport_error("client error (Connect): invalid peer certificate: UnknownIssuer", "localhost:443", 5.0);
        assert_eq!((tls.kind, tls.message.contains("TLS certificate not trusted")), ("tls", true), "{tls:?}");
        assert!(!tls.message.contains("resolve"));
        let sdk = sdk_error(
            None,
            "dispatch failure: Connection refused (os error 111)",
            "sts:GetCallerIdentity",
            "127.0.0.1:9",
            3.0,
        );
        assert!(sdk.message.starts_with("127.0.0.1:9: connection refused"), "{sdk:?}");
        assert_eq!(host_name("127.0.0.1:9"), "127.0.0.1");
        assert_eq!(host_name("[::1]:9"), "::1");
    }

    #[test]
    fn skew_and_dates() {
        let t = parse_http_date("Sun, 22 Nov 2026 10:15:00 GMT").unwrap();
        assert_eq!(crate::timeutil::format_utc(t), "2026-11-22T10:15:00Z");
        assert_eq!(clock_skew(t, t + 10), None);
        assert_eq!(clock_skew(t + 120, t).unwrap().status, Status::Warn);
        assert_eq!(clock_skew(t + 600, t).unwrap().status, Status::Fail);
        assert_eq!(parse_http_date("garbage"), None);
    }
}
