#!/usr/bin/env node
// `npm run bench:reliability`: kills of `refine-loop run` at random moments (files lost),
// hostile paths through every reply form and worktree results (writes outside the root,
// into .git or .refine-loop), a fault matrix of agents and test commands (false
// `passed`, processes left), the 50 MB edit's peak memory, kills at each rename point of
// an apply and a restore. BENCH_KILLS=N sets the number of random kills (default 1000).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { loadTs } from './load-ts.mjs';

const root = resolve(import.meta.dirname, '..');
const build = spawnSync(process.execPath, [resolve(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const bench = await loadTs(resolve(root, 'test/bench/reliabilityBench.ts'));
const renameBench = await loadTs(resolve(root, 'test/bench/renameKillBench.ts'));
const kills = Number(process.env.BENCH_KILLS ?? 1000);
let failed = false;

const hostileStarted = Date.now();
const hostile = await bench.hostileBench();
console.log(`hostile paths: ${hostile.paths} paths x 4 reply forms = ${hostile.attempts} applies, ${hostile.refused} refused, ${hostile.noEdits} read as no edit, ${hostile.accepted.length} applied${hostile.accepted.length ? ` (${hostile.accepted.join('; ')})` : ''}, ${hostile.writesOutside} writes outside the root / into .git / into .refine-loop; worktree: ${hostile.worktreeAttempts} results, ${hostile.worktreeWritesOutside} writes outside (${((Date.now() - hostileStarted) / 1000).toFixed(1)} s)`);
failed ||= hostile.writesOutside > 0 || hostile.worktreeWritesOutside > 0;

const rows = await bench.faultBench();
console.log('\nfault matrix:');
for (const row of rows) console.log(`  ${row.kind.padEnd(6)} ${row.name.padEnd(46)} ${row.outcome.padEnd(28)} ${row.falsePassed ? 'FALSE PASSED' : 'ok'}  processes left ${row.processesLeft}  ${row.ms} ms`);
const falsePassed = rows.filter((row) => row.falsePassed).length;
const left = rows.reduce((sum, row) => sum + row.processesLeft, 0);
console.log(`  ${rows.length} cases: ${falsePassed} false passed, ${left} processes left`);
failed ||= falsePassed > 0 || left > 0;

// A one-line edit of a 50 MB file through `refine-loop apply`: the CLI's own peak memory.
{
  const dir = mkdtempSync(join(tmpdir(), 'refine-bench-big-'));
  try {
    const lines = Array.from({ length: 800_000 }, (_, i) => `export const value${i} = compute(${i}, 'abcdefghijklmnopqrstuvwxyz');`);
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'big.js'), text);
    const target = lines[400_000];
    writeFileSync(join(dir, 'reply.md'), `big.js\n<<<<<<< SEARCH\n${target}\n=======\n${target.replace('compute(', 'computeTwice(')}\n>>>>>>> REPLACE\n`);
    const cli = resolve(root, 'dist/cli.js');
    // The CLI as a person runs it, with a preload that reports its peak memory at exit.
    const preload = join(dir, 'peak.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write('\\nMAXRSS ' + process.resourceUsage().maxRSS + '\\n'));\n");
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--require', preload, cli, 'apply', '--root', dir, join(dir, 'reply.md')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const peakKb = Number(/MAXRSS (\d+)/.exec(run.stderr)?.[1] ?? NaN);
    const edited = readFileSync(join(dir, 'big.js'), 'utf8') === text.replace('value400000 = compute(', 'value400000 = computeTwice(');
    const size = Buffer.byteLength(text);
    console.log(`\n50 MB edit: a one-line edit of a ${(size / 1e6).toFixed(1)} MB file through refine-loop apply: exit ${run.status}, ${edited ? 'the file is as meant' : 'THE FILE IS NOT AS MEANT'}, peak memory ${(peakKb / 1024).toFixed(0)} MB (${((peakKb * 1024) / size).toFixed(1)}x the file) (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    failed ||= run.status !== 0 || !edited;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Kills at each rename point of an apply and of a restore (deterministic), on the crash
// child of the crash-injection unit test, built here.
{
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'refine-bench-child-'));
  try {
    const child = join(dir, 'crashChild.cjs');
    await esbuild.build({ entryPoints: [resolve(root, 'test/unit/node/crashChild.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: child, logLevel: 'silent' });
    const renames = await renameBench.renameKillBench(child);
    console.log(`\nkills at each rename: apply ${renames.apply.kills} kills at its ${renames.apply.points} rename points (each restored and rolled forward), restore ${renames.restore.kills} kills at its ${renames.restore.points}: ${renames.lost} files lost, ${renames.tempsLeft} temp files left (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    failed ||= renames.lost > 0 || renames.tempsLeft > 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const killsStarted = Date.now();
const result = await bench.killBench(resolve(root, 'dist/cli.js'), kills, (done) => {
  if (done % 50 === 0) process.stderr.write(`  ${done}/${kills} kills\n`);
});
console.log(`\nkills of refine-loop run: ${result.runs} at random moments within a ${result.medianRunMs} ms run: ${result.lost} with files lost; ${result.recovered} interrupted applies restored from the journal; states after recovery by round ${result.byState.join(' / ')}; ${result.processesLeft} processes of the killed CLI left to end by hand (SIGKILL leaves no chance) (${((Date.now() - killsStarted) / 1000).toFixed(0)} s)`);
failed ||= result.lost > 0;
process.exitCode = failed ? 1 : 0;
