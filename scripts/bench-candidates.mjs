#!/usr/bin/env node
// `npm run bench:candidates`: best of N. Rounds to green and wall time for N = 1, 2, 4 on
// a seeded fixture where one attempt in three is right (real tests in real scratch
// copies), and the loop's own overhead per round and per attempt on a 2,000-file
// workspace (instant model and tests). Prints Markdown tables. BENCH_SEEDS (default 12)
// sessions per N; BENCH_RUNS (default 15) overhead samples.
import { resolve } from 'node:path';
import { loadTs } from './load-ts.mjs';

const root = resolve(import.meta.dirname, '..');
const { roundsToGreen, overhead, report } = await loadTs(resolve(root, 'test/bench/candidatesBench.ts'));
const files = 2000;
const green = await roundsToGreen([1, 2, 4], Number(process.env.BENCH_SEEDS ?? 12));
const loop = await overhead(files, Number(process.env.BENCH_RUNS ?? 15), [
  { n: 1, copy: 'none' },
  { n: 2, copy: 'plain' },
  { n: 4, copy: 'plain' },
  { n: 2, copy: 'git' },
  { n: 4, copy: 'git' },
]);
console.log(report(green, loop, files));
