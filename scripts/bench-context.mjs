#!/usr/bin/env node
// `npm run bench:context`: the first prompt of a round with read tools on a generated
// 2,000-file workspace (size; time to build it, p50 and p95) and the tool results' size
// of one round on the units-project fixture. Prints Markdown tables (BENCH_RUNS runs, default 30).
import { resolve } from 'node:path';
import { loadTs } from './load-ts.mjs';

const root = resolve(import.meta.dirname, '..');
const { runContextBench, report } = await loadTs(resolve(root, 'test/bench/contextBench.ts'));
console.log(report(await runContextBench(root, Number(process.env.BENCH_RUNS ?? 30))));
