//! URL and host helpers shared by the offline `endpoint` check and the live probe, so that the host the
//! report names and the host the probe would call are decided by the same code.

/// Whether `host` is an AWS service endpoint (commercial, GovCloud or China partitions).
pub fn is_aws_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    [".api.aws", ".amazonaws.com", ".amazonaws.com.cn", ".on.aws"].iter().any(|s| host.ends_with(s))
}

/// Splits `scheme://host[:port]/path` (enough for a base URL; no user info expected).
pub fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next().unwrap_or(host);
    Some((scheme, host, path))
}

/// The region in a Bedrock host name (`bedrock-mantle.us-east-2.api.aws`, `bedrock-runtime.eu-west-1.amazonaws.com`).
pub fn host_region(host: &str) -> Option<&str> {
    if !is_aws_host(host) {
        return None;
    }
    let mut parts = host.split('.');
    let service = parts.next()?;
    if !service.starts_with("bedrock") {
        return None;
    }
    parts.next()
}

/// Whether `s` is an AWS region name, by syntax, in any partition: `us-east-1`, `us-gov-west-1`,
/// `cn-north-1`, `us-iso-east-1`, `us-isob-east-1`, `eusc-de-east-1`. Lowercase ASCII letter segments
/// joined by hyphens, ending in a number segment; at most 32 characters. A region is pasted into host
/// names, so anything else (`x@127.0.0.1#`, `us-east-1.evil.com`, an availability zone `us-east-1a`,
/// uppercase that Codex compares case-sensitively) is refused before it reaches a URL or a file.
pub fn is_region_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 32 {
        return false;
    }
    let segments: Vec<&str> = s.split('-').collect();
    let Some((last, words)) = segments.split_last() else { return false };
    words.len() >= 2
        && words.iter().all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod region_name_tests {
    use super::is_region_name;

    #[test]
    fn region_names_by_partition() {
        let table = [
            ("us-east-1", true),
            ("us-gov-west-1", true),
            ("cn-north-1", true),
            ("cn-northwest-1", true),
            ("eu-central-2", true),
            ("ap-southeast-5", true),
            ("us-iso-east-1", true),
            ("us-isob-east-1", true),
            ("eusc-de-east-1", true),
            ("me-central-1", true),
            ("", false),
            ("us-east", false),
            ("east-1", false),
            ("US-EAST-1", false),
            ("us-east-1a", false),
            ("us-east-1.", false),
            ("us-east-1.evil.com", false),
            ("x@127.0.0.1#", false),
            ("us--east-1", false),
            ("-us-east-1", false),
            ("us-east-100", false),
            ("us-east-1\n", false),
            ("us_east_1", false),
            ("a-very-long-but-well-formed-name-1", false),
        ];
        for (name, ok) in table {
            assert_eq!(is_region_name(name), ok, "{name:?}");
        }
    }
}
