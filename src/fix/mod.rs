//! `bedrock-doctor fix`: each fixable check proposes typed edits with a stated safety (ruff's
//! Applicability); the plan applies the safe ones, and the unsafe ones only with `--unsafe` or when the
//! user gave the value by flag. Files are written atomically next to a backup, and a file that does not
//! parse, or that changed on disk since it was read, is refused.

pub mod edit;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use edit::Edit;

use crate::checks::CHECKS;
use crate::context::Context;
use crate::context::codex_config::LayerSource;

/// Whether a fix keeps what Codex does apart from the repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Safety {
    /// Repairs only: removes what Codex ignores or rejects, corrects an id to the one meant.
    Safe,
    /// Changes behaviour (pins a region or profile, picks a model): needs `--unsafe` or a flag value.
    Unsafe,
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
    pub check: &'static str,
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
    pub fn safe(check: &'static str, title: impl Into<String>, file: PathBuf, edit: Edit) -> Fix {
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
    pub fn unsafe_edit(check: &'static str, title: impl Into<String>, file: PathBuf, edit: Edit) -> Fix {
        Fix { safety: Safety::Unsafe, ..Fix::safe(check, title, file, edit) }
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
pub fn remove_key(ctx: &Context, check: &'static str, logical: &[&str], why: &str) -> Option<Fix> {
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

/// Collects every check's fixes and decides which apply. Where two fixes set the same key, a requested
/// one wins over a proposed one, and the first proposal wins otherwise.
pub fn plan(ctx: &Context, options: &FixOptions) -> Plan {
    let mut all: Vec<Fix> = CHECKS.iter().filter_map(|c| c.fixes).flat_map(|f| f(ctx, options)).collect();
    // Requested fixes first, so they claim their keys.
    all.sort_by_key(|f| !f.requested);
    let mut claimed: BTreeMap<(PathBuf, Vec<String>), ()> = BTreeMap::new();
    let mut plan = Plan::default();
    for fix in all {
        let keys: Vec<(PathBuf, Vec<String>)> = fix
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Edit { file, edit } => Some((file.clone(), edit.path().to_vec())),
                _ => None,
            })
            .collect();
        if keys.iter().any(|k| claimed.contains_key(k)) {
            continue;
        }
        let enabled = fix.safety == Safety::Safe || fix.requested || options.unsafe_fixes;
        if enabled {
            keys.into_iter().for_each(|k| {
                claimed.insert(k, ());
            });
            plan.apply.push(fix);
        } else {
            plan.held_back.push(fix);
        }
    }
    let order = |f: &Fix| CHECKS.iter().position(|c| c.meta.id == f.check).unwrap_or(usize::MAX);
    plan.apply.sort_by_key(order);
    plan.held_back.sort_by_key(order);
    plan
}

/// The files of `$CODEX_HOME` a fix may read or write.
fn is_fix_file(name: &str) -> bool {
    name == "config.toml" || name.ends_with(".config.toml") || name == ".env" || name == "auth.json"
}

/// What `fix` arrives at.
#[derive(Debug, Default)]
pub struct Converged {
    /// Every fix applied, over all rounds.
    pub applied: Vec<Fix>,
    /// Unsafe fixes not enabled, as of the final state.
    pub held_back: Vec<Fix>,
    /// The final text of every changed file, against the original (paths are the real ones).
    pub files: Vec<FileResult>,
}

/// Fixing can uncover more to fix (a corrected provider id makes the model checkable), so the plan is
/// applied to a scratch copy of `$CODEX_HOME` and re-planned until nothing changes (at most
/// [`MAX_ROUNDS`]). The user's files are compared with the final copy only, which makes `fix`
/// idempotent: run again, it finds nothing.
pub fn converge(inputs: &crate::context::Inputs, codex_home: &Path, options: &FixOptions) -> Result<Converged, String> {
    // Private (0700) and removed on every return path: it holds copies of .env and auth.json.
    let scratch_dir = tempfile::Builder::new()
        .prefix("bedrock-doctor-fix-")
        .tempdir()
        .map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    let scratch = scratch_dir.path().to_path_buf();
    let mut originals: BTreeMap<String, (Option<String>, Option<u32>)> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(codex_home) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if !is_fix_file(&name) || !path.is_file() {
                continue;
            }
            // A file fix never edits (a binary auth.json, a stray profile file) must not stop it.
            let Ok(text) = std::fs::read_to_string(&path) else {
                if name == "config.toml" {
                    return Err(format!("refusing to edit {}: not UTF-8 text", path.display()));
                }
                continue;
            };
            std::fs::write(scratch.join(&name), &text).map_err(|e| e.to_string())?;
            let mode = mode_of(&path);
            if let Some(m) = mode {
                set_mode(&scratch.join(&name), m);
            }
            originals.insert(name, (Some(text), mode));
        }
    }
    let mut converged = Converged::default();
    let scratch_inputs = {
        let mut i = inputs.clone();
        i.options.codex_home = Some(scratch.clone());
        i.options.offline = true;
        i
    };
    for _ in 0..MAX_ROUNDS {
        let ctx = Context::gather(scratch_inputs.clone());
        let plan = plan(&ctx, options);
        converged.held_back = plan.held_back.clone();
        let files: Vec<FileResult> = render(&plan)?.into_iter().filter(FileResult::changed).collect();
        if files.is_empty() {
            break;
        }
        for file in &files {
            std::fs::write(&file.path, &file.new).map_err(|e| e.to_string())?;
            if let Some(mode) = file.mode {
                set_mode(&file.path, mode);
            }
        }
        converged.applied.extend(plan.apply);
    }
    let mut names: Vec<String> = std::fs::read_dir(&scratch)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_fix_file(n))
        .collect();
    names.sort();
    for name in names {
        let new = std::fs::read_to_string(scratch.join(&name)).map_err(|e| e.to_string())?;
        let new_mode = mode_of(&scratch.join(&name));
        let (old, old_mode) = originals.get(&name).cloned().unwrap_or((None, None));
        let mode = (old.is_some() && new_mode != old_mode).then_some(new_mode).flatten();
        let result = FileResult { path: codex_home.join(&name), old, new, mode };
        if result.changed() {
            converged.files.push(result);
        }
    }
    let real = codex_home.display().to_string();
    let shown = scratch.display().to_string();
    for fix in converged.applied.iter_mut().chain(converged.held_back.iter_mut()) {
        fix.title = fix.title.replace(&shown, &real);
        fix.note = fix.note.take().map(|n| n.replace(&shown, &real));
    }
    drop(scratch_dir);
    Ok(converged)
}

