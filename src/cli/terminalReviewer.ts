import { createInterface } from 'node:readline';
import { createTwoFilesPatch } from 'diff';
import type { Reviewer } from '../domain/ports';
import type { AfterTestsDecision, CandidateChoice, CandidatesView, ConflictChoice, ReviewDecision } from '../domain/session';
import { inertText } from '../domain/terminalText';
import { summarize } from '../domain/testReport';

// The terminal reviewer of `refine-loop run` and `restore`: the gates as questions on
// stderr, answered line by line on stdin. Everything it shows from the agent, a diff or
// the tests is made inert first, so an escape sequence cannot hide a line of the diff.

/** Reads answers line by line from stdin; undefined once stdin has ended. */
export function lineReader(): { ask: (question: string, write: (text: string) => void) => Promise<string | undefined>; cancel: () => void; close: () => void } {
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;
  let reader: ReturnType<typeof createInterface> | undefined;
  const start = () => {
    reader = createInterface({ input: process.stdin, terminal: false });
    reader.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : lines.push(line)));
    reader.on('close', () => {
      ended = true;
      waiting.splice(0).forEach((resolve) => resolve(undefined));
    });
  };
  return {
    ask(question, write) {
      write(question);
      if (!reader) start();
      if (lines.length > 0) return Promise.resolve(lines.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
    /** Ctrl-C: every open and later question is answered with nothing (stop, keep). */
    cancel() {
      ended = true;
      waiting.splice(0).forEach((resolve) => resolve(undefined));
    },
    close: () => reader?.close(),
  };
}

/** The gates as questions in the terminal; `ask` answers undefined once stdin has ended. */
export function terminalReviewer(ask: (question: string) => Promise<string | undefined>, write: (text: string) => void): Reviewer {
  const say = (text: string) => write(inertText(text));
  return {
    async review(view): Promise<ReviewDecision> {
      say(`\n── round ${view.round} of at most ${view.maxRounds}: the agent proposes ──\n`);
      if (view.summary) say(`${view.summary}\n\n`);
      for (const diff of view.diffs) say(diff.patch.endsWith('\n') ? diff.patch : `${diff.patch}\n`);
      for (const problem of view.editProblems) say(`! not applicable: ${problem.file ? `${problem.file}: ` : ''}${problem.reason}\n`);
      if (view.protectedPaths.length > 0) say(`! protected paths: ${view.protectedPaths.map((path) => (view.protectedReasons?.[path] ? `${path} (${view.protectedReasons[path]})` : path)).join(', ')}\n`);
      const hunks = view.diffs.reduce((count, diff) => count + diff.hunks.length, 0);
      const protectedYes = async () =>
        view.protectedPaths.length === 0 || (await ask(`The proposal changes protected files (${view.protectedPaths.join(', ')}). Apply those too? y / n: `))?.trim() === 'y';
      for (;;) {
        const answer = (await ask(`Apply? y / n REASON / q${hunks > 1 ? ' / h hunk by hunk' : ''}: `))?.trim();
        if (answer === undefined || answer === 'q') return { kind: 'stop' };
        if (answer === 'y') return { kind: 'approve', approveProtected: await protectedYes() };
        if (answer === 'h' && hunks > 1) {
          const keptHunks: Record<string, string[]> = {};
          const hunkRejections: { path: string; hunkId: string; reason: string }[] = [];
          for (const diff of view.diffs) {
            keptHunks[diff.path] = [];
            for (const [index, hunk] of diff.hunks.entries()) {
              say(`\n${diff.path}, hunk ${index + 1} of ${diff.hunks.length}:\n${hunk.lines.join('\n')}\n`);
              const choice = (await ask('Keep this hunk? y / n REASON: '))?.trim();
              if (choice === undefined) return { kind: 'stop' };
              if (choice === 'y') keptHunks[diff.path]!.push(hunk.id);
              else hunkRejections.push({ path: diff.path, hunkId: hunk.id, reason: choice.replace(/^n\s*/, '') || 'rejected without a reason' });
            }
          }
          if (Object.values(keptHunks).every((ids) => ids.length === 0)) return { kind: 'reject', reason: hunkRejections.map((r) => `${r.path}: ${r.reason}`).join('; ') };
          return { kind: 'approve', keptHunks, hunkRejections, approveProtected: await protectedYes() };
        }
        if (answer === 'n' || answer.startsWith('n ')) {
          const reason = answer.slice(1).trim() || (await ask('Reason (told to the agent): '))?.trim() || 'rejected without a reason';
          return { kind: 'reject', reason };
        }
      }
    },
    chooseCandidate: (view, _signal) => chooseInTerminal(view, ask, say),
    async afterTests(view): Promise<AfterTestsDecision> {
      const s = summarize(view.report);
      say(`\n── round ${view.round}: ${view.passed ? 'the tests pass' : 'the tests do not pass yet'} (${s.passed} passed, ${s.failed} failed${s.problems ? `, ${s.problems} run problems` : ''}) ──\n`);
      if (!view.passed) say(`${view.feedback.split('\n').slice(0, 30).join('\n')}\n`);
      if (view.stopReason) say(`! the loop stops here: ${view.stopReason}\n`);
      if (view.suiteShrank) say(`! the test suite shrank: ${view.suiteShrank.summary}. It passes only if you accept the smaller suite (a).\n`);
      const first = view.passed ? 'y keep and finish' : view.stopReason ? 'y keep and stop' : 'y continue';
      for (;;) {
        const restore = view.round > 1 ? ` / r N go back to before round N (1-${view.round})` : '';
        const accept = view.suiteShrank ? ' / a accept the smaller suite' : '';
        const answer = (await ask(`${first} / n REASON revert this round and retry / q stop and keep / u stop and revert all${restore}${accept}: `))?.trim();
        if (answer === undefined || answer === 'q') return { kind: 'stopKeep' };
        if (answer === 'a' && view.suiteShrank) return { kind: 'acceptSmallerSuite' };
        const back = /^r\s+(\d+)$/.exec(answer ?? '');
        if (back && Number(back[1]) >= 1 && Number(back[1]) <= view.round) return { kind: 'restore', round: Number(back[1]) };
        if (answer === 'y') return view.passed || view.stopReason ? { kind: 'stopKeep' } : { kind: 'continue' };
        if (answer === 'u') return { kind: 'stopRevert' };
        if (answer === 'n' || answer.startsWith('n ')) {
          const reason = answer.slice(1).trim();
          return { kind: 'revertRetry', ...(reason ? { reason } : {}) };
        }
      }
    },
    async resolveConflict(conflict): Promise<ConflictChoice> {
      const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? '' : new TextDecoder().decode(bytes));
      say(`\n! ${conflict.path} changed after its round applied. Restoring it would make this change:\n`);
      say(createTwoFilesPatch(`now/${conflict.path}`, `restored/${conflict.path}`, text(conflict.current), text(conflict.restore)));
      const answer = (await ask('k keep your version / o overwrite with the restored one: '))?.trim();
      return answer === 'o' ? 'overwrite' : 'keepCurrent';
    },
  };
}

