import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusClasses, loadCorpus } from '../../bench/editsCorpus';
import { runCase } from '../../bench/editsBench';
import { repoRoot } from './helpers';

// Every perturbation class of the benchmark corpus, one site per class and source file
// (the full corpus runs in `npm run bench:edits`): each case must end as it should, and
// nothing may be applied wrongly.

test('every corpus case gets its expected outcome, and none is applied wrongly', async () => {
  const cases = loadCorpus(repoRoot(), 1);
  const seen = new Set(cases.map((c) => c.class));
  for (const name of corpusClasses) assert.ok(seen.has(name), `class ${name} has cases`);
  const wrong: string[] = [];
  for (const editCase of cases) {
    const { verdict, result } = await runCase(editCase);
    if (verdict === 'wrong-apply' || verdict === 'missed') wrong.push(`${verdict}: ${editCase.id} ${result.problems.map((p) => p.reason).join(' | ')}`);
  }
  assert.deepEqual(wrong, []);
});
