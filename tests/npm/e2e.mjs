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

// 1. A loopback npm registry: GET of the packument (every version of `bedrock-doctor`) and of the
// tarballs, and PUT of a new version, as `npm publish` sends it, with the token checked.
const TOKEN = "e2e-publish-token";
const tarballs = new Map(); // URL path -> bytes
const versions = {};
const distTags = {};
const requests = [];
const published = [];
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(req.url);
  requests.push(`${req.method} ${url}`);
  const reply = (status, body, type = "application/json") => {
    res.writeHead(status, { "content-type": type });
    res.end(body);
  };
  if (req.method === "PUT" && url === `/${NAME}`) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, '{"error":"no token"}');
      const doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const [v, manifest] of Object.entries(doc.versions ?? {})) {
        if (versions[v]) return reply(403, `{"error":"cannot publish over ${v}"}`);
        versions[v] = manifest;
        published.push({ version: v, tags: Object.keys(doc["dist-tags"] ?? {}) });
      }
      for (const [name, a] of Object.entries(doc._attachments ?? {})) tarballs.set(`/${NAME}/-/${name}`, Buffer.from(a.data, "base64"));
      Object.assign(distTags, doc["dist-tags"]);
      reply(201, "{}");
    });
    return;
  }
  const bytes = tarballs.get(url);
  if (bytes) return reply(200, bytes, "application/octet-stream");
  if (url === `/${NAME}` && Object.keys(versions).length) {
    return reply(200, JSON.stringify({ name: NAME, "dist-tags": distTags, versions }));
  }
  reply(404, '{"error":"not found"}');
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const registry = `http://127.0.0.1:${server.address().port}/`;

// npm's configuration: this registry, a cache of our own, nothing from the user's or global config.
const npmrc = path.join(work, "npmrc");
const useCache = (name) =>
  fs.writeFileSync(
    npmrc,
    `registry=${registry}\n${registry.replace(/^http:/, "")}:_authToken=${TOKEN}\ncache=${path.join(work, name)}\naudit=false\nfund=false\nupdate-notifier=false\n`,
  );
