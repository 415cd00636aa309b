//! Nothing the doctor prints carries a secret or a control character from its input: every report is
//! redacted (secrets masked) and neutralised (control characters escaped) *once, here, before any
//! renderer encodes it*. Renderers take [`Redacted`] values, which only a [`Redactor`] makes, so a
//! renderer (or a new format) cannot see text that skipped this step; they only escape for their format.
//!
//! Why before encoding: each format encodes differently (JSON `\"`, XML `&amp;`, GitHub `%25`), so a
//! secret with such a character no longer matches after encoding and slips through.
//!
//! The nets, in order:
//! 1. every secret value seen while gathering (env, `.env`, auth.json, AWS files, config files, proxy and
//!    URL userinfo, query values and fragments of every URL given as input, resolved live credentials),
//!    also in the escaped form Codex's error messages quote them in; a config line under a parse error is
//!    replaced by its masked copy;
//! 2. anything shaped like a Bedrock API key, even if never seen;
//! 3. in any `scheme://` URL of the text: the password (or bare userinfo), query values and the fragment;
//!    `Bearer …`/`Basic …` credentials; the string a serde type error quotes (`invalid type: string "…"`);
//! 4. control characters (C0 but tab and line feed, DEL, C1) and the Unicode bidi and line-separator
//!    controls are written as `\u{…}`: an `ESC ] 52` clipboard write, `ESC [2K` or `\r` in a config value
//!    reaches no terminal and no CI log.

use std::borrow::Cow;
use std::ops::Deref;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::context::{Context, Location};
use crate::env_vars::SECRET_VARS;
use crate::prediction::{AuthPrediction, Fatal, Prediction, RegionPrediction, Signing};
use crate::report::{CheckResult, Finding, Outcome, Report};

/// Known key prefixes that are safe (and useful) to show.
const SHOWN_PREFIXES: &[&str] = &["bedrock-api-key-", "ABSK"];

/// Secrets shorter than this are masked whole: their last 4 characters would give too much away.
const MIN_SHOW_TAIL: usize = 16;

/// What replaces a secret that is not shown at all.
pub const REDACTED: &str = "[redacted]";

/// Hosts of the documentation the doctor's own messages link to (and Codex's errors quote): their
/// fragments and queries are anchors, not credentials. Input URLs on these hosts still have their query
/// and fragment values masked by net 1.
const DOC_HOSTS: &[&str] = &["developers.openai.com", "docs.aws.amazon.com", "github.com"];

