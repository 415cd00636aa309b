//! Writing a user's file so that it is never lost: the new text goes to a temporary file in the same
//! directory (same file system, same permissions), is flushed to disk, and replaces the original with
//! one `rename`. A crash leaves either the old file or the new one, never half of either. A symlink is
//! followed, so the link stays a link. A numbered backup is kept unless `--no-backup`.
//!
//! An edit made by someone else while `fix` runs is never silently lost: the file is compared with the
//! text the fix was computed from (content, and identity/size/mtime since this write began) as the
//! very last step before the rename, and the write is refused if it changed. What remains is the
//! window between that comparison and the `rename(2)` call, a few system calls long. Closing it would
//! need every writer to take a common lock; Codex takes none on config.toml (it reads the file at
//! start-up and writes it, when it does, without `flock`), and editors do not either, so an advisory
//! lock here would protect against nothing. An in-place write that lands in that window goes to the
//! replaced inode, which is still open here: it is detected after the rename and saved next to the
//! file (never discarded), and the write is reported as failed.
//!
//! Any failure removes what this write created (the temporary file, a backup): a backup exists only
//! when it is complete and flushed, and only when the new file was written.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::FileResult;
use crate::context::files::{MAX_FILE_BYTES, describe, read_capped};
use crate::error::{Error, Result};

/// Where the backup of `path` goes: `path.bak`, or `path.bak.1`, `.bak.2`, … when those exist.
pub fn backup_path(path: &Path) -> PathBuf {
    let base = PathBuf::from(format!("{}.bak", path.display()));
    if !base.exists() {
        return base;
    }
    (1..).map(|n| PathBuf::from(format!("{}.bak.{n}", path.display()))).find(|p| !p.exists()).expect("an unused name")
}

/// Writes one file's result. Returns the backup path, if one was written.
pub fn write(result: &FileResult, backup: bool) -> Result<Option<PathBuf>> {
    write_with(result, backup, |step, from, to| match step {
        Step::Prepared => Ok(()),
        Step::Rename => std::fs::rename(from, to),
    })
}

/// The points of a write a test can intervene at, with (temporary file, target).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The new text and the backup are on disk; the last comparison comes next.
    Prepared,
    /// The rename itself.
    Rename,
}

/// What identifies one version of a file: a change of any of these means someone wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino())
            },
        }
    }
}

/// The file at `target` is still exactly what the fix was computed from. Returns its stamp and an open
/// handle on it (to notice writes into it after it is replaced).
fn unchanged(target: &Path, shown: &Path, old: &str) -> Result<(Stamp, std::fs::File)> {
    let changed = |why: String| Error::at("refusing to write", shown, why);
    let file = std::fs::File::open(target).map_err(|e| Error::at("reading again before writing", shown, e))?;
    let meta = file.metadata().map_err(|e| Error::at("reading again before writing", shown, e))?;
    if !meta.is_file() {
        return Err(changed("it is no longer a regular file".into()));
    }
    let (now, _) = read_capped(target, MAX_FILE_BYTES)
        .map_err(|read| Error::at("reading again before writing", shown, describe(&read).unwrap_or_default()))?;
    if now != old.as_bytes() {
        return Err(changed("it changed on disk since it was read (nothing was written)".into()));
    }
    Ok((Stamp::of(&meta), file))
}

