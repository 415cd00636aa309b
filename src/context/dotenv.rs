//! `$CODEX_HOME/.env`, parsed with dotenvy exactly as Codex loads it, but without touching the process
//! environment (`from_read_iter` never calls `set_var`).
//!
//! Codex calls `set_var` for every pair, so `.env` values OVERRIDE the shell, except keys whose
//! upper-cased name starts with `CODEX_`, which it drops (reference §5.5; S `codex-rs/arg0/src/lib.rs`
//! `load_dotenv`/`set_filtered`).

use super::files::SourceFile;

/// Codex drops `.env` keys with this prefix (`ILLEGAL_ENV_VAR_PREFIX`).
pub const ILLEGAL_PREFIX: &str = "CODEX_";

/// One line dotenvy could not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line of the file where the bad entry starts (dotenvy only reports the text).
    pub line: usize,
    /// dotenvy's message.
    pub message: String,
}

/// The parsed `.env`.
#[derive(Clone, Debug)]
pub struct Dotenv {
    /// The file as read.
    pub source: SourceFile,
    /// Pairs in file order, as dotenvy yields them (later duplicates win when applied).
    pub pairs: Vec<(String, String)>,
    /// Lines that did not parse; dotenvy carries on after most of them.
    pub errors: Vec<DotenvError>,
}

impl Dotenv {
    /// Parses the file at `source`.
    pub fn parse(source: SourceFile) -> Dotenv {
        let mut pairs = Vec::new();
        let mut errors = Vec::new();
        if let Some(text) = source.text() {
            for item in dotenvy::from_read_iter(text.as_bytes()) {
                match item {
                    Ok(pair) => pairs.push(pair),
                    // dotenvy's message repeats the failing line, which may hold a secret: say where, not what.
                    Err(e) => errors.push(DotenvError { line: error_line(text, &e), message: describe(&e) }),
                }
            }
        }
        Dotenv { source, pairs, errors }
    }

    /// The pairs Codex applies (the `CODEX_*` ones dropped), last one of a key winning.
    pub fn applied(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| !is_dropped(k) && !self.pairs[i + 1..].iter().any(|(later, _)| later == k))
            .map(|(_, (k, v))| (k.as_str(), v.as_str()))
    }

    /// The keys Codex ignores.
    pub fn dropped(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str()).filter(|k| is_dropped(k))
    }
}

fn is_dropped(key: &str) -> bool {
    key.to_ascii_uppercase().starts_with(ILLEGAL_PREFIX)
}

fn describe(error: &dotenvy::Error) -> String {
    match error {
        dotenvy::Error::LineParse(text, index) => {
            let quote = text.contains('"') || text.contains('\'');
            let hint = if quote { " (an unclosed quote swallows the rest of the file)" } else { "" };
            format!("cannot be parsed at column {}{hint}", index + 1)
        }
        dotenvy::Error::Io(e) => format!("cannot be read: {e}"),
        _ => "cannot be parsed".to_owned(),
    }
}

/// dotenvy reports the failing logical line's text but no number; find it in the file.
fn error_line(text: &str, error: &dotenvy::Error) -> usize {
    if let dotenvy::Error::LineParse(line_text, _) = error {
        let first = line_text.lines().next().unwrap_or("");
        if let Some(pos) = text.find(first).filter(|_| !first.is_empty()) {
            return text[..pos].matches('\n').count() + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Dotenv {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, text).unwrap();
        Dotenv::parse(SourceFile::read(&path))
    }

    #[test]
    fn codex_keys_are_dropped_and_last_duplicate_wins() {
        let env = parse("AWS_REGION=us-east-1\nCODEX_HOME=/x\ncodex_sqlite_home=/y\nexport AWS_REGION=eu-west-1\n");
        let applied: Vec<_> = env.applied().collect();
        assert_eq!(applied, vec![("AWS_REGION", "eu-west-1")]);
        assert_eq!(env.dropped().count(), 2);
    }

    #[test]
    fn broken_lines_are_reported_with_their_line_and_the_rest_still_parses() {
        let env = parse("A=1\nBAD LINE WITH SPACES\nB=2\n");
        assert_eq!(env.errors.len(), 1);
        assert_eq!(env.errors[0].line, 2);
        assert_eq!(env.applied().count(), 2);
    }

    #[test]
    fn unterminated_quote_is_an_error_not_a_panic() {
        let env = parse("A=1\nB=\"unterminated\nC=3\n");
        assert_eq!(env.errors.len(), 1);
        assert_eq!(env.errors[0].line, 2);
    }
}
