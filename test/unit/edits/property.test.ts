import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProperty } from './property/check';
import { defaultRoots, loadRealFiles } from './property/realFiles';
import { repoRoot } from './helpers';

// The edit engine's property on generated cases over real files (node_modules, Python's
// standard library): byte-equal to the intended file, or rejected with nothing written.
// A fixed seed and a small count here; `npm run fuzz:edits` runs 200,000 and more.

test('property: every generated reply applies byte-equal to the intended file, or is rejected', async () => {
  const pool = loadRealFiles(defaultRoots(repoRoot()), 120);
  assert.ok(pool.length >= 50, `real files found: ${pool.length}`);
  const tally = await runProperty(pool, { seed: 20261201, numRuns: 400 });
  // Not vacuous: most cases a correct engine can apply are applied.
  const applicable = [...tally.byPerson.values()].reduce((sum, entry) => sum + entry.applicable, 0);
  assert.ok(tally.applied > applicable * 0.4, `applied ${tally.applied} of ${applicable} applicable cases`);
});