useCache("publisher-cache");
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
// A workflow's or the action's `run:` as a runner runs it with `shell: bash`: GitHub's own invocation.
let scripts = 0;
const runBashStep = (text, options) => {
  const script = path.join(work, `step-${scripts++}.sh`);
  fs.writeFileSync(script, text);
  return run("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], options);
};
const emptyDir = (name) => {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  return dir;
};
const YAML = createRequire(path.join(root, ".tools/workflows/node_modules/noop.js"))("yaml");

// 2. Publish as the release does: the release's archives in cargo-dist's layout (a folder per target
// with the binary and the docs, .tar.xz or .zip, a `<hash> *<file>` .sha256 beside each), then the
// run steps of .github/workflows/publish-npm.yml, as a runner runs them, against this registry.
// This machine's binary is the real one; the other five are a placeholder npm must never install.
const checkout = emptyDir("checkout");
fs.symlinkSync(path.join(root, "npm"), path.join(checkout, "npm"));
const archives = path.join(checkout, "archives");
fs.mkdirSync(archives);
const placeholder = "#!/bin/sh\necho 'placeholder binary: npm installed the wrong platform' >&2\nexit 99\n";
for (const p of PLATFORMS) {
  const dirName = `${NAME}-${p.triple}`;
  const dir = path.join(work, "stage", dirName);
  fs.mkdirSync(dir, { recursive: true });
  const exe = path.join(dir, p.os === "win32" ? `${NAME}.exe` : NAME);
  if (p === here) fs.copyFileSync(binary, exe);
  else fs.writeFileSync(exe, placeholder);
  fs.chmodSync(exe, 0o755);
  fs.copyFileSync(path.join(root, "README.md"), path.join(dir, "README.md"));
  const archive = `${dirName}${p.os === "win32" ? ".zip" : ".tar.xz"}`;
  if (p.os === "win32") execFileSync("zip", ["-qj", path.join(archives, archive), ...fs.readdirSync(dir).map((f) => path.join(dir, f))]);
  // The fastest xz preset: the debug binary CI packs is ~100 MB, and the ratio is not under test.
  else execFileSync("tar", ["-cJf", path.join(archives, archive), "-C", path.dirname(dir), dirName], { env: { ...process.env, XZ_OPT: "-0 -T0" } });
  const hash = crypto.createHash("sha256").update(fs.readFileSync(path.join(archives, archive))).digest("hex");
  fs.writeFileSync(path.join(archives, `${archive}.sha256`), `${hash} *${archive}\n`);
}
const publishJob = Object.values(YAML.parse(fs.readFileSync(path.join(root, ".github/workflows/publish-npm.yml"), "utf8")).jobs)[0];
const runWorkflowSteps = async (names, env) => {
  const results = {};
  for (const name of names) {
    const step = publishJob.steps.find((s) => s.name === name);
    if (!step?.run) {
      results[name] = { status: -1, out: `no run step named ${name}` };
      break;
    }
    // The job's and the step's own env, the secrets and OIDC a runner would give, left out.
    const r = await runBashStep(step.run, { cwd: checkout, env: { ...npmEnv, ...env } });
    results[name] = r;
    if (r.status !== 0) break;
  }
  return results;
};
const PACK = ["Verify checksums and unpack", "Pack"];
const PUBLISH = "Publish (platform packages first, then the main package)";
const steps = await runWorkflowSteps([...PACK, PUBLISH], { VERSION: version, NPM_CONFIG_PROVENANCE: "false" });
for (const name of [...PACK, PUBLISH]) {
  check(steps[name]?.status === 0, `publish-npm.yml: "${name}" succeeds`, steps[name]?.out);
}
const packed = fs.existsSync(path.join(checkout, "npm-dist/packed.jsonl"))
  ? fs.readFileSync(path.join(checkout, "npm-dist/packed.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
  : [];
check(packed.length === 7, "pack.mjs makes six platform packages and the main package", JSON.stringify(packed));
const order = published.map((p) => p.version);
const wantOrder = [...PLATFORMS.map((p) => `${version}-${p.suffix}`), version];
check(order.join() === wantOrder.join(), "the platform packages are published first, the main package last", order.join(", "));
check(
  published.every((p) => p.tags.length === 1 && p.tags[0] === (p.version === version ? "latest" : p.version.slice(version.length + 1))) &&
    distTags.latest === version,
  "each platform version has its platform tag; only the main package is `latest`",
  JSON.stringify(published),
);
check(
  Object.values(versions).every((m) => m.repository?.url?.includes("github.com/bedrock-doctor/bedrock-doctor")),
  "every package names the repository (npm provenance refuses one that does not)",
);
const again = await runWorkflowSteps([PUBLISH], { VERSION: version, NPM_CONFIG_PROVENANCE: "false" });
check(
  again[PUBLISH]?.status === 0 && published.length === 7 && (again[PUBLISH].out.match(/is already published/g) ?? []).length === 7,
  "a re-run of the publish step skips the seven versions already published",
  again[PUBLISH]?.out,
);
// What follows is a user's install: a cache of its own (npm publish leaves the tarballs in the
// publisher's), and a fresh request log.
useCache("user-cache");
requests.length = 0;

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
const expected = [`GET /${NAME}/-/${NAME}-${version}-${here.suffix}.tgz`, `GET /${NAME}/-/${NAME}-${version}.tgz`].sort();
check(fetched.join() === expected.join(), "npm fetched the main tarball and this platform's only", requests.join(", "));
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
const action = YAML.parse(fs.readFileSync(path.join(root, "action.yml"), "utf8"));
const templates = path.join(root, "tests/npm/templates");
const runAction = async (given, runnerEnv = {}) => {
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
    const env = {
      ...npmEnv,
      HOME: home,
      PATH: [...paths, process.env.PATH].join(path.delimiter),
      RUNNER_TEMP: runner,
      GITHUB_OUTPUT: outFile,
      GITHUB_PATH: pathFile,
      // The action's own checkout: this repository, whose Cargo.toml version was just published.
      GITHUB_ACTION_PATH: root,
      ...runnerEnv,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v)])),
    };
    // Asynchronous: the install step asks the registry that this process serves.
    const r = await runBashStep(step.run, { cwd: work, env });
    const stepOutputs = Object.fromEntries(
      fs.readFileSync(outFile, "utf8").split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    if (step.id) outputs[step.id] = stepOutputs;
    paths.unshift(...fs.readFileSync(pathFile, "utf8").split("\n").filter(Boolean).reverse());
    steps.push({ name: step.name, status: r.status, out: r.out });
    if (r.status !== 0) break; // a failed step ends the job
  }
  return { steps, outputs: Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, expand(v.value)])) };
};
const statusOf = (run, name) => run.steps.find((s) => s.name === name);
const bad = await runAction({ paths: `${path.join(templates, "bad")}\n` });
check(
  statusOf(bad, "Install bedrock-doctor")?.status === 0 && statusOf(bad, "Install bedrock-doctor").out.includes(`${NAME} ${version}`),
  `action: installs the version of its own Cargo.toml (${version}) from npm`,
  statusOf(bad, "Install bedrock-doctor")?.out,
);
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
const ahead = fs.mkdtempSync(path.join(work, "ahead-"));
fs.writeFileSync(path.join(ahead, "Cargo.toml"), '[package]\nname = "bedrock-doctor"\nversion = "99.0.0"\n');
const branch = await runAction({ paths: path.join(templates, "good"), "upload-sarif": "false" }, { GITHUB_ACTION_PATH: ahead });
const branchInstall = statusOf(branch, "Install bedrock-doctor")?.out ?? "";
check(
  branchInstall.includes("99.0.0 (this action's version) is not on npm") && branchInstall.includes(`${NAME} ${version}`),
  "action: from a branch ahead of the last release, the latest release is installed, with a notice",
  branchInstall,
);
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
  // The sleep does not hold the test's stdout pipe: the test waits for the launcher, not for it.
  '#!/bin/sh\nif [ "$1" = die ]; then kill -TERM $$; sleep 5; fi\ntrap \'exit 42\' TERM\necho ready\nsleep 30 >/dev/null & wait\n',
);
fs.chmodSync(script, 0o755);
const signalled = await new Promise((resolve) => {
  const child = spawn(process.execPath, [path.join(signalPkg, "bin/bedrock-doctor.js")], { stdio: ["ignore", "pipe", "inherit"] });
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  child.stdout.once("data", () => child.kill("SIGTERM"));
  child.on("exit", (status, signal) => {
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
