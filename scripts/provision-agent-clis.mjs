#!/usr/bin/env node
// Installs each pinned agent CLI (src/agents/clis/pins.ts) from the npm registry into its
// own folder of the cache outside the repository, for the `agent CLIs` test stage and
// `npm run bench:clis`. Idempotent: a finished install leaves a marker naming its version
// and is skipped. Only the npm registry is used (npm's own client; the packages' install
// scripts only pick a platform binary that npm already fetched).
// `node scripts/provision-agent-clis.mjs [id ...]` installs only those.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTs } from './load-ts.mjs';
import { agentCliBinary, agentCliRoot, agentClisDir, provisionedMarker } from './agent-clis-paths.mjs';

const { agentCliPins } = await loadTs('src/agents/clis/pins.ts');

function log(message) {
  process.stderr.write(`[provision-agent-clis] ${message}\n`);
}

function install(pin) {
  const root = agentCliRoot(pin);
  const marker = join(root, provisionedMarker);
  const wanted = `${pin.npmPackage}@${pin.testedVersion}`;
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === wanted && existsSync(agentCliBinary(pin))) {
    log(`${wanted} already in ${root}`);
    return 0;
  }
  const started = Date.now();
  // Built beside the target and renamed at the end: an interrupted run never leaves a
  // folder that looks finished, and two runs at once do not share one.
  const staging = `${root}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: `refine-loop-${pin.id}`, private: true }, null, 2));
  log(`installing ${wanted} into ${root}`);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-exact', wanted], {
    cwd: staging,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_yes: 'true' },
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm install ${wanted} failed with ${result.status ?? result.signal}`);
  }
  writeFileSync(join(staging, provisionedMarker), `${wanted}\n`);
  if (existsSync(join(root, provisionedMarker)) && readFileSync(join(root, provisionedMarker), 'utf8').trim() === wanted) {
    rmSync(staging, { recursive: true, force: true }); // another run finished first
  } else {
    rmSync(root, { recursive: true, force: true });
    renameSync(staging, root);
  }
  const seconds = (Date.now() - started) / 1000;
  log(`${wanted} installed in ${seconds.toFixed(1)} s`);
  return seconds;
}

try {
  const only = process.argv.slice(2);
  const unknown = only.filter((id) => !agentCliPins[id]);
  if (unknown.length > 0) throw new Error(`unknown agent CLI ${unknown.join(', ')}: one of ${Object.keys(agentCliPins).join(', ')}`);
  mkdirSync(agentClisDir(), { recursive: true });
  const started = Date.now();
  for (const pin of Object.values(agentCliPins)) if (only.length === 0 || only.includes(pin.id)) install(pin);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  log(`failed: ${error.message}`);
  process.exit(1);
}
