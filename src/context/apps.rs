//! Codex front ends other than the CLI: the VS Code extension `openai.chatgpt` (and the editors that
//! share its extension format) and the desktop app. Their versions matter because the documented
//! minimum is 26.429.30905, and because they start without the user's shell environment.

use std::path::{Path, PathBuf};

use semver::Version;

/// One installed front end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppInstall {
    /// "VS Code", "Cursor", "Codex desktop app", …
    pub kind: &'static str,
    /// Where it is installed.
    pub path: PathBuf,
    /// Its version string as the install records it.
    pub version: String,
    /// Why the version could not be read (its package.json is a FIFO, a device, too large), naming
    /// the file; the version is then empty.
    pub problem: Option<String>,
    /// The Codex binary it ships and runs (reference §6: the extension's `bin/`, the app's
    /// `Contents/Resources`), when one is there.
    pub binary: Option<PathBuf>,
}

impl AppInstall {
    /// The version as semver, when it is one (`26.721.41059` and `0.4.12` both are).
    pub fn semver(&self) -> Option<Version> {
        Version::parse(self.version.trim()).ok()
    }
}

/// Editors whose extension folders may hold `openai.chatgpt-<version>[-<platform>]`.
const EDITOR_DIRS: &[(&str, &str)] = &[
    ("VS Code", ".vscode/extensions"),
    ("VS Code Insiders", ".vscode-insiders/extensions"),
    ("Cursor", ".cursor/extensions"),
    ("VS Code Server (remote)", ".vscode-server/extensions"),
];

/// Finds installed extensions and desktop apps under `home`. Only the newest extension per editor is
/// kept: old versions stay on disk until the editor cleans them up, but only the newest runs.
pub fn scan(home: Option<&Path>) -> Vec<AppInstall> {
    let mut found = Vec::new();
    let Some(home) = home else { return found };
    for (kind, rel) in EDITOR_DIRS {
        let Ok(entries) = std::fs::read_dir(home.join(rel)) else { continue };
        let newest = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("openai.chatgpt-"))
            .filter_map(|e| {
                let (version, problem) = match extension_version(&e.path())? {
                    Ok(v) => (v, None),
                    Err(p) => (String::new(), Some(p)),
                };
                let binary = bundled_binary(&e.path().join("bin"), 1);
                Some(AppInstall { kind, path: e.path(), version, problem, binary })
            })
            .max_by(|a, b| a.semver().cmp(&b.semver()));
        found.extend(newest);
    }
    for app in [PathBuf::from("/Applications/Codex.app"), home.join("Applications/Codex.app")] {
        if let Some(version) = plist_short_version(&app.join("Contents/Info.plist")) {
            let binary = bundled_binary(&app.join("Contents/Resources"), 0);
            found.push(AppInstall { kind: "Codex desktop app", path: app, version, problem: None, binary });
        }
    }
    found
}

/// The extension's `package.json` `version` (more reliable than the folder name, which may carry a
/// platform suffix).
/// `None` when there is no readable version (an unrelated folder); `Err` when package.json is there but
/// is not a regular file or is too large: that is reported, not silently skipped.
fn extension_version(dir: &Path) -> Option<Result<String, String>> {
    // Bounded (a FIFO or a device in its place is not read): a folder under ~/.vscode is not trusted.
    let file = super::SourceFile::read(&dir.join("package.json"));
    match &file.read {
        super::FileRead::NotAFile(_) | super::FileRead::TooLarge { .. } => return Some(Err(file.problem()?)),
        _ => {}
    }
    let json: serde_json::Value = serde_json::from_str(file.text()?).ok()?;
    json.get("version")?.as_str().map(|v| Ok(v.to_owned()))
}

/// The binary of the most recent front end that ships one (both version schemes are `26.MDD.N` now).
pub fn newest_bundled(apps: &[AppInstall]) -> Option<PathBuf> {
    apps.iter().filter(|a| a.binary.is_some()).max_by(|a, b| a.semver().cmp(&b.semver()))?.binary.clone()
}

/// The file names a bundled Codex has: `codex` on macOS and Linux, `codex.exe` on Windows.
const BINARY_NAMES: &[&str] = &["codex", "codex.exe"];

