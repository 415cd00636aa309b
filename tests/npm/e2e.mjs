#!/usr/bin/env node
// The npm package, end to end (issue #13): npm/pack.mjs packs the binary built here, a loopback npm
// registry serves the tarballs, and a real npm installs the package into an empty folder, as a user's
// `npm install` and `npx` would. Then the installed launcher runs `--version` and `check --offline`,
// and must print exactly what the binary prints, with the same exit status.
//
// Runs in a network namespace with only loopback (tests/run.sh: `unshare -n`), so nothing can reach a
// real registry: everything npm gets comes from the registry below, on 127.0.0.1.
//
//   node tests/npm/e2e.mjs BINARY
//
// Only this machine's platform package holds the real binary; the other five hold a placeholder that
// npm must never fetch (their `os`/`cpu` do not match), which the registry's request log checks.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { NAME, PLATFORMS, platformFor, aliasOf, binaryPath } = createRequire(import.meta.url)(
  path.join(root, "npm/lib/platforms.js"),
);

let failures = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${!ok && detail ? `\n     ${detail}` : ""}`);
  if (!ok) failures++;
}

const binary = path.resolve(process.argv[2] ?? "");
if (!process.argv[2] || !fs.statSync(binary, { throwIfNoEntry: false })?.isFile()) {
  console.error("usage: node tests/npm/e2e.mjs BINARY (the bedrock-doctor binary built here)");
  process.exit(2);
}
// The guard that makes "nothing reaches a real registry" true rather than hoped for.
// /proc/net/dev is per network namespace (/sys/class/net is not, unless sysfs is mounted again).
const interfaces = fs
  .readFileSync("/proc/net/dev", "utf8")
  .split("\n")
  .slice(2)
  .map((l) => l.split(":")[0].trim())
  .filter(Boolean);
if (interfaces.join() !== "lo") {
  console.error(`must run in a network namespace with only loopback (found: ${interfaces.join(", ")})`);
  process.exit(2);
}
const here = platformFor(process.platform, process.arch);
if (!here) {
  console.error(`no release target for ${process.platform}-${process.arch}`);
  process.exit(2);
}
const version = /^version = "([^"]+)"/m.exec(fs.readFileSync(path.join(root, "Cargo.toml"), "utf8"))[1];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "bd-npm-e2e-"));
const LIMIT = 180_000; // every npm and launcher run is bounded: a hang fails, it does not stall CI

// 0. The npm platforms are the release's targets: a target without an npm platform would never reach
// npm users, and an npm platform without a target would fail the publish job at release time.
const distTargets = [
  ...(/^targets = \[([^\]]*)\]/m.exec(fs.readFileSync(path.join(root, "dist-workspace.toml"), "utf8"))?.[1] ?? "").matchAll(/"([^"]+)"/g),
].map((m) => m[1]);
check(
  distTargets.sort().join() === PLATFORMS.map((p) => p.triple).sort().join(),
  "npm/lib/platforms.js and dist-workspace.toml name the same six targets",
  `dist: ${distTargets.join(", ")}`,
);

// 1. Pack: the real binary for this platform, a placeholder for the others.
const placeholder = path.join(work, "placeholder");
fs.writeFileSync(placeholder, "#!/bin/sh\necho 'placeholder binary: npm installed the wrong platform' >&2\nexit 99\n");
const packArgs = [path.join(root, "npm/pack.mjs"), "--version", version, "--out", path.join(work, "dist")];
for (const p of PLATFORMS) packArgs.push("--binary", `${p.triple}=${p === here ? binary : placeholder}`);
const packed = execFileSync(process.execPath, packArgs, { encoding: "utf8", timeout: LIMIT })
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line));
check(packed.length === 7, "pack.mjs makes six platform packages and the main package", JSON.stringify(packed));
check(
  packed.at(-1).tag === "latest" && packed.slice(0, 6).every((p, i) => p.tag === PLATFORMS[i].suffix),
  "platform packages are tagged by platform, only the main package is `latest`",
);

// 2. A loopback registry: one packument (every version of `bedrock-doctor`) and the tarballs.
const tarballs = new Map(); // URL path -> file
const versions = {};
const distTags = {};
const requests = [];
const server = http.createServer((req, res) => {
  requests.push(decodeURIComponent(req.url));
  const file = tarballs.get(req.url);
  if (file) {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end(fs.readFileSync(file));
  } else if (decodeURIComponent(req.url) === `/${NAME}`) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ name: NAME, "dist-tags": distTags, versions }));
  } else {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"error":"not found"}');
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const registry = `http://127.0.0.1:${server.address().port}/`;
for (const { file, tag } of packed) {
  const manifest = JSON.parse(execFileSync("tar", ["-xzOf", file, "package/package.json"], { encoding: "utf8" }));
  const bytes = fs.readFileSync(file);
  const urlPath = `/${NAME}/-/${path.basename(file)}`;
  tarballs.set(urlPath, file);
  versions[manifest.version] = {
    ...manifest,
    dist: {
      tarball: `${registry.slice(0, -1)}${urlPath}`,
      integrity: `sha512-${crypto.createHash("sha512").update(bytes).digest("base64")}`,
      shasum: crypto.createHash("sha1").update(bytes).digest("hex"),
    },
  };
  distTags[tag] = manifest.version;
}

