//! Command-line interface: parse, gather, run, render, exit. Errors of the doctor itself exit 2.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use semver::Version;

use crate::checks::{CHECKS, Kind};
use crate::context::{Context, Inputs, Mode, Options};
use crate::env_vars::{CLICOLOR_FORCE, NO_COLOR};
use crate::meta::CheckId;
use crate::render::{self, Format, Style, Target};
use crate::runner::{self, Selection, UnknownIds};
use crate::session::Session;

/// Predicts exactly what OpenAI Codex will do on Amazon Bedrock, explains every problem and how to fix it.
#[derive(Debug, Parser)]
#[command(name = "bedrock-doctor", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    common: Common,
}

/// Options every command takes.
#[derive(Debug, Args)]
struct Common {
    /// Codex home directory [default: $CODEX_HOME, else ~/.codex]
    #[arg(long, global = true, value_name = "DIR")]
    codex_home: Option<PathBuf>,
    /// The Codex profile to evaluate, as `codex --profile NAME` would
    #[arg(long, short = 'p', global = true, value_name = "NAME")]
    profile: Option<String>,
    /// A config override, as `codex -c key=value` takes it (repeatable)
    #[arg(short = 'c', global = true, value_name = "KEY=VALUE")]
    config: Vec<String>,
    /// Evaluate the rules of this Codex version instead of detecting it
    #[arg(long, global = true, value_name = "X.Y.Z")]
    codex_version: Option<Version>,
    /// The Codex binary to ask for its version [default: `codex` on PATH]
    #[arg(long, global = true, value_name = "PATH")]
    codex_bin: Option<PathBuf>,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to use colours (NO_COLOR and CLICOLOR_FORCE are respected under `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// ASCII symbols only
    #[arg(long, global = true)]
    ascii: bool,
    /// Show details and every finding under each check
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
    /// No network: live checks are skipped
    #[arg(long, global = true)]
    offline: bool,
    /// Seconds allowed per live check
    #[arg(long, global = true, value_name = "SECS", default_value_t = 5.0)]
    timeout: f64,
    /// Run only these checks (comma-separated ids)
    #[arg(long, global = true, value_delimiter = ',', value_name = "ID,...")]
    select: Vec<String>,
    /// Skip these checks (comma-separated ids)
    #[arg(long, global = true, value_delimiter = ',', value_name = "ID,...")]
    ignore: Vec<String>,
    /// Warnings fail too (exit 1)
    #[arg(long, global = true)]
    strict: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every check and predict what Codex will do
    Check,
    /// Print a check's documentation page
    Explain {
        /// The check id (see `list`)
        id: String,
    },
    /// List every check
    List,
    /// Repair config.toml (and .env permissions) in place: safe fixes, plus unsafe ones on request
    Fix(FixArgs),
    /// Check config templates (files or directories) in CI, without the local environment
    Lint(LintArgs),
    /// Print the least-privilege IAM policy for the effective setup (model, region, auth method)
    Iam,
    /// Print shell completions (bash, zsh, fish, elvish, powershell), or `man` for the man page
    Completions {
        /// bash, zsh, fish, elvish, powershell or man
        shell: String,
    },
}

#[derive(Debug, Args)]
struct LintArgs {
    /// Files or directories (walked for *.toml and .env* files)
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// A team policy file (allowed_models, allowed_regions, require_region, min_codex_version, forbid_base_url)
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct FixArgs {
    /// Print the diff only; change nothing
    #[arg(long)]
    dry_run: bool,
    /// Also apply fixes that change behaviour (pin a region, migrate a legacy profile, …)
    #[arg(long = "unsafe")]
    unsafe_fixes: bool,
    /// The region to pin (`aws.region`)
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// The model to use
    #[arg(long, value_name = "ID")]
    model: Option<String>,
    /// The AWS profile to pin (`aws.profile`)
    #[arg(long, value_name = "NAME")]
    aws_profile: Option<String>,
    /// Do not keep a `.bak` copy of each changed file
    #[arg(long)]
    no_backup: bool,
}

/// Decides colour once (PRODUCT.md: `--color`, NO_COLOR, CLICOLOR_FORCE).
fn use_color(choice: ColorChoice, env: &std::collections::BTreeMap<String, String>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env.get(NO_COLOR).is_some_and(|v| !v.is_empty()) {
                false
            } else if env.get(CLICOLOR_FORCE).is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                std::io::stdout().is_terminal()
            }
        }
    }
}

/// Writes `text`, treating a closed pipe (`| head`) as success.
fn emit(text: &str) -> Result<(), i32> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("bedrock-doctor: cannot write output: {e}");
            Err(2)
        }
    }
}

fn usage_error(message: &str) -> i32 {
    // A usage error can quote input (a path, a policy file's TOML error): no control character or
    // credential-shaped text from it reaches the terminal.
    eprintln!("bedrock-doctor: {}", crate::redact::scrub_plain(message));
    2
}

/// Runs the CLI with the process arguments and environment; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let c = &cli.common;
    if let Some(name) = &c.profile
        && !crate::context::codex_config::is_profile_name(name)
    {
        return usage_error(&format!("--profile `{name}` is not a profile name (no `/`, `\\` or `..`)"));
    }
    if !(c.timeout.is_finite() && c.timeout > 0.0 && c.timeout <= 600.0) {
        return usage_error("--timeout must be between 0 and 600 seconds");
    }
    // A malformed `-c` is the command used wrongly (Codex refuses it before reading anything), not a
    // finding about the setup: exit 2 with Codex's own message.
    if let Some(e) = crate::context::codex_config::parse_overrides(&c.config).1.first() {
        return usage_error(e);
    }
    // `--codex-home` names the directory to evaluate: a path that is not one is a typo, and evaluating
    // (or `fix` creating) an empty tree there would answer a question nobody asked. `CODEX_HOME` set
    // in the environment is different: Codex itself stops on it, so that is a finding.
    if matches!(cli.command, Command::Check | Command::Fix(_) | Command::Iam)
        && let Some(dir) = &c.codex_home
        && let Some(problem) = crate::context::CodexHomeProblem::of(dir)
    {
        return usage_error(&format!("--codex-home {}: {}", dir.display(), problem.as_str()));
    }
    // The finding formats describe findings; a list of checks and a fix's diff are neither. Saying so
    // beats printing text a SARIF or JUnit consumer would choke on.
    let (command, formats): (&str, &[Format]) = match cli.command {
        Command::List => ("list", &[Format::Human, Format::Json]),
        // A policy document, which is JSON whatever is asked.
        Command::Iam => ("iam", &[Format::Human, Format::Json]),
        Command::Fix(_) => ("fix", &[Format::Human]),
        Command::Explain { .. } => ("explain", &[Format::Human]),
        Command::Completions { .. } => ("completions", &[Format::Human]),
        Command::Check | Command::Lint(_) => ("", &[]),
    };
    if !formats.is_empty() && !formats.contains(&c.format) {
        let name = |f: &Format| f.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
        let allowed: Vec<String> = formats.iter().map(name).collect();
        return usage_error(&format!(
            "`{command}` does not print `--format {}` (it prints: {})",
            name(&c.format),
            allowed.join(", ")
        ));
    }
    // An unknown check id is a typo the user must hear about, whichever command it was given to.
    if let Err(code) = selection(c, matches!(cli.command, Command::Lint(_))) {
        return code;
    }
    match &cli.command {
        Command::List => list(c),
        Command::Explain { id } => explain(id),
        Command::Check => check(c),
        Command::Fix(args) => fix(c, args),
        Command::Lint(args) => lint(c, args),
        Command::Iam => iam(c),
        Command::Completions { shell } => completions(shell),
    }
}

fn options(c: &Common) -> Options {
    Options {
        codex_home: c.codex_home.clone(),
        codex_profile: c.profile.clone(),
        overrides: c.config.clone(),
        codex_version: c.codex_version.clone(),
        codex_bin: c.codex_bin.clone(),
        offline: c.offline,
        timeout: Duration::from_secs_f64(c.timeout),
        scan_apps: true,
        config_path: None,
        mode: Mode::Machine,
        gathered_codex: None,
        allowed_regions: None,
    }
}

fn check(c: &Common) -> i32 {
    let selection = match selection(c, false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let inputs = Inputs::from_process(options(c));
    let color = use_color(c.color, &inputs.env);
    let ctx = Arc::new(Session::new(Context::gather(inputs)));
    // The live checks see Codex's environment (`.env` applied) through the session: the process
    // environment is never changed.
    let live = !c.offline && CHECKS.iter().any(|check| check.meta.kind == Kind::Live && selection.includes(check));
    let spinner = match (live && c.format == Format::Human && std::io::stderr().is_terminal(), c.ascii) {
        (false, _) => runner::Spinner::Off,
        (true, false) => runner::Spinner::Unicode,
        (true, true) => runner::Spinner::Ascii,
    };
    let report = runner::run(ctx.clone(), &selection, spinner);
    let width = render::text::width(&ctx.process_env);
    let style = Style { color, ascii: c.ascii, verbose: c.verbose, width, strict: c.strict };
    let redactor = ctx.redactor.clone().with(report.secrets.clone());
    let code = report.exit_code(c.strict);
    match emit(&render::render(c.format, &ctx, report, &redactor, style)) {
        Ok(()) => code,
        Err(code) => code,
    }
}

fn fix(c: &Common, args: &FixArgs) -> i32 {
    use crate::ops::fix::{FixRequest, run};
    let request = FixRequest {
        fix: crate::fix::FixOptions {
            unsafe_fixes: args.unsafe_fixes,
            region: args.region.clone(),
            model: args.model.clone(),
            aws_profile: args.aws_profile.clone(),
        },
        dry_run: args.dry_run,
        backup: !args.no_backup,
        ascii: c.ascii,
        strict: c.strict,
    };
    let inputs = Inputs::from_process(options(c));
    let done = run(&inputs, &request);
    // `fix` lays out its own lines; they are wrapped here, its diffs left as they are.
    let layout = render::text::Layout { width: render::text::width(&inputs.env), ascii: c.ascii };
    let written = emit(&render::text::reflow(&done.stdout, layout));
    if let Some(e) = &done.error {
        eprintln!("bedrock-doctor: {}", crate::redact::scrub_plain(&e.to_string()));
    }
    match written {
        Ok(()) => done.code,
        Err(code) => code,
    }
}

fn lint(c: &Common, args: &LintArgs) -> i32 {
    use crate::lint::{self, LintOptions, Policy};
    let selection = match selection(c, true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let policy = match &args.policy {
        Some(path) => match Policy::load(path) {
            Ok(p) => Some(p),
            Err(e) => return usage_error(&e.to_string()),
        },
        None => None,
    };
    let newest = crate::catalog::catalog().meta.newest_known.clone();
    let mut version = c.codex_version.clone().unwrap_or(newest);
    if let Some(min) = policy.as_ref().and_then(|p| p.min_codex_version.clone()) {
        version = version.max(min);
    }
    let files = match lint::discover(&args.paths, args.policy.as_deref()) {
        Ok(files) => files,
        Err(e) => return usage_error(&e.to_string()),
    };
    let options = LintOptions { version: version.clone(), policy, selection };
    let env = Inputs::from_process(Options::default()).env;
    let color = c.format == Format::Human && use_color(c.color, &env);
    let style = Style { color, ascii: c.ascii, verbose: false, width: render::text::width(&env), strict: c.strict };
    let mut stream = render::lint_stream(c.format, &version, style);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut code = 0;
    // Streamed: a batch of files is checked in parallel, written in order, and dropped; only the
    // writer's counters outlive it. Memory is bounded by the batch, not by the number of files.
    let written = (|| -> std::io::Result<()> {
        stream.begin(&mut out)?;
        for batch in files.chunks(lint::BATCH) {
            for report in lint::lint(batch, &options) {
                // Each file's report is redacted, structurally and before any encoding, by the redactor
                // of its own template: only that template's files can put a secret in its findings.
                let file = report.redactor.redact(report.path);
                let shown = report.redactor.redact(report.report);
                stream.file(&Target { file: &file, report: &shown }, &mut out)?;
                code = code.max(shown.exit_code(c.strict));
            }
        }
        stream.end(&mut out)?;
        out.flush()
    })();
    match written {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            eprintln!("bedrock-doctor: cannot write output: {e}");
            2
        }
    }
}

/// `--select`/`--ignore` as typed ids; `policy` only where `lint` runs it.
fn selection(c: &Common, lint: bool) -> Result<Selection, i32> {
    let selection = Selection::parse(&c.select, &c.ignore).map_err(|unknown| usage_error(&unknown.to_string()))?;
    if !lint && selection.select.iter().chain(&selection.ignore).any(|id| *id == CheckId::Policy) {
        return Err(usage_error(&UnknownIds(vec![CheckId::Policy.as_str().to_owned()]).to_string()));
    }
    Ok(selection)
}

fn iam(c: &Common) -> i32 {
    let mut opts = options(c);
    opts.offline = true;
    let ctx = Session::new(Context::gather(Inputs::from_process(opts)));
    match crate::iam::policy(&ctx) {
        // The policy quotes the configured region and model: control characters in them are shown
        // escaped (`\u{…}` is plain text inside a JSON string, so the document stays valid).
        Ok(policy) => {
            let text = serde_json::to_string_pretty(&policy).unwrap_or_default() + "\n";
            // stdout stays a policy document to paste; where an action comes from goes to stderr.
            eprintln!("bedrock-doctor: note: {}", crate::iam::MANTLE_LIST_SOURCE);
            emit(&ctx.redactor.scrub(&text)).err().unwrap_or(0)
        }
        Err(why) => {
            eprintln!("bedrock-doctor: {}", ctx.redactor.scrub(&why.to_string()));
            1
        }
    }
}

fn completions(shell: &str) -> i32 {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let mut out = Vec::new();
    if shell == "man" {
        if let Err(e) = clap_mangen::Man::new(command).render(&mut out) {
            return usage_error(&e.to_string());
        }
    } else {
        let Ok(shell) = shell.parse::<clap_complete::Shell>() else {
            return usage_error(&format!("unknown shell `{shell}` (bash, zsh, fish, elvish, powershell, man)"));
        };
        clap_complete::generate(shell, &mut command, "bedrock-doctor", &mut out);
    }
    emit(&String::from_utf8_lossy(&out)).err().unwrap_or(0)
}

fn list(c: &Common) -> i32 {
    let text = match c.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = CHECKS
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.meta.id,
                        "group": c.meta.group,
                        "live": c.meta.kind == Kind::Live,
                        "fixable": c.meta.fixable.as_str(),
                        "summary": c.meta.summary,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
        }
        // `main` refuses the finding formats for `list`.
        Format::Human | Format::Sarif | Format::Github | Format::Junit => {
            let layout = render::text::Layout {
                width: render::text::width(&Inputs::from_process(Options::default()).env),
                ascii: c.ascii,
            };
            list_table(layout)
        }
    };
    emit(&text).err().unwrap_or(0)
}

/// The `list` table. The summary stays in its column when the width leaves it room for a few words a
/// line; otherwise it goes under each row, indented, across the width.
fn list_table(layout: render::text::Layout) -> String {
    const SUMMARY: usize = 19 + 1 + 12 + 1 + 8 + 1 + 10 + 1;
    let beside = layout.width >= SUMMARY + 30;
    let mut out = if beside {
        format!("{:<19} {:<12} {:<8} {:<10} {}\n", "ID", "GROUP", "KIND", "FIXABLE", "SUMMARY")
    } else {
        format!("{:<19} {:<12} {:<8} {}\n    {}\n", "ID", "GROUP", "KIND", "FIXABLE", "SUMMARY")
    };
    for c in CHECKS {
        let kind = if c.meta.kind == Kind::Live { "live" } else { "offline" };
        let row = format!("{:<19} {:<12} {:<8} {:<10}", c.meta.id, c.meta.group, kind, c.meta.fixable.as_str());
        if beside {
            out.push_str(&format!("{row} {}\n", layout.hanging(SUMMARY, c.meta.summary)));
        } else {
            out.push_str(&format!("{}\n    {}\n", row.trim_end(), layout.hanging(4, c.meta.summary)));
        }
    }
    out
}

fn explain(id: &str) -> i32 {
    match crate::checks::find_str(id) {
        Some(check) => emit(check.meta.doc).err().unwrap_or(0),
        None => usage_error(&format!("unknown check `{id}` (see `bedrock-doctor list`)")),
    }
}
