// A stored session record as the review panel's state: what the panel shows again after
// a window reload, when the session itself (held in memory) is gone. Pure (no `vscode`).
import { locateHunk } from '../edits/hunkLocation';
import type { PanelFile, PanelState } from '../protocol/reviewPanel';
import { parsePatch } from 'diff';
import type { SessionRecord } from '../domain/record';

type Hunk = PanelFile['hunks'][number];

/** A patch's file name as a workspace path: no `a/`/`b/` prefix, no timestamp. */
function patchPath(name: string | undefined): string | undefined {
  if (!name || name === '/dev/null') return undefined;
  return name.replace(/\t.*$/, '').replace(/^[ab]\//, '');
}

/** The files and hunks of a unified patch (several files concatenated), read by jsdiff. */
export function hunksOfPatch(patch: string): Map<string, Hunk[]> {
  const files = new Map<string, Hunk[]>();
  for (const file of parsePatch(patch)) {
    const path = patchPath(file.newFileName) ?? patchPath(file.oldFileName);
    if (!path) continue;
    const hunks = files.get(path) ?? [];
    for (const hunk of file.hunks) {
      // The stored patch has no whole file: the hunk's own new-side lines name what encloses it, where they show it.
      const newSide = [...(Array(Math.max(0, hunk.newStart - 1)).fill('') as string[]), ...hunk.lines.filter((line) => !line.startsWith('-') && !line.startsWith('\\')).map((line) => line.slice(1))];
      const id = `${hunks.length + 1}`;
      hunks.push({ id, header: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`, lines: hunk.lines, location: locateHunk({ id, ...hunk }, newSide) });
    }
    files.set(path, hunks);
  }
  return files;
}

/** The paths a patch changes (old and new names of each file). */
export function pathsOfPatch(patch: string): Set<string> {
  const paths = new Set<string>();
  for (const file of parsePatch(patch)) {
    for (const name of [file.oldFileName, file.newFileName]) {
      const path = patchPath(name);
      if (path) paths.add(path);
    }
  }
  return paths;
}

export function panelStateFromRecord(record: SessionRecord, now: number): PanelState {
  const last = record.rounds.at(-1);
  const hunks = last ? hunksOfPatch(last.proposal.patch) : new Map<string, Hunk[]>();
  const edited = last?.review?.userEdits ? pathsOfPatch(last.review.userEdits) : new Set<string>();
  const testedRound = [...record.rounds].reverse().find((round) => round.tests);
  const history: PanelState['history'] = [];
  if (record.baseline) history.push({ round: 0, failed: record.baseline.summary.failed + record.baseline.summary.problems, passed: record.baseline.summary.passed });
  for (const round of record.rounds) {
    if (round.tests) history.push({ round: round.round, failed: round.tests.summary.failed + round.tests.summary.problems, passed: round.tests.summary.passed });
  }
  const tokens = record.rounds.reduce((sum, round) => sum + (round.tokens.input ?? 0) + (round.tokens.output ?? 0), 0);
  const tests = testedRound?.tests;
  return {
    sessionId: record.sessionId,
    task: record.task,
    round: last?.round ?? 0,
    maxRounds: record.maxRounds,
    approvalMode: record.approvalMode,
    phase: 'ended',
    status: record.outcome ? `Ended: ${record.reason ?? record.outcome}` : 'This session stopped when the window closed or reloaded; its rounds and checkpoints are in the Sessions view.',
    budget: { minutesUsed: Math.floor(((record.endedAt ?? now) - record.startedAt) / 60_000), maxMinutes: 0, tokensUsed: tokens, maxTokens: 0 },
    proposal: last
      ? {
          round: last.round,
          summary: last.proposal.summary,
          files: last.proposal.files.map((file) => ({
            path: file.path,
            status: (['added', 'modified', 'deleted', 'renamed'].includes(file.status) ? file.status : 'modified') as PanelFile['status'],
            additions: file.additions,
            deletions: file.deletions,
            protected: last.proposal.protectedPaths.includes(file.path),
            edited: edited.has(file.path),
            hunks: hunks.get(file.path) ?? [],
          })),
          editProblems: last.proposal.editProblems.map((reason) => ({ reason })),
          ...(last.reads ? { reads: last.reads.map((read) => ({ ...read })) } : {}),
        }
      : undefined,
    tests:
      tests && testedRound
        ? {
            round: testedRound.round,
            summary: tests.summary,
            scope: tests.scope,
            passed: tests.green,
            newlyFailing: tests.newlyFailing,
            fixed: tests.fixed,
            groups: tests.failing.length > 0 ? [{ title: 'Failing tests', failures: tests.failing.map((name) => ({ name })) }] : [],
            problems: tests.problems.map((message) => ({ kind: 'problem', message })),
          }
        : undefined,
    history,
    outcome: record.outcome ? { outcome: record.outcome, reason: record.reason ?? '', rounds: record.rounds.length } : undefined,
  };
}
