#!/usr/bin/env node
// Installs the real test runners the runner fixtures (test/fixtures/runners) are run
// with, when missing: mocha, jest and vitest from the npm registry (into the fixtures'
// own node_modules, from their package-lock.json, with jest-junit for jest's JUnit XML), pytest from Debian's python3-pytest,
// Go from Debian's golang-go, and Debian's cargo only where no cargo is on the machine.
// Idempotent and quick when everything is there. Prints one line per runner; exits 0
// even when a runner cannot be installed (the tests then skip it and say why).
//   node scripts/setup-runners.mjs [--check]     (--check: report, install nothing)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'runners');
const checkOnly = process.argv.includes('--check');

function works(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return result.status === 0 ? (result.stdout + result.stderr).trim().split('\n')[0] : undefined;
}

function run(command, args, options = {}) {
  process.stderr.write(`setup-runners: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  return result.status === 0;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
let aptUpdated = false;
function aptInstall(...packages) {
  if (checkOnly || !isRoot || !existsSync('/usr/bin/apt-get')) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) aptUpdated = run('apt-get', ['update', '-qq'], { env });
  return run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
}

/** The python that has pytest: Debian's (python3-pytest), else whichever python3 is on PATH. */
function findPytestPython() {
  for (const python of ['/usr/bin/python3', 'python3']) if (works(python, ['-m', 'pytest', '--version'])) return python;
  return undefined;
}

const status = {};

// npm runners, pinned by the fixtures' package-lock.json.
const bins = ['mocha', 'jest', 'vitest'].map((name) => join(fixtures, 'node_modules', '.bin', name));
const wanted = Object.keys(JSON.parse(readFileSync(join(fixtures, 'package.json'), 'utf8')).dependencies ?? {});
if (!wanted.every((name) => existsSync(join(fixtures, 'node_modules', name, 'package.json'))) && !checkOnly) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: fixtures });
}
for (const [name, bin] of [['mocha', bins[0]], ['jest', bins[1]], ['vitest', bins[2]]]) status[name] = existsSync(bin) ? works(process.execPath, [bin, '--version']) ?? 'installed' : undefined;

let python = findPytestPython();
if (python !== '/usr/bin/python3' && aptInstall('python3-pytest')) python = findPytestPython();
status.pytest = python ? `${works(python, ['-m', 'pytest', '--version'])} (${python})` : undefined;

if (!works('go', ['version']) && aptInstall('golang-go')) process.stderr.write('setup-runners: installed golang-go\n');
status.go = works('go', ['version']);

if (!works('cargo', ['--version']) && aptInstall('cargo')) process.stderr.write('setup-runners: installed cargo\n');
status.cargo = works('cargo', ['--version']);

// Worktree agents run contained by bubblewrap where it exists (refineLoop.agent.sandbox); its tests need it.
if (process.platform === 'linux' && !works('bwrap', ['--version']) && aptInstall('bubblewrap')) process.stderr.write('setup-runners: installed bubblewrap\n');
if (process.platform === 'linux') status.bwrap = works('bwrap', ['--version']);

status['node:test'] = process.version;
for (const [name, version] of Object.entries(status)) console.log(`${name.padEnd(10)} ${version ?? 'MISSING (could not be installed here)'}`);