/// [`write`] with its last steps injectable, so tests can make them fail or race them.
pub fn write_with(
    result: &FileResult,
    backup: bool,
    step: impl Fn(Step, &Path, &Path) -> std::io::Result<()>,
) -> Result<Option<PathBuf>> {
    let shown = &result.path;
    // Follow a symlink: the target is what changes, the link stays.
    let target = std::fs::canonicalize(&result.path).unwrap_or_else(|_| result.path.clone());
    let first = match &result.old {
        Some(old) => Some(unchanged(&target, shown, old)?.0),
        None if target.exists() => return Err(Error::at("refusing to create", shown, "it appeared meanwhile")),
        None => None,
    };
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    if result.old.is_none() {
        std::fs::create_dir_all(&dir).map_err(|e| Error::at("creating the directory", &dir, e))?;
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.bedrock-doctor.{}.tmp", std::process::id()));
    let mut created: Vec<PathBuf> = Vec::new();
    let outcome = (|| -> Result<Option<PathBuf>> {
        let could_not =
            |e: std::io::Error| Error::at("could not write", shown, format!("{e} (the original is unchanged)"));
        create_private(&temp, result.new.as_bytes()).map_err(could_not)?;
        created.push(temp.clone());
        if result.old.is_some() {
            copy_mode(&target, &temp);
        }
        if let Some(mode) = result.mode {
            set_mode(&temp, mode).map_err(could_not)?;
        }
        // A permission-only change needs no copy, and for `.env` a copy would be one more readable secret.
        let text_changes = result.old.as_deref() != Some(result.new.as_str());
        let mut backup_written = None;
        if let (Some(old), true) = (&result.old, backup && text_changes) {
            let path = write_backup(&result.path, &dir, &name, old.as_bytes())?;
            created.push(path.clone());
            backup_written = Some(path);
        }
        step(Step::Prepared, &temp, &target).map_err(could_not)?;
        // The last look before the rename: the smallest window there can be without a lock all writers
        // honour (see the module comment).
        let held = match (&result.old, &first) {
            (Some(old), Some(first)) => {
                let (stamp, handle) = unchanged(&target, shown, old)?;
                if stamp != *first {
                    return Err(Error::at(
                        "refusing to write",
                        shown,
                        "it was rewritten while fix ran (nothing was written)",
                    ));
                }
                Some((stamp, handle))
            }
            _ => None,
        };
        if result.old.is_none() && target.exists() {
            return Err(Error::at("refusing to create", shown, "it appeared meanwhile"));
        }
        step(Step::Rename, &temp, &target).map_err(could_not)?;
        created.retain(|p| p != &temp);
        // The rename itself is durable only once the directory is flushed.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        if let Some((stamp, mut handle)) = held {
            rescue_late_write(&mut handle, &stamp, shown)?;
        }
        Ok(backup_written)
    })();
    if outcome.is_err() {
        for path in &created {
            let _ = std::fs::remove_file(path);
        }
    }
    outcome
}

/// A write into the original inode between the last comparison and the rename went to the file just
/// replaced: keep its content next to the file instead of losing it, and report the write as failed.
fn rescue_late_write(handle: &mut std::fs::File, before: &Stamp, shown: &Path) -> Result<()> {
    let Ok(meta) = handle.metadata() else { return Ok(()) };
    if Stamp::of(&meta) == *before {
        return Ok(());
    }
    let mut late = Vec::new();
    let _ = handle.take(MAX_FILE_BYTES).read_to_end(&mut late);
    let path = PathBuf::from(format!("{}.concurrent-edit", shown.display()));
    let path = backup_path(&path);
    let kept = create_private(&path, &late).map(|()| path);
    let cause = match kept {
        Ok(p) => format!("it was edited while fix wrote it; that edit is saved in {} — merge it by hand", p.display()),
        Err(e) => format!("it was edited while fix wrote it and that edit could not be saved: {e}"),
    };
    Err(Error::at("conflict writing", shown, cause))
}

/// Writes the backup under a temporary name, flushes it, and only then gives it its final name (a hard
/// link, which fails rather than replace a backup that appeared meanwhile): a `.bak` is never partial.
fn write_backup(original: &Path, dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let temp = dir.join(format!(".{name}.bak.bedrock-doctor.{}.tmp", std::process::id()));
    let result = (|| {
        create_private(&temp, bytes).map_err(|e| Error::at("writing the backup", &temp, e))?;
        let path = backup_path(original);
        std::fs::hard_link(&temp, &path).map_err(|e| Error::at("writing the backup", &path, e))?;
        Ok(path)
    })();
    let _ = std::fs::remove_file(&temp);
    result
}

/// Creates a new file readable by its owner only (the copy of a config that may hold secrets must not be
/// readable by others for even a moment), writes and flushes it. A failure (disk full) removes it, so
/// no truncated file is left looking like a backup. On Windows there are no mode bits: the file gets
/// the directory's inherited ACL, which for a profile folder such as `%USERPROFILE%\.codex` is the user
/// (plus SYSTEM and Administrators) only.
fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if written.is_err() {
        drop(file);
        let _ = std::fs::remove_file(path);
    }
    written
}

