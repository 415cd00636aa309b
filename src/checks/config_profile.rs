//! `config-profile`: the Codex profile is selected the way the version does it — legacy
//! `profile = "x"` / `[profiles.x]` up to 0.132, `$CODEX_HOME/x.config.toml` layering from 0.134, where
//! the legacy forms are fatal (reference §2.7).

use super::{Check, CheckMeta, Fixable, Kind, Runner, report_fatal};
use crate::catalog::Feature;
use crate::context::codex_config::{LayerSource, profile_file_path};
use crate::fix::{Change, Edit, Fix, FixOptions, Safety};
use crate::meta::CheckId;
use crate::report::{Finding, Outcome};
use crate::session::Session;

/// The check.
pub const CHECK: Check = Check {
    meta: CheckMeta {
        id: CheckId::ConfigProfile,
        group: "config",
        kind: Kind::Offline,
        fixable: Fixable::Unsafe,
        lint: true,
        summary: "profile selection as the version does it (legacy profiles fatal ≥ 0.134; X.config.toml layering)",
        doc: include_str!("../../checks/config-profile.md"),
    },
    run: Runner::Offline(run),
    fixes: Some(fixes),
};

fn run(ctx: &Session) -> Outcome {
    let v2 = ctx.rules.has(Feature::ProfilesV2);
    let selected = ctx.options.codex_profile.as_deref();
    let legacy_layer = ctx.config.layers.iter().find_map(|l| match &l.source {
        LayerSource::LegacyProfile(name) => Some(name.clone()),
        _ => None,
    });
    let mut out = match (selected, &legacy_layer) {
        (Some(name), _) if v2 => {
            Outcome::pass(format!("profile `{name}` layers {}", profile_file_path(&ctx.codex_home, name).display()))
        }
        (_, Some(name)) => Outcome::pass(format!("legacy profile `{name}` ([profiles.{name}] in config.toml)")),
        _ => Outcome::pass("no profile selected"),
    };
    out.set("mechanism", if v2 { "profile files (>= 0.134)" } else { "legacy [profiles.X] tables (<= 0.132)" });
    let migrate = |name: &str| {
        format!(
            "Move the `[profiles.{name}]` settings into {}, delete `profile = …` and `[profiles.{name}]` from config.toml, then run `codex --profile {name}`",
            profile_file_path(&ctx.codex_home, name).display()
        )
    };
    let name =
        selected.map(str::to_owned).or_else(|| ctx.config.base()?.table()?.get("profile")?.as_str().map(str::to_owned));
    let remedy = match (&name, v2) {
        (Some(n), true) => migrate(n),
        (Some(n), false) => format!("Add a `[profiles.{n}]` table to config.toml or select an existing profile"),
        (None, _) => "Fix the profile selection".to_owned(),
    };
    report_fatal(ctx, CheckId::ConfigProfile, &mut out, &remedy);
    if v2 {
        if let Some(name) = selected {
            let file =
                ctx.config.files.iter().skip(1).find(|f| f.source.path == profile_file_path(&ctx.codex_home, name));
            if file.is_some_and(|f| !f.source.exists()) {
                out.push(
                    Finding::warn(format!(
                        "{} does not exist: Codex {} silently runs with config.toml alone",
                        profile_file_path(&ctx.codex_home, name).display(),
                        ctx.rules.version
                    ))
                    .fix(format!(
                        "Create {0}.config.toml in {1}, or drop `--profile {0}`",
                        name,
                        ctx.codex_home.display()
                    )),
                );
            }
        }
        let unused: Vec<String> = ctx
            .config
            .base()
            .and_then(|b| b.table())
            .and_then(|t| t.get("profiles"))
            .and_then(|p| p.as_table_like())
            .map(|t| t.iter().map(|(k, _)| k.to_owned()).filter(|k| Some(k.as_str()) != selected).collect())
            .unwrap_or_default();
        if !unused.is_empty() && ctx.prediction.fatal_for(CheckId::ConfigProfile).next().is_none() {
            out.push(Finding::info(format!(
                "legacy table(s) {} are ignored by Codex {} (tolerated while not selected)",
                super::quoted(&unused.iter().map(|u| format!("[profiles.{u}]")).collect::<Vec<_>>()),
                ctx.rules.version
            )));
        }
    }
    out
}

/// Codex ≥ 0.134 refuses legacy profiles: the `[profiles.NAME]` table moves into `NAME.config.toml`
/// and the selector and table leave config.toml (unsafe: how Codex must be started changes).
fn fixes(ctx: &Session, _options: &FixOptions) -> Vec<Fix> {
    if !ctx.rules.has(Feature::ProfilesV2) || ctx.prediction.fatal_for(CheckId::ConfigProfile).next().is_none() {
        return Vec::new();
    }
    let Some(base) = ctx.config.base() else { return Vec::new() };
    let Some(table) = base.table() else { return Vec::new() };
    let selector = table.get("profile").and_then(|i| i.as_str());
    let Some(name) = ctx.options.codex_profile.as_deref().or(selector) else { return Vec::new() };
    if !crate::context::codex_config::is_profile_name(name) {
        return Vec::new();
    }
    // The name becomes a file name and goes into the new file's header: refuse what could inject a
    // line or make a file name no shell quotes safely, and say so (the debug form shows a newline).
    if let Some(why) = crate::fix::unsafe_name(name) {
        return vec![Fix {
            check: CheckId::ConfigProfile,
            title: format!("Move profile {name:?} into its own profile file"),
            safety: Safety::Refused,
            requested: false,
            changes: Vec::new(),
            note: Some(format!("the profile name {name:?} cannot be a file name: {why}; rename the profile by hand")),
        }];
    }
    let config = base.source.path.clone();
    let mut changes = Vec::new();
    let target = profile_file_path(&ctx.codex_home, name);
    let legacy =
        table.get("profiles").and_then(|p| p.as_table_like()).and_then(|p| p.get(name)).and_then(|t| t.as_table_like());
    if let Some(legacy) = legacy {
        if target.exists() {
            return Vec::new();
        }
        let mut doc = toml_edit::DocumentMut::new();
        for (key, item) in legacy.iter() {
            // With its Key, so the comments above each setting move along.
            if let Some((formatted, _)) = legacy.get_key_value(key) {
                doc.as_table_mut().insert_formatted(formatted, item.clone());
            }
        }
        let contents = format!(
            "# Moved by bedrock-doctor from [profiles.{name}] in config.toml (Codex >= 0.134 profile file)\n{}",
            doc.to_string().trim_start()
        );
        changes.push(Change::Create { file: target.clone(), contents });
        changes.push(Change::Edit {
            file: config.clone(),
            edit: Edit::Remove { path: vec!["profiles".into(), name.into()] },
        });
    }
    if selector.is_some() {
        changes.push(Change::Edit { file: config, edit: Edit::Remove { path: vec!["profile".into()] } });
    }
    vec![Fix {
        check: CheckId::ConfigProfile,
        title: format!("Move profile `{name}` into {}", target.display()),
        safety: Safety::Unsafe,
        requested: false,
        changes,
        note: Some(format!("start Codex with `codex --profile {name}` to use it")),
    }]
}
