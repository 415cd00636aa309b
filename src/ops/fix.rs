//! `bedrock-doctor fix`, above the checks: plan every check's fixes, converge on a scratch copy, write
//! the user's files, and run the offline checks again on what was written.
//!
//! The typed edits and how a file is written safely are `crate::fix`; this module is where the registry
//! of checks and the command meet, so that neither the checks nor `cli` hold the orchestration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::checks::CHECKS;
use crate::context::{Context, GatheredCodex, Inputs};
use crate::error::{Error, Result};
use crate::fix::{Change, FileResult, Fix, FixOptions, MAX_ROUNDS, Plan, Safety, mode_of, render, set_mode};
use crate::report::Status;
use crate::runner::{self, Selection};
use crate::session::Session;

/// Collects every check's fixes and decides which apply. Where two fixes set the same key, a requested
/// one wins over a proposed one, and the first proposal wins otherwise.
pub fn plan(ctx: &Session, options: &FixOptions) -> Plan {
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
        let enabled = match fix.safety {
            Safety::Safe => true,
            Safety::Unsafe => fix.requested || options.unsafe_fixes,
            Safety::Refused | Safety::NeedsFlag(_) => false,
        };
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
pub fn converge(inputs: &Inputs, codex_home: &Path, options: &FixOptions) -> Result<Converged> {
    // Private (0700) and removed on every return path: it holds copies of .env and auth.json.
    let scratch_dir = tempfile::Builder::new()
        .prefix("bedrock-doctor-fix-")
        .tempdir()
        .map_err(|e| Error::new("creating a scratch directory", e))?;
    let scratch = scratch_dir.path().to_path_buf();
    let mut originals: BTreeMap<String, (Option<String>, Option<u32>)> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(codex_home) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if !is_fix_file(&name) {
                continue;
            }
            // Bounded, never blocking (a FIFO is not read). A file fix never edits (a binary auth.json, a
            // stray profile file, a FIFO) must not stop it.
            let source = crate::context::SourceFile::read(&path);
            let Some(text) = source.text().map(str::to_owned) else {
                if name == "config.toml" {
                    return Err(Error::at("refusing to edit", &path, source.problem().unwrap_or_default()));
                }
                continue;
            };
            std::fs::write(scratch.join(&name), &text)
                .map_err(|e| Error::at("copying to the scratch directory", &path, e))?;
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
        let ctx = Session::new(Context::gather(scratch_inputs.clone()));
        let plan = plan(&ctx, options);
        converged.held_back = plan.held_back.clone();
        let files: Vec<FileResult> = render(&plan)?.into_iter().filter(FileResult::changed).collect();
        if files.is_empty() {
            break;
        }
        for file in &files {
            std::fs::write(&file.path, &file.new).map_err(|e| Error::at("writing the scratch copy", &file.path, e))?;
            if let Some(mode) = file.mode {
                set_mode(&file.path, mode);
            }
        }
        converged.applied.extend(plan.apply);
    }
    let mut names: Vec<String> = std::fs::read_dir(&scratch)
        .map_err(|e| Error::at("listing", &scratch, e))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_fix_file(n))
        .collect();
    names.sort();
    for name in names {
        let new = std::fs::read_to_string(scratch.join(&name))
            .map_err(|e| Error::at("reading the scratch copy", &scratch.join(&name), e))?;
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

/// What `fix` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct FixRequest {
    /// `--unsafe` and the flag values.
    pub fix: FixOptions,
    /// `--dry-run`.
    pub dry_run: bool,
    /// Keep a `.bak` of each changed file (no `--no-backup`).
    pub backup: bool,
    /// `--ascii`.
    pub ascii: bool,
    /// `--strict`.
    pub strict: bool,
}

/// What `fix` did: the text for stdout (already scrubbed of secrets), an error for stderr, and the exit code.
#[derive(Debug)]
pub struct FixRun {
    /// Applied fixes, held fixes, diffs, writes and what remains.
    pub stdout: String,
    /// Why it stopped, when it did.
    pub error: Option<Error>,
    /// 0 when no failure remains, 1 when failures remain, 2 when it could not do the job.
    pub code: i32,
}

/// `--region` and `--model` become values in config.toml (and a region, a host name): refuse what cannot
/// be one, and a region the selected Codex version would refuse to send to on `amazon-bedrock` (Codex
/// stops before sending, so writing it could only break the setup).
fn validate_flags(session: &Session, options: &FixOptions) -> Result<()> {
    use crate::codex::BedrockKind;
    if let Some(region) = &options.region {
        if !crate::net::is_region_name(region) {
            return Err(Error::new(
                "refusing --region",
                format!("{region:?} is not an AWS region name (like `us-east-1` or `us-gov-west-1`)"),
            ));
        }
        // No provider yet (a config fix would create) means amazon-bedrock, which `fix` writes.
        let mantle = matches!(session.prediction.bedrock, Some(BedrockKind::Mantle) | None);
        let allowed = session.rules.mantle_regions();
        if mantle && !allowed.is_empty() && !allowed.iter().any(|a| a == region) {
            return Err(Error::new(
                "refusing --region",
                format!(
                    "Codex {} does not send to `{region}` on amazon-bedrock (its regions: {})",
                    session.rules.version,
                    allowed.join(", ")
                ),
            ));
        }
    }
    if let Some(model) = &options.model
        && !crate::fix::is_model_id(model)
    {
        return Err(Error::new(
            "refusing --model",
            format!("{model:?} is not a model id (letters, digits, `.`, `-`, `_`, `:`, `/`; at most 256)"),
        ));
    }
    Ok(())
}

