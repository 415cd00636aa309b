//! `codex-dotenv`: `$CODEX_HOME/.env` parses; which of its values override the shell (Codex applies it
//! with `set_var`, so it wins); `CODEX_*` keys are dropped; secrets in it are private (0600, on macOS
//! and Linux: Windows decides access by ACLs, which a Unix mode does not describe); and
//! whether the desktop app or editor, which do not inherit the shell, will see what the setup needs
//! (reference §5.5).

use super::{Check, CheckMeta, Fixable, Kind, Runner, quoted};
use crate::codex::AuthSource;
use crate::codex::{EnvSource, ProfileSource, RegionSource};
use crate::context::{FileRead, Origin};
use crate::env_vars::{AWS_PROFILE, BEDROCK_SETUP_VARS};
use crate::fix::{Change, Fix, FixOptions, Safety};
use crate::meta::CheckId;
use crate::platform::Platform;
use crate::redact::{looks_secret_name, mask};
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::CodexDotenv,
        group: "environment",
        kind: Kind::Offline,
        fixable: Fixable::Safe,
        lint: false,
        summary: "`.env` parses; which values override the shell; `CODEX_*` dropped; mode 0600; variables a desktop app cannot see",
        doc: include_str!("../../checks/codex-dotenv.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

/// Variables the predicted setup takes from the environment.
fn relied_on(ctx: &Session) -> Vec<&'static str> {
    let p = &ctx.prediction;
    let mut vars = Vec::new();
    if let Some(auth) = &p.auth {
        match auth.source {
            AuthSource::EnvBearer | AuthSource::DotenvBearer => vars.push(crate::env_vars::AWS_BEARER_TOKEN_BEDROCK),
            AuthSource::EnvAccessKeys | AuthSource::DotenvAccessKeys => {
                vars.extend([crate::env_vars::AWS_ACCESS_KEY_ID, crate::env_vars::AWS_SECRET_ACCESS_KEY])
            }
            _ => {}
        }
        if auth.source == AuthSource::SdkChain && matches!(ctx.aws_profile.source, ProfileSource::Env(_)) {
            vars.push(AWS_PROFILE);
        }
    }
    if let Some(region) = &p.region
        && let RegionSource::Env(EnvSource { var, .. }) = region.source
        && let Some(known) = BEDROCK_SETUP_VARS.iter().find(|k| **k == var)
    {
        vars.push(known);
    }
    vars
}

fn run(ctx: &Session) -> Outcome {
    let dotenv = &ctx.dotenv;
    let path = dotenv.source.path.display().to_string();
    let mut out = match &dotenv.source.read {
        FileRead::Missing => Outcome::pass(format!("no {path}")),
        FileRead::Text(_) => Outcome::pass(format!("{path}: {} variable(s) applied", dotenv.applied().count())),
        _ => Outcome::pass("").with(
            Finding::warn(dotenv.source.problem().unwrap_or_default())
                .fix(format!("Make {path} a readable UTF-8 text file")),
        ),
    };
    for e in &dotenv.errors {
        out.push(Finding::warn(format!("{path}:{}: {}", e.line, e.message)).fix(
            "Quote values with spaces (`KEY=\"a b\"`) and close every quote; Codex skips what dotenvy cannot parse",
        ));
    }
    let dropped: Vec<&str> = dotenv.dropped().collect();
    if !dropped.is_empty() {
        out.push(
            Finding::warn(format!("Codex drops {} from .env (keys starting `CODEX_` are refused)", quoted(&dropped)))
                .fix("Export CODEX_* variables in the shell or the app's launch environment instead"),
        );
    }
    let mut overrides = Vec::new();
    for (key, value) in dotenv.applied() {
        let Some(effective) = ctx.env.get(key) else { continue };
        if effective.origin == Origin::Dotenv
            && let Some(shell) = &effective.shell_value
            && shell != value
        {
            let show = |v: &str| if looks_secret_name(key) { mask(v) } else { format!("`{v}`") };
            out.push(Finding::info(format!("{key} from .env ({}) overrides the shell's {}", show(value), show(shell))));
            overrides.push(key.to_owned());
        }
    }
    out.set("overrides_shell", overrides);
    if let Some(mode) = judged_mode(ctx) {
        out.set("mode", format!("{mode:04o}"));
    }
    if let Some(mode) = exposed_mode(ctx) {
        out.push(
            Finding::warn(format!("{path} holds secrets but is mode {mode:04o}: other users can read it"))
                .fix(format!("chmod 600 {path}")),
        );
    }
    if !ctx.apps.is_empty() {
        let shell_only: Vec<&str> = relied_on(ctx)
            .into_iter()
            .filter(|var| ctx.env.get(var).is_some_and(|v| v.origin == Origin::Process))
            .collect();
        if !shell_only.is_empty() {
            let apps: Vec<&str> = ctx.apps.iter().map(|a| a.kind).collect();
            let launcher = if ctx.platform == Platform::Windows { "the Start menu" } else { "the Dock" };
            out.push(
                Finding::warn(format!(
                    "this setup needs {} from your shell, but {} started from {launcher} or a launcher do not inherit shell variables",
                    quoted(&shell_only),
                    apps.join(" and ")
                ))
                .fix(format!(
                    "Put them in {path}{}, or the non-secret ones in config.toml (aws.region, aws.profile)",
                    if ctx.platform.has_unix_modes() { " (chmod 600)" } else { "" }
                )),
            );
        }
    }
    out
}

/// `.env`'s mode where a mode decides who can read the file: macOS and Linux, not Windows (ACLs).
fn judged_mode(ctx: &Session) -> Option<u32> {
    ctx.dotenv.source.mode.filter(|_| ctx.platform.has_unix_modes())
}

/// That mode when `.env` holds secrets and others can read it: what the warning reports and what
/// `fix` repairs, decided once so the two cannot disagree.
fn exposed_mode(ctx: &Session) -> Option<u32> {
    let holds_secret = ctx.dotenv.pairs.iter().any(|(k, _)| looks_secret_name(k));
    judged_mode(ctx).filter(|mode| holds_secret && mode & 0o077 != 0)
}

/// A `.env` holding secrets that others can read is made private (mode 0600; safe).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    if exposed_mode(ctx).is_none() {
        return Vec::new();
    }
    let file = &ctx.dotenv.source.path;
    vec![Fix {
        check: CheckId::CodexDotenv,
        title: format!("chmod 600 {}", file.display()),
        safety: Safety::Safe,
        requested: false,
        changes: vec![Change::Chmod { file: file.clone(), mode: 0o600 }],
        note: None,
    }]
}