/// Masks one secret: a known prefix, an ellipsis and the last 4 characters (`bedrock-api-key-…Zz9=`).
pub fn mask(secret: &str) -> String {
    let secret = secret.trim();
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_SHOW_TAIL {
        return REDACTED.to_owned();
    }
    let prefix = SHOWN_PREFIXES.iter().find(|p| secret.starts_with(**p)).copied().unwrap_or("");
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

/// A value that went through a [`Redactor`]: secrets masked, control characters escaped. Only this
/// module makes one; renderers read it through `Deref`.
#[derive(Debug)]
pub struct Redacted<T>(T);

impl<T> Deref for Redacted<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Redacted<T> {
    /// The redacted value.
    pub fn get(&self) -> &T {
        &self.0
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Values a [`Redactor`] knows how to clean: every string they hold, however deep. Implemented here
/// only (sealed), each by an exhaustive destructuring, so a field added to a report type does not
/// compile until it is cleaned too.
pub trait Scrub: sealed::Sealed {
    #[doc(hidden)]
    fn scrub_with(&mut self, redactor: &Redactor);
}

/// Replaces secrets in text.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    /// Exact replacements (a config line under a parse error and its masked copy).
    pairs: Vec<(String, String)>,
    /// One automaton over every secret and pair: scrubbing stays linear in the output, however many
    /// secrets a `lint` run over thousands of templates collected. Built on the first scrub: `lint`
    /// gathers a context (and so a redactor) per template but scrubs with a merged one.
    matcher: std::sync::OnceLock<Option<(aho_corasick::AhoCorasick, Vec<String>)>>,
}

impl Redactor {
    /// A redactor for an explicit list (tests, lint).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        Redactor::build(secrets.into_iter().collect(), Vec::new())
    }

    fn build(secrets: Vec<String>, mut pairs: Vec<(String, String)>) -> Redactor {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .flat_map(|s| {
                let trimmed = s.trim().to_owned();
                // Codex's serde errors quote a string as Rust's `Debug` writes it (`\"`, `\\`, `\u{1b}`).
                let debug = format!("{trimmed:?}");
                let debug = debug[1..debug.len() - 1].to_owned();
                [s, trimmed, debug]
            })
            .filter(|s| s.chars().count() >= 6)
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        pairs.retain(|(from, to)| from != to && from.chars().count() >= 6);
        pairs.sort();
        pairs.dedup();
        Redactor { secrets, pairs, matcher: std::sync::OnceLock::new() }
    }

    fn matcher(&self) -> Option<&(aho_corasick::AhoCorasick, Vec<String>)> {
        self.matcher
            .get_or_init(|| {
                let mut patterns: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
                let mut replacements: Vec<String> = self.secrets.iter().map(|s| mask(s)).collect();
                for (from, to) in &self.pairs {
                    patterns.push(from);
                    replacements.push(to.clone());
                }
                if patterns.is_empty() {
                    return None;
                }
                // The NFA builds in time linear in the patterns; the DFA the builder would pick for a few
                // patterns costs ~256 states per byte, minutes for one absurdly long "secret" in a hostile file.
                aho_corasick::AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .ok()
                    .map(|ac| (ac, replacements))
            })
            .as_ref()
    }

    /// The secrets this redactor masks.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Collects every secret the context holds.
    pub fn from_context(ctx: &Context) -> Redactor {
        let mut pairs = masked_parse_lines(ctx);
        pairs.extend(masked_proxy_values(ctx));
        Redactor::build(secrets_of(ctx), pairs)
    }

    /// Adds more secrets (e.g. credentials resolved by a live check).
    pub fn with(self, more: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets = self.secrets;
        secrets.extend(more);
        Redactor::build(secrets, self.pairs)
    }

    /// One redactor knowing everything the given ones know (`lint`: one per template).
    pub fn merge<'a>(all: impl IntoIterator<Item = &'a Redactor>) -> Redactor {
        let (mut secrets, mut pairs) = (Vec::new(), Vec::new());
        for r in all {
            secrets.extend(r.secrets.iter().cloned());
            pairs.extend(r.pairs.iter().cloned());
        }
        Redactor::build(secrets, pairs)
    }

    /// Redacts a value for printing: the only way to make a [`Redacted`].
    pub fn redact<T: Scrub>(&self, mut value: T) -> Redacted<T> {
        value.scrub_with(self);
        Redacted(value)
    }

    /// `text` for printing outside a report (a diff, an error on stderr): every net of the module.
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_cow(text).into_owned()
    }

    /// Every net, each skipped without allocating when a cheap test shows it has nothing to do: a
    /// report holds thousands of short strings (`lint` over thousands of templates), nearly all clean.
    fn scrub_cow<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        if let Some((ac, replacements)) = self.matcher()
            && ac.is_match(text)
        {
            out = Cow::Owned(ac.replace_all(text, replacements));
        }
        if SHOWN_PREFIXES.iter().any(|p| out.contains(p)) {
            out = Cow::Owned(mask_key_shapes(&out));
        }
        if out.contains("://")
            || out.contains("invalid type: string")
            || out.contains("PROXY=")
            || out.contains("proxy=")
            || has_auth_scheme(&out)
        {
            out = Cow::Owned(mask_in_text(&out));
        }
        if out.chars().any(is_unsafe_char) {
            out = Cow::Owned(escape_controls(&out));
        }
        out
    }
}