/// Rounds of fixing before giving up on a fixed point.
pub const MAX_ROUNDS: usize = 4;

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

/// The new text of every file the plan touches: (path, old text or None for a new file, new text).
pub fn render(plan: &Plan) -> Result<Vec<FileResult>, String> {
    let mut files: Vec<FileResult> = Vec::new();
    for fix in &plan.apply {
        for change in &fix.changes {
            match change {
                Change::Edit { file, edit } => {
                    let entry = entry(&mut files, file)?;
                    entry.new = edit::apply(&entry.new, std::slice::from_ref(edit))
                        .map_err(|e| format!("refusing to edit {}: {e}", file.display()))?;
                }
                Change::Create { file, contents } => {
                    if file.exists() {
                        return Err(format!("refusing to create {}: it already exists", file.display()));
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

fn entry<'a>(files: &'a mut Vec<FileResult>, path: &Path) -> Result<&'a mut FileResult, String> {
    if let Some(i) = files.iter().position(|f| f.path == path) {
        return Ok(&mut files[i]);
    }
    let old = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| format!("refusing to edit {}: not UTF-8", path.display()))?,
        // A file created by an earlier change of the same plan.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("refusing to edit {}: it does not exist", path.display()));
        }
        Err(e) => return Err(format!("refusing to edit {}: {e}", path.display())),
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
        similar::TextDiff::from_lines(old, &self.new).unified_diff().context_radius(3).header(&a, &b).to_string()
    }
}