// npm's configuration: this registry, a cache of our own, nothing from the user's or global config.
const npmrc = path.join(work, "npmrc");
fs.writeFileSync(npmrc, `registry=${registry}\ncache=${path.join(work, "cache")}\naudit=false\nfund=false\nupdate-notifier=false\n`);
const emptyrc = path.join(work, "empty-npmrc");
fs.writeFileSync(emptyrc, "");
const npmEnv = { ...process.env, npm_config_userconfig: npmrc, npm_config_globalconfig: emptyrc, NO_COLOR: "1" };
// Asynchronous, never spawnSync, for anything that may ask the registry: it answers from this process.
const run = (cmd, args, options) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, out: stdout + stderr });
    });
  });
const npm = (args, cwd) => run("npm", args, { cwd, env: npmEnv });
const emptyDir = (name) => {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  return dir;
};

// 3. npm install into an empty folder.
const project = emptyDir("project");
const install = await npm(["install", `${NAME}@${version}`], project);
check(install.status === 0, `npm install ${NAME}@${version} into an empty folder`, install.out);
const modules = path.join(project, "node_modules");
const installed = PLATFORMS.filter((p) => fs.existsSync(path.join(modules, aliasOf(p))));
check(
  installed.length === 1 && installed[0] === here,
  `only ${aliasOf(here)} is installed`,
  `installed: ${installed.map(aliasOf).join(", ")}`,
);
const fetched = requests.filter((r) => r.endsWith(".tgz")).sort();
const expected = [`/${NAME}/-/${NAME}-${version}-${here.suffix}.tgz`, `/${NAME}/-/${NAME}-${version}.tgz`].sort();
check(fetched.join() === expected.join(), "npm fetched the main tarball and this platform's only", fetched.join(", "));
const shipped = path.join(modules, aliasOf(here), ...binaryPath(here));
check(
  fs.existsSync(shipped) && (fs.statSync(shipped).mode & 0o111) !== 0,
  `the binary is at ${path.relative(project, shipped)}, executable`,
);

// 4. The launcher runs the binary: same output, same exit status, as the binary itself.
const home = path.join(work, "home");
fs.mkdirSync(path.join(home, ".codex"), { recursive: true });
fs.copyFileSync(path.join(root, "tests/npm/templates/bad/config.toml"), path.join(home, ".codex/config.toml"));
const runEnv = { PATH: process.env.PATH, HOME: home, NO_COLOR: "1", TERM: "dumb" };
const launcher = path.join(modules, ".bin", NAME);
const same = (args, wantStatus, wantText) => {
  const run = (exe) => {
    const r = spawnSync(exe, args, { env: runEnv, encoding: "utf8", timeout: LIMIT });
    return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
  };
  const viaNpm = run(launcher);
  const direct = run(binary);
  const shown = `bedrock-doctor ${args.join(" ")}`;
  check(viaNpm.status === wantStatus, `${shown}: exit ${wantStatus}`, `got ${viaNpm.status} ${viaNpm.signal ?? ""}: ${viaNpm.stderr}`);
  const printed = viaNpm.stdout + viaNpm.stderr;
  check(printed.includes(wantText), `${shown}: prints ${JSON.stringify(wantText)}`, printed);
  check(
    viaNpm.stdout === direct.stdout && viaNpm.stderr === direct.stderr && viaNpm.status === direct.status,
    `${shown}: the same stdout, stderr and status as the binary`,
  );
};
same(["--version"], 0, `${NAME} ${version}`);
// The fixture puts a Bedrock Runtime id on Mantle: a failure, so exit 1 must come through the launcher.
same(["check", "--offline", "--codex-version", "0.171.0"], 1, "model-id");
same(["check", "--offline", "--format", "no-such-format"], 2, "no-such-format");