impl Redactor {
    /// [`Redactor::scrub`] for a one-line field: line feeds are escaped too.
    fn scrub_line<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.scrub_cow(text) {
            Cow::Borrowed(t) if !t.contains('\n') => Cow::Borrowed(t),
            other => Cow::Owned(other.replace('\n', "\\u{a}")),
        }
    }
}

/// Whether `text` holds `bearer ` or `basic ` in any case.
fn has_auth_scheme(text: &str) -> bool {
    text.as_bytes().windows(6).any(|w| w.eq_ignore_ascii_case(b"basic ") || w[..5].eq_ignore_ascii_case(b"beare"))
}

/// `text` printed without a context (a usage error): every net but the known secrets.
pub fn scrub_plain(text: &str) -> String {
    Redactor::default().scrub(text)
}

/// Every secret value the context holds.
fn secrets_of(ctx: &Context) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for var in SECRET_VARS {
        found.extend(ctx.process_env.get(*var).cloned());
        found.extend(ctx.env.value(var).map(str::to_owned));
    }
    for (key, value) in &ctx.dotenv.pairs {
        if looks_secret_name(key) {
            found.push(value.clone());
        }
        found.extend(crate::secrets::url_parts(value).into_iter().map(|p| p.text.to_owned()));
    }
    for (key, value) in &ctx.process_env {
        if looks_secret_name(key) {
            found.push(value.clone());
        }
        // Proxy userinfo (`HTTPS_PROXY=http://user:pass@host`), endpoint overrides with a query, any URL.
        found.extend(crate::secrets::url_parts(value).into_iter().map(|p| p.text.to_owned()));
    }
    found.extend(ctx.auth_json.secrets());
    found.extend(ctx.aws.secrets());
    for file in &ctx.config.files {
        if let Some(text) = file.source.text() {
            found.extend(crate::secrets::scan_config(text, file.table()).into_iter().map(|hit| hit.value));
        }
    }
    // Credentials given with `-c key=value` (no file to scan).
    for layer in ctx.config.layers.iter().filter(|l| l.file.is_none()) {
        found.extend(crate::secrets::scan_table(&layer.root).into_iter().map(|hit| hit.value));
    }
    // Every URL in any layer (files and `-c`): its userinfo, query values and fragment.
    for layer in &ctx.config.layers {
        for_each_string(&layer.root, &mut |value| {
            found.extend(crate::secrets::url_parts(value).into_iter().map(|p| p.text.to_owned()));
        });
    }
    found
}

fn for_each_string(table: &dyn toml_edit::TableLike, visit: &mut dyn FnMut(&str)) {
    fn value(v: &toml_edit::Value, visit: &mut dyn FnMut(&str)) {
        match v {
            toml_edit::Value::String(s) => visit(s.value()),
            toml_edit::Value::Array(a) => a.iter().for_each(|v| value(v, visit)),
            toml_edit::Value::InlineTable(t) => for_each_string(t, visit),
            _ => {}
        }
    }
    for (_, item) in table.iter() {
        match item {
            toml_edit::Item::Value(v) => value(v, visit),
            toml_edit::Item::Table(t) => for_each_string(t, visit),
            toml_edit::Item::ArrayOfTables(a) => a.iter().for_each(|t| for_each_string(t, visit)),
            toml_edit::Item::None => {}
        }
    }
}

/// Proxy variables written without a scheme (`user:pw@host:port`, which the HTTP client accepts) are
/// quoted whole by the probe's messages, where no URL net sees them: each is replaced by its copy with
/// the password masked, however short the password.
fn masked_proxy_values(ctx: &Context) -> Vec<(String, String)> {
    use crate::env_vars::{ALL_PROXY_VARS, HTTP_PROXY_VARS, HTTPS_PROXY_VARS};
    let mut out = Vec::new();
    for var in HTTPS_PROXY_VARS.iter().chain(HTTP_PROXY_VARS).chain(ALL_PROXY_VARS) {
        for value in [ctx.process_env.get(*var).map(String::as_str), ctx.env.value(var)].into_iter().flatten() {
            if value.contains("://") {
                continue;
            }
            let authority = &value[..value.find(['/', '?', '#', '\\']).unwrap_or(value.len())];
            if let Some((userinfo, rest)) = authority.rsplit_once('@') {
                let shown = match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:{REDACTED}@{rest}"),
                    None => format!("{REDACTED}@{rest}"),
                };
                out.push((authority.to_owned(), shown));
            }
        }
    }
    out
}

