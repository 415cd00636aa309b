//! Running a Codex binary as a bounded child (`codex --version`, `codex debug models`).
//!
//! The binary is whatever `codex` is on PATH, so it may misbehave: hang, print without end, or leave a
//! child of its own running that still holds stdout. Three rules keep the doctor's own bound:
//! - the child starts in a new process group, and the whole group is killed on timeout, or when the
//!   child exited but something it started still holds stdout;
//! - stdout is read on a helper thread and the main thread only waits on a deadline, never on the pipe:
//!   a grandchild that keeps the pipe open cannot block the doctor;
//! - the output is capped; past the cap the group is killed and the run fails.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the pipe may stay open after the child itself exited (a grandchild holding it): enough for
/// the last bytes to arrive, short enough not to matter.
const PIPE_GRACE: Duration = Duration::from_millis(100);

/// Bounds of one run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// When the run is abandoned and the process group killed.
    pub deadline: Instant,
    /// The most stdout bytes kept; more fails the run.
    pub max_output: usize,
}

/// What a finished run gave.
#[derive(Debug)]
pub struct Finished {
    /// The child's exit status.
    pub status: ExitStatus,
    /// Its standard output (at most `max_output` bytes).
    pub stdout: Vec<u8>,
}

/// Why a run gave no output.
#[derive(Debug)]
pub enum RunError {
    /// The program could not be started.
    Spawn(std::io::Error),
    /// Waiting for the child failed.
    Wait(std::io::Error),
    /// It did not finish before the deadline.
    TimedOut(Duration),
    /// It printed more than the cap.
    TooMuchOutput(usize),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Spawn(e) => write!(f, "could not start it: {e}"),
            RunError::Wait(e) => write!(f, "could not wait for it: {e}"),
            RunError::TimedOut(after) => write!(f, "it did not answer within {after:?}"),
            RunError::TooMuchOutput(cap) => write!(f, "it printed more than {cap} bytes"),
        }
    }
}

impl std::error::Error for RunError {}

/// Runs `command` with stdin and stderr closed and stdout captured, within `limits`.
pub fn run(mut command: Command, limits: Limits) -> Result<Finished, RunError> {
    let started = Instant::now();
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own group, so that on timeout everything it started can be killed at once.
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(RunError::Spawn)?;
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        let cap = limits.max_output;
        // Detached on purpose: if a process outside the group keeps the pipe open, this thread stays
        // blocked until it closes, and nobody waits for it.
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let result = stdout.take(cap as u64 + 1).read_to_end(&mut buf);
            let _ = tx.send(result.map(|_| buf));
        });
    } else {
        drop(tx);
    }

    let mut status: Option<ExitStatus> = None;
    let mut exited_at: Option<Instant> = None;
    let mut output: Option<Vec<u8>> = None;
    loop {
        if output.is_none() {
            match rx.recv_timeout(Duration::from_millis(1)) {
                Ok(Ok(buf)) if buf.len() > limits.max_output => {
                    kill_group(&mut child);
                    return Err(RunError::TooMuchOutput(limits.max_output));
                }
                Ok(Ok(buf)) => output = Some(buf),
                // A read error or no pipe at all: the child's output is whatever it is, nothing.
                Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => output = Some(Vec::new()),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
        if status.is_none() {
            match child.try_wait() {
                Ok(Some(s)) => {
                    status = Some(s);
                    exited_at = Some(Instant::now());
                }
                Ok(None) => {}
                Err(e) => {
                    kill_group(&mut child);
                    return Err(RunError::Wait(e));
                }
            }
        }
        let now = Instant::now();
        match (status, output.take()) {
            // A clean end: the child exited and nothing holds its stdout. The group is not signalled
            // here: the child is reaped, so with no member left its id could already be reused.
            (Some(status), Some(stdout)) => return Ok(Finished { status, stdout }),
            (Some(status), None) if exited_at.is_some_and(|t| now >= t + PIPE_GRACE) => {
                // The child is gone but something it started holds stdout: end the group, then take
                // what was printed.
                kill_group(&mut child);
                let stdout = match rx.recv_timeout(PIPE_GRACE) {
                    Ok(Ok(buf)) if buf.len() <= limits.max_output => buf,
                    _ => return Err(RunError::TimedOut(now - started)),
                };
                return Ok(Finished { status, stdout });
            }
            (_, still) => output = still,
        }
        if now >= limits.deadline {
            kill_group(&mut child);
            return Err(RunError::TimedOut(now - started));
        }
    }
}

/// Kills the child's process group (the child leads it, see [`run`]) and reaps the child.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let pgid = rustix::process::Pid::from_child(child);
        // ESRCH (the group is already empty) is the normal case after a clean exit.
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
        let path = dir.join("prog");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn limits(ms: u64) -> Limits {
        Limits { deadline: Instant::now() + Duration::from_millis(ms), max_output: 1024 }
    }

    #[test]
    fn output_and_status_are_returned() {
        let dir = tempfile::tempdir().unwrap();
        let out = run(Command::new(script(dir.path(), "echo hello; exit 3")), limits(5000)).unwrap();
        assert_eq!(out.stdout, b"hello\n");
        assert_eq!(out.status.code(), Some(3));
    }

    #[test]
    fn a_grandchild_holding_stdout_neither_blocks_nor_survives() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        // The child prints, leaves `sleep 30` running with stdout inherited, and exits.
        let prog =
            script(dir.path(), &format!("echo codex-cli 0.1.0\nsleep 30 &\necho $! > {}\nexit 0", pidfile.display()));
        let start = Instant::now();
        let out = run(Command::new(prog), limits(20_000)).unwrap();
        // A generous bound: without the grace rule this waits for `sleep 30` (or the 20 s deadline).
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
        assert_eq!(out.stdout, b"codex-cli 0.1.0\n");
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        // The group was killed: the sleep is gone (or a zombie awaiting init), never still sleeping.
        // SIGKILL is delivered asynchronously, so give it a moment.
        let stat = format!("/proc/{}/stat", pid.trim());
        let dead = || std::fs::read_to_string(&stat).map_or(true, |s| s.contains(") Z "));
        let until = Instant::now() + Duration::from_secs(5);
        while !dead() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(dead(), "sleep still running: {:?}", std::fs::read_to_string(&stat));
    }

    #[test]
    fn a_hung_group_is_killed_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let prog = script(dir.path(), "sleep 30 &\nsleep 30");
        let start = Instant::now();
        let err = run(Command::new(prog), limits(300)).unwrap_err();
        assert!(matches!(err, RunError::TimedOut(_)), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    }

    #[test]
    fn endless_output_is_cut_at_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let prog = script(dir.path(), "yes");
        let err = run(Command::new(prog), limits(10_000)).unwrap_err();
        assert!(matches!(err, RunError::TooMuchOutput(1024)), "{err}");
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let err = run(Command::new("/nonexistent/codex"), limits(1000)).unwrap_err();
        assert!(matches!(err, RunError::Spawn(_)));
    }
}
