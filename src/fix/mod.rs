//! The vocabulary of `fix`: each fixable check proposes typed edits with a stated safety (ruff's
//! Applicability); a [`Plan`] applies the safe ones, and the unsafe ones only with `--unsafe` or when
//! the user gave the value by flag. Files are written atomically next to a backup, and a file that does
//! not parse, or that changed on disk since it was read, is refused.
//!
//! Planning over every check and the command's orchestration live above the checks, in
//! `crate::ops::fix`; this module imports no check.

pub mod edit;
pub mod write;

use std::path::{Path, PathBuf};

pub use edit::Edit;

use crate::context::Context;
use crate::context::codex_config::LayerSource;
use crate::error::{Error, Result};
use crate::meta::CheckId;

/// Whether a fix keeps what Codex does apart from the repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Safety {
    /// Repairs only: removes what Codex ignores or rejects, corrects an id to the one meant.
    Safe,
    /// Changes behaviour (pins a region or profile, picks a model): needs `--unsafe` or a flag value.
    Unsafe,
    /// Never applied, even with `--unsafe`: the fix would write something unsafe (a name that cannot be
    /// a file name or a TOML key). The note says why; the user has to do it by hand.
    Refused,
    /// Applied only with a value the user gives by this flag (`--region`, `--model`): the report names
    /// an example, but which region or model is right is the user's to say. Held with the reason.
    NeedsFlag(&'static str),
}

/// What a fix changes on disk.
#[derive(Clone, Debug)]
pub enum Change {
    /// Edit a TOML file in place.
    Edit {
        /// The file.
        file: PathBuf,
        /// The edit.
        edit: Edit,
    },
    /// Create a file that does not exist.
    Create {
        /// The file.
        file: PathBuf,
        /// Its contents.
        contents: String,
    },
    /// Change a file's permission bits.
    Chmod {
        /// The file.
        file: PathBuf,
        /// The new mode.
        mode: u32,
    },
}

/// One proposed repair.
#[derive(Clone, Debug)]
pub struct Fix {
    /// The check that proposes it.
    pub check: CheckId,
    /// What it does, imperative ("Set `model = \"openai.gpt-5.5\"`").
    pub title: String,
    /// Safe or unsafe.
    pub safety: Safety,
    /// The user asked for this value by flag (`--region`, `--model`, `--aws-profile`).
    pub requested: bool,
    /// The changes, applied in order.
    pub changes: Vec<Change>,
    /// Something the user should know (where a pinned value came from, what to run next).
    pub note: Option<String>,
}

impl Fix {
    /// A safe single edit.
    pub fn safe(check: CheckId, title: impl Into<String>, file: PathBuf, edit: Edit) -> Fix {
        Fix {
            check,
            title: title.into(),
            safety: Safety::Safe,
            requested: false,
            changes: vec![Change::Edit { file, edit }],
            note: None,
        }
    }

    /// An unsafe single edit.
    pub fn unsafe_edit(check: CheckId, title: impl Into<String>, file: PathBuf, edit: Edit) -> Fix {
        Fix { safety: Safety::Unsafe, ..Fix::safe(check, title, file, edit) }
    }

    /// A fix that waits for a value by `flag`: `title` says what to do, `why` why it cannot be chosen.
    pub fn needs_flag(check: CheckId, flag: &'static str, title: impl Into<String>, why: impl Into<String>) -> Fix {
        Fix {
            check,
            title: title.into(),
            safety: Safety::NeedsFlag(flag),
            requested: false,
            changes: Vec::new(),
            note: Some(why.into()),
        }
    }

    /// Marks the fix as asked for by flag.
    pub fn requested(mut self, yes: bool) -> Fix {
        self.requested = yes;
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Fix {
        self.note = Some(note.into());
        self
    }
}

/// Values for fixes that need a choice (`--region`, `--model`, `--aws-profile`) and `--unsafe`.
#[derive(Clone, Debug, Default)]
pub struct FixOptions {
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// `--region`.
    pub region: Option<String>,
    /// `--model`.
    pub model: Option<String>,
    /// `--aws-profile`.
    pub aws_profile: Option<String>,
}

/// Why `name` (a profile name taken from config.toml or `--profile`) must not become part of a file
/// name or be written into a file: a control character (a newline would start a new TOML line: key
/// injection; in a file name it makes names no shell quotes safely), a path separator or `..` (the file
/// would land outside `$CODEX_HOME`), a bidirectional-text control (the name would display as another),
/// or more than 64 characters. `None` when it is safe.
pub fn unsafe_name(name: &str) -> Option<&'static str> {
    let bidi = |c: char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if name.is_empty() {
        Some("it is empty")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character (a newline would inject a line into the file)")
    } else if name.contains(['/', '\\']) || name.contains("..") {
        Some("it contains a path separator or `..`")
    } else if name.chars().any(bidi) {
        Some("it contains a bidirectional-text control character")
    } else if name.chars().count() > 64 {
        Some("it is longer than 64 characters")
    } else {
        None
    }
}

