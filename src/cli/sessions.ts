import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, errorMessage } from '../domain/errors';
import type { Logger } from '../domain/ports';
import { exportReport, restoreCheckpoint } from '../loop/loop';
import { createFileWorkspace } from '../node/fileWorkspace';
import { createFileSessionHistory } from '../node/sessionStore';
import { cliJournal } from './journal';
import type { CliIo } from './main';
import { lineReader, terminalReviewer } from './terminalReviewer';

// `refine-loop sessions | report | restore`: the store of a project, read back.
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
  return { root, history: createFileSessionHistory(folder), journal: cliJournal(folder, io), positionals: parsed.positionals, json: (parsed.values as { json?: boolean }).json === true };
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