/// Runs `fix` on the setup `inputs` describe (offline: the live checks neither decide nor verify it).
pub fn run(inputs: &Inputs, request: &FixRequest) -> FixRun {
    let mut inputs = inputs.clone();
    inputs.options.offline = true;
    // Could not do the job (unparsable or changed file, disk full, read-only file system): exit 2, so a
    // script never mistakes "not fixed" for "fixed, failures remain".
    let refuse = |error: Error| FixRun { stdout: String::new(), error: Some(error), code: 2 };
    let session = Session::new(Context::gather(inputs.clone()));
    // Codex is asked once: the scratch rounds and the re-check reuse what this gather found.
    inputs.options.gathered_codex =
        Some(GatheredCodex { install: session.codex.clone(), models: session.models.clone() });
    let scrub = |text: &str| session.redactor.scrub(text);
    if let Err(e) = validate_flags(&session, &request.fix) {
        return refuse(e);
    }
    // Codex stops on this before reading any file, so no edit can help; creating the directory would
    // guess that the variable, not the path, is right.
    if let Some(problem) = session.codex_home_problem {
        let cause = format!("CODEX_HOME names it and it {}; Codex stops there too", problem.as_str());
        return refuse(Error::at("refusing to fix", &session.codex_home, cause));
    }
    if let Some(base) = session.config.base() {
        if let Some(e) = base.parse_error() {
            let cause = format!(
                "it does not parse ({}:{}: {}); fix the syntax first",
                e.location.line, e.location.column, e.message
            );
            return refuse(Error::at("refusing to edit", &base.source.path, cause));
        }
        if base.source.exists() && base.source.text().is_none() {
            return refuse(Error::new("refusing to edit", base.source.problem().unwrap_or_default()));
        }
    }
    let converged = match converge(&inputs, &session.codex_home, &request.fix) {
        Ok(c) => c,
        Err(e) => return refuse(e),
    };
    let mut out = String::new();
    let arrow = if request.ascii { "->" } else { "→" };
    for f in &converged.applied {
        out.push_str(&format!("fix   {:<18} {}\n", f.check, f.title));
        if let Some(note) = &f.note {
            out.push_str(&format!("      {:<18} {arrow} {note}\n", ""));
        }
    }
    for f in &converged.held_back {
        match f.safety {
            Safety::Refused => {
                let why = f.note.as_deref().unwrap_or("unsafe to write");
                out.push_str(&format!("held  {:<18} {} (refused: {why})\n", f.check, f.title));
            }
            Safety::NeedsFlag(flag) => {
                let why = f.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
                out.push_str(&format!("held  {:<18} {} (needs {flag}{why})\n", f.check, f.title));
            }
            _ => {
                out.push_str(&format!("held  {:<18} {} (unsafe: rerun with --unsafe)\n", f.check, f.title));
                // What the unsafe fix would change beyond the repair (another model, a region chosen).
                if let Some(note) = &f.note {
                    out.push_str(&format!("      {:<18} {arrow} {note}\n", ""));
                }
            }
        }
    }
    let files = converged.files;
    if files.is_empty() {
        out.push_str("nothing to change\n");
    }
    for file in &files {
        out.push('\n');
        out.push_str(&file.diff());
        if let Some(mode) = file.mode {
            out.push_str(&format!("mode of {} {arrow} {mode:04o}\n", file.path.display()));
        }
    }
    if request.dry_run || files.is_empty() {
        // Nothing was written: the session gathered above still describes the files.
        let stdout = scrub(&out);
        let report = runner::run(Arc::new(session), &Selection::default(), runner::Spinner::Off);
        return FixRun { stdout, error: None, code: report.exit_code(request.strict) };
    }
    for file in &files {
        match crate::fix::write::write(file, request.backup) {
            Ok(backup) => {
                let kept = backup.map(|b| format!(" (backup: {})", b.display())).unwrap_or_default();
                out.push_str(&format!("\nwrote {}{kept}\n", file.path.display()));
            }
            Err(e) => return FixRun { stdout: scrub(&out), error: Some(e), code: 2 },
        }
    }
    // The result decides the exit code: the offline checks run again on what was written.
    let after = Arc::new(Session::new(Context::gather(inputs)));
    let report = runner::run(after.clone(), &Selection::default(), runner::Spinner::Off);
    let remaining: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.status() >= Status::Warn)
        .map(|r| format!("  {} {}: {}\n", r.status().as_str(), r.meta.id, r.summary()))
        .collect();
    if remaining.is_empty() {
        out.push_str("\nall offline checks pass\n");
    } else {
        out.push_str("\nstill to do (see `bedrock-doctor check`):\n");
        out.extend(remaining);
    }
    FixRun { stdout: after.redactor.scrub(&out), error: None, code: report.exit_code(request.strict) }
}