/// Whether `id` can be a model id to write into config.toml: 1 to 256 characters of the set Bedrock
/// model ids, inference profile ids and ARNs use (letters, digits, `.`, `-`, `_`, `:`, `/`).
pub fn is_model_id(id: &str) -> bool {
    (1..=256).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'/'))
}

/// Where a logical config key lives on disk: the file of the layer that sets it (or config.toml for a
/// new key) and its path inside that file. `None` when it comes from `-c`, which no file holds.
pub fn locate_key(ctx: &Context, logical: &[&str]) -> Option<(PathBuf, Vec<String>)> {
    let owned = || logical.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let Some(found) = ctx.config.get(logical) else {
        return Some((ctx.codex_home.join("config.toml"), owned()));
    };
    let file = ctx.config.layer_path(found.layer)?.to_path_buf();
    match &found.layer.source {
        LayerSource::Override => None,
        LayerSource::LegacyProfile(name) => {
            let mut path = vec!["profiles".to_owned(), name.clone()];
            path.extend(owned());
            Some((file, path))
        }
        LayerSource::Base | LayerSource::ProfileFile(_) => Some((file, owned())),
    }
}

/// A safe fix that removes the key at `logical`, wherever the config sets it (none when nothing sets it
/// or a `-c` override does).
pub fn remove_key(ctx: &Context, check: CheckId, logical: &[&str], why: &str) -> Option<Fix> {
    ctx.config.get(logical)?;
    let (file, path) = locate_key(ctx, logical)?;
    Some(Fix::safe(check, format!("Remove `{}` ({why})", logical.join(".")), file, Edit::Remove { path }))
}

/// The fixes to apply and the ones held back.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Applied, in registry order.
    pub apply: Vec<Fix>,
    /// Unsafe fixes not enabled (`--unsafe` or a flag value would apply them).
    pub held_back: Vec<Fix>,
}

/// Rounds of fixing before giving up on a fixed point.
pub const MAX_ROUNDS: usize = 4;

#[cfg(unix)]
pub(crate) fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
pub(crate) fn mode_of(_path: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
pub(crate) fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_path: &Path, _mode: u32) {}

/// The new text of every file the plan touches: (path, old text or None for a new file, new text).
pub fn render(plan: &Plan) -> Result<Vec<FileResult>> {
    let mut files: Vec<FileResult> = Vec::new();
    for fix in &plan.apply {
        for change in &fix.changes {
            match change {
                Change::Edit { file, edit } => {
                    let entry = entry(&mut files, file)?;
                    entry.new = edit::apply(&entry.new, std::slice::from_ref(edit))
                        .map_err(|e| Error::at("refusing to edit", file, e))?;
                }
                Change::Create { file, contents } => {
                    if file.exists() {
                        return Err(Error::at("refusing to create", file, "it already exists"));
                    }
                    files.push(FileResult { path: file.clone(), old: None, new: contents.clone(), mode: None });
                }
                Change::Chmod { file, mode } => {
                    let entry = entry(&mut files, file)?;
                    entry.mode = Some(*mode);
                }
            }
        }
    }
    Ok(files)
}

fn entry<'a>(files: &'a mut Vec<FileResult>, path: &Path) -> Result<&'a mut FileResult> {
    if let Some(i) = files.iter().position(|f| f.path == path) {
        return Ok(&mut files[i]);
    }
    let source = crate::context::SourceFile::read(path);
    let Some(old) = source.text().map(str::to_owned) else {
        let why = crate::context::files::describe(&source.read).unwrap_or_default();
        return Err(Error::at("refusing to edit", path, why));
    };
    files.push(FileResult { path: path.to_path_buf(), new: old.clone(), old: Some(old), mode: None });
    Ok(files.last_mut().expect("just pushed"))
}

/// One file's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileResult {
    /// The file.
    pub path: PathBuf,
    /// Its text when read (None: the file is new).
    pub old: Option<String>,
    /// Its new text.
    pub new: String,
    /// A new permission mode.
    pub mode: Option<u32>,
}

impl FileResult {
    /// Whether anything changes.
    pub fn changed(&self) -> bool {
        self.old.as_deref() != Some(self.new.as_str()) || self.mode.is_some()
    }

    /// A unified diff of the text change.
    pub fn diff(&self) -> String {
        let old = self.old.as_deref().unwrap_or("");
        let a = if self.old.is_some() { self.path.display().to_string() } else { "/dev/null".to_owned() };
        let b = self.path.display().to_string();
        // Shown with plain line ends: a CRLF file's `\r` would otherwise be printed escaped (`\u{d}`) on
        // every line by the redactor, which never lets a carriage return reach the terminal. The edit
        // itself keeps the file's line ends.
        similar::TextDiff::from_lines(old, &self.new)
            .unified_diff()
            .context_radius(3)
            .header(&a, &b)
            .to_string()
            .replace("\r\n", "\n")
    }
}
