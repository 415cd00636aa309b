//! Secrets never leave the process: every byte the doctor prints passes through [`Redactor::scrub`].
//!
//! Two nets: every secret value seen while gathering (env, `.env`, auth.json, AWS files, config files) is
//! replaced wherever it appears, and anything shaped like a Bedrock API key is masked even if it was never
//! seen (an error body echoed by a server, a key pasted into an unexpected place).

use crate::context::Context;
use crate::env_vars::SECRET_VARS;

/// Known key prefixes that are safe (and useful) to show.
const SHOWN_PREFIXES: &[&str] = &["bedrock-api-key-", "ABSK"];

/// Secrets shorter than this are masked whole: their last 4 characters would give too much away.
const MIN_SHOW_TAIL: usize = 16;

/// Masks one secret: a known prefix, an ellipsis and the last 4 characters (`bedrock-api-key-…Zz9=`).
pub fn mask(secret: &str) -> String {
    let secret = secret.trim();
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_SHOW_TAIL {
        return "[redacted]".to_owned();
    }
    let prefix = SHOWN_PREFIXES.iter().find(|p| secret.starts_with(**p)).copied().unwrap_or("");
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

/// Replaces secrets in text.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    /// One automaton over every secret: scrubbing stays linear in the output, however many secrets a
    /// `lint` run over thousands of templates collected. Built on the first scrub: `lint` gathers a
    /// context (and so a redactor) per template but scrubs only once, with a redactor of its own.
    matcher: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

impl Redactor {
    /// A redactor for an explicit list (tests, lint).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .flat_map(|s| {
                let trimmed = s.trim().to_owned();
                [s, trimmed]
            })
            .filter(|s| s.chars().count() >= 6)
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets, matcher: std::sync::OnceLock::new() }
    }

    fn matcher(&self) -> Option<&aho_corasick::AhoCorasick> {
        // No automaton for no secrets: `lint` scrubs each template's part with that template's own
        // (usually empty) list, and building an empty automaton per file cost a tenth of the run.
        if self.secrets.is_empty() {
            return None;
        }
        self.matcher
            .get_or_init(|| {
                // The NFA builds in time linear in the patterns; the DFA the builder would pick for a few
                // patterns costs ~256 states per byte, minutes for one absurdly long "secret" in a hostile file.
                aho_corasick::AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&self.secrets)
                    .ok()
                    .filter(|_| !self.secrets.is_empty())
            })
            .as_ref()
    }

    /// The secrets this redactor masks.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Collects every secret the context holds.
    pub fn from_context(ctx: &Context) -> Redactor {
        Redactor::new(secrets_of(ctx))
    }

    /// Adds more secrets (e.g. credentials resolved by a live check).
    pub fn with(mut self, more: impl IntoIterator<Item = String>) -> Redactor {
        self.secrets.extend(more);
        Redactor::new(self.secrets)
    }

    /// `text` with every known secret masked and every key-shaped token masked.
    pub fn scrub(&self, text: &str) -> String {
        let known = match self.matcher() {
            Some(ac) => {
                let masks: Vec<String> = self.secrets.iter().map(|s| mask(s)).collect();
                ac.replace_all(text, &masks)
            }
            None => text.to_owned(),
        };
        mask_key_shapes(&known)
    }
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
    }
    for (key, value) in &ctx.process_env {
        if looks_secret_name(key) {
            found.push(value.clone());
        }
    }
    found.extend(ctx.auth_json.secrets());
    found.extend(ctx.aws.secrets());
    // `https://user:password@host/…` in any provider's base_url (whichever provider Codex ends up using).
    for (id, _) in ctx.config.keys(&["model_providers"]) {
        if let Ok(Some((base, _))) = ctx.config.get_str(&["model_providers", &id, "base_url"])
            && let Some((_, rest)) = base.split_once("://")
            && let Some((userinfo, _)) = rest.split('/').next().unwrap_or("").rsplit_once('@')
        {
            found.push(userinfo.to_owned());
        }
    }
    for file in &ctx.config.files {
        if let Some(text) = file.source.text() {
            found.extend(crate::secrets::scan(text).into_iter().map(|hit| hit.value));
        }
    }
    found
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
    if spans.is_empty() {
        return text.to_owned();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(&mask(&text[start..end]));
        at = end;
    }
    out.push_str(&text[at..]);
    out
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
}
