import { performance } from 'node:perf_hooks';
import { applyEdits, parseReply } from '../../src/edits';
import type { ApplyResult } from '../../src/edits';
import { corpusCases, type EditCase } from './editsCorpus';

// Runs the edit corpus through parseReply + applyEdits and scores every case against
// its expected outcome. `wrong-apply` (applied, but not byte-equal to the expected
// files, or applied where the right answer was to refuse) is the number that must be 0.

export type Verdict = 'correct-apply' | 'correct-nothing' | 'correct-reject' | 'wrong-apply' | 'missed';

/** What a result keeps of its case: not the files, so a run's memory stays small. */
export type CaseSummary = Pick<EditCase, 'id' | 'class' | 'group' | 'size'> & { readonly expect: { readonly kind: EditCase['expect']['kind'] } };

export interface CaseResult {
  readonly case: CaseSummary;
  readonly verdict: Verdict;
  readonly result: ApplyResult;
  /** Parse + apply, in milliseconds, one value per timed run: wall clock, and this process's CPU time. */
  readonly times: number[];
  readonly cpuTimes: number[];
}

const bytes = (binary: string) => Uint8Array.from(binary, (c) => c.charCodeAt(0));
const binary = (data: Uint8Array | undefined) => (data === undefined ? null : Array.from(data, (byte) => String.fromCharCode(byte)).join(''));

export async function runCase(editCase: EditCase): Promise<{ verdict: Verdict; result: ApplyResult }> {
  const files = new Map(Object.entries(editCase.files).map(([path, content]) => [path, bytes(content)]));
  const workspace = { read: async (path: string) => files.get(path) };
  const parsed = parseReply(editCase.reply);
  const result: ApplyResult =
    parsed.problems.length > 0 ? { status: 'rejected', changes: [], problems: parsed.problems, alreadyApplied: [] } : await applyEdits(parsed.edits, workspace);
  const { expect } = editCase;
  if (result.status === 'applied') {
    if (expect.kind !== 'apply') return { verdict: 'wrong-apply', result };
    const changed = new Map<string, string | null>();
    for (const change of result.changes) {
      if (change.oldPath !== undefined) changed.set(change.oldPath, null);
      changed.set(change.path, binary(change.after));
    }
    const expected = new Map(Object.entries(expect.files));
    const same = changed.size === expected.size && [...expected].every(([path, content]) => changed.has(path) && changed.get(path) === content);
    return { verdict: same ? 'correct-apply' : 'wrong-apply', result };
  }
  if (result.status === 'nothing') return { verdict: expect.kind === 'nothing' ? 'correct-nothing' : 'missed', result };
  return { verdict: expect.kind === 'reject' ? 'correct-reject' : 'missed', result };
}

async function timeCase(editCase: EditCase, runs: number): Promise<{ times: number[]; cpuTimes: number[] }> {
  const files = new Map(Object.entries(editCase.files).map(([path, content]) => [path, bytes(content)]));
  const workspace = { read: async (path: string) => files.get(path) };
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const parsed = parseReply(editCase.reply);
    await applyEdits(parsed.edits, workspace);
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  return { times, cpuTimes };
}

export async function runCorpus(root: string, options: { perSource?: number; timedRuns?: number } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const editCase of corpusCases(root, options.perSource)) {
    const { verdict, result } = await runCase(editCase);
    // Few cases edit 20k-line files; more runs each give their p95 enough samples.
    const runs = (options.timedRuns ?? 0) * (editCase.size === '20k' ? 5 : 1);
    const { times, cpuTimes } = runs > 0 ? await timeCase(editCase, runs) : { times: [], cpuTimes: [] };
    const summary: CaseSummary = { id: editCase.id, class: editCase.class, group: editCase.group, size: editCase.size, expect: { kind: editCase.expect.kind } };
    // Keep the verdict and the problems, not the changed files' bytes.
    results.push({ case: summary, verdict, result: { ...result, changes: [] }, times, cpuTimes });
  }
  return results;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}`);

/** The README tables: outcomes per class, then timings by file size. */
export function report(results: readonly CaseResult[]): string {
  const out: string[] = [];
  const classes = [...new Set(results.map((r) => r.case.class))];
  out.push('| class | cases | expected | correct-apply % | wrong-apply % | correct-reject % | missed % |', '| --- | ---: | --- | ---: | ---: | ---: | ---: |');
  const row = (name: string, rows: readonly CaseResult[]) => {
    const count = (verdict: Verdict) => rows.filter((r) => r.verdict === verdict).length;
    const expected = [...new Set(rows.map((r) => r.case.expect.kind))].join(', ');
    out.push(
      `| ${name} | ${rows.length} | ${expected} | ${pct(count('correct-apply') + count('correct-nothing'), rows.filter((r) => r.case.expect.kind !== 'reject').length)} | ${pct(count('wrong-apply'), rows.length)} | ${pct(count('correct-reject'), rows.filter((r) => r.case.expect.kind === 'reject').length)} | ${pct(count('missed'), rows.length)} |`,
    );
  };
  for (const name of classes) row(name, results.filter((r) => r.case.class === name));
  row('**all**', results);
  const correct = results.filter((r) => r.verdict !== 'wrong-apply' && r.verdict !== 'missed').length;
  out.push('', `Cases: ${results.length}. Correct outcome: ${pct(correct, results.length)}%. Wrong-apply: ${results.filter((r) => r.verdict === 'wrong-apply').length}.`);
  if (results.some((r) => r.times.length > 0)) {
    out.push('', '| file size | class | runs | p50 ms | p95 ms | p50 CPU ms | p95 CPU ms |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const size of ['100', '2k', '20k'] as const) {
      for (const [label, pick] of [
        ['exact', (r: CaseResult) => r.case.class === 'exact'],
        ['fuzzy (stale-context)', (r: CaseResult) => r.case.class === 'stale-context'],
        ['all classes', () => true],
      ] as const) {
        const picked = results.filter((r) => r.case.size === size && pick(r));
        const times = picked.flatMap((r) => r.times);
        const cpu = picked.flatMap((r) => r.cpuTimes);
        const ms = (values: number[], p: number) => percentile(values, p).toFixed(2);
        out.push(`| ${size} lines | ${label} | ${times.length} | ${ms(times, 50)} | ${ms(times, 95)} | ${ms(cpu, 50)} | ${ms(cpu, 95)} |`);
      }
    }
  }
  return out.join('\n');
}