/// A Codex binary in `dir` or, up to `depth` levels down, in its subfolders (the extension keeps one
/// per platform, `bin/<platform>/codex`, and older builds shipped every platform's): the folder naming
/// this machine's OS and architecture first, then by name, so the choice is stable. A regular file
/// only: a FIFO or a device named `codex` is not run.
fn bundled_binary(dir: &Path, depth: usize) -> Option<PathBuf> {
    for name in BINARY_NAMES {
        let path = dir.join(name);
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            return Some(path);
        }
    }
    if depth == 0 {
        return None;
    }
    let mut subdirs: Vec<PathBuf> =
        std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    subdirs.sort_by_key(|d| (std::cmp::Reverse(platform_match(d)), d.clone()));
    subdirs.into_iter().find_map(|d| bundled_binary(&d, depth - 1))
}

/// How well a platform folder's name (`linux-x86_64`, `darwin-arm64`, `win32-x64`, …) fits the machine
/// the doctor runs on: the OS counts more than the architecture.
fn platform_match(dir: &Path) -> u8 {
    let name = dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let os: &[&str] = match std::env::consts::OS {
        "macos" => &["macos", "darwin", "mac"],
        "windows" => &["windows", "win32", "win64"],
        other => &[other],
    };
    let arch: &[&str] = match std::env::consts::ARCH {
        "x86_64" => &["x86_64", "x64", "amd64"],
        "aarch64" => &["aarch64", "arm64"],
        other => &[other],
    };
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    2 * u8::from(has(os)) + u8::from(has(arch))
}

/// `CFBundleShortVersionString` from an XML Info.plist.
fn plist_short_version(path: &Path) -> Option<String> {
    let file = super::SourceFile::read(path);
    let text = file.text()?;
    let after = text.split("<key>CFBundleShortVersionString</key>").nth(1)?;
    let start = after.find("<string>")? + "<string>".len();
    let end = after[start..].find("</string>")?;
    Some(after[start..start + end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_extension_per_editor_from_package_json() {
        let home = tempfile::tempdir().unwrap();
        for (dir, version) in [
            (".vscode/extensions/openai.chatgpt-0.4.12", "0.4.12"),
            (".vscode/extensions/openai.chatgpt-26.721.41059-linux-x64", "26.721.41059"),
            (".cursor/extensions/openai.chatgpt-26.301.1", "26.301.1"),
            (".vscode/extensions/other.ext-1.0.0", "1.0.0"),
        ] {
            let path = home.path().join(dir);
            std::fs::create_dir_all(&path).unwrap();
            std::fs::write(path.join("package.json"), format!(r#"{{"version":"{version}"}}"#)).unwrap();
        }
        std::fs::create_dir_all(home.path().join(".vscode-server/extensions/openai.chatgpt-broken")).unwrap();
        let found = scan(Some(home.path()));
        let summary: Vec<(&str, &str)> = found.iter().map(|a| (a.kind, a.version.as_str())).collect();
        assert_eq!(summary, vec![("VS Code", "26.721.41059"), ("Cursor", "26.301.1")]);
    }

    #[test]
    fn the_desktop_app_and_the_extension_ship_a_binary_and_only_a_regular_file_counts() {
        let home = tempfile::tempdir().unwrap();
        let app = home.path().join("Applications/Codex.app/Contents");
        std::fs::create_dir_all(app.join("Resources")).unwrap();
        std::fs::write(
            app.join("Info.plist"),
            "<dict><key>CFBundleShortVersionString</key><string>26.730.61639</string></dict>",
        )
        .unwrap();
        std::fs::write(app.join("Resources/codex"), "").unwrap();
        let ext = home.path().join(".vscode/extensions/openai.chatgpt-26.601.1");
        std::fs::create_dir_all(ext.join("bin/windows-x86_64/codex.exe")).unwrap(); // a directory, not a binary
        std::fs::write(ext.join("package.json"), r#"{"version":"26.601.1"}"#).unwrap();
        let found = scan(Some(home.path()));
        let binaries: Vec<(&str, Option<&Path>)> = found.iter().map(|a| (a.kind, a.binary.as_deref())).collect();
        assert_eq!(
            binaries,
            vec![("VS Code", None), ("Codex desktop app", Some(app.join("Resources/codex").as_path()))]
        );
        assert_eq!(newest_bundled(&found), Some(app.join("Resources/codex")));
    }

    #[test]
    fn plist_version() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Info.plist");
        std::fs::write(&p, "<dict><key>CFBundleShortVersionString</key>\n  <string>26.730.61639</string></dict>")
            .unwrap();
        assert_eq!(plist_short_version(&p).as_deref(), Some("26.730.61639"));
    }
}
