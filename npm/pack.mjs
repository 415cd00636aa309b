#!/usr/bin/env node
// Builds the npm tarballs of a release from its binaries: one platform package per target (the binary
// under vendor/<triple>/bin/, `os` and `cpu` set so npm installs only the matching one) and the main
// package (the launcher, with every platform package as an optional dependency pinned to this version).
// Used by the release (.github/workflows/publish-npm.yml) and by the test (tests/npm/e2e.mjs), so what
// is tested is what is published.
//
//   node npm/pack.mjs --version 0.2.0 --out DIR --binary <triple>=<path> (one per target, all six)
//
// Prints one JSON line per tarball: {"file": …, "tag": …}, the platform packages first. Publish them in
// that order, each with its tag: a platform version is a prerelease (0.2.0-linux-x64) and must not
// become `latest`; the main package, published last, does.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const { NAME, PLATFORMS, aliasOf, binaryPath } = createRequire(import.meta.url)("./lib/platforms.js");

function usage(message) {
  process.stderr.write(`pack.mjs: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { binaries: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (value === undefined) usage(`${argv[i]} needs a value`);
    switch (argv[i]) {
      case "--version":
        args.version = value;
        break;
      case "--out":
        args.out = path.resolve(value);
        break;
      case "--binary": {
        const eq = value.indexOf("=");
        if (eq < 1) usage(`--binary takes <triple>=<path>, got ${value}`);
        args.binaries.set(value.slice(0, eq), path.resolve(value.slice(eq + 1)));
        break;
      }
      default:
        usage(`unknown argument ${argv[i]}`);
    }
    i++;
  }
  // semver without build metadata: the platform suffix is appended as a prerelease.
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(args.version ?? "")) usage("--version X.Y.Z is required");
  if (!args.out) usage("--out DIR is required");
  const known = new Set(PLATFORMS.map((p) => p.triple));
  for (const triple of args.binaries.keys()) if (!known.has(triple)) usage(`unknown target ${triple}`);
  // A main package whose optional dependency points at a version never published would install
  // without a binary on that platform: every target or nothing.
  const missing = PLATFORMS.filter((p) => !args.binaries.has(p.triple)).map((p) => p.triple);
  if (missing.length) usage(`a binary is required for every target; missing: ${missing.join(", ")}`);
  return args;
}

function stage(files, manifest) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bedrock-doctor-npm-"));
  for (const [rel, from, mode] of files) {
    const to = path.join(dir, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    fs.chmodSync(to, mode);
  }
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

function pack(dir, out) {
  const json = execFileSync("npm", ["pack", "--json", "--pack-destination", out], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return path.join(out, JSON.parse(json)[0].filename);
}

const args = parseArgs(process.argv.slice(2));
fs.mkdirSync(args.out, { recursive: true });
const base = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));
// npm's provenance requires every package's repository to be the one that built it.
const common = { license: base.license, description: base.description, repository: base.repository };

for (const p of PLATFORMS) {
  const version = `${args.version}-${p.suffix}`;
  const binary = binaryPath(p).join("/");
  const manifest = { name: NAME, version, ...common, os: [p.os], cpu: [p.cpu], files: ["vendor"] };
  const file = pack(stage([[binary, args.binaries.get(p.triple), 0o755]], manifest), args.out);
  console.log(JSON.stringify({ file, tag: p.suffix }));
}

const main = {
  ...base,
  version: args.version,
  optionalDependencies: Object.fromEntries(
    PLATFORMS.map((p) => [aliasOf(p), `npm:${NAME}@${args.version}-${p.suffix}`]),
  ),
};
const launcher = [
  ["bin/bedrock-doctor.js", path.join(here, "bin/bedrock-doctor.js"), 0o755],
  ["lib/platforms.js", path.join(here, "lib/platforms.js"), 0o644],
  ["README.md", path.join(here, "README.md"), 0o644],
];
console.log(JSON.stringify({ file: pack(stage(launcher, main), args.out), tag: "latest" }));
