import { mkdir, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { agentConfigFromCli } from '../agents/cliOptions';
import { createAgent } from '../agents/index';
import { UsageError, errorMessage } from '../domain/errors';
import { exportReport, pendingJournals, recoverEntry, runSession } from '../loop/loop';
import type { Logger } from '../domain/ports';
import type { ScopeFile } from '../loop/prompt';
import type { SessionEvent } from '../domain/session';
import { parseSettings } from '../domain/settings';
import { inertOutput } from '../domain/terminalText';
import { systemClock } from '../node/clock';
import { createFileWorkspace } from '../node/fileWorkspace';
import { createWorkspaceReader } from '../node/workspaceReader';
import { createFileSessionHistory } from '../node/sessionStore';
import { cliJournal } from './journal';
import { detectTestCommand } from '../node/detectTests';
import { createTestRunner } from '../node/testRunner';
import type { CliIo } from './main';
import { lineReader, terminalReviewer } from './terminalReviewer';
import { startLearning } from './lessons';

// `refine-loop run`: a whole session in the terminal. The gates ask on stderr and read
// answers from stdin (y, n + reason, q); progress goes to stderr; stdout gets the
// Markdown report (or JSON) and, as its last line, `outcome: <outcome> after <n> rounds`.

export const runUsage = `usage: refine-loop run --task TEXT [options]

  --task TEXT            what the agent should do (required)
  --root DIR             the project folder (default: the current folder)
  --test CMD             the test command (default: detected from the project)
  --file PATH            a file to give the agent (repeatable; default: the files the failing tests point at)
  --provider NAME        openai-compatible | anthropic | command, or an agent CLI:
                         claude-code | codex | gemini-cli | qwen-code | opencode (--agent-command: its binary's path)
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
  --sandbox auto|bwrap|none  contain a worktree agent with bubblewrap (default auto: where it runs)
  --secret-env NAME      another environment variable (or NAME_* pattern) kept from the agent and the tests (repeatable)
  --learn yes|no|ask     keep lessons from your reasons and edits for later sessions (default ask; no terminal: no)

Gates: at the review, y applies, n REASON rejects (the reason goes to the agent), q stops,
h goes hunk by hunk (y keeps a hunk, n REASON rejects it).
After the tests: y continues (or, when they pass, keeps and finishes), n REASON reverts the
round and retries, q stops and keeps, u stops and reverts every round, r N goes back to
before round N and continues from there; when the test suite shrank, a accepts the smaller suite.
Exit status: 0 when the outcome is passed, 1 for any other outcome, 2 on a usage error.
`;

const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} '${value}' is not a whole number.`);
  return Number(value);
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
      return verbose ? inertOutput(event.chunk).replace(/\n$/, '') : undefined;
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
        'secret-env': { type: 'string', multiple: true },
        sandbox: { type: 'string' },
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
  if (options.sandbox !== undefined && !['auto', 'bwrap', 'none'].includes(options.sandbox)) throw new UsageError(`--sandbox '${options.sandbox}' is not 'auto', 'bwrap' or 'none'.`);
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
      ...(options.sandbox !== undefined ? { 'agent.sandbox': options.sandbox } : {}),
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
  const journal = cliJournal(storeFolder, io);
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
    // Ctrl-C, a kill, a closed terminal: each stops the session the same way, and the
    // process runner ends every process the agent or the tests started.
    const onSignal = (signal: NodeJS.Signals) => {
      if (signal === 'SIGHUP') {
        // The terminal is gone: writing to it must not crash the clean-up.
        process.stdout.on('error', () => undefined);
        process.stderr.on('error', () => undefined);
      }
      say(`\ninterrupted${signal === 'SIGINT' ? '' : ` (${signal})`}: stopping (Ctrl-C again to quit at once; the journal keeps the files safe)\n`);
      controller.abort();
      answers.cancel();
    };
    for (const signal of stopSignals) process.once(signal, onSignal);
    const secretVariables = [...settings.secretVariables, ...(options['secret-env'] ?? [])];
    const tests = createTestRunner({ root, command, timeoutMs: settings['test.timeoutSeconds'] * 1000, log, secretVariables });
    // Each provider says whether it takes tools; the HTTP ones read the disk with the read-only tools.
    const agent = createAgent({
      ...agentConfig,
      log,
      secretVariables,
      sandbox: settings['agent.sandbox'],
      reader: createWorkspaceReader(root, { exclude: settings['context.exclude'] }),
      include: settings['context.include'],
      protectedPaths: settings.protectedPaths,
    });
    const emit = (event: SessionEvent) => {
      const line = progressLine(event, options.verbose === true);
      if (line !== undefined) say(`${line}\n`);
    };
    let result;
    try {
      result = await runSession({ task: options.task, scope, baseline: !options['no-baseline'], testCommand: command, lessons: learning.lessons }, { agent, tests, workspace, reviewer, history, journal, clock: systemClock, log, emit }, settings, controller.signal);
    } finally {
      for (const signal of stopSignals) process.off(signal, onSignal);
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
