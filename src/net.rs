//! One URL model for every host decision: the offline `endpoint` check, the prediction's destination,
//! and the live probe all parse with the `url` crate, the parser reqwest (and so Codex) uses. The host
//! the report names is the host the HTTP client connects to: `http://127.0.0.1?@bedrock-mantle…` is
//! 127.0.0.1, whatever the text looks like.
//!
//! Credentials (a bearer key, SigV4 headers, a session token) may go only to an AWS *service* endpoint
//! of the services Codex and the doctor call: Bedrock Mantle, the Bedrock Runtime, the Bedrock control
//! plane and STS, in their regional, FIPS, dual-stack and interface-VPC-endpoint (PrivateLink) names,
//! per partition. A suffix such as `.amazonaws.com` is not enough: customers own hosts under it (EC2
//! public names, S3 website hosts, Lambda function URLs under `on.aws`).
//!
//! Left out on purpose: the ISO partitions (`c2s.ic.gov`, `sc2s.sgov.gov`) — Codex's Mantle allowlist
//! has none of their regions, and the doctor cannot be tested against them. A user who needs them
//! sets an explicit `AWS_ENDPOINT_URL_*` override, which the report always shows.

use url::Url;

/// The AWS services that may receive credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AwsService {
    /// Bedrock Mantle (`bedrock-mantle`), the OpenAI-compatible endpoint of `amazon-bedrock`.
    Mantle,
    /// The Bedrock Runtime (`bedrock-runtime`), also OpenAI-compatible under `/openai/v1`.
    Runtime,
    /// The Bedrock control plane (`bedrock`): `ListFoundationModels`.
    ControlPlane,
    /// The Security Token Service (`sts`): `GetCallerIdentity`.
    Sts,
}

impl AwsService {
    /// The endpoint prefix of the service in host names.
    pub fn prefix(self) -> &'static str {
        match self {
            AwsService::Mantle => "bedrock-mantle",
            AwsService::Runtime => "bedrock-runtime",
            AwsService::ControlPlane => "bedrock",
            AwsService::Sts => "sts",
        }
    }

    const ALL: [AwsService; 4] = [AwsService::Mantle, AwsService::Runtime, AwsService::ControlPlane, AwsService::Sts];

    fn from_prefix(label: &str) -> Option<(AwsService, bool)> {
        let (name, fips) = match label.strip_suffix("-fips") {
            Some(name) => (name, true),
            None => (label, false),
        };
        AwsService::ALL.into_iter().find(|s| s.prefix() == name).map(|s| (s, fips))
    }
}

/// A host that is an AWS service endpoint of one of [`AwsService`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceHost {
    /// The service.
    pub service: AwsService,
    /// The region in the host name (`None` for the global STS endpoint).
    pub region: Option<String>,
    /// A `-fips` endpoint.
    pub fips: bool,
    /// An interface VPC endpoint name (`vpce-….<service>.<region>.vpce.amazonaws.com`).
    pub vpce: bool,
}

/// The DNS suffixes of a region's partition: (the classic suffix, the dual-stack suffix).
fn partition_suffixes(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("amazonaws.com.cn", "api.amazonwebservices.com.cn")
    } else {
        // aws and aws-us-gov share their suffixes.
        ("amazonaws.com", "api.aws")
    }
}

/// Whether `s` is a region name: lowercase `<area>[-<qualifier>]-<direction>-<number>` as AWS names
/// them (`us-east-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`, `eusc-de-east-1`). Anything
/// else is refused before it enters a URL: Codex pastes the region into the host name.
pub fn is_region_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 32 {
        return false;
    }
    let labels: Vec<&str> = s.split('-').collect();
    if labels.len() < 3 || labels.len() > 4 {
        return false;
    }
    let (last, words) = labels.split_last().expect("at least 3 labels");
    let number = !last.is_empty() && last.len() <= 2 && last.bytes().all(|b| b.is_ascii_digit());
    let word = |w: &&str| !w.is_empty() && w.len() <= 12 && w.bytes().all(|b| b.is_ascii_lowercase());
    number && words.iter().all(word) && (2..=4).contains(&words[0].len())
}

