//! Gathering "as" each platform against a temporary directory: where Codex's home and the AWS files
//! are, which desktop app is looked for, and whether file modes are judged. The platform is an input,
//! so Linux CI covers macOS and Windows too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bedrock_doctor::catalog::catalog;
use bedrock_doctor::checks::{Runner, aws_profile, codex_dotenv};
use bedrock_doctor::context::{Context, Inputs, Options};
use bedrock_doctor::fix::FixOptions;
use bedrock_doctor::platform::Platform;
use bedrock_doctor::session::Session;
use semver::Version;

const CONFIG: &str = "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.5\"\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A machine of `platform` with exactly `env` (and no `codex` on PATH: the version is given).
fn gather(platform: Platform, env: &[(&str, &Path)]) -> Session {
    let mut vars: BTreeMap<String, String> =
        env.iter().map(|(k, v)| ((*k).to_owned(), v.display().to_string())).collect();
    vars.insert("PATH".into(), String::new());
    vars.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    let options = Options { codex_version: Some(Version::new(0, 169, 0)), offline: true, ..Options::default() };
    Session::new(Context::gather(Inputs { env: vars, options, now: 0, catalog: catalog(), platform }))
}

fn provider(ctx: &Session) -> Option<String> {
    ctx.config.get_str(&["model_provider"]).ok().flatten().map(|(v, _)| v.to_owned())
}

#[test]
fn on_windows_codex_home_is_under_the_profile_folder() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path();
    write(&profile.join(".codex/config.toml"), CONFIG);

    let ctx = gather(Platform::Windows, &[("USERPROFILE", profile)]);
    assert_eq!(ctx.home.as_deref(), Some(profile));
    assert_eq!(ctx.codex_home, profile.join(".codex"));
    assert_eq!(provider(&ctx).as_deref(), Some("amazon-bedrock"));

    // USERPROFILE means nothing to Codex on Linux or macOS: there is no home, so no config either.
    for platform in [Platform::Linux, Platform::MacOs] {
        let ctx = gather(platform, &[("USERPROFILE", profile)]);
        assert_eq!(ctx.home, None, "{platform:?}");
        assert_eq!(provider(&ctx), None, "{platform:?}");
    }
}

#[test]
fn codex_home_wins_over_the_profile_folder() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere");
    write(&dir.path().join(".codex/config.toml"), "model_provider = \"openai\"\n");
    write(&elsewhere.join("config.toml"), CONFIG);
    let ctx = gather(Platform::Windows, &[("USERPROFILE", dir.path()), ("CODEX_HOME", &elsewhere)]);
    assert_eq!(ctx.codex_home, elsewhere);
    assert_eq!(provider(&ctx).as_deref(), Some("amazon-bedrock"));
}

#[test]
fn on_windows_home_moves_the_aws_files_but_not_codex_home() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let bash_home = dir.path().join("bash-home");
    write(&profile.join(".codex/config.toml"), CONFIG);
    write(&profile.join(".aws/config"), "[default]\nregion = eu-west-1\n");
    write(&bash_home.join(".aws/config"), "[default]\nregion = us-west-2\n");

    // Git Bash sets HOME: the AWS SDK takes it first, Codex asks Windows for the profile folder.
    let ctx = gather(Platform::Windows, &[("USERPROFILE", &profile), ("HOME", &bash_home)]);
    assert_eq!(ctx.codex_home, profile.join(".codex"));
    assert_eq!(ctx.aws.config.path, bash_home.join(".aws/config"));
    assert_eq!(ctx.aws_profile_get("default", "region"), Some("us-west-2"));
    let split = |ctx: &Session| {
        let Runner::Offline(run) = aws_profile::CHECK.run else { panic!("aws-profile runs offline") };
        run(ctx).findings.iter().any(|f| f.message.contains("the AWS SDK reads .aws under HOME"))
    };
    assert!(split(&ctx), "the split homes are reported");

    // Without HOME the SDK falls back to USERPROFILE.
    let ctx = gather(Platform::Windows, &[("USERPROFILE", &profile)]);
    assert_eq!(ctx.aws.config.path, profile.join(".aws/config"));
    assert_eq!(ctx.aws_profile_get("default", "region"), Some("eu-west-1"));
    assert!(!split(&ctx));

    // On Linux HOME is both homes.
    let ctx = gather(Platform::Linux, &[("USERPROFILE", &profile), ("HOME", &bash_home)]);
    assert_eq!(ctx.codex_home, bash_home.join(".codex"));
    assert_eq!(ctx.aws.config.path, bash_home.join(".aws/config"));
    assert!(!split(&ctx));
}

