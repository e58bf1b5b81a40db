#!/usr/bin/env node
// `npm run bench:edits`: the edit engine's corpus (test/fixtures/edits) through
// parseReply + applyEdits; prints outcomes per perturbation class and apply times by
// file size. `--verbose` lists every case that was not handled correctly.
import { resolve } from 'node:path';
import { loadTs } from './load-ts.mjs';

const root = resolve(import.meta.dirname, '..');
const { runCorpus, report } = await loadTs(resolve(root, 'test/bench/editsBench.ts'));
const runs = Number(process.env.BENCH_RUNS ?? 10);
const results = await runCorpus(root, { timedRuns: runs });
console.log(report(results));
const bad = results.filter((r) => r.verdict === 'wrong-apply' || r.verdict === 'missed');
if (process.argv.includes('--verbose')) {
  for (const r of bad) {
    console.log(`\n${r.verdict}: ${r.case.id} (${r.result.status})`);
    for (const problem of r.result.problems) console.log(`  - ${problem.reason}`);
  }
}
process.exitCode = results.some((r) => r.verdict === 'wrong-apply') ? 1 : 0;
