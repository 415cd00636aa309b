//! Reading user files without ever failing the run, hanging or filling memory: every outcome of a read
//! is a value a check can report (missing, not a regular file, unreadable, too large, not UTF-8, or
//! text).
//!
//! Every file the doctor reads goes through [`read_capped`]: the path is opened without blocking (a
//! FIFO opened for reading would otherwise wait for a writer forever), the *opened handle* is checked to
//! be a regular file (so a path swapped for a FIFO or a device between a `stat` and the `open` is still
//! caught), and at most the cap plus one byte is read (`/dev/zero` or a growing file cannot fill
//! memory). A FIFO, a device, a socket or a directory is reported with its kind and never read.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Files larger than this are not parsed: config.toml, profile files, `.env`, auth.json, the AWS config
/// and credentials files, the SSO token cache, a team policy, an extension's package.json, a web identity
/// token. Real ones are a few KiB; 4 MiB leaves three orders of magnitude of headroom, and a 50 MB file
/// is a mistake (a log redirected into it, a binary copied over it) that would make the doctor slow.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// CA bundles are larger than configs: the full Mozilla bundle is about 230 KiB, and a corporate bundle
/// that appends its own roots to a system bundle reaches a few MiB. 16 MiB holds any real one while
/// still bounding memory.
pub const MAX_CA_BUNDLE_BYTES: u64 = 16 * 1024 * 1024;

/// What reading one file gave.
#[derive(Clone, Debug)]
pub enum FileRead {
    /// No file at that path.
    Missing,
    /// Something other than a regular file is at that path; the kind ("a directory", "a FIFO (named
    /// pipe)", …) says what. It is never read.
    NotAFile(&'static str),
    /// The file exists but could not be read.
    Unreadable(String),
    /// The file is larger than its limit.
    TooLarge {
        /// Its size in bytes (at least `limit + 1`).
        size: u64,
        /// The limit that applied.
        limit: u64,
    },
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
    /// Reads `path` as a config-like file (limit [`MAX_FILE_BYTES`]), never failing.
    pub fn read(path: &Path) -> SourceFile {
        SourceFile::read_capped(path, MAX_FILE_BYTES)
    }

    /// Reads `path` with a size limit of `limit` bytes, never failing, never blocking.
    pub fn read_capped(path: &Path, limit: u64) -> SourceFile {
        let (bytes, mode) = match read_capped(path, limit) {
            Ok(read) => read,
            Err(read) => return SourceFile { path: path.to_path_buf(), read, mode: None },
        };
        let read = match String::from_utf8(bytes) {
            Ok(text) => FileRead::Text(text),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
                let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
                FileRead::NotUtf8 { line, column }
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
            FileRead::NotUtf8 { line, column } => {
                Some(format!("{path}:{line}:{column}: not valid UTF-8 (Codex reads configs as UTF-8)"))
            }
            other => Some(format!("{path} {}", describe(other)?)),
        }
    }
}

/// Why a read gave no text, after the path ("does not exist", "is a FIFO (named pipe), not a regular
/// file", …); `None` for text.
pub fn describe(read: &FileRead) -> Option<String> {
    Some(match read {
        FileRead::Text(_) => return None,
        FileRead::Missing => "does not exist".to_owned(),
        FileRead::NotAFile(kind) => format!("is {kind}, not a regular file (not read)"),
        FileRead::Unreadable(e) => format!("cannot be read: {e}"),
        FileRead::TooLarge { size, limit } => {
            let size = if size > limit { format!("more than {limit}") } else { size.to_string() };
            format!("is {size} bytes, too large to read (limit {limit})")
        }
        FileRead::NotUtf8 { line, column } => {
            format!("is not valid UTF-8 at {line}:{column} (Codex reads configs as UTF-8)")
        }
    })
}

/// Reads at most `limit` bytes of the regular file at `path`, without blocking on a FIFO or a device.
/// Returns the bytes and the permission bits, or why there are none (never `Text`/`NotUtf8`).
pub fn read_capped(path: &Path, limit: u64) -> Result<(Vec<u8>, Option<u32>), FileRead> {
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FileRead::Missing),
        Err(e) => {
            // A directory cannot be opened for reading on every platform; name it rather than the errno.
            if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
                return Err(FileRead::NotAFile("a directory"));
            }
            return Err(FileRead::Unreadable(e.to_string()));
        }
    };
    // The opened handle, not the path: nothing can be swapped in between the check and the read.
    let meta = file.metadata().map_err(|e| FileRead::Unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(FileRead::NotAFile(kind_of(&meta.file_type())));
    }
    if meta.len() > limit {
        return Err(FileRead::TooLarge { size: meta.len(), limit });
    }
    let mut bytes = Vec::new();
    // The size was checked, but the file may grow while it is read.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| FileRead::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(FileRead::TooLarge { size: bytes.len() as u64, limit });
    }
    Ok((bytes, permission_bits(&meta)))
}

