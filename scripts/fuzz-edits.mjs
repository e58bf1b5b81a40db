#!/usr/bin/env node
// `npm run fuzz:edits [-- --runs N] [--seed S]`: the edit engine's property (byte-equal to
// the intended file, or rejected with nothing written) on generated cases over real
// files (node_modules, Python's standard library), in chunks of 10,000 with a random
// seed each (or S, S+1, ...). Prints each seed, the outcome counts and the time; on a
// counterexample, fast-check's report (seed, path, the shrunk case) and exit 1.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadTs } from './load-ts.mjs';

const root = resolve(import.meta.dirname, '..');
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const runs = arg('--runs', 200_000);
const chunk = Math.min(runs, arg('--chunk', 10_000));
const firstSeed = arg('--seed', Math.floor(Math.random() * 2 ** 31));
const { runProperty, newTally } = await loadTs(resolve(root, 'test/unit/edits/property/check.ts'));
const { loadRealFiles, defaultRoots } = await loadTs(resolve(root, 'test/unit/edits/property/realFiles.ts'));

const pool = loadRealFiles(defaultRoots(root), 600);
console.log(`${pool.length} real files (${pool.filter((file) => file.name.endsWith('.py')).length} Python); ${runs} cases in chunks of ${chunk}`);
const tally = newTally();
const seeds = [];
const started = performance.now();
let done = 0;
try {
  for (let seed = firstSeed; done < runs; seed++) {
    const count = Math.min(chunk, runs - done);
    seeds.push(seed);
    await runProperty(pool, { seed, numRuns: count, tally });
    done += count;
    console.log(`seed ${seed}: ${count} cases, 0 counterexamples (${done} so far, ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
} catch (error) {
  console.error(`\nCounterexample with seed ${seeds.at(-1)} after ${done} cases in earlier chunks:\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const applicable = [...tally.byPerson.values()].reduce((sum, entry) => sum + entry.applicable, 0);
console.log(`\n${done} cases, 0 counterexamples, ${((performance.now() - started) / 1000).toFixed(1)} s; seeds ${seeds.join(', ')}`);
console.log(`applied ${tally.applied}, rejected ${tally.rejected}, skipped (parameters did not fit the file) ${tally.skipped}; applied ${tally.applied} of ${applicable} cases a correct engine could apply`);
