//! The doctor's own errors: what it was doing, on which file, and why it could not.
//!
//! Problems with the user's setup are findings, never errors. An [`Error`] is the doctor failing at its
//! own job (a file it must write, a policy it cannot read, an HTTP client it cannot build), and the
//! command line turns it into a message and exit code 2. It always says what was being done and, when
//! a file was involved, which one, so the message stands on its own.

use std::fmt;
use std::path::{Path, PathBuf};

/// What failed, where, and why.
#[derive(Debug)]
pub struct Error {
    /// What the doctor was doing ("reading the policy", "writing", "refusing to edit").
    pub doing: String,
    /// The file involved, if any.
    pub path: Option<PathBuf>,
    /// Why it failed.
    pub cause: String,
}

impl Error {
    /// An error about no file in particular.
    pub fn new(doing: impl Into<String>, cause: impl fmt::Display) -> Error {
        Error { doing: doing.into(), path: None, cause: cause.to_string() }
    }

    /// An error about `path`.
    pub fn at(doing: impl Into<String>, path: &Path, cause: impl fmt::Display) -> Error {
        Error { doing: doing.into(), path: Some(path.to_path_buf()), cause: cause.to_string() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{} {}: {}", self.doing, path.display(), self.cause),
            None => write!(f, "{}: {}", self.doing, self.cause),
        }
    }
}

impl std::error::Error for Error {}

/// The doctor's result type.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_action_and_the_file() {
        let e = Error::at("refusing to edit", Path::new("/h/.codex/config.toml"), "not UTF-8");
        assert_eq!(e.to_string(), "refusing to edit /h/.codex/config.toml: not UTF-8");
        assert_eq!(Error::new("building the HTTP client", "no TLS").to_string(), "building the HTTP client: no TLS");
    }
}
