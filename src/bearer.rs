//! Bedrock API keys, decoded offline.
//!
//! A short-term key is `bedrock-api-key-` + base64 of a SigV4 presigned URL without its scheme and with
//! `&Version=1` appended: `bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=…&
//! X-Amz-Credential=AKID%2F20261122%2Fus-west-2%2Fbedrock%2Faws4_request&X-Amz-Date=…&X-Amz-Expires=43200&…`
//! (aws-bedrock-token-generator; reference §4.1). Its credential scope names the region it was issued
//! for and `X-Amz-Date` + `X-Amz-Expires` its expiry (at most 12 hours). Long-term keys (`ABSK…`) are
//! opaque. Codex never reads the embedded region: it sends to the resolved one (E §4.1).

use base64::Engine;

use crate::timeutil;

/// What a Bedrock API key says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyInfo {
    /// A short-term key that decoded.
    ShortTerm {
        /// Region of the credential scope.
        region: Option<String>,
        /// Issue time (UTC seconds).
        issued: Option<i64>,
        /// Expiry (UTC seconds).
        expires: Option<i64>,
        /// Whether the scope is for the `bedrock` service with `CallWithBearerToken`.
        well_formed: bool,
    },
    /// `bedrock-api-key-` followed by something that is not a presigned URL.
    ShortTermUndecodable,
    /// A long-term key.
    LongTerm,
    /// Neither shape.
    Unknown,
}

/// The prefix of short-term keys.
pub const SHORT_TERM_PREFIX: &str = "bedrock-api-key-";

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| pair.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a key (already trimmed the way Codex trims it).
pub fn inspect(key: &str) -> KeyInfo {
    if key.starts_with("ABSK") {
        return KeyInfo::LongTerm;
    }
    let Some(encoded) = key.strip_prefix(SHORT_TERM_PREFIX) else {
        return KeyInfo::Unknown;
    };
    let engine = base64::engine::general_purpose::STANDARD;
    let decoded = engine
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded.trim_end_matches('=')));
    let Some(url) = decoded.ok().and_then(|b| String::from_utf8(b).ok()) else {
        return KeyInfo::ShortTermUndecodable;
    };
    let Some((_, query)) = url.split_once('?') else {
        return KeyInfo::ShortTermUndecodable;
    };
    let credential = query_param(query, "X-Amz-Credential").map(percent_decode);
    let scope: Vec<&str> = credential.as_deref().map(|c| c.split('/').collect()).unwrap_or_default();
    let region = scope.get(2).map(|r| r.to_string()).filter(|r| !r.is_empty());
    let issued = query_param(query, "X-Amz-Date").and_then(timeutil::parse_amz_date);
    let lifetime = query_param(query, "X-Amz-Expires").and_then(|e| e.parse::<i64>().ok());
    // A hostile X-Amz-Expires must not overflow; real keys live at most 12 hours.
    let expires = issued.zip(lifetime).and_then(|(i, l)| i.checked_add(l.clamp(0, 10 * 365 * 86_400)));
    let well_formed = query_param(query, "Action") == Some("CallWithBearerToken")
        && scope.get(3) == Some(&"bedrock")
        && region.is_some();
    KeyInfo::ShortTerm { region, issued, expires, well_formed }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a short-term key the way the token generator does (with a fake signature).
    pub fn make_key(region: &str, date: &str, expires: u32) -> String {
        let url = format!(
            "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&\
             X-Amz-Credential=AKIDEXAMPLE%2F{}%2F{region}%2Fbedrock%2Faws4_request&X-Amz-Date={date}&\
             X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=00ff&Version=1",
            &date[..8]
        );
        format!("{SHORT_TERM_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(url))
    }

    #[test]
    fn decodes_region_and_expiry() {
        let key = make_key("us-west-2", "20261122T100000Z", 43200);
        let KeyInfo::ShortTerm { region, issued, expires, well_formed } = inspect(&key) else { panic!() };
        assert_eq!(region.as_deref(), Some("us-west-2"));
        assert!(well_formed);
        assert_eq!(expires.unwrap() - issued.unwrap(), 43200);
        assert_eq!(timeutil::format_utc(expires.unwrap()), "2026-11-22T22:00:00Z");
    }

    #[test]
    fn garbage_never_panics() {
        for key in [
            "",
            "bedrock-api-key-",
            "bedrock-api-key-%%%%",
            "bedrock-api-key-aGVsbG8=",
            "ABSKxyz",
            "hello",
            "bedrock-api-key-4pyT",
        ] {
            let _ = inspect(key);
        }
        assert_eq!(inspect("bedrock-api-key-aGVsbG8="), KeyInfo::ShortTermUndecodable);
        assert_eq!(inspect("plain"), KeyInfo::Unknown);
    }
}
