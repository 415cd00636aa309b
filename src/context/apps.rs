//! Codex front ends other than the CLI: the VS Code extension `openai.chatgpt` (and the editors that
//! share its extension format) and the desktop app. Their versions matter because the documented
//! minimum is 26.429.30905, and because they start without the user's shell environment.
//!
//! Where they live depends on the platform ([`Roots`]): editors keep extensions under the home
//! directory on all three (`~/.vscode/extensions`, `%USERPROFILE%\.vscode\extensions`); the desktop
//! app is a bundle in an Applications folder on macOS and an MSIX package under
//! `%ProgramFiles%\WindowsApps` on Windows; Linux has no desktop app
//! (`codex-rs/desktop-distribution/src/unsupported.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use semver::Version;

use crate::env_vars;
use crate::platform::Platform;

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
    /// The version as semver, when it is one (`26.721.41059` and `0.4.12` both are). An MSIX package
    /// version has a fourth part (`26.730.61639.0`), which orders nothing the first three do not.
    pub fn semver(&self) -> Option<Version> {
        let text = self.version.trim();
        Version::parse(text).ok().or_else(|| {
            let parts: Vec<&str> = text.split('.').collect();
            match parts.as_slice() {
                [major, minor, patch, fourth] if fourth.parse::<u64>().is_ok() => {
                    Version::parse(&format!("{major}.{minor}.{patch}")).ok()
                }
                _ => None,
            }
        })
    }
}

/// Where front ends are looked for: parameters, so that a test on one platform points each into a
/// temporary directory and scans "as" another.
#[derive(Clone, Debug)]
pub struct Roots {
    /// Whose layout to expect.
    pub platform: Platform,
    /// The home directory the editors and Codex use.
    pub home: Option<PathBuf>,
    /// macOS: the system-wide Applications folder.
    pub applications: PathBuf,
    /// Windows: `%ProgramFiles%`, whose `WindowsApps` holds MSIX packages.
    pub program_files: PathBuf,
    /// Windows: `%LOCALAPPDATA%`, whose `Packages` holds each installed MSIX package's per-user folder.
    pub local_app_data: Option<PathBuf>,
}

impl Roots {
    /// The roots of a machine of `platform` with that environment.
    pub fn of(platform: Platform, home: Option<&Path>, env: &BTreeMap<String, String>) -> Roots {
        let program_files = env_vars::non_empty(env, env_vars::PROGRAMFILES)
            .map_or_else(|| PathBuf::from(r"C:\Program Files"), PathBuf::from);
        Roots {
            platform,
            home: home.map(Path::to_path_buf),
            applications: PathBuf::from("/Applications"),
            program_files,
            local_app_data: env_vars::non_empty(env, env_vars::LOCALAPPDATA).map(PathBuf::from),
        }
    }
}

/// The desktop app's MSIX package name and the publisher id of its Store signature
/// (`codex-rs/desktop-distribution/src/windows.rs`).
const MSIX_NAME: &str = "OpenAI.Codex";
const MSIX_PUBLISHER_ID: &str = "2p2nqsd0c76g0";

/// Editors whose extension folders may hold `openai.chatgpt-<version>[-<platform>]`.
const EDITOR_DIRS: &[(&str, &str)] = &[
    ("VS Code", ".vscode/extensions"),
    ("VS Code Insiders", ".vscode-insiders/extensions"),
    ("Cursor", ".cursor/extensions"),
    ("VS Code Server (remote)", ".vscode-server/extensions"),
];

/// Finds installed extensions and desktop apps. Only the newest extension per editor is kept: old
/// versions stay on disk until the editor cleans them up, but only the newest runs.
pub fn scan(roots: &Roots) -> Vec<AppInstall> {
    let mut found = Vec::new();
    let platform = roots.platform;
    if platform == Platform::Windows {
        found.extend(
            msix_app(&roots.program_files).or_else(|| roots.local_app_data.as_deref().and_then(msix_data_folder)),
        );
    }
    let Some(home) = roots.home.as_deref() else { return found };
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
                let binary = bundled_binary(&e.path().join("bin"), 1, platform);
                Some(AppInstall { kind, path: e.path(), version, problem, binary })
            })
            .max_by(|a, b| a.semver().cmp(&b.semver()));
        found.extend(newest);
    }
    if platform == Platform::MacOs {
        for app in [roots.applications.join("Codex.app"), home.join("Applications/Codex.app")] {
            if let Some(version) = plist_short_version(&app.join("Contents/Info.plist")) {
                let binary = bundled_binary(&app.join("Contents/Resources"), 0, platform);
                found.push(AppInstall { kind: DESKTOP_APP, path: app, version, problem: None, binary });
            }
        }
    }
    found
}

