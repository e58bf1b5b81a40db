#!/usr/bin/env node
// `npm test`: typecheck, lint, build, unit tests (node --test, its summary printed) and
// the integration suite inside a real VS Code host (code-server), run once, against the
// extension installed from the .vsix that `package` makes (so a packaging mistake fails
// it). Stops at the first stage that fails and says which. `node scripts/test.mjs unit|clis|integration|e2e` runs one layer.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const only = process.argv[2];
const npx = (args) => ['node', [join(root, 'node_modules', '.bin', args[0]), ...args.slice(1)]];

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

const stages = {
  typecheck: () => [npx(['tsc', '-p', 'tsconfig.json', '--noEmit']), npx(['tsc', '-p', 'tsconfig.webview.json', '--noEmit'])],
  lint: () => [npx(['eslint', '.'])],
  build: () => [['node', ['esbuild.mjs']], 'clean-out', npx(['tsc', '-p', 'tsconfig.json', '--outDir', 'out'])],
  unit: () => [['node', ['--test', '--test-reporter=spec', ...findTests(join(root, 'out', 'test', 'unit'))]]],
  // The real agent CLIs (installed pinned into the cache first) run by the built CLI
  // against loopback model servers: one file per preset in test/agentClis.
  'agent CLIs': () => [['node', ['scripts/provision-agent-clis.mjs']], ['node', ['--test', '--test-concurrency=1', '--test-reporter=spec', ...findTests(join(root, 'out', 'test', 'agentClis'))]]],
  integration: () => [['node', ['scripts/run-integration.mjs']]],
  // vsce runs vscode:prepublish (the production build) before it packs.
  package: () => [['node', ['scripts/package.mjs']]],
  'integration (installed .vsix)': () => [['node', ['scripts/run-integration.mjs', '--vsix', 'dist/refine-loop.vsix']]],
  e2e: () => [['node', ['scripts/run-e2e.mjs']]],
};

const plans = {
  undefined: ['typecheck', 'lint', 'build', 'unit', 'agent CLIs', 'package', 'integration (installed .vsix)'],
  unit: ['build', 'unit'],
  clis: ['build', 'agent CLIs'],
  integration: ['build', 'integration'],
  e2e: ['build', 'e2e'],
};
const plan = plans[only];
if (!plan) {
  console.error(`usage: node scripts/test.mjs [unit|clis|integration|e2e]`);
  process.exit(2);
}

const timings = [];
for (const stage of plan) {
  const started = Date.now();
  process.stderr.write(`\n── ${stage} ──\n`);
  for (const step of stages[stage]()) {
    if (step === 'clean-out') {
      rmSync(join(root, 'out'), { recursive: true, force: true });
      continue;
    }
    const [command, args] = step;
    const result = spawnSync(command === 'node' ? process.execPath : command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
    if (result.status !== 0) {
      process.stderr.write(`\n✖ ${stage} failed (${[command, ...args].join(' ')} exited ${result.status ?? result.signal})\n`);
      process.exit(1);
    }
  }
  timings.push(`${stage} ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.stderr.write(`\n✔ ${plan.join(', ')} passed (${timings.join(', ')})\n`);