#[cfg(unix)]
fn copy_mode(from: &Path, to: &Path) {
    if let Ok(meta) = std::fs::metadata(from) {
        let _ = std::fs::set_permissions(to, meta.permissions());
    }
}

#[cfg(not(unix))]
fn copy_mode(_from: &Path, _to: &Path) {}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(path: &Path, old: &str, new: &str) -> FileResult {
        FileResult { path: path.to_path_buf(), old: Some(old.into()), new: new.into(), mode: None }
    }

    #[test]
    fn a_failed_rename_leaves_the_original_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "old\n").unwrap();
        let err = write_with(&result(&path, "old\n", "new\n"), true, |step, _, _| match step {
            Step::Prepared => Ok(()),
            Step::Rename => Err(std::io::Error::other("power cut")),
        })
        .unwrap_err();
        let err = err.to_string();
        assert!(err.contains("power cut") && err.contains("unchanged"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        // Neither the temporary file nor a backup of a file that was not replaced.
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn an_edit_made_while_fix_prepares_is_kept_and_the_write_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "old\n").unwrap();
        // The user saves in their editor after fix wrote its temp file and backup, before the rename.
        let err = write_with(&result(&path, "old\n", "new\n"), true, |step, from, to| match step {
            Step::Prepared => std::fs::write(to, "the user's edit\n"),
            Step::Rename => std::fs::rename(from, to),
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("changed on disk"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "the user's edit\n");
        assert_eq!(names(dir.path()), vec!["config.toml"], "no temp, no backup of a write that did not happen");
    }

    #[test]
    fn a_same_content_rewrite_while_fix_prepares_is_refused_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "old\n").unwrap();
        // Replaced by another program's atomic save of the same text: a new inode, so it is not ours to
        // overwrite without looking again.
        let err = write_with(&result(&path, "old\n", "new\n"), false, |step, from, to| match step {
            Step::Prepared => {
                let other = to.with_extension("other");
                std::fs::write(&other, "old\n")?;
                std::fs::rename(other, to)
            }
            Step::Rename => std::fs::rename(from, to),
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("rewritten while fix ran"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
    }

    #[test]
    fn an_in_place_write_racing_the_rename_is_saved_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "old\n").unwrap();
        let err = write_with(&result(&path, "old\n", "new\n"), true, |step, from, to| match step {
            Step::Prepared => Ok(()),
            Step::Rename => {
                // Lands in the old inode after the last comparison.
                std::fs::OpenOptions::new().append(true).open(to)?.write_all(b"late = 1\n")?;
                std::fs::rename(from, to)
            }
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("edited while fix wrote it"), "{err}");
        let saved = dir.path().join("config.toml.concurrent-edit.bak");
        assert_eq!(std::fs::read_to_string(&saved).unwrap(), "old\nlate = 1\n", "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn backups_are_private_whatever_the_original_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "a\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let backup = write(&result(&path, "a\n", "b\n"), true).unwrap().unwrap();
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
        assert_eq!(names(dir.path()), vec!["config.toml", "config.toml.bak"]);
    }

    #[test]
    fn backups_are_numbered_and_mode_and_symlink_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        std::fs::write(&real, "a\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
            let link = dir.path().join("config.toml");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            let first = write(&result(&link, "a\n", "b\n"), true).unwrap().unwrap();
            assert!(first.ends_with("config.toml.bak"));
            let second = write(&result(&link, "b\n", "c\n"), true).unwrap().unwrap();
            assert!(second.ends_with("config.toml.bak.1"));
            assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
            assert_eq!(std::fs::read_to_string(&real).unwrap(), "c\n");
            assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640);
            assert_eq!(std::fs::read_to_string(first).unwrap(), "a\n");
        }
    }

    #[test]
    fn a_file_changed_since_reading_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "edited by the user meanwhile\n").unwrap();
        let err = write(&result(&path, "what we read\n", "new\n"), true).unwrap_err().to_string();
        assert!(err.contains("changed on disk"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited by the user meanwhile\n");
    }
}
