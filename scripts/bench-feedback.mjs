#!/usr/bin/env node
// `npm run bench:feedback`: measures, on the runner fixtures with their real runners,
//  1. raw output size (the plain test command's console output, what a tool would
//     paste) against the feedback the agent gets, and whether every failing test's
//     name and assertion message survived;
//  2. on the 1000-test fixture with 3 failing, the time until the runner returns its
//     first report with failing-first against the full suite (median of 5 runs each);
//  3. the kill bound (hanging test with grandchildren) and the flood bound (1 GiB of
//     output): time to return, surviving processes, the runner's peak memory.
// Prints Markdown tables. Needs the runners: node scripts/setup-runners.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTs } from './load-ts.mjs';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'runners');
const { createTestRunner, runCommand, resolvePackageScript } = await loadTs(join(root, 'src', 'node', 'testRunner.ts'));
const { buildFeedback, sourcesNeeded } = await loadTs(join(root, 'src', 'testing', 'feedback', 'index.ts'));

const setup = spawnSync(process.execPath, [join(root, 'scripts', 'setup-runners.mjs')], { encoding: 'utf8' });
const python = /^pytest\s+.*\((.+)\)$/m.exec(setup.stdout)?.[1] ?? 'python3';
const missing = setup.stdout.split('\n').filter((line) => line.includes('MISSING')).map((line) => line.split(/\s+/)[0]);

const signal = new AbortController().signal;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function readSources(folder, report) {
  const sources = {};
  for (const path of sourcesNeeded(report)) {
    try {
      sources[path] = readFileSync(join(folder, path), 'utf8');
    } catch {
      // not there
    }
  }
  return sources;
}

/** The plain command's console output, as a person (or another tool) would see it. */
async function rawOutput(folder, command) {
  const resolved = resolvePackageScript(folder, command);
  const env = resolved.pathPrefix ? { PATH: `${resolved.pathPrefix}:${process.env.PATH}` } : {};
  const result = await runCommand({ cwd: folder, command: resolved.command, timeoutMs: 600_000, env, maxOutputBytes: 1024 * 1024 * 1024, keepBytes: 512 * 1024 * 1024 });
  return result.output ?? '';
}

const cases = [
  ['node:test', 'node-test', 'npm test'],
  ['mocha', 'mocha', 'npm test'],
  ['jest', 'jest', 'npm test'],
  ['vitest', 'vitest', 'npm test'],
  ['pytest', 'pytest', `${python} -m pytest`],
  ['go test', 'go', 'go test ./...'],
  ['cargo test', 'cargo', 'cargo test'],
  ['node:test, 1000 tests', 'big', 'npm test'],
];

console.log('### Raw output vs feedback\n');
console.log('| fixture | failing | raw output | feedback | smaller by | every failing name and message kept |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [label, folder, command] of cases) {
  const runner = label.split(/[ ,]/)[0].replace('node:test', 'node:test');
  if (missing.some((name) => label.toLowerCase().startsWith(name))) {
    console.log(`| ${label} | skipped: ${runner} not installed | | | | |`);
    continue;
  }
  const cwd = join(fixtures, folder);
  const raw = await rawOutput(cwd, command);
  const report = await createTestRunner({ root: cwd, command, timeoutMs: 600_000 }).run({}, signal);
  const feedback = buildFeedback({ report, sources: readSources(cwd, report), maxTokens: 6000, root: cwd });
  const failing = report.tests.filter((test) => test.status === 'failed');
  const flat = feedback.text.replace(/\s+/g, ' ');
  const kept = failing.every((test) => flat.includes(test.name) && flat.includes((test.message ?? '').split('\n')[0].trim().replace(/\s+/g, ' ')));
  const rawBytes = Buffer.byteLength(raw);
  const feedbackBytes = Buffer.byteLength(feedback.text);
  console.log(`| ${label} | ${failing.length} | ${kb(rawBytes)} | ${kb(feedbackBytes)} (~${feedback.estimatedTokens} tokens) | ${(rawBytes / feedbackBytes).toFixed(1)}x | ${kept ? 'yes' : 'NO'} |`);
}

console.log('\n### Time to the first signal, 1000 tests with 3 failing (node:test)\n');
{
  const cwd = join(fixtures, 'big');
  const runner = createTestRunner({ root: cwd, command: 'npm test', timeoutMs: 600_000 });
  const full = [];
  const selected = [];
  let failing = [];
  for (let round = 0; round < 5; round++) {
    let started = Date.now();
    const report = await runner.run({}, signal);
    full.push(Date.now() - started);
    failing = report.tests.filter((test) => test.status === 'failed');
    started = Date.now();
    const first = await runner.run({ failingFirst: failing }, signal);
    selected.push(Date.now() - started);
    if (first.scope !== 'selected' || first.tests.filter((test) => test.status === 'failed').length !== 3) throw new Error('failing-first did not report the 3 failures on its own');
  }
  console.log('| run | median of 5 | all runs |');
  console.log('| --- | --- | --- |');
  console.log(`| full suite (1000 tests) | ${(median(full) / 1000).toFixed(2)} s | ${full.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s |`);
  console.log(`| failing-first (the 3 failures) | ${(median(selected) / 1000).toFixed(2)} s | ${selected.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s |`);
  console.log(`| speed-up | ${(median(full) / median(selected)).toFixed(1)}x | |`);
}

console.log('\n### Kill and flood bounds\n');
{
  const folder = mkdtempSync(join(tmpdir(), 'refine-bench-hang-'));
  const pidsFile = join(folder, 'pids');
  const timeoutMs = 2000;
  const started = Date.now();
  await runCommand({ cwd: join(fixtures, 'hang'), command: ['node', '--test', 'hang.test.js'], timeoutMs, env: { HANG_PIDS_FILE: pidsFile } });
  const elapsed = Date.now() - started;
  const alive = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] !== 'Z';
    } catch {
      return false;
    }
  };
  const pids = readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
  rmSync(folder, { recursive: true, force: true });
  console.log('| check | result | bound |');
  console.log('| --- | --- | --- |');
  console.log(`| hanging test, 5 descendants (one in its own process group) | returned ${(elapsed / 1000).toFixed(2)} s after start, ${pids.filter(alive).length} of ${pids.length} descendants alive | timeout ${timeoutMs / 1000} s + 3 s, 0 alive |`);

  const processModule = join(root, 'src', 'node', 'process.ts');
  const script = `
    import { loadTs } from ${JSON.stringify(join(root, 'scripts', 'load-ts.mjs'))};
    const { runCommand } = await loadTs(${JSON.stringify(processModule)});
    const started = Date.now();
    const result = await runCommand({ cwd: ${JSON.stringify(join(fixtures, 'flood'))}, command: ['node', 'flood.js'], timeoutMs: 120000 });
    console.log(JSON.stringify({ ms: Date.now() - started, total: result.totalBytes, dropped: result.droppedBytes, head: result.outputHead.length, tail: result.outputTail.length, limit: result.outputLimitHit, rss: process.resourceUsage().maxRSS }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: root });
  const flood = JSON.parse(child.stdout);
  console.log(`| 1 GiB output flood | stopped after ${mb(flood.total)} read (${(flood.ms / 1000).toFixed(2)} s), kept ${kb(flood.head)} head + ${kb(flood.tail)} tail, ${mb(flood.dropped)} counted as dropped; peak memory ${(flood.rss / 1024).toFixed(0)} MB | killed past 50 MB, memory under 200 MB |`);
}
