#!/usr/bin/env node
"use strict";
// Runs the prebuilt bedrock-doctor binary of this platform, installed by the optional dependency that
// matches it (see ../lib/platforms.js), with the same arguments, terminal and environment. The exit
// status is the binary's (0 clean, 1 failures found, 2 could not do the job), and a signal that ends
// it ends this process the same way, so scripts and CI see what they would see running the binary.

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { NAME, platformFor, aliasOf, binaryPath } = require("../lib/platforms.js");

// The doctor's own code for "could not do the job" (PRODUCT.md): no binary is not a finding about
// the user's setup.
const CANNOT_RUN = 2;

function cannotRun(message) {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(CANNOT_RUN);
}

function locate() {
  const platform = platformFor(process.platform, process.arch);
  if (!platform) {
    cannotRun(
      `no prebuilt binary for ${process.platform}-${process.arch}; ` +
        "build it from source: `cargo install --locked --git https://github.com/bedrock-doctor/bedrock-doctor`",
    );
  }
  const rel = binaryPath(platform);
  const candidates = [];
  try {
    // Resolved the way Node resolves any dependency, so hoisting, pnpm and workspaces all work.
    const pkg = require.resolve(`${aliasOf(platform)}/package.json`, { paths: [path.join(__dirname, "..")] });
    candidates.push(path.join(path.dirname(pkg), ...rel));
  } catch {
    // Not installed: an install with --omit=optional or --no-optional, or npm skipped it.
  }
  // A package packed with the binary inside it (a local build) needs no platform package.
  candidates.push(path.join(__dirname, "..", ...rel));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    cannotRun(
      `the platform package ${aliasOf(platform)} is not installed ` +
        `(it is an optional dependency: reinstall without --omit=optional / --no-optional)`,
    );
  }
  return found;
}

const binary = locate();

// POSIX: a signal sent to this process alone (a process manager's SIGTERM, say) reaches the binary
// too. Ctrl-C in a terminal signals the whole foreground group, so the binary then gets SIGINT twice;
// its default action is the same either way. The handlers are in place before the binary starts: a
// signal in between would otherwise kill this process alone.
// Windows has no signals to forward: Node's child.kill() there is TerminateProcess (exit 1, which
// would read as "failures found"), and Ctrl-C already reaches the binary through the console.
const forwarded = process.platform === "win32" ? [] : ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
let child = null;
const pending = [];
const forward = (signal) => {
  if (child === null) pending.push(signal);
  else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of forwarded) process.on(signal, forward);
child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
for (const signal of pending) forward(signal);

child.on("error", (err) => cannotRun(`cannot run ${binary}: ${err.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    // End the same way, so a parent sees "killed by SIGTERM", not an exit code; where the signal does
    // not end Node (SIGPIPE, SIGUSR1), the shell's convention for it.
    for (const s of forwarded) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  }
  process.exit(code ?? CANNOT_RUN);
});
