#!/usr/bin/env node
// `npm run bench:clis`: the time an agent CLI preset adds to a round over the CLI's own
// run (test/bench/clisBench.ts), for each pinned CLI that is provisioned
// (npm run provision:clis). Prints a Markdown table (BENCH_RUNS runs each, default 5;
// BENCH_CLIS=codex,gemini-cli measures only those).
import { resolve } from 'node:path';
import { loadTs } from './load-ts.mjs';

const root = resolve(import.meta.dirname, '..');
const { runClisBench, report } = await loadTs(resolve(root, 'test/bench/clisBench.ts'));
console.log(report(await runClisBench(root, Number(process.env.BENCH_RUNS ?? 5), process.env.BENCH_CLIS ? process.env.BENCH_CLIS.split(',') : undefined)));
