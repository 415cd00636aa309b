//! Reading user files without ever failing the run: every outcome of a read is a value a check can
//! report (missing, a directory, unreadable, too large, not UTF-8, or text).

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Files larger than this are not parsed. Real Codex configs are a few KiB; a 50 MB file is a mistake
/// (a log redirected into it, a binary copied over it) and parsing it would make the doctor slow.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What reading one file gave.
#[derive(Clone, Debug)]
pub enum FileRead {
    /// No file at that path.
    Missing,
    /// Something other than a regular file (a directory, a socket) is at that path.
    NotAFile,
    /// The file exists but could not be read.
    Unreadable(String),
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge(u64),
    /// The bytes are not UTF-8; the position is of the first invalid byte.
    NotUtf8 { line: usize, column: usize },
    /// The text of the file.
    Text(String),
}

/// A file the doctor read, with where it was and how it went.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as resolved (not canonicalised, so messages show what the user configured).
    pub path: PathBuf,
    /// The outcome of the read.
    pub read: FileRead,
    /// Unix permission bits, where the platform has them.
    pub mode: Option<u32>,
}

impl SourceFile {
    /// Reads `path`, never failing.
    pub fn read(path: &Path) -> SourceFile {
        let mut mode = None;
        let read = match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileRead::Missing,
            Err(e) => FileRead::Unreadable(e.to_string()),
            Ok(meta) if !meta.is_file() => FileRead::NotAFile,
            Ok(meta) if meta.len() > MAX_FILE_BYTES => FileRead::TooLarge(meta.len()),
            Ok(meta) => {
                mode = permission_bits(&meta);
                read_bounded(path)
            }
        };
        SourceFile { path: path.to_path_buf(), read, mode }
    }

    /// The text, when the file was read as UTF-8.
    pub fn text(&self) -> Option<&str> {
        match &self.read {
            FileRead::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Whether a file (of any kind) exists at the path.
    pub fn exists(&self) -> bool {
        !matches!(self.read, FileRead::Missing)
    }

    /// One line describing why the file could not be used, or `None` when its text is available.
    pub fn problem(&self) -> Option<String> {
        let path = self.path.display();
        match &self.read {
            FileRead::Text(_) => None,
            FileRead::Missing => Some(format!("{path} does not exist")),
            FileRead::NotAFile => Some(format!("{path} is not a regular file")),
            FileRead::Unreadable(e) => Some(format!("{path} cannot be read: {e}")),
            FileRead::TooLarge(n) => {
                Some(format!("{path} is {n} bytes, too large for a config file (limit {MAX_FILE_BYTES})"))
            }
            FileRead::NotUtf8 { line, column } => {
                Some(format!("{path}:{line}:{column}: not valid UTF-8 (Codex reads configs as UTF-8)"))
            }
        }
    }
}

fn read_bounded(path: &Path) -> FileRead {
    let mut bytes = Vec::new();
    // The size was checked from metadata, but the file may grow between the two calls.
    let result = std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    match result {
        Err(e) => FileRead::Unreadable(e.to_string()),
        Ok(_) if bytes.len() as u64 > MAX_FILE_BYTES => FileRead::TooLarge(bytes.len() as u64),
        Ok(_) => match String::from_utf8(bytes) {
            Ok(text) => FileRead::Text(text),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
                let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
                FileRead::NotUtf8 { line, column }
            }
        },
    }
}

#[cfg(unix)]
fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn permission_bits(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

/// A position in a file, 1-based as editors show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Turns a byte offset of `text` into a 1-based line and column (in characters). Scans `text` once;
/// for many lookups in one text, build a [`LineIndex`].
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

/// The start of every line of a text, built once so that locating each of many keys costs a binary
/// search instead of a scan from the top (100k keys in a 1 MB file: 100k scans before).
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
    /// Whether each line is ASCII, so its column is a subtraction instead of a count of characters.
    ascii: Vec<bool>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let mut ascii = Vec::new();
        let mut line_ascii = true;
        for (i, b) in text.bytes().enumerate() {
            line_ascii &= b.is_ascii();
            if b == b'\n' {
                starts.push(i + 1);
                ascii.push(line_ascii);
                line_ascii = true;
            }
        }
        ascii.push(line_ascii);
        LineIndex { starts, ascii }
    }

    /// The 1-based line and column (in characters) of byte `offset` of `text`, the text indexed.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = if self.ascii.get(line - 1).copied().unwrap_or(false) {
            offset - start
        } else {
            text[start..offset].chars().count()
        };
        (line, column + 1)
    }
}

/// The location of `span` in `file`.
pub fn locate(file: &Path, text: &str, span: &Range<usize>) -> Location {
    let (line, column) = line_col(text, span.start);
    Location { file: file.to_path_buf(), line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a = 1\nmodèle = 2\n";
        let offset = text.find('=').unwrap();
        assert_eq!(line_col(text, offset), (1, 3));
        let second = text.rfind('=').unwrap();
        assert_eq!(line_col(text, second), (2, 8));
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, text.len()), (3, 1));
        assert_eq!(index.line_col(text, 0), (1, 1));
        // Inside a multi-byte character: the character's own column.
        let inside = text.find('è').unwrap() + 1;
        assert_eq!(index.line_col(text, inside), (2, 4));
    }

    #[test]
    fn every_kind_of_bad_file_is_a_value() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(SourceFile::read(&dir.path().join("nope")).read, FileRead::Missing));
        assert!(matches!(SourceFile::read(dir.path()).read, FileRead::NotAFile));

        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, b"model = \"ok\"\nx = \"\xff\"\n").unwrap();
        assert!(matches!(SourceFile::read(&bad).read, FileRead::NotUtf8 { line: 2, column: 6 }));

        let big = dir.path().join("big.toml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 10).unwrap();
        let read = SourceFile::read(&big);
        assert!(matches!(read.read, FileRead::TooLarge(_)));
        assert!(read.problem().unwrap().contains("too large"));

        #[cfg(unix)]
        {
            let link = dir.path().join("dangling");
            std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
            assert!(matches!(SourceFile::read(&link).read, FileRead::Missing));
        }
    }
}
