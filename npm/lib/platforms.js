"use strict";
// The platforms a release ships, as Node names them (process.platform, process.arch) and as Rust
// targets name them. The same six @openai/codex ships, so `npx bedrock-doctor` works wherever Codex's
// npm package does. Shared by the launcher (which one to run) and npm/pack.mjs (which to build), so
// the two cannot disagree.
//
// Each platform package is a prerelease version of this same package (`bedrock-doctor@X-linux-x64`),
// installed under the alias `bedrock-doctor-linux-x64` by an optional dependency with an `npm:` spec,
// as Codex does: one name to own on the registry, and npm skips the five whose `os`/`cpu` do not match.

const PLATFORMS = [
  { suffix: "linux-x64", os: "linux", cpu: "x64", triple: "x86_64-unknown-linux-musl" },
  { suffix: "linux-arm64", os: "linux", cpu: "arm64", triple: "aarch64-unknown-linux-musl" },
  { suffix: "darwin-x64", os: "darwin", cpu: "x64", triple: "x86_64-apple-darwin" },
  { suffix: "darwin-arm64", os: "darwin", cpu: "arm64", triple: "aarch64-apple-darwin" },
  { suffix: "win32-x64", os: "win32", cpu: "x64", triple: "x86_64-pc-windows-msvc" },
  { suffix: "win32-arm64", os: "win32", cpu: "arm64", triple: "aarch64-pc-windows-msvc" },
];

const NAME = "bedrock-doctor";

/** The platform entry for a Node platform/arch pair, or undefined when no release is built for it. */
function platformFor(os, cpu) {
  return PLATFORMS.find((p) => p.os === os && p.cpu === cpu);
}

/** The alias an optional dependency installs a platform package under. */
function aliasOf(platform) {
  return `${NAME}-${platform.suffix}`;
}

/** The executable's path inside a platform package (the layout of Codex >= 0.134: vendor/<triple>/bin). */
function binaryPath(platform) {
  const exe = platform.os === "win32" ? `${NAME}.exe` : NAME;
  return ["vendor", platform.triple, "bin", exe];
}

module.exports = { NAME, PLATFORMS, platformFor, aliasOf, binaryPath };