/// Why a path that another component (the AWS SDK, the TLS stack) will open itself must not be handed
/// to it: something other than a regular file is there (a FIFO would block that reader forever, a
/// device would feed it without end). `None` when it is missing or a regular file: the reader copes.
/// Found by opening without blocking and inspecting the handle, like [`read_capped`].
pub fn not_a_regular_file(path: &Path) -> Option<String> {
    match read_capped(path, 0) {
        Err(read @ FileRead::NotAFile(_)) => Some(format!("{} {}", path.display(), describe(&read)?)),
        _ => None,
    }
}

/// Opens `path` for reading. On Unix with `O_NONBLOCK`, so that a FIFO without a writer opens at once
/// (and is then rejected as not a regular file) instead of blocking; the flag has no effect on reads of
/// regular files. Elsewhere there are no FIFOs in the file system to fear (Windows named pipes live
/// under `\\.\pipe\`, and the handle check still rejects them).
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(unix)]
fn kind_of(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind_of(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() { "a directory" } else { "a special file" }
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
        assert!(matches!(SourceFile::read(dir.path()).read, FileRead::NotAFile("a directory")));

        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, b"model = \"ok\"\nx = \"\xff\"\n").unwrap();
        assert!(matches!(SourceFile::read(&bad).read, FileRead::NotUtf8 { line: 2, column: 6 }));

        let big = dir.path().join("big.toml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 10).unwrap();
        let read = SourceFile::read(&big);
        assert!(matches!(read.read, FileRead::TooLarge { .. }));
        assert!(read.problem().unwrap().contains("too large"));

        #[cfg(unix)]
        {
            let link = dir.path().join("dangling");
            std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
            assert!(matches!(SourceFile::read(&link).read, FileRead::Missing));

            // A FIFO with no writer: opening it for reading would block forever; it is named instead.
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
            assert!(made.success());
            let read = SourceFile::read(&fifo);
            assert!(matches!(read.read, FileRead::NotAFile("a FIFO (named pipe)")), "{:?}", read.read);
            assert!(read.problem().unwrap().contains("FIFO"));
            assert!(not_a_regular_file(&fifo).unwrap().contains("FIFO"));
            // A link to it is followed and rejected the same way.
            let to_fifo = dir.path().join("to-fifo");
            std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
            assert!(matches!(SourceFile::read(&to_fifo).read, FileRead::NotAFile(_)));

            // A device that never ends: rejected before a byte is read.
            let zero = SourceFile::read_capped(Path::new("/dev/zero"), MAX_CA_BUNDLE_BYTES);
            assert!(matches!(zero.read, FileRead::NotAFile("a character device")), "{:?}", zero.read);
            assert_eq!(not_a_regular_file(&bad), None);
            assert_eq!(not_a_regular_file(&dir.path().join("nope")), None);
        }
    }
}