/// The line quoted under a TOML parse error may hold a secret nothing else identifies (the file did not
/// parse, so no key gives the value a meaning): its values are starred out, character for character so
/// that the carets under it still point at the error. A table header (`[model_providers.x`) is kept.
fn masked_parse_lines(ctx: &Context) -> Vec<(String, String)> {
    ctx.config
        .files
        .iter()
        .filter_map(|f| f.parse_error())
        .map(|e| (e.source_line.clone(), mask_source_line(&e.source_line)))
        .collect()
}

/// `key = "value" # note` with every run of 6+ value characters after the `=` starred out.
fn mask_source_line(line: &str) -> String {
    if line.trim_start().starts_with('[') {
        return line.to_owned();
    }
    let start = line.find('=').map_or(0, |i| i + 1);
    let mut out = String::with_capacity(line.len());
    out.push_str(&line[..start]);
    let is_value_char = |c: char| !c.is_whitespace() && !matches!(c, '"' | '\'' | '{' | '}' | '[' | ']' | ',' | '=');
    let rest: Vec<char> = line[start..].chars().collect();
    let mut i = 0;
    while i < rest.len() {
        if is_value_char(rest[i]) {
            let run = rest[i..].iter().take_while(|c| is_value_char(**c)).count();
            if run >= 6 {
                out.extend(std::iter::repeat_n('*', run));
            } else {
                out.extend(&rest[i..i + run]);
            }
            i += run;
        } else {
            out.push(rest[i]);
            i += 1;
        }
    }
    out
}

/// Variable names that hold secrets by convention.
pub fn looks_secret_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    (k.contains("SECRET")
        || k.contains("TOKEN")
        || k.contains("PASSWORD")
        || k.ends_with("_KEY")
        || k.contains("API_KEY"))
        && !k.ends_with("_KEY_ID")
        && !k.ends_with("TOKEN_FILE")
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_')
}

/// Masks any `bedrock-api-key-…` or `ABSK…` token that was not known in advance. One pass over the
/// text per prefix (the output of `lint` over thousands of files is tens of megabytes).
fn mask_key_shapes(text: &str) -> String {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for prefix in SHOWN_PREFIXES {
        // Matches inside a span already taken are part of it: linear however hostile the text.
        let mut covered = 0;
        for (start, _) in text.match_indices(prefix) {
            if start < covered || !crate::secrets::starts_token(text, start) {
                continue;
            }
            let len = text[start..].find(|c: char| !is_key_char(c)).unwrap_or(text.len() - start);
            covered = start + len;
            if len >= prefix.len() + 20 && !text[start..start + len].contains('…') {
                spans.push((start, start + len));
            }
        }
    }
    replace_spans(text, spans, mask)
}

/// Replaces non-overlapping byte spans of `text` (any order) with what `with` makes of them.
fn replace_spans(text: &str, mut spans: Vec<(usize, usize)>, with: impl Fn(&str) -> String) -> String {
    if spans.is_empty() {
        return text.to_owned();
    }
    spans.sort_unstable();
    // Overlapping spans (a URL's query inside a quoted type-error value) are one span.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in merged {
        out.push_str(&text[at..start]);
        out.push_str(&with(&text[start..end]));
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Where a URL written in running text ends.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>')
}

