import fc from 'fast-check';
import { changesFromReply } from '../../../../src/edits';
import { buildCase, caseParams, type CaseParams, type EditCase } from './editCases';
import type { RealFile } from './realFiles';

// The property, and a runner that counts outcomes: shared by the unit test (a fixed
// seed, a few hundred cases) and `npm run fuzz:edits` (hundreds of thousands).

export type Outcome = 'applied' | 'rejected' | 'skipped';

export interface Tally {
  applied: number;
  rejected: number;
  skipped: number;
  /** Cases a correct engine could apply, by perturbation: how many it applied. */
  readonly byPerson: Map<string, { applicable: number; applied: number }>;
}

export function newTally(): Tally {
  return { applied: 0, rejected: 0, skipped: 0, byPerson: new Map() };
}

const show = (bytes: Uint8Array | undefined) => (bytes === undefined ? '(none)' : JSON.stringify(new TextDecoder().decode(bytes).slice(0, 300)));

/** The lines around the first difference of two results, for a readable report. */
function firstDifference(got: Uint8Array | undefined, intended: Uint8Array): string {
  const a = got === undefined ? [] : new TextDecoder().decode(got).split('\n');
  const b = new TextDecoder().decode(intended).split('\n');
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line++;
  const around = (lines: string[]) => lines.slice(Math.max(0, line - 3), line + 4).map((text, i) => `    ${Math.max(0, line - 3) + i + 1}: ${JSON.stringify(text)}`).join('\n');
  return `first difference at line ${line + 1}\n  got:\n${around(a)}\n  intended:\n${around(b)}`;
}

/** Throws (with what went wrong) when the engine's answer breaks the property. */
export async function checkCase(editCase: EditCase): Promise<Outcome> {
  const workspace = { read: async (path: string) => (path === editCase.path ? editCase.before : undefined) };
  const result = await changesFromReply(editCase.reply, workspace);
  const { expect } = editCase;
  if (result.status === 'rejected') return 'rejected';
  if (result.status === 'nothing') {
    if (expect.kind === 'reject') return 'rejected';
    throw new Error(`claimed the edit is already in the file (nothing applied) but the file differs from the intended one`);
  }
  if (expect.kind === 'reject') throw new Error(`applied a reply that must be rejected: ${show(result.changes[0]?.after)}`);
  const change = result.changes.length === 1 ? result.changes[0] : undefined;
  const after = change?.path === editCase.path ? change.after : undefined;
  if (!after || after.length !== expect.bytes.length || after.some((byte, i) => byte !== expect.bytes[i])) {
    throw new Error(`wrong apply, ${firstDifference(after, expect.bytes)}`);
  }
  return 'applied';
}

function record(tally: Tally, params: CaseParams, editCase: EditCase | undefined, outcome: Outcome): void {
  tally[outcome]++;
  if (!editCase || editCase.expect.kind === 'reject') return;
  const key = `${params.person}/${params.indent}/${params.format}`;
  const entry = tally.byPerson.get(key) ?? { applicable: 0, applied: 0 };
  entry.applicable++;
  if (outcome === 'applied') entry.applied++;
  tally.byPerson.set(key, entry);
}

/** The property over `pool`: resolves with the tally, rejects with fast-check's report (seed, path, shrunk case). */
export async function runProperty(pool: readonly RealFile[], options: { seed: number; numRuns: number; tally?: Tally }): Promise<Tally> {
  const tally = options.tally ?? newTally();
  await fc.assert(
    fc.asyncProperty(caseParams, async (params) => {
      const editCase = buildCase(params, pool);
      const outcome = editCase ? await checkCase(editCase) : 'skipped';
      record(tally, params, editCase, outcome);
    }),
    { seed: options.seed, numRuns: options.numRuns, includeErrorInReport: true },
  );
  return tally;
}