/// The AWS service endpoint `host` names, if it is one. `host` is compared as the HTTP client resolves
/// it: ASCII (IDNA already applied by the parser), case-insensitive, one trailing dot allowed.
pub fn service_host(host: &str) -> Option<ServiceHost> {
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    if host == "sts.amazonaws.com" {
        return Some(ServiceHost { service: AwsService::Sts, region: None, fips: false, vpce: false });
    }
    let labels: Vec<&str> = host.split('.').collect();
    // `vpce-<id>-<suffix>[-<az>].<service>.<region>.vpce.<suffix>`
    if labels.len() >= 5 && labels[0].starts_with("vpce-") && labels[3] == "vpce" {
        let id = &labels[0]["vpce-".len()..];
        let (service, fips) = AwsService::from_prefix(labels[1])?;
        let region = labels[2];
        let ok_id = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let suffix = labels[4..].join(".");
        if ok_id && !fips && is_region_name(region) && suffix == partition_suffixes(region).0 {
            return Some(ServiceHost { service, region: Some(region.to_owned()), fips, vpce: true });
        }
        return None;
    }
    // `<service>[-fips].<region>.<suffix>`
    if labels.len() < 3 {
        return None;
    }
    let (service, fips) = AwsService::from_prefix(labels[0])?;
    let region = labels[1];
    if !is_region_name(region) {
        return None;
    }
    let suffix = labels[2..].join(".");
    let (classic, dualstack) = partition_suffixes(region);
    let ok = match service {
        // Mantle lives under the dual-stack suffix only (`bedrock-mantle.<region>.api.aws`).
        AwsService::Mantle => suffix == dualstack,
        _ => suffix == classic || suffix == dualstack,
    };
    ok.then(|| ServiceHost { service, region: Some(region.to_owned()), fips, vpce: false })
}

/// Why a URL was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    /// The parser refused it; the text is the parser's reason.
    Invalid(String),
    /// It parses but names no host (`file:`, `data:`).
    NoHost,
    /// Neither `http` nor `https`.
    Scheme(String),
}

impl std::fmt::Display for UrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlError::Invalid(why) => write!(f, "not a URL ({why})"),
            UrlError::NoHost => f.write_str("a URL without a host"),
            UrlError::Scheme(s) => write!(f, "a `{s}:` URL (Codex speaks http and https only)"),
        }
    }
}

impl std::error::Error for UrlError {}

/// A URL as the HTTP client sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The parsed URL.
    pub url: Url,
    /// The host the client connects to (for IPv6, without brackets), lowercase ASCII.
    pub host: String,
    /// The AWS service endpoint it is, if any.
    pub service: Option<ServiceHost>,
}

impl Target {
    /// Parses `text` as reqwest would.
    pub fn parse(text: &str) -> Result<Target, UrlError> {
        let url = Url::parse(text).map_err(|e| UrlError::Invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlError::Scheme(url.scheme().to_owned()));
        }
        let host = match url.host().ok_or(UrlError::NoHost)? {
            url::Host::Domain(d) => d.to_ascii_lowercase(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        let service = service_host(&host);
        Ok(Target { url, host, service })
    }

    /// Whether credentials may be sent here: an AWS service endpoint, over https.
    pub fn may_receive_credentials(&self) -> bool {
        self.service.is_some() && self.url.scheme() == "https"
    }

    /// The region of the service host.
    pub fn region(&self) -> Option<&str> {
        self.service.as_ref().and_then(|s| s.region.as_deref())
    }

    /// `host[:port]` as the client would connect, for messages.
    pub fn authority(&self) -> String {
        let host = match self.url.host() {
            Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
            _ => self.host.clone(),
        };
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    }

    /// Whether the text carries user info (`user:pass@`), which the HTTP client sends as Basic auth.
    pub fn has_userinfo(&self) -> bool {
        !self.url.username().is_empty() || self.url.password().is_some()
    }
}

/// The region of a Bedrock host name (`bedrock-mantle.us-east-2.api.aws`).
pub fn host_region(host: &str) -> Option<String> {
    service_host(host).and_then(|s| s.region)
}

/// Where a Responses request goes, decided on the parsed host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// Bedrock Mantle in a region.
    Mantle {
        /// The region of the host.
        region: String,
    },
    /// The Bedrock Runtime's OpenAI-compatible endpoint in a region.
    Runtime {
        /// The region of the host.
        region: String,
    },
    /// OpenAI (`api.openai.com`, or ChatGPT's backend for a ChatGPT login).
    OpenAi,
    /// Any other host: a gateway or proxy in front of a model service, or something else.
    Other {
        /// The host as the client connects to it (`host[:port]`).
        authority: String,
    },
}

impl Destination {
    /// Classifies a parsed target.
    pub fn of(target: &Target) -> Destination {
        match &target.service {
            Some(ServiceHost { service: AwsService::Mantle, region: Some(region), .. }) => {
                Destination::Mantle { region: region.clone() }
            }
            Some(ServiceHost { service: AwsService::Runtime, region: Some(region), .. }) => {
                Destination::Runtime { region: region.clone() }
            }
            _ if matches!(target.host.as_str(), "api.openai.com" | "chatgpt.com") => Destination::OpenAi,
            _ => Destination::Other { authority: target.authority() },
        }
    }