/** One line per attempt, best first: its rank, tests, delta, diff and cost. */
export function candidateLines(view: CandidatesView): string[] {
  return view.candidates.map((candidate) => {
    const files = candidate.diffs.map((diff) => `${diff.path} +${diff.additions} −${diff.deletions}`).join(', ') || 'no changes';
    const tests = candidate.tests ? `${candidate.tests.passed} passed, ${candidate.tests.failed} failed${candidate.tests.problems ? `, ${candidate.tests.problems} run problems` : ''}` : `not tested (${candidate.error ?? 'nothing to test'})`;
    const delta = candidate.tests ? `; ${candidate.fixed} fixed, ${candidate.newlyFailing} newly failing` : '';
    const flags = `${candidate.suiteShrank ? `; ! suite shrank (${candidate.suiteShrank})` : ''}${candidate.protectedPaths.length > 0 ? `; ! protected: ${candidate.protectedPaths.join(', ')}` : ''}`;
    return `  ${candidate.rank}. attempt ${candidate.attempt} (${candidate.agentId}): ${tests}${delta}${flags}; ${files}; ${candidate.tokens} tokens, ${(candidate.durationMs / 1000).toFixed(1)} s`;
  });
}

/** Best of N in the terminal: y takes the best, c K attempt ranked K, d K shows its diff, n REASON rejects all, q stops. */
async function chooseInTerminal(view: CandidatesView, ask: (question: string) => Promise<string | undefined>, say: (text: string) => void): Promise<CandidateChoice> {
  say(`\n── round ${view.round}: ${view.candidates.length} attempts, ranked by the tests${view.currentFailing !== undefined ? ` (now ${view.currentFailing} failing)` : ''} ──\n`);
  say(`${candidateLines(view).join('\n')}\n`);
  const count = view.candidates.length;
  for (;;) {
    const answer = (await ask(`y review the best / c K review attempt ranked K (1-${count}) / d K show its diff / n REASON reject all / q stop: `))?.trim();
    if (answer === undefined || answer === 'q') return { kind: 'stop' };
    if (answer === 'y') return { kind: 'choose', rank: 1 };
    const picked = /^([cd])\s*(\d+)$/.exec(answer);
    if (picked && Number(picked[2]) >= 1 && Number(picked[2]) <= count) {
      const candidate = view.candidates[Number(picked[2]) - 1]!;
      if (picked[1] === 'c') return { kind: 'choose', rank: candidate.rank };
      if (candidate.summary) say(`${candidate.summary}\n\n`);
      for (const diff of candidate.diffs) say(diff.patch.endsWith('\n') ? diff.patch : `${diff.patch}\n`);
      continue;
    }
    if (answer === 'n' || answer.startsWith('n ')) {
      const reason = answer.slice(1).trim() || (await ask('Reason (told to the next attempts): '))?.trim() || 'rejected without a reason';
      return { kind: 'rejectAll', reason };
    }
  }
}
