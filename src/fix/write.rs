//! Writing a user's file so that it is never lost: the new text goes to a temporary file in the same
//! directory (same file system, same permissions), is flushed to disk, and replaces the original with
//! one `rename`. A crash leaves either the old file or the new one, never half of either. A symlink is
//! followed, so the link stays a link. A numbered backup is kept unless `--no-backup`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::FileResult;
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
    write_with(result, backup, |from, to| std::fs::rename(from, to))
}

/// [`write`] with the final rename injectable, so tests can make it fail.
pub fn write_with(
    result: &FileResult,
    backup: bool,
    rename: impl Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<Option<PathBuf>> {
    let shown = &result.path;
    // Follow a symlink: the target is what changes, the link stays.
    let target = std::fs::canonicalize(&result.path).unwrap_or_else(|_| result.path.clone());
    match &result.old {
        Some(old) => {
            let now = std::fs::read(&target).map_err(|e| Error::at("reading again before writing", shown, e))?;
            if now != old.as_bytes() {
                return Err(Error::at("refusing to write", shown, "it changed on disk since it was read"));
            }
        }
        None if target.exists() => return Err(Error::at("refusing to create", shown, "it appeared meanwhile")),
        None => {}
    }
    let mut backup_written = None;
    // A permission-only change needs no copy, and for `.env` a copy would be one more readable secret.
    let text_changes = result.old.as_deref() != Some(result.new.as_str());
    if let (Some(old), true) = (&result.old, backup && text_changes) {
        let path = backup_path(&result.path);
        create_private(&path, old.as_bytes()).map_err(|e| Error::at("writing the backup", &path, e))?;
        backup_written = Some(path);
    }
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if result.old.is_none() {
        std::fs::create_dir_all(dir).map_err(|e| Error::at("creating the directory", dir, e))?;
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.bedrock-doctor.{}.tmp", std::process::id()));
    let outcome = (|| -> std::io::Result<()> {
        create_private(&temp, result.new.as_bytes())?;
        if result.old.is_some() {
            copy_mode(&target, &temp);
        }
        if let Some(mode) = result.mode {
            set_mode(&temp, mode)?;
        }
        rename(&temp, &target)?;
        // The rename itself is durable only once the directory is flushed.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = outcome {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::at("could not write", shown, format!("{e} (the original is unchanged)")));
    }
    Ok(backup_written)
}

/// Creates a new file readable by its owner only (the copy of a config that may hold secrets must not be
/// readable by others for even a moment), writes and flushes it.
fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
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
        let err = write_with(&result(&path, "old\n", "new\n"), false, |_, _| Err(std::io::Error::other("power cut")))
            .unwrap_err();
        let err = err.to_string();
        assert!(err.contains("power cut") && err.contains("unchanged"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
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