// 5. npx, in another empty folder with nothing installed.
const npx = await npm(["exec", "--yes", `--package=${NAME}@${version}`, "--", NAME, "--version"], emptyDir("npx"));
check(npx.status === 0 && npx.out.includes(`${NAME} ${version}`), `npx ${NAME} --version`, npx.out);

// 6. Without the optional dependency: a clear message and exit 2, not a stack trace.
const omitted = emptyDir("omitted");
const omit = await npm(["install", "--omit=optional", `${NAME}@${version}`], omitted);
check(omit.status === 0, "npm install --omit=optional", omit.out);
const bare = spawnSync(path.join(omitted, "node_modules/.bin", NAME), ["--version"], { encoding: "utf8", timeout: LIMIT });
check(
  bare.status === 2 && bare.stderr.includes(`the platform package ${aliasOf(here)} is not installed`),
  "without the platform package: exit 2 naming it",
  `${bare.status}: ${bare.stderr}`,
);

// 7. The GitHub Action (action.yml), its `run` steps executed as a runner executes them (bash with
// -e and pipefail, GITHUB_OUTPUT, GITHUB_PATH, RUNNER_TEMP), installing from the loopback registry.
// `uses:` steps (the SARIF upload) cannot run here: their inputs are checked instead.
const YAML = createRequire(path.join(root, ".tools/workflows/node_modules/noop.js"))("yaml");
const action = YAML.parse(fs.readFileSync(path.join(root, "action.yml"), "utf8"));
const templates = path.join(root, "tests/npm/templates");
const runAction = async (given) => {
  const runner = fs.mkdtempSync(path.join(work, "runner-"));
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? ""]));
  Object.assign(inputs, given);
  const outputs = {};
  const paths = [];
  const steps = [];
  // Only the expressions action.yml uses today; anything else fails the test rather than pass as "".
  const expand = (text) =>
    String(text).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr) => {
      let m;
      if ((m = /^inputs\.([\w-]+)$/.exec(expr))) return inputs[m[1]];
      if ((m = /^inputs\.([\w-]+) == '([^']*)'$/.exec(expr))) return String(inputs[m[1]] === m[2]);
      if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr))) return outputs[m[1]]?.[m[2]] ?? "";
      if (expr === "github.action_ref") return "";
      throw new Error(`action.yml uses an expression this test cannot evaluate: ${expr}`);
    });
  for (const step of action.runs.steps) {
    if (step.if !== undefined && expand(step.if) !== "true") continue;
    if (step.uses) {
      steps.push({ name: step.name, uses: step.uses, with: Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(v)])) });
      continue;
    }
    const outFile = path.join(runner, `output-${steps.length}`);
    const pathFile = path.join(runner, "path");
    fs.writeFileSync(outFile, "");
    if (!fs.existsSync(pathFile)) fs.writeFileSync(pathFile, "");
    const script = path.join(runner, `step-${steps.length}.sh`);
    fs.writeFileSync(script, step.run);
    const env = {
      ...npmEnv,
      HOME: home,
      PATH: [...paths, process.env.PATH].join(path.delimiter),
      RUNNER_TEMP: runner,
      GITHUB_OUTPUT: outFile,
      GITHUB_PATH: pathFile,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v)])),
    };
    // GitHub's own invocation for `shell: bash`.
    // Asynchronous: the install step asks the registry that this process serves.
    const r = await run("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { cwd: work, env });
    const stepOutputs = Object.fromEntries(
      fs.readFileSync(outFile, "utf8").split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    if (step.id) outputs[step.id] = stepOutputs;
    paths.unshift(...fs.readFileSync(pathFile, "utf8").split("\n").filter(Boolean).reverse());
    steps.push({ name: step.name, status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") });
    if (r.status !== 0) break; // a failed step ends the job
  }
  const value = (expr) => expand(expr);
  return { steps, outputs: Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, value(v.value)])) };
};
const statusOf = (run, name) => run.steps.find((s) => s.name === name);
const bad = await runAction({ paths: `${path.join(templates, "bad")}\n`, version });
check(statusOf(bad, "Install bedrock-doctor")?.status === 0, "action: installs bedrock-doctor from npm", statusOf(bad, "Install bedrock-doctor")?.out);
check(statusOf(bad, "Lint")?.status === 0, "action: the lint step survives exit 1 (bash -e) to write its outputs", statusOf(bad, "Lint")?.out);
check(bad.outputs["exit-code"] === "1", "action: output exit-code is 1 for a failing template", JSON.stringify(bad.outputs));
let sarif = null;
try {
  sarif = JSON.parse(fs.readFileSync(path.resolve(work, bad.outputs["sarif-file"]), "utf8"));
} catch (e) {
  sarif = null;
}
check(sarif?.version === "2.1.0" && sarif.runs?.[0]?.results?.some((r) => r.ruleId === "model-id"), "action: the SARIF file holds the model-id result");
const upload = bad.steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif"));
check(upload?.with?.sarif_file === bad.outputs["sarif-file"], "action: the upload step is given that SARIF file", JSON.stringify(upload));
check(statusOf(bad, "Verdict")?.status === 1, "action: the verdict step fails the job (exit 1)");
check(/::error/.test(statusOf(bad, "Lint")?.out ?? ""), "action: annotations are printed for the pull request");
const good = await runAction({ paths: path.join(templates, "good"), version, "upload-sarif": "false" });
check(good.outputs["exit-code"] === "0" && statusOf(good, "Verdict")?.status === 0, "action: a clean template passes", JSON.stringify(good.steps));
check(!good.steps.some((s) => s.uses), "action: upload-sarif: false skips the upload");
const missing = await runAction({ paths: path.join(templates, "nowhere"), version });
check(statusOf(missing, "Lint")?.status === 2, "action: a path that does not exist ends the job with exit 2", JSON.stringify(missing.steps));
server.close();