/// Net 3: credentials by their place in the text rather than their value.
fn mask_in_text(text: &str) -> String {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // URLs: `scheme://[userinfo@]host[/path][?query][#fragment]`. A `://` inside a URL already read is
    // part of it: skipping those keeps this linear however hostile the text (a 4 MB value of
    // `a://b@c?d=e&` repeated).
    let mut covered = 0;
    for (at, _) in text.match_indices("://") {
        if at < covered {
            continue;
        }
        let rest = &text[at + 3..];
        let url_len = rest.find(ends_url).unwrap_or(rest.len());
        let url = &rest[..url_len];
        let base = at + 3;
        covered = base + url_len;
        let authority_end = url.find(['/', '?', '#', '\\']).unwrap_or(url.len());
        let authority = &url[..authority_end];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = host.split(':').next().unwrap_or(host).trim_end_matches('.').to_ascii_lowercase();
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            match userinfo.split_once(':') {
                Some((user, password)) if !password.is_empty() && password != REDACTED => {
                    let start = base + user.len() + 1;
                    spans.push((start, start + password.len()));
                }
                None if !userinfo.is_empty() && userinfo != REDACTED => spans.push((base, base + userinfo.len())),
                _ => {}
            }
        }
        if DOC_HOSTS.contains(&host.as_str()) {
            continue;
        }
        let tail = &url[authority_end..];
        let tail_base = base + authority_end;
        let (query_end, fragment) = match tail.find('#') {
            Some(i) => (i, Some(i + 1)),
            None => (tail.len(), None),
        };
        if let Some(q) = tail[..query_end].find('?') {
            let mut item_start = q + 1;
            for item in tail[q + 1..query_end].split('&') {
                let value_start = item.find('=').map_or(0, |i| i + 1);
                let value = &item[value_start..];
                if !value.is_empty() && value != REDACTED {
                    let start = tail_base + item_start + value_start;
                    spans.push((start, start + value.len()));
                }
                item_start += item.len() + 1;
            }
        }
        if let Some(f) = fragment.filter(|f| *f < tail.len() && &tail[*f..] != REDACTED) {
            spans.push((tail_base + f, tail_base + tail.len()));
        }
    }
    // A proxy given without a scheme (`HTTPS_PROXY=user:pw@host:port`, which the HTTP client accepts).
    let mut covered = 0;
    let mut proxies: Vec<(usize, &str)> = text.match_indices("PROXY=").chain(text.match_indices("proxy=")).collect();
    proxies.sort_unstable();
    for (at, m) in proxies {
        let start = at + m.len();
        if start < covered {
            continue;
        }
        let value = &text[start..];
        let value = &value[..value.find(ends_url).unwrap_or(value.len())];
        covered = start + value.len();
        if value.contains("://") {
            continue;
        }
        let authority = &value[..value.find(['/', '?', '#', '\\']).unwrap_or(value.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            let (skip, secret) = userinfo.split_once(':').map_or((0, userinfo), |(u, p)| (u.len() + 1, p));
            if !secret.is_empty() && secret != REDACTED {
                spans.push((start + skip, start + skip + secret.len()));
            }
        }
    }
    // `Bearer <token>` / `Basic <credentials>` (an Authorization header echoed anywhere).
    let lower = text.to_ascii_lowercase();
    for scheme in ["bearer ", "basic "] {
        for (at, _) in lower.match_indices(scheme) {
            let start = at + scheme.len();
            let len = text[start..].find(|c: char| !crate::secrets::is_token_char(c)).unwrap_or(text.len() - start);
            let token = &text[start..start + len];
            // English after the word (`bearer token auth`) is lowercase letters; a credential is not.
            if len >= 8 && token.chars().any(|c| !c.is_ascii_lowercase()) {
                spans.push((start, start + len));
            }
        }
    }
    // `invalid type: string "…", expected …`: serde quotes the whole value of a mistyped key
    // (`http_headers = "Authorization: …"`). Short values (`"true"`) stay readable.
    let mut covered = 0;
    for (at, m) in text.match_indices("invalid type: string \"") {
        let start = at + m.len();
        if at < covered {
            continue;
        }
        let mut end = None;
        let mut escaped = false;
        for (i, c) in text[start..].char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(start + i);
                    break;
                }
                _ => escaped = false,
            }
        }
        covered = end.unwrap_or(text.len());
        if let Some(end) = end.filter(|e| e - start >= 8) {
            spans.push((start, end));
        }
    }
    replace_spans(text, spans, |_| REDACTED.to_owned())
}

