import { mkdir, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { agentConfigFromCli } from '../agents/cliOptions';
import { createAgent } from '../agents/index';
import { UsageError, errorMessage } from '../domain/errors';
import { exportReport, pendingJournals, recoverEntry, restoreCheckpoint, runSession } from '../loop/loop';
import type { Logger, Reviewer } from '../domain/ports';
import type { ScopeFile } from '../loop/prompt';
import type { AfterTestsDecision, ConflictChoice, ReviewDecision, SessionEvent } from '../domain/session';
import { parseSettings } from '../domain/settings';
import { summarize } from '../domain/testReport';
import { systemClock } from '../node/clock';
import { createFileWorkspace } from '../node/fileWorkspace';
import { createWorkspaceReader } from '../node/workspaceReader';
import { createFileJournal, createFileSessionHistory } from '../node/sessionStore';
import { detectTestCommand } from '../node/detectTests';
import { createTestRunner } from '../node/testRunner';
import type { CliIo } from './main';
import { startLearning } from './lessons';

// `refine-loop run`: a whole session in the terminal. The gates ask on stderr and read
// answers from stdin (y, n + reason, q); progress goes to stderr; stdout gets the
// Markdown report (or JSON) and, as its last line, `outcome: <outcome> after <n> rounds`.

export const runUsage = `usage: refine-loop run --task TEXT [options]

  --task TEXT            what the agent should do (required)
  --root DIR             the project folder (default: the current folder)
  --test CMD             the test command (default: detected from the project)
  --file PATH            a file to give the agent (repeatable; default: the files the failing tests point at)
  --provider NAME        openai-compatible | anthropic | command
  --model NAME  --base-url URL  --agent-command CMD  --agent-mode reply|worktree
  --max-rounds N         default 5          --max-minutes N   default 30 (0: none)
  --max-tokens N         default 0 (none)   --stuck-after N   rounds without progress, default 2
  --approve each|auto    ask at both gates of every round (default), or only at the end, a limit, or when stuck
  --test-timeout SEC     default 600        --agent-timeout SEC  default 300
  --no-baseline          skip the test run before the first round
  --store DIR            where sessions and the journal live (default: ROOT/.refine-loop)
  --report FILE          also write the Markdown report to FILE
  --json                 print the session record as JSON instead of the Markdown report
  --verbose              echo the test output
  --learn yes|no|ask     keep lessons from your reasons and edits for later sessions (default ask; no terminal: no)

Gates: at the review, y applies, n REASON rejects (the reason goes to the agent), q stops,
h goes hunk by hunk (y keeps a hunk, n REASON rejects it).
After the tests: y continues (or, when they pass, keeps and finishes), n REASON reverts the
round and retries, q stops and keeps, u stops and reverts every round, r N goes back to
before round N and continues from there.
Exit status: 0 when the outcome is passed, 1 for any other outcome, 2 on a usage error.
`;

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} '${value}' is not a whole number.`);
  return Number(value);
}

/** Reads answers line by line from stdin; undefined once stdin has ended. */
function lineReader(): { ask: (question: string, write: (text: string) => void) => Promise<string | undefined>; cancel: () => void; close: () => void } {
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
export function terminalReviewer(ask: (question: string) => Promise<string | undefined>, say: (text: string) => void): Reviewer {
  return {
    async review(view): Promise<ReviewDecision> {
      say(`\n── round ${view.round} of at most ${view.maxRounds}: the agent proposes ──\n`);
      if (view.summary) say(`${view.summary}\n\n`);
      for (const diff of view.diffs) say(diff.patch.endsWith('\n') ? diff.patch : `${diff.patch}\n`);
      for (const problem of view.editProblems) say(`! not applicable: ${problem.file ? `${problem.file}: ` : ''}${problem.reason}\n`);
      if (view.protectedPaths.length > 0) say(`! protected paths: ${view.protectedPaths.join(', ')}\n`);
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
    async afterTests(view): Promise<AfterTestsDecision> {
      const s = summarize(view.report);
      say(`\n── round ${view.round}: ${view.passed ? 'the tests pass' : 'the tests do not pass yet'} (${s.passed} passed, ${s.failed} failed${s.problems ? `, ${s.problems} run problems` : ''}) ──\n`);
      if (!view.passed) say(`${view.feedback.split('\n').slice(0, 30).join('\n')}\n`);
      if (view.stopReason) say(`! the loop stops here: ${view.stopReason}\n`);
      const first = view.passed ? 'y keep and finish' : view.stopReason ? 'y keep and stop' : 'y continue';
      for (;;) {
        const restore = view.round > 1 ? ` / r N go back to before round N (1-${view.round})` : '';
        const answer = (await ask(`${first} / n REASON revert this round and retry / q stop and keep / u stop and revert all${restore}: `))?.trim();
        if (answer === undefined || answer === 'q') return { kind: 'stopKeep' };
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

function progressLine(event: SessionEvent, verbose: boolean): string | undefined {
  const files = (list: { path: string; additions: number; deletions: number }[]) => list.map((f) => `${f.path} (+${f.additions} −${f.deletions})`).join(', ');
  const tests = (s: { passed: number; failed: number; problems: number }) => `${s.passed} passed, ${s.failed} failed${s.problems ? `, ${s.problems} run problems` : ''}`;
  switch (event.type) {
    case 'sessionStarted':
      return `session ${event.sessionId} (${event.approvalMode}, at most ${event.maxRounds} rounds)`;
    case 'baselineFinished':
      return `baseline: ${tests(event.summary)}`;
    case 'roundStarted':
      return `round ${event.round}: asking the agent`;
    case 'proposalReady':
      return `round ${event.round}: proposal ${event.files.length > 0 ? files(event.files) : 'with no usable edits'}${event.editProblems ? `, ${event.editProblems} edit problem(s)` : ''}`;
    case 'reviewDecided':
      return `round ${event.round}: ${event.decision}${event.by === 'rule' ? ' (by the approval mode)' : ''}${event.reason ? ` (${event.reason})` : ''}`;
    case 'applied':
      return `round ${event.round}: applied ${files(event.files)}`;
    case 'testsStarted':
      return `${event.round === 0 ? 'baseline' : `round ${event.round}`}: running the tests${event.scope === 'failingFirst' ? ' (failing first)' : ''}`;
    case 'testOutput':
      return verbose ? event.chunk.replace(/\n$/, '') : undefined;
    case 'testsFinished':
      return event.round === 0 ? undefined : `round ${event.round}: ${tests(event.summary)}; ${event.fixed} fixed, ${event.newlyFailing} newly failing`;
    case 'afterTestsDecided':
      return `round ${event.round}: ${event.decision}${event.by === 'rule' ? ' (by the approval mode)' : ''}`;
    case 'reverted':
      return `reverted round${event.rounds.length === 1 ? '' : 's'} ${event.rounds.join(', ')}: ${event.files.join(', ') || 'no files written'}`;
    case 'warning':
      return `warning: ${event.message}`;
    case 'sessionEnded':
      return `${event.outcome}: ${event.reason}`;
    case 'agentProgress':
      return event.message !== undefined ? `round ${event.round}: ${event.message}` : undefined;
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        task: { type: 'string' },
        root: { type: 'string' },
        test: { type: 'string' },
        file: { type: 'string', multiple: true },
        provider: { type: 'string' },
        model: { type: 'string' },
        'base-url': { type: 'string' },
        'agent-command': { type: 'string' },
        'agent-mode': { type: 'string' },
        'max-rounds': { type: 'string' },
        'max-minutes': { type: 'string' },
        'max-tokens': { type: 'string' },
        'stuck-after': { type: 'string' },
        approve: { type: 'string' },
        'test-timeout': { type: 'string' },
        'agent-timeout': { type: 'string' },
        'no-baseline': { type: 'boolean' },
        store: { type: 'string' },
        report: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        learn: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${errorMessage(error)}\n\n${runUsage}`);
  }
  const options = parsed.values;
  if (options.help) {
    io.stdout(runUsage);
    return 0;
  }
  if (!options.task?.trim()) throw new UsageError(`--task is required.\n\n${runUsage}`);
  const approve = options.approve ?? 'each';
  if (approve !== 'each' && approve !== 'auto') throw new UsageError(`--approve '${approve}' is not 'each' or 'auto'.`);
  const root = resolve(io.cwd, options.root ?? '.');
  if (!(await stat(root).then((info) => info.isDirectory(), () => false))) throw new UsageError(`--root ${root} is not a folder.`);
  let settings;
  try {
    settings = parseSettings({
      maxRounds: intOption(options['max-rounds'], 'max-rounds', 5),
      maxMinutes: intOption(options['max-minutes'], 'max-minutes', 30),
      maxTokens: intOption(options['max-tokens'], 'max-tokens', 0),
      stopAfterRoundsWithoutProgress: intOption(options['stuck-after'], 'stuck-after', 2),
      approvalMode: approve === 'auto' ? 'autoUntilGreen' : 'reviewEachRound',
      'test.timeoutSeconds': intOption(options['test-timeout'], 'test-timeout', 600),
      'agent.timeoutSeconds': intOption(options['agent-timeout'], 'agent-timeout', 300),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`an option is out of range: ${errorMessage(error)}`);
  }
  const agentConfig = agentConfigFromCli(
    { provider: options.provider, model: options.model, baseUrl: options['base-url'], agentCommand: options['agent-command'], agentMode: options['agent-mode'] },
    io.env,
    root,
    settings['agent.timeoutSeconds'] * 1000,
  );
  const command = options.test ?? (await detectTestCommand(root))?.command;
  if (!command) throw new UsageError(`no test command found in ${root}; pass --test CMD.`);

  const say = (text: string) => io.stderr(text);
  const log: Logger = {
    info: (component, message) => (options.verbose ? say(`[${component}] ${message}\n`) : undefined),
    warn: (component, message) => say(`[${component}] warning: ${message}\n`),
    error: (component, message) => say(`[${component}] error: ${message}\n`),
  };
  const workspace = createFileWorkspace(root);
  const storeFolder = options.store ? resolve(io.cwd, options.store) : join(root, '.refine-loop');
  const history = createFileSessionHistory(storeFolder);
  const journal = createFileJournal(storeFolder);
  // The store is the tool's, not the project's: keep it out of git.
  await mkdir(storeFolder, { recursive: true });
  await writeFile(join(storeFolder, '.gitignore'), '*\n', { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const learning = await startLearning(root, options.learn, say);
  const answers = lineReader();
  const ask = (question: string) => answers.ask(question, say);
  const reviewer = terminalReviewer(ask, say);
  const scope: ScopeFile[] = [];
  for (const file of options.file ?? []) {
    const path = (isAbsolute(file) ? relative(root, file) : file).split('\\').join('/');
    const bytes = await workspace.read(path);
    if (bytes === undefined) throw new UsageError(`--file ${file}: no such file in ${root}.`);
    scope.push({ path, content: new TextDecoder().decode(bytes), reason: 'explicit' });
  }

  try {
    // An apply a crash interrupted comes first: its files are half old, half new.
    for (const entry of await pendingJournals(journal)) {
      say(`\nAn interrupted apply was found: round ${entry.round} of session ${entry.sessionId} (${entry.files.map((f) => f.path).join(', ')}).\n`);
      const answer = (await ask('r restore the files as they were before / f finish applying it / l leave it: '))?.trim();
      if (answer === 'r' || answer === 'f') {
        const done = await recoverEntry(entry, answer === 'r' ? 'restore' : 'rollForward', { workspace, journal, reviewer, log });
        await workspace.sweepTemps(entry.files.map((f) => f.path));
        say(`${answer === 'r' ? 'restored' : 'finished'}: ${done.written.join(', ') || 'nothing needed writing'}\n`);
      }
    }

    const controller = new AbortController();
    const onSignal = () => {
      say('\ninterrupted: stopping (Ctrl-C again to quit at once; the journal keeps the files safe)\n');
      controller.abort();
      answers.cancel();
    };
    process.once('SIGINT', onSignal);
    const tests = createTestRunner({ root, command, timeoutMs: settings['test.timeoutSeconds'] * 1000, log });
    // Each provider says whether it takes tools; the HTTP ones read the disk with the read-only tools.
    const agent = createAgent({ ...agentConfig, log, reader: createWorkspaceReader(root, { exclude: settings['context.exclude'] }), include: settings['context.include'] });
    const emit = (event: SessionEvent) => {
      const line = progressLine(event, options.verbose === true);
      if (line !== undefined) say(`${line}\n`);
    };
    let result;
    try {
      result = await runSession({ task: options.task, scope, baseline: !options['no-baseline'], lessons: learning.lessons }, { agent, tests, workspace, reviewer, history, journal, clock: systemClock, log, emit }, settings, controller.signal);
    } finally {
      process.off('SIGINT', onSignal);
    }
    const record = await history.load(result.sessionId);
    await learning.finish(record, ask);
    const report = record ? exportReport(record) : `Session ${result.sessionId}: ${result.outcome} (${result.reason})\n`;
    if (options.report) await writeFile(resolve(io.cwd, options.report), report);
    io.stdout(options.json ? `${JSON.stringify(record ?? result)}\n` : `${report}\n`);
    io.stdout(`outcome: ${result.outcome} after ${result.rounds} rounds\n`);
    return result.outcome === 'passed' ? 0 : 1;
  } finally {
    answers.close();
  }
}

// ---------------------------------------------------------------- sessions, report, restore

export const sessionsUsage = `usage: refine-loop sessions [--root DIR] [--store DIR]
       refine-loop report SESSION [--root DIR] [--store DIR] [--json]
       refine-loop restore SESSION ROUND [--root DIR] [--store DIR]

sessions lists the sessions of a project, newest first; report prints one as Markdown
(or its record as JSON); restore undoes ROUND and every later round of SESSION, asking
before it overwrites a file that changed since (k keeps yours, o overwrites).
`;

function storeArgs(args: string[], io: CliIo, positionals: number, extra: { json?: boolean } = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { root: { type: 'string' }, store: { type: 'string' }, ...(extra.json ? { json: { type: 'boolean' as const } } : {}) },
    });
  } catch (error) {
    throw new UsageError(`${errorMessage(error)}\n\n${sessionsUsage}`);
  }
  if (parsed.positionals.length !== positionals) throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}.\n\n${sessionsUsage}`);
  const root = resolve(io.cwd, parsed.values.root ?? '.');
  const folder = parsed.values.store ? resolve(io.cwd, parsed.values.store) : join(root, '.refine-loop');
  return { root, history: createFileSessionHistory(folder), journal: createFileJournal(folder), positionals: parsed.positionals, json: (parsed.values as { json?: boolean }).json === true };
}

export async function sessions(args: string[], io: CliIo): Promise<number> {
  const { history } = storeArgs(args, io, 0);
  const list = await history.list();
  if (list.length === 0) io.stderr('no sessions\n');
  for (const s of list) io.stdout(`${s.sessionId}  ${new Date(s.startedAt).toISOString()}  ${s.rounds} round(s)  ${s.outcome ?? 'unfinished'}  ${s.task.split('\n')[0]}\n`);
  return 0;
}

export async function report(args: string[], io: CliIo): Promise<number> {
  const { history, positionals, json } = storeArgs(args, io, 1, { json: true });
  const record = await history.load(positionals[0]!);
  if (!record) {
    io.stderr(`refine-loop report: no session '${positionals[0]}'\n`);
    return 1;
  }
  io.stdout(json ? `${JSON.stringify(record)}\n` : exportReport(record));
  return 0;
}

export async function restore(args: string[], io: CliIo): Promise<number> {
  const { root, history, journal, positionals } = storeArgs(args, io, 2);
  const [sessionId, roundText] = positionals as [string, string];
  if (!/^\d+$/.test(roundText) || Number(roundText) < 1) throw new UsageError(`ROUND '${roundText}' is not a round number.`);
  if (!(await history.load(sessionId)) && (await journal.list({ sessionId })).length === 0) {
    io.stderr(`refine-loop restore: no session '${sessionId}'\n`);
    return 1;
  }
  const answers = lineReader();
  const say = (text: string) => io.stderr(text);
  try {
    const reviewer = terminalReviewer((question) => answers.ask(question, say), say);
    const log: Logger = { info: () => undefined, warn: (c, m) => say(`[${c}] warning: ${m}\n`), error: (c, m) => say(`[${c}] error: ${m}\n`) };
    const result = await restoreCheckpoint(sessionId, Number(roundText), { workspace: createFileWorkspace(root), history, journal, reviewer, log });
    if (result.rounds.length === 0) {
      io.stdout(`nothing to restore: no applied round ${roundText} or later in ${sessionId}\n`);
      return 1;
    }
    io.stdout(`undid round${result.rounds.length === 1 ? '' : 's'} ${result.rounds.join(', ')}: restored ${result.restored.join(', ') || 'nothing'}${result.kept.length > 0 ? `; kept your version of ${result.kept.join(', ')}` : ''}\n`);
    return 0;
  } finally {
    answers.close();
  }
}
