//! The operating system whose conventions the gathered facts follow, and the home directories that
//! depend on it. A value, not a `cfg!`: gathering takes it as a parameter ([`crate::context::Inputs`]),
//! so a test on Linux can gather a machine "as Windows" or "as macOS" against a temporary directory.
//!
//! Two programs look for a home directory, and they do not agree on Windows:
//! - Codex takes `~/.codex` from the `dirs` crate (`codex-rs/utils/home-dir/src/lib.rs`,
//!   `find_codex_home`): `$HOME` on Linux and macOS (the password database's home when `HOME` is unset
//!   or empty, which the doctor does not read: it then knows no home), and on Windows the user's
//!   profile folder as Windows itself reports it (the `Profile` known folder; `HOME` plays no part),
//!   which is what `USERPROFILE` names.
//! - The AWS SDK finds `~/.aws` by `HOME` on every platform, then on Windows `USERPROFILE`, then
//!   `HOMEDRIVE` + `HOMEPATH` (aws-runtime `fs_util::home_dir`). Git Bash or Cygwin set `HOME` on
//!   Windows, and then the two homes can differ.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::env_vars;

/// An operating system family, as far as the doctor's paths and findings depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux and other Unix: the XDG base directories, no desktop app.
    Linux,
    /// macOS: `/Applications`, `~/Library`.
    MacOs,
    /// Windows: `%USERPROFILE%`, `%LOCALAPPDATA%`, an MSIX desktop app.
    Windows,
}

impl Platform {
    /// The platform this binary was built for.
    pub fn current() -> Platform {
        if cfg!(target_os = "macos") {
            Platform::MacOs
        } else if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Linux
        }
    }

    /// Whether Unix permission bits mean anything: on Windows access is decided by ACLs, and a mode
    /// the standard library reports there says nothing about who can read a file.
    pub fn has_unix_modes(self) -> bool {
        self != Platform::Windows
    }

    /// How the platform is named in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Linux => "Linux",
            Platform::MacOs => "macOS",
            Platform::Windows => "Windows",
        }
    }

    /// The home directory Codex puts `.codex` under (see the module documentation): `None` when the
    /// environment does not name one.
    pub fn codex_user_home(self, env: &BTreeMap<String, String>) -> Option<PathBuf> {
        let var = if self == Platform::Windows { env_vars::USERPROFILE } else { env_vars::HOME };
        env_vars::non_empty(env, var).map(PathBuf::from)
    }

    /// The home directory the AWS SDK puts `.aws` under (see the module documentation). A variable that
    /// is set counts even when empty, as the SDK counts it: the files are then looked for relative to
    /// the working directory.
    pub fn sdk_home(self, env: &BTreeMap<String, String>) -> Option<PathBuf> {
        if let Some(home) = env.get(env_vars::HOME) {
            return Some(PathBuf::from(home));
        }
        if self != Platform::Windows {
            return None;
        }
        if let Some(profile) = env.get(env_vars::USERPROFILE) {
            return Some(PathBuf::from(profile));
        }
        let drive = env.get(env_vars::HOMEDRIVE)?;
        let path = env.get(env_vars::HOMEPATH)?;
        Some(PathBuf::from(format!("{drive}{path}")))
    }

    /// Expands a leading `~` the way the AWS SDK does for `AWS_CONFIG_FILE` and the like: `~/` on every
    /// platform, and `~\` as well on Windows, where `\` separates path components.
    pub fn expand_home(self, path: &str, home: Option<&std::path::Path>) -> PathBuf {
        let rest = path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\").filter(|_| self == Platform::Windows));
        match (rest, home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }

    /// The file names a command `name` is found under on `PATH`: itself, except on Windows, where a name
    /// without an extension is tried with each extension of the default `PATHEXT` (npm installs
    /// `codex.cmd` there, beside an extensionless shell script for Git Bash that Windows cannot start;
    /// the AWS SDK runs `credential_process` through `cmd.exe`, which searches the same way).
    pub fn executable_names(self, name: &str) -> Vec<String> {
        if self != Platform::Windows || std::path::Path::new(name).extension().is_some() {
            return vec![name.to_owned()];
        }
        [".com", ".exe", ".bat", ".cmd"].iter().map(|ext| format!("{name}{ext}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn codex_takes_the_profile_folder_on_windows_and_home_elsewhere() {
        let both = env(&[("HOME", "/c/Users/u"), ("USERPROFILE", "C:\\Users\\u")]);
        assert_eq!(Platform::Windows.codex_user_home(&both), Some(PathBuf::from("C:\\Users\\u")));
        assert_eq!(Platform::Linux.codex_user_home(&both), Some(PathBuf::from("/c/Users/u")));
        assert_eq!(Platform::MacOs.codex_user_home(&both), Some(PathBuf::from("/c/Users/u")));
        let profile_only = env(&[("USERPROFILE", "C:\\Users\\u")]);
        assert_eq!(Platform::Linux.codex_user_home(&profile_only), None);
        assert_eq!(Platform::Windows.codex_user_home(&env(&[("HOME", "/c/Users/u")])), None);
    }

    #[test]
    fn the_sdk_takes_home_first_then_the_windows_variables() {
        let both = env(&[("HOME", "/c/Users/u"), ("USERPROFILE", "C:\\Users\\u")]);
        assert_eq!(Platform::Windows.sdk_home(&both), Some(PathBuf::from("/c/Users/u")));
        let windows = env(&[("USERPROFILE", "C:\\Users\\u"), ("HOMEDRIVE", "D:"), ("HOMEPATH", "\\home")]);
        assert_eq!(Platform::Windows.sdk_home(&windows), Some(PathBuf::from("C:\\Users\\u")));
        let drive = env(&[("HOMEDRIVE", "D:"), ("HOMEPATH", "\\home")]);
        assert_eq!(Platform::Windows.sdk_home(&drive), Some(PathBuf::from("D:\\home")));
        assert_eq!(Platform::Linux.sdk_home(&windows), None);
        assert_eq!(Platform::MacOs.sdk_home(&drive), None);
        let empty_home = env(&[("HOME", ""), ("USERPROFILE", "C:\\Users\\u")]);
        assert_eq!(Platform::Windows.sdk_home(&empty_home), Some(PathBuf::new()));
    }

    #[test]
    fn windows_looks_for_commands_with_their_extensions() {
        assert_eq!(Platform::Windows.executable_names("codex"), ["codex.com", "codex.exe", "codex.bat", "codex.cmd"]);
        assert_eq!(Platform::Windows.executable_names("helper.exe"), ["helper.exe"]);
        assert_eq!(Platform::Linux.executable_names("codex"), ["codex"]);
        assert_eq!(Platform::MacOs.executable_names("codex"), ["codex"]);
    }

    #[test]
    fn a_backslash_after_the_tilde_expands_on_windows_only() {
        let home = std::path::Path::new("/h");
        assert_eq!(Platform::Windows.expand_home("~\\cfg", Some(home)), home.join("cfg"));
        assert_eq!(Platform::Linux.expand_home("~\\cfg", Some(home)), PathBuf::from("~\\cfg"));
        assert_eq!(Platform::MacOs.expand_home("~/cfg", Some(home)), home.join("cfg"));
        assert_eq!(Platform::Linux.expand_home("~/cfg", None), PathBuf::from("~/cfg"));
    }
}