/// Net 4: a control character from the input is shown, never obeyed.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_unsafe_char) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

// ---- what the renderers get: every string of these types goes through `Redactor::scrub` ----

macro_rules! sealed {
    ($($t:ty),*) => { $(impl sealed::Sealed for $t {})* };
}
sealed!(String, PathBuf, Value, Location, Finding, Outcome, CheckResult, Report, Prediction, RunFacts);
impl<T: Scrub> sealed::Sealed for Option<T> {}
impl<T: Scrub> sealed::Sealed for Vec<T> {}

impl Scrub for String {
    fn scrub_with(&mut self, r: &Redactor) {
        if let Cow::Owned(clean) = r.scrub_cow(self) {
            *self = clean;
        }
    }
}

impl Scrub for PathBuf {
    fn scrub_with(&mut self, r: &Redactor) {
        let shown = self.to_string_lossy();
        if let Cow::Owned(clean) = r.scrub_line(&shown) {
            *self = PathBuf::from(clean);
        }
    }
}

/// A one-line field (a finding's message and remedy, a summary, a path): a line feed from the input is
/// shown too, so it cannot start a line of its own (`\n  ✓ secrets-in-config …` in a value).
struct Line<'a>(&'a mut String);

impl Line<'_> {
    fn scrub_with(self, r: &Redactor) {
        if let Cow::Owned(clean) = r.scrub_line(self.0) {
            *self.0 = clean;
        }
    }
}

impl<T: Scrub> Scrub for Option<T> {
    fn scrub_with(&mut self, r: &Redactor) {
        if let Some(v) = self {
            v.scrub_with(r);
        }
    }
}

impl<T: Scrub> Scrub for Vec<T> {
    fn scrub_with(&mut self, r: &Redactor) {
        self.iter_mut().for_each(|v| v.scrub_with(r));
    }
}

