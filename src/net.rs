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