    /// A short label for the report and the JSON (`bedrock-mantle`, `bedrock-runtime`, `openai`,
    /// `other`).
    pub fn label(&self) -> &'static str {
        match self {
            Destination::Mantle { .. } => "bedrock-mantle",
            Destination::Runtime { .. } => "bedrock-runtime",
            Destination::OpenAi => "openai",
            Destination::Other { .. } => "other",
        }
    }

    /// Whether this is Amazon Bedrock.
    pub fn is_bedrock(&self) -> bool {
        matches!(self, Destination::Mantle { .. } | Destination::Runtime { .. })
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Mantle { region } => write!(f, "Amazon Bedrock Mantle ({region})"),
            Destination::Runtime { region } => write!(f, "Amazon Bedrock Runtime, OpenAI-compatible ({region})"),
            Destination::OpenAi => f.write_str("OpenAI (this setup does not use Bedrock)"),
            Destination::Other { authority } => {
                write!(f, "{authority} (not Amazon Bedrock: a gateway or another service)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "eusc-de-east-1", "il-central-1"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "US-EAST-1",
            "us-east",
            "x@127.0.0.1#",
            "us-east-1.evil.com",
            "us-east-1 ",
            "us--1",
            "mars-1",
            "us-east-1-",
            "a-b-c-d-1",
            "us-east-123",
        ] {
            assert!(!is_region_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn service_hosts_are_an_explicit_list() {
        let yes = [
            ("bedrock-mantle.us-east-1.api.aws", AwsService::Mantle),
            ("BEDROCK-MANTLE.us-east-1.api.aws.", AwsService::Mantle),
            ("bedrock-mantle.us-gov-west-1.api.aws", AwsService::Mantle),
            ("bedrock-runtime.us-west-2.amazonaws.com", AwsService::Runtime),
            ("bedrock-runtime-fips.us-east-1.amazonaws.com", AwsService::Runtime),
            ("bedrock-runtime.cn-north-1.amazonaws.com.cn", AwsService::Runtime),
            ("bedrock.eu-west-1.amazonaws.com", AwsService::ControlPlane),
            ("sts.amazonaws.com", AwsService::Sts),
            ("sts.eu-central-1.amazonaws.com", AwsService::Sts),
            ("vpce-0abc123-xyz.bedrock-mantle.us-east-1.vpce.amazonaws.com", AwsService::Mantle),
            ("vpce-0abc123-xyz-us-east-1a.bedrock-runtime.us-east-1.vpce.amazonaws.com", AwsService::Runtime),
        ];
        for (host, service) in yes {
            assert_eq!(service_host(host).map(|s| s.service), Some(service), "{host}");
        }
        let no = [
            "ec2-3-80-1-1.compute-1.amazonaws.com",
            "abcdefgh.lambda-url.us-east-1.on.aws",
            "bucket.s3-website-us-east-1.amazonaws.com",
            "bedrock-mantle.us-east-1.api.aws.evil.com",
            "evil.com.bedrock-mantle.us-east-1.api.aws.",
            "bedrock-mantle.us-east-1.amazonaws.com",
            "bedrock-runtime.cn-north-1.amazonaws.com",
            "bedrock-runtime.x.amazonaws.com",
            "bedrock-mantle.127.0.0.1.api.aws",
            "s3.us-east-1.amazonaws.com",
            "vpce-1.bedrock-mantle.us-east-1.vpce.amazonaws.com.evil.com",
            "amazonaws.com",
        ];
        for host in no {
            assert_eq!(service_host(host), None, "{host}");
        }
    }

    #[test]
    fn the_host_is_the_one_the_client_connects_to() {
        for (text, host) in [
            ("http://127.0.0.1:8765?@bedrock-mantle.us-east-1.api.aws/openai/v1", "127.0.0.1"),
            ("http://127.0.0.1:8765#@bedrock-mantle.us-east-1.api.aws/openai/v1", "127.0.0.1"),
            ("https://127.0.0.1\\@bedrock-mantle.us-east-1.api.aws/openai/v1", "127.0.0.1"),
            ("https://user@bedrock-mantle.us-east-1.api.aws/openai/v1", "bedrock-mantle.us-east-1.api.aws"),
            ("https://bedrock-mantle.us-east-1.api.aws%2eevil.com/", "bedrock-mantle.us-east-1.api.aws.evil.com"),
            ("https://[::1]:9/v1", "::1"),
        ] {
            let t = Target::parse(text).unwrap();
            assert_eq!(t.host, host, "{text}");
        }
        assert!(Target::parse("https://bedrock-mantle.us-east-1.api.aws/openai/v1").unwrap().may_receive_credentials());
        assert!(!Target::parse("http://bedrock-mantle.us-east-1.api.aws/openai/v1").unwrap().may_receive_credentials());
        assert_eq!(Target::parse("file:///etc/passwd").unwrap_err(), UrlError::Scheme("file".into()));
    }
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