// 8. Signals: a launcher whose binary is a script (the local-vendor fallback of the launcher), so the
// test controls what the child does. A SIGTERM sent to the launcher alone reaches the child (which
// exits 42 on it), and a child killed by a signal kills the launcher by that signal.
const signalPkg = path.join(work, "signals");
fs.cpSync(path.join(root, "npm/bin"), path.join(signalPkg, "bin"), { recursive: true });
fs.cpSync(path.join(root, "npm/lib"), path.join(signalPkg, "lib"), { recursive: true });
const script = path.join(signalPkg, ...binaryPath(here));
fs.mkdirSync(path.dirname(script), { recursive: true });
fs.writeFileSync(
  script,
  '#!/bin/sh\nif [ "$1" = die ]; then kill -TERM $$; sleep 5; fi\ntrap \'exit 42\' TERM\necho ready\nsleep 30 & wait\n',
);
fs.chmodSync(script, 0o755);
const signalled = await new Promise((resolve) => {
  const child = spawn(process.execPath, [path.join(signalPkg, "bin/bedrock-doctor.js")], { stdio: ["ignore", "pipe", "inherit"] });
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  child.stdout.once("data", () => child.kill("SIGTERM"));
  child.on("close", (status, signal) => {
    clearTimeout(timer);
    resolve({ status, signal });
  });
});
check(signalled.status === 42, "SIGTERM to the launcher reaches the binary", JSON.stringify(signalled));
const died = spawnSync(process.execPath, [path.join(signalPkg, "bin/bedrock-doctor.js"), "die"], { timeout: 20_000 });
check(died.signal === "SIGTERM" && died.status === null, "a binary killed by SIGTERM kills the launcher by SIGTERM", `${died.status} ${died.signal}`);

fs.rmSync(work, { recursive: true, force: true });
console.log(failures ? `\n${failures} npm package check(s) failed` : "\nnpm package: all checks passed");
process.exit(failures ? 1 : 0);