impl Scrub for Value {
    fn scrub_with(&mut self, r: &Redactor) {
        match self {
            Value::String(s) => s.scrub_with(r),
            Value::Array(a) => a.scrub_with(r),
            Value::Object(map) => scrub_map(map, r),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

fn scrub_map(map: &mut Map<String, Value>, r: &Redactor) {
    // Keys too: a details map can be keyed by a config key the user wrote (rebuilt only then).
    if map.keys().all(|k| matches!(r.scrub_cow(k), Cow::Borrowed(_))) {
        map.values_mut().for_each(|v| v.scrub_with(r));
        return;
    }
    let old = std::mem::take(map);
    for (mut key, mut value) in old {
        key.scrub_with(r);
        value.scrub_with(r);
        map.insert(key, value);
    }
}

impl Scrub for Location {
    fn scrub_with(&mut self, r: &Redactor) {
        let Location { file, line: _, column: _ } = self;
        file.scrub_with(r);
    }
}

impl Scrub for Finding {
    fn scrub_with(&mut self, r: &Redactor) {
        let Finding { status: _, message, remediation, location } = self;
        Line(message).scrub_with(r);
        if let Some(remediation) = remediation {
            Line(remediation).scrub_with(r);
        }
        location.scrub_with(r);
    }
}

impl Scrub for Outcome {
    fn scrub_with(&mut self, r: &Redactor) {
        let Outcome { clean_status: _, summary, findings, details } = self;
        Line(summary).scrub_with(r);
        findings.scrub_with(r);
        scrub_map(details, r);
    }
}

impl Scrub for CheckResult {
    fn scrub_with(&mut self, r: &Redactor) {
        let CheckResult { meta: _, outcome, duration: _, fix: _ } = self;
        outcome.scrub_with(r);
    }
}

impl Scrub for Report {
    fn scrub_with(&mut self, r: &Redactor) {
        let Report { results, secrets } = self;
        results.scrub_with(r);
        // Already known to the redactor; a renderer has no use for them.
        secrets.clear();
    }
}

impl Scrub for Prediction {
    fn scrub_with(&mut self, r: &Redactor) {
        let Prediction {
            provider,
            route: _,
            bedrock: _,
            destination,
            destination_host,
            model,
            model_is_default: _,
            auth,
            region,
            base_url,
            endpoint,
            signing,
            web_search_tool: _,
            fatal,
            load_failed: _,
        } = self;
        // Every field but Codex's error text is one line.
        let line = |field: &mut Option<String>| {
            if let Some(text) = field {
                Line(text).scrub_with(r);
            }
        };
        line(provider);
        line(model);
        if let Some(AuthPrediction {
            method: _,
            source: _,
            profile,
            access_key_id_last4,
            shadowed: _,
            precedence: _,
            env_var,
        }) = auth
        {
            line(profile);
            line(access_key_id_last4);
            line(env_var);
        }
        line(destination_host);
        if let Some(crate::net::Destination::Other { authority }) = destination {
            Line(authority).scrub_with(r);
        }
        if let Some(RegionPrediction { value, source }) = region {
            Line(value).scrub_with(r);
            if let crate::codex::RegionSource::Profile(name) = source {
                Line(name).scrub_with(r);
            }
        }
        line(base_url);
        line(endpoint);
        if let Some(Signing { service: _, region }) = signing {
            Line(region).scrub_with(r);
        }
        for Fatal { check: _, text, location } in fatal {
            text.scrub_with(r);
            location.scrub_with(r);
        }
    }
}

/// What the `check` report shows besides its results: the Codex it judged and what that Codex will do.
#[derive(Clone, Debug)]
pub struct RunFacts {
    /// The Codex version whose rules apply.
    pub codex_version: String,
    /// Where that version came from (`path`, `npm`, `flag`, `assumed`).
    pub codex_version_source: &'static str,
    /// The Codex binary asked, if one was.
    pub codex_binary: Option<PathBuf>,
    /// When the rules were last verified.
    pub rules_verified: String,
    /// What Codex will do.
    pub prediction: Prediction,
    /// `AWS_ENDPOINT_URL*` variables in effect (name, URL).
    pub endpoint_overrides: Vec<(String, String)>,
    /// Where the model catalog came from: (`installed`/`cache`/`compiled`, description, problem).
    pub model_catalog: (&'static str, String, Option<String>),
}

impl Scrub for RunFacts {
    fn scrub_with(&mut self, r: &Redactor) {
        let RunFacts {
            codex_version,
            codex_version_source: _,
            codex_binary,
            rules_verified,
            prediction,
            endpoint_overrides,
            model_catalog: (_, description, problem),
        } = self;
        Line(description).scrub_with(r);
        if let Some(problem) = problem {
            Line(problem).scrub_with(r);
        }
        for (name, url) in endpoint_overrides {
            Line(name).scrub_with(r);
            Line(url).scrub_with(r);
        }
        codex_version.scrub_with(r);
        codex_binary.scrub_with(r);
        rules_verified.scrub_with(r);
        prediction.scrub_with(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_prefix_and_last_four_only() {
        assert_eq!(mask("bedrock-api-key-QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="), "bedrock-api-key-…WVo=");
        assert_eq!(mask("short"), "[redacted]");
        assert_eq!(mask("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "…EKEY");
    }

    #[test]
    fn scrub_replaces_known_and_shaped_secrets() {
        let r = Redactor::new(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string()]);
        let text = "secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY token=ABSKQmVkcm9ja0FQSUtleS1hYmNkZWZnaGlqazpzZWNyZXQ= end";
        let out = r.scrub(text);
        assert!(!out.contains("wJalrXUtnFEMI"));
        assert!(!out.contains("QmVkcm9ja0FQSUtleS1hYmNk"));
        assert!(out.contains("ABSK…ZQ= end") || out.contains("ABSK…"), "{out}");
    }

    #[test]
    fn scrub_is_idempotent_and_leaves_plain_text() {
        let r = Redactor::new(Vec::<String>::new());
        let text = "bedrock-api-key- is the prefix; ABSK alone too";
        assert_eq!(r.scrub(text), text);
        let masked = r.scrub("x bedrock-api-key-QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo= y");
        assert_eq!(r.scrub(&masked), masked);
    }

    #[test]
    fn urls_lose_passwords_query_values_and_fragments_but_doc_anchors_stay() {
        let r = Redactor::default();
        assert_eq!(
            r.scrub("via HTTPS_PROXY=http://user:pw@proxy:8080 failed"),
            "via HTTPS_PROXY=http://user:[redacted]@proxy:8080 failed"
        );
        assert_eq!(r.scrub("https://tok@h/x"), "https://[redacted]@h/x");
        assert_eq!(
            r.scrub("`https://h.example/v1?api-key=abc&flag#frag/responses`"),
            "`https://h.example/v1?api-key=[redacted]&[redacted]#[redacted]`"
        );
        assert_eq!(
            r.scrub("through the proxy HTTPS_PROXY=user:pw@127.0.0.1:8080 failed"),
            "through the proxy HTTPS_PROXY=user:[redacted]@127.0.0.1:8080 failed"
        );
        let doc = "See https://developers.openai.com/codex/config-advanced#profiles for more";
        assert_eq!(r.scrub(doc), doc);
        // Idempotent: a second pass changes nothing.
        let once = r.scrub("http://u:p@h/?q=1#f");
        assert_eq!(r.scrub(&once), once);
    }

    #[test]
    fn bearer_credentials_and_type_error_values_are_masked_by_place() {
        let r = Redactor::default();
        assert_eq!(r.scrub("Authorization: Bearer Zz9abcdefgh"), "Authorization: Bearer [redacted]");
        // English after the word stays.
        assert_eq!(r.scrub("bearer token auth requires a region"), "bearer token auth requires a region");
        assert_eq!(
            r.scrub(r#"invalid type: string "x-api-key: a\"b c", expected a map"#),
            r#"invalid type: string "[redacted]", expected a map"#
        );
        assert_eq!(
            r.scrub(r#"invalid type: string "true", expected a boolean"#),
            r#"invalid type: string "true", expected a boolean"#
        );
    }

    #[test]
    fn control_and_bidi_characters_are_escaped_tab_and_newline_kept() {
        let r = Redactor::default();
        assert_eq!(
            r.scrub("a\u{1b}]52;c;aGk=\u{7}b\rc\u{202e}d\u{2066}e\u{9b}f\tg\nh"),
            "a\\u{1b}]52;c;aGk=\\u{7}b\\u{d}c\\u{202e}d\\u{2066}e\\u{9b}f\tg\nh"
        );
    }

    #[test]
    fn secrets_are_also_found_as_rust_debug_quotes_them() {
        let r = Redactor::new(["abc\"def\\ghi-0123456789".to_string()]);
        let quoted = format!("{:?}", "abc\"def\\ghi-0123456789");
        assert!(!r.scrub(&quoted).contains("def"), "{}", r.scrub(&quoted));
    }

    #[test]
    fn a_parse_error_line_keeps_its_shape_and_loses_its_values() {
        assert_eq!(mask_source_line(r#"model = "sk-live-12345" oops"#), r#"model = "*************" oops"#);
        assert_eq!(mask_source_line("[model_providers.amazon-bedrock"), "[model_providers.amazon-bedrock");
        assert_eq!(mask_source_line("x = 1"), "x = 1");
    }

    #[test]
    fn a_renderer_gets_no_raw_secret_list() {
        let r = Redactor::new(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string()]);
        let report =
            Report { results: Vec::new(), secrets: vec!["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string()] };
        assert!(r.redact(report).secrets.is_empty());
    }
}
