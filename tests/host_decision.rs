//! The host decision agrees with the HTTP client. For generated URLs (user info, `?`, `#`, `\`,
//! percent-encoding, IPv6, IDNA, trailing dots, ports), the host the doctor decides on
//! (`net::Target`) must be the host reqwest actually asks for. reqwest is pointed at a loopback proxy
//! that records the first request line: `CONNECT host:port` for https, `GET http://host:port/…` for
//! http. Nothing leaves 127.0.0.1: the proxy answers 502 and closes.
//!
//! A credential verdict is only as good as this agreement: `http://127.0.0.1?@bedrock-mantle…` once
//! passed a string-based check while the client connected to 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use bedrock_doctor::net::Target;
use proptest::prelude::*;

/// A loopback proxy that reports the authority of each request it receives.
struct Recorder {
    port: u16,
    seen: mpsc::Receiver<String>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, seen) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                let authority = match target.split_once("://") {
                    Some((_, rest)) => rest.split('/').next().unwrap_or("").to_owned(),
                    None => target,
                };
                let _ = tx.send(authority);
                let _ =
                    (&stream).write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            }
        });
        Recorder { port, seen }
    }
}

/// The authority reqwest asked the proxy for, or None when it refused the URL before connecting.
fn client_authority(rt: &tokio::runtime::Runtime, recorder: &Recorder, url: &str) -> Option<String> {
    while recorder.seen.try_recv().is_ok() {}
    let proxy = reqwest::Proxy::all(format!("http://127.0.0.1:{}", recorder.port)).unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().proxy(proxy).timeout(Duration::from_secs(3)).build().unwrap();
        let _ = client.get(url).send().await;
    });
    // The proxy reports the request line before it answers, and `send` returns only after the answer
    // (or after the client refused the URL without connecting): no waiting is needed.
    recorder.seen.try_recv().ok()
}

/// `host:port` with the scheme's default port made explicit, as a proxy request names it.
fn with_port(target: &Target) -> String {
    let port = target.url.port_or_known_default().unwrap_or(0);
    let host = match target.url.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        _ => target.host.clone(),
    };
    format!("{host}:{port}")
}

fn normalise(authority: &str) -> String {
    let lower = authority.to_ascii_lowercase();
    if lower.rsplit_once(':').is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty())
        && !lower.ends_with(']')
    {
        lower
    } else {
        format!("{lower}:80")
    }
}

fn agree(rt: &tokio::runtime::Runtime, recorder: &Recorder, url: &str) -> Result<(), String> {
    let decided = Target::parse(url);
    let asked = client_authority(rt, recorder, url);
    match (&decided, &asked) {
        (Ok(t), Some(a)) if normalise(a) == with_port(t) => Ok(()),
        // Both refuse the text (or the client refuses a URL the parser accepts but cannot send, which
        // sends no credential either).
        (Err(_), None) | (Ok(_), None) => Ok(()),
        _ => Err(format!("{url:?}: the doctor decided on {decided:?}, the client asked for {asked:?}")),
    }
}

const AWS: &str = "bedrock-mantle.us-east-1.api.aws";

/// The attacks seen so far, and their near variants.
#[test]
fn known_confusions_agree_with_the_client() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let recorder = Recorder::start();
    let mut failures = Vec::new();
    for sep in ["?@", "#@", "\\@", "/@", ";@", ":@", "%40", "@", "\\\\@", "%2f@", "%3f@"] {
        for scheme in ["http", "https"] {
            let url = format!("{scheme}://127.0.0.1:8765{sep}{AWS}/openai/v1/responses");
            if let Err(e) = agree(&rt, &recorder, &url) {
                failures.push(e);
            }
        }
    }
    for url in [
        format!("https://{AWS}./openai/v1"),
        format!("https://{}/openai/v1", AWS.to_uppercase()),
        format!("https://{AWS}%2eevil.com/v1"),
        format!("https://{AWS}\u{3002}evil.com/v1"),
        "https://bedrock-mantle.us-east-1.api.aws.evil.com/v1".to_owned(),
        "https://[::1]:9/v1".to_owned(),
        "https://bedrock-runtime.x@127.0.0.1#.amazonaws.com/openai/v1".to_owned(),
        "https://xn--bdrock-mantle-9db.us-east-1.api.aws/v1".to_owned(),
        "https://bédrock-mantle.us-east-1.api.aws/v1".to_owned(),
        "https://0x7f.0.0.1/v1".to_owned(),
        "https://2130706433/v1".to_owned(),
    ] {
        if let Err(e) = agree(&rt, &recorder, &url) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        AWS,
        "127.0.0.1",
        "[::1]",
        "localhost",
        "evil.com",
        "@",
        ":",
        ":443",
        ":8080",
        "?",
        "#",
        "\\",
        "/",
        ".",
        "%40",
        "%2e",
        "%2f",
        "user",
        "user:pw",
        "bédrock",
        "\u{3002}",
        "api.aws",
        "amazonaws.com",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn generated_urls_agree_with_the_client(scheme in prop::sample::select(vec!["http", "https"]),
                                            pieces in prop::collection::vec(piece(), 1..7)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let recorder = Recorder::start();
        let url = format!("{scheme}://{}/openai/v1/responses", pieces.concat());
        prop_assert!(agree(&rt, &recorder, &url).is_ok(), "{}", agree(&rt, &recorder, &url).unwrap_err());
        // And a credential verdict is never given for a host outside the service list.
        if let Ok(t) = Target::parse(&url) && t.may_receive_credentials() {
            prop_assert!(bedrock_doctor::net::service_host(&t.host).is_some());
        }
    }
}
