import { diffArrays, type ArrayChange } from 'diff';

// Line alignment through jsdiff, bounded in time: Myers' diff is quadratic in the number
// of differing lines, so a rewrite of a big file could take minutes. Past the bound,
// the answer is "everything removed, everything added", which is always correct, only
// less precise.

export const DIFF_TIMEOUT_MS = 1000;

export function diffLines(before: readonly string[], after: readonly string[]): ArrayChange<string>[] {
  const changes = diffArrays([...before], [...after], { timeout: DIFF_TIMEOUT_MS });
  if (changes) return changes;
  const all: ArrayChange<string>[] = [];
  if (before.length > 0) all.push({ value: [...before], count: before.length, added: false, removed: true });
  if (after.length > 0) all.push({ value: [...after], count: after.length, added: true, removed: false });
  return all;
}