#[test]
fn the_desktop_app_is_found_where_each_platform_installs_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let program_files = dir.path().join("Program Files");
    let msix = program_files.join("WindowsApps/OpenAI.Codex_26.730.61639.0_x64__2p2nqsd0c76g0");
    std::fs::create_dir_all(msix.join("app/resources")).unwrap();
    write(
        &home.join("Applications/Codex.app/Contents/Info.plist"),
        "<dict><key>CFBundleShortVersionString</key><string>26.601.1</string></dict>",
    );
    let env: &[(&str, &Path)] = &[("HOME", &home), ("USERPROFILE", &home), ("PROGRAMFILES", &program_files)];
    let found = |platform| -> Vec<(PathBuf, String)> {
        // Only what is in the temporary directory: a macOS machine running this has a real /Applications.
        let apps = gather(platform, env).apps.clone();
        apps.into_iter().filter(|a| a.path.starts_with(dir.path())).map(|a| (a.path, a.version)).collect()
    };
    assert_eq!(found(Platform::Windows), vec![(msix.clone(), "26.730.61639.0".to_owned())]);
    assert_eq!(found(Platform::MacOs), vec![(home.join("Applications/Codex.app"), "26.601.1".to_owned())]);
    assert_eq!(found(Platform::Linux), Vec::new());
}

/// A `.env` holding a bearer token, readable by everyone (0644).
#[cfg(unix)]
#[test]
fn dotenv_permissions_are_judged_where_unix_modes_mean_something() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    write(&home.join(".codex/config.toml"), CONFIG);
    let dotenv = home.join(".codex/.env");
    write(&dotenv, "AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    std::fs::set_permissions(&dotenv, std::fs::Permissions::from_mode(0o644)).unwrap();

    let Runner::Offline(run) = codex_dotenv::CHECK.run else { panic!("codex-dotenv runs offline") };
    let fixes = codex_dotenv::CHECK.fixes.expect("codex-dotenv has fixes");
    for (platform, judged) in [(Platform::Linux, true), (Platform::MacOs, true), (Platform::Windows, false)] {
        let ctx = gather(platform, &[("HOME", home), ("USERPROFILE", home)]);
        assert_eq!(ctx.dotenv.source.path, dotenv, "{platform:?}");
        let outcome = run(&ctx);
        let mode_findings: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .filter(|m| m.contains("other users can read it"))
            .collect();
        assert_eq!(mode_findings.len(), usize::from(judged), "{platform:?}: {:?}", outcome.findings);
        let chmods = fixes(&ctx, &FixOptions::default());
        assert_eq!(chmods.len(), usize::from(judged), "{platform:?}");
    }
}

#[test]
fn an_app_started_without_the_shell_is_named_by_how_the_platform_starts_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let program_files = dir.path().join("Program Files");
    write(&home.join(".codex/config.toml"), CONFIG);
    std::fs::create_dir_all(program_files.join("WindowsApps/OpenAI.Codex_26.730.61639.0_x64__2p2nqsd0c76g0")).unwrap();
    write(
        &home.join("Applications/Codex.app/Contents/Info.plist"),
        "<dict><key>CFBundleShortVersionString</key><string>26.730.61639</string></dict>",
    );
    let bearer = Path::new("bedrock-api-key-AAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let env: &[(&str, &Path)] = &[
        ("HOME", &home),
        ("USERPROFILE", &home),
        ("PROGRAMFILES", &program_files),
        ("AWS_BEARER_TOKEN_BEDROCK", bearer),
    ];
    let Runner::Offline(run) = codex_dotenv::CHECK.run else { panic!("codex-dotenv runs offline") };
    let warning = |platform| {
        let outcome = run(&gather(platform, env));
        outcome.findings.iter().map(|f| f.message.clone()).find(|m| m.contains("from your shell"))
    };
    let windows = warning(Platform::Windows).expect("a warning on Windows");
    assert!(windows.contains("started from the Start menu"), "{windows}");
    let macos = warning(Platform::MacOs).expect("a warning on macOS");
    assert!(macos.contains("started from the Dock"), "{macos}");
    // No desktop app on Linux, and no editor here: nothing starts Codex without the shell.
    assert_eq!(warning(Platform::Linux), None);
}