/// How the desktop app is named in reports, on every platform.
pub const DESKTOP_APP: &str = "Codex desktop app";

/// The Windows desktop app: the newest `OpenAI.Codex_<version>_<arch>__2p2nqsd0c76g0` folder under
/// `WindowsApps` (an update stages the next version beside the running one). The package's
/// `AppxManifest.xml` names the version it installs; the folder name is the fallback. Codex itself asks
/// `Get-AppxPackage` for the folder and runs what is under `app\resources`. A resource package (its
/// name carries a resource id between the last two underscores) holds no app and is skipped.
fn msix_app(program_files: &Path) -> Option<AppInstall> {
    let suffix = format!("__{MSIX_PUBLISHER_ID}");
    let prefix = format!("{MSIX_NAME}_");
    let entries = std::fs::read_dir(program_files.join("WindowsApps")).ok()?;
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let middle = name.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
            let (folder_version, _arch) = middle.split_once('_')?;
            let path = e.path();
            if !path.is_dir() {
                return None;
            }
            let version = manifest_version(&path.join("AppxManifest.xml")).unwrap_or_else(|| folder_version.to_owned());
            let binary = bundled_binary(&path.join("app").join("resources"), 0, Platform::Windows);
            Some(AppInstall { kind: DESKTOP_APP, path, version, problem: None, binary })
        })
        .max_by(|a, b| a.semver().cmp(&b.semver()).then_with(|| a.path.cmp(&b.path)))
}

/// The Windows desktop app when `WindowsApps` cannot be listed, which is the rule: its ACL lets only
/// administrators and packaged apps list it. Windows gives every installed MSIX package a per-user
/// folder named by its family name (`<name>_<publisher id>`) under `%LOCALAPPDATA%\Packages`, and that
/// one can be read: the app is there, but its version and binary are not known, and the report says so.
fn msix_data_folder(local_app_data: &Path) -> Option<AppInstall> {
    let path = local_app_data.join("Packages").join(format!("{MSIX_NAME}_{MSIX_PUBLISHER_ID}"));
    if !path.is_dir() {
        return None;
    }
    let problem = format!(
        "it is installed ({} exists), but its version is recorded under %ProgramFiles%\\WindowsApps, which only administrators can list; `Get-AppxPackage -Name {MSIX_NAME}` shows it",
        path.display()
    );
    Some(AppInstall { kind: DESKTOP_APP, path, version: String::new(), problem: Some(problem), binary: None })
}

/// `Version` of the `<Identity>` element of an AppxManifest.xml, when it is the Codex package's.
fn manifest_version(path: &Path) -> Option<String> {
    let file = super::SourceFile::read(path);
    let text = file.text()?;
    let start = text.find("<Identity")? + "<Identity".len();
    let element = &text[start..start + text[start..].find('>')?];
    // Attributes may be separated by any white space (manifests put one per line).
    let attribute = |name: &str| {
        let needle = format!("{name}=\"");
        let at = element
            .match_indices(&needle)
            .find(|(i, _)| element[..*i].ends_with(char::is_whitespace))
            .map(|(i, _)| i + needle.len())?;
        let len = element[at..].find('"')?;
        Some(element[at..at + len].trim().to_owned())
    };
    if attribute("Name")? != MSIX_NAME {
        return None;
    }
    attribute("Version").filter(|v| !v.is_empty())
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

/// The file name a bundled Codex has: `codex.exe` on Windows, `codex` elsewhere.
fn binary_name(platform: Platform) -> &'static str {
    if platform == Platform::Windows { "codex.exe" } else { "codex" }
}

/// A Codex binary in `dir` or, up to `depth` levels down, in its subfolders (the extension keeps one
/// per platform, `bin/<platform>/codex`, and older builds shipped every platform's): the folder naming
/// this machine's OS and architecture first, then by name, so the choice is stable. A regular file
/// only: a FIFO or a device named `codex` is not run.
fn bundled_binary(dir: &Path, depth: usize, platform: Platform) -> Option<PathBuf> {
    let path = dir.join(binary_name(platform));
    if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return Some(path);
    }
    if depth == 0 {
        return None;
    }
    let mut subdirs: Vec<PathBuf> =
        std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    subdirs.sort_by_key(|d| (std::cmp::Reverse(platform_match(d, platform)), d.clone()));
    subdirs.into_iter().find_map(|d| bundled_binary(&d, depth - 1, platform))
}

/// How well a platform folder's name (`linux-x86_64`, `darwin-arm64`, `win32-x64`, …) fits the
/// platform and this machine's architecture: the OS counts more than the architecture.
fn platform_match(dir: &Path, platform: Platform) -> u8 {
    let name = dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let os: &[&str] = match platform {
        Platform::MacOs => &["macos", "darwin", "mac"],
        Platform::Windows => &["windows", "win32", "win64"],
        Platform::Linux => &["linux"],
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

    /// Every root inside `dir`: the home itself, `/Applications` and `%ProgramFiles%` beside it.
    fn roots(platform: Platform, dir: &Path) -> Roots {
        Roots {
            platform,
            home: Some(dir.join("home")),
            applications: dir.join("Applications"),
            program_files: dir.join("Program Files"),
            local_app_data: Some(dir.join("AppData/Local")),
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn plist(version: &str) -> String {
        format!("<dict><key>CFBundleShortVersionString</key><string>{version}</string></dict>")
    }

    #[test]
    fn newest_extension_per_editor_from_package_json() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        for (rel, version) in [
            (".vscode/extensions/openai.chatgpt-0.4.12", "0.4.12"),
            (".vscode/extensions/openai.chatgpt-26.721.41059-linux-x64", "26.721.41059"),
            (".cursor/extensions/openai.chatgpt-26.301.1", "26.301.1"),
            (".vscode/extensions/other.ext-1.0.0", "1.0.0"),
        ] {
            write(&home.join(rel).join("package.json"), &format!(r#"{{"version":"{version}"}}"#));
        }
        std::fs::create_dir_all(home.join(".vscode-server/extensions/openai.chatgpt-broken")).unwrap();
        // The same relative folders under the home on every platform (%USERPROFILE% on Windows).
        for platform in [Platform::Linux, Platform::MacOs, Platform::Windows] {
            let found = scan(&roots(platform, dir.path()));
            let summary: Vec<(&str, &str)> = found.iter().map(|a| (a.kind, a.version.as_str())).collect();
            assert_eq!(summary, vec![("VS Code", "26.721.41059"), ("Cursor", "26.301.1")], "{platform:?}");
        }
    }

    #[test]
    fn the_desktop_app_and_the_extension_ship_a_binary_and_only_a_regular_file_counts() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("home/Applications/Codex.app/Contents");
        write(&app.join("Info.plist"), &plist("26.730.61639"));
        write(&app.join("Resources/codex"), "");
        let ext = dir.path().join("home/.vscode/extensions/openai.chatgpt-26.601.1");
        std::fs::create_dir_all(ext.join("bin/darwin-arm64/codex")).unwrap(); // a directory, not a binary
        write(&ext.join("package.json"), r#"{"version":"26.601.1"}"#);
        let found = scan(&roots(Platform::MacOs, dir.path()));
        let binaries: Vec<(&str, Option<&Path>)> = found.iter().map(|a| (a.kind, a.binary.as_deref())).collect();
        assert_eq!(binaries, vec![("VS Code", None), (DESKTOP_APP, Some(app.join("Resources/codex").as_path()))]);
        assert_eq!(newest_bundled(&found), Some(app.join("Resources/codex")));
    }

    #[test]
    fn the_macos_app_is_looked_for_on_macos_only() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("Applications/Codex.app/Contents");
        write(&system.join("Info.plist"), &plist("26.730.61639"));
        write(&system.join("Resources/codex"), "");
        let found = scan(&roots(Platform::MacOs, dir.path()));
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].kind, found[0].version.as_str()), (DESKTOP_APP, "26.730.61639"));
        assert_eq!(found[0].path, dir.path().join("Applications/Codex.app"));
        assert_eq!(found[0].binary, Some(system.join("Resources/codex")));
        // Linux has no desktop distribution, and Windows' app is not a bundle: the same folders are noise.
        assert_eq!(scan(&roots(Platform::Linux, dir.path())), Vec::new());
        assert_eq!(scan(&roots(Platform::Windows, dir.path())), Vec::new());
    }

    #[test]
    fn the_windows_app_is_the_newest_codex_msix_package() {
        let dir = tempfile::tempdir().unwrap();
        let apps = dir.path().join("Program Files/WindowsApps");
        let current = apps.join("OpenAI.Codex_26.730.61639.0_x64__2p2nqsd0c76g0");
        write(
            &current.join("AppxManifest.xml"),
            "<?xml version=\"1.0\"?>\n<Package>\n  <Identity\n    Name=\"OpenAI.Codex\"\n    Publisher=\"CN=OpenAI\"\n    Version=\"26.730.61640.0\"\n    ProcessorArchitecture=\"x64\" />\n  <Dependencies><TargetDeviceFamily Name=\"Windows.Desktop\" MinVersion=\"10.0.19041.0\" /></Dependencies>\n</Package>",
        );
        write(&current.join("app/resources/codex.exe"), "");
        // An older version left beside it, a resource package, and another publisher's package.
        std::fs::create_dir_all(apps.join("OpenAI.Codex_26.429.30905.0_x64__2p2nqsd0c76g0/app/resources")).unwrap();
        std::fs::create_dir_all(apps.join("OpenAI.Codex_27.1.1.0_neutral_split.scale-100_2p2nqsd0c76g0")).unwrap();
        std::fs::create_dir_all(apps.join("OpenAI.Codex_28.1.1.0_x64__someoneelse00")).unwrap();
        let found = scan(&roots(Platform::Windows, dir.path()));
        assert_eq!(found.len(), 1, "{found:?}");
        let app = &found[0];
        // The manifest's version wins over the folder name; its fourth part does not hide the rest.
        assert_eq!((app.kind, app.version.as_str()), (DESKTOP_APP, "26.730.61640.0"));
        assert_eq!(app.semver(), Some(Version::new(26, 730, 61640)));
        assert_eq!(app.path, current);
        assert_eq!(app.binary, Some(current.join("app/resources/codex.exe")));
        // Only Windows has MSIX packages.
        assert_eq!(scan(&roots(Platform::Linux, dir.path())), Vec::new());
        assert_eq!(scan(&roots(Platform::MacOs, dir.path())), Vec::new());
    }

    #[test]
    fn when_windowsapps_cannot_be_listed_the_per_user_folder_shows_the_app_without_a_version() {
        let dir = tempfile::tempdir().unwrap();
        // No WindowsApps (as for a user who may not list it); the package's per-user folder exists.
        let data = dir.path().join("AppData/Local/Packages/OpenAI.Codex_2p2nqsd0c76g0");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(dir.path().join("AppData/Local/Packages/OpenAI.Codex_someoneelse00")).unwrap();
        let found = scan(&roots(Platform::Windows, dir.path()));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].kind, found[0].version.as_str(), &found[0].path), (DESKTOP_APP, "", &data));
        assert_eq!(found[0].binary, None);
        assert!(found[0].problem.as_deref().is_some_and(|p| p.contains("Get-AppxPackage")), "{found:?}");
        // A listable WindowsApps wins: its version is known.
        std::fs::create_dir_all(
            dir.path().join("Program Files/WindowsApps/OpenAI.Codex_26.429.30905.0_x64__2p2nqsd0c76g0"),
        )
        .unwrap();
        let found = scan(&roots(Platform::Windows, dir.path()));
        assert_eq!((found.len(), found[0].version.as_str()), (1, "26.429.30905.0"));
        // Not on other platforms.
        assert_eq!(scan(&roots(Platform::Linux, dir.path())), Vec::new());
    }

    #[test]
    fn without_a_readable_manifest_the_folder_names_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let apps = dir.path().join("Program Files/WindowsApps");
        std::fs::create_dir_all(apps.join("OpenAI.Codex_26.429.30905.0_arm64__2p2nqsd0c76g0")).unwrap();
        write(&apps.join("OpenAI.Codex_26.301.1.0_x64__2p2nqsd0c76g0/AppxManifest.xml"), "<Package>");
        let found = scan(&roots(Platform::Windows, dir.path()));
        let versions: Vec<&str> = found.iter().map(|a| a.version.as_str()).collect();
        assert_eq!(versions, vec!["26.429.30905.0"]);
        assert_eq!(found[0].binary, None);
    }

    #[test]
    fn the_bundled_binary_matches_the_platform() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        for rel in ["linux-x64/codex", "darwin-arm64/codex", "win32-x64/codex.exe"] {
            write(&bin.join(rel), "");
        }
        assert_eq!(bundled_binary(&bin, 1, Platform::Linux), Some(bin.join("linux-x64/codex")));
        assert_eq!(bundled_binary(&bin, 1, Platform::MacOs), Some(bin.join("darwin-arm64/codex")));
        assert_eq!(bundled_binary(&bin, 1, Platform::Windows), Some(bin.join("win32-x64/codex.exe")));
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
