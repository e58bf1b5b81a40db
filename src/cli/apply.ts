import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../domain/errors';
import type { FileChange } from '../domain/model';
import type { FileWrite } from '../domain/ports';
import type { EditProblem } from '../domain/session';
import { applyEdits, diffChanges, parseReply, type ApplyResult } from '../edits/index';
import { createFileWorkspace } from '../node/fileWorkspace';
import type { Subcommand } from './main';

// `refine-loop apply [--root DIR] [--dry-run] [--json] [REPLY_FILE]`: applies an agent's
// reply (search/replace blocks, unified diffs, whole-file blocks) to the files under DIR,
// all or nothing. Exit 0 when applied or nothing to apply, 1 when rejected (nothing
// written), 2 on a usage error.

const help = `usage: refine-loop apply [--root DIR] [--dry-run] [--json] [REPLY_FILE]

Reads an agent's reply from REPLY_FILE (or stdin when absent or '-') and applies its
edits to the files under DIR (default: the current folder): all of them, or none.
  --dry-run   check and show the diff, write nothing
  --json      print {applied, files: [{path, status, additions, deletions, diff}], errors: [{file, block, reason, candidates}]}
Exit: 0 applied, or nothing to apply; 1 rejected (nothing was written); 2 usage error.
`;

interface JsonOutput {
  applied: boolean;
  dryRun: boolean;
  files: { path: string; oldPath?: string; status: string; additions: number; deletions: number; diff: string }[];
  alreadyApplied: string[];
  errors: { file: string | null; block: number | null; reason: string; candidates: { line: number; similarity: number; context: string }[] }[];
}

function writesFor(changes: readonly FileChange[]): FileWrite[] {
  const writes: FileWrite[] = [];
  for (const change of changes) {
    if (change.kind === 'rename') {
      writes.push({ path: change.oldPath!, expectedHash: change.beforeHash ?? null, content: null });
      writes.push({ path: change.path, expectedHash: null, content: change.after ?? null });
    } else {
      writes.push({ path: change.path, expectedHash: change.beforeHash ?? null, content: change.after ?? null });
    }
  }
  return writes;
}

function describeProblem(problem: EditProblem): string {
  const lines = [`✖ ${problem.reason}`];
  for (const candidate of problem.candidates ?? []) {
    lines.push(`  candidate at line ${candidate.line} (similarity ${candidate.similarity}):`);
    lines.push(...candidate.context.split('\n').map((line) => `    ${line}`));
  }
  return lines.join('\n');
}

export const apply: Subcommand = async (args, io) => {
  let root = io.cwd;
  let json = false;
  let dryRun = false;
  let replyFile: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--help' || arg === '-h') {
      io.stdout(help);
      return 0;
    } else if (arg === '--json') json = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg === '--root') {
      const value = args[++index];
      if (!value) throw new UsageError(`--root needs a folder.\n\n${help}`);
      root = isAbsolute(value) ? value : resolve(io.cwd, value);
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'.\n\n${help}`);
    else if (replyFile !== undefined) throw new UsageError(`one reply file at most; got '${replyFile}' and '${arg}'.\n\n${help}`);
    else replyFile = arg;
  }

  let reply: string;
  if (replyFile === undefined || replyFile === '-') reply = await io.readStdin();
  else {
    try {
      reply = await readFile(resolve(io.cwd, replyFile), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the reply file '${replyFile}': ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
    }
  }
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new UsageError(`--root '${root}' is not a folder.`);
  }

  const workspace = createFileWorkspace(root);
  const parsed = parseReply(reply);
  const result: ApplyResult =
    parsed.problems.length > 0
      ? { status: 'rejected', changes: [], problems: parsed.problems, alreadyApplied: [] }
      : await applyEdits(parsed.edits, workspace);
  let problems = result.problems;
  let status = result.status;

  if (status === 'applied' && !dryRun) {
    const committed = await workspace.commit(writesFor(result.changes));
    if (!committed.ok) {
      status = 'rejected';
      problems = committed.conflicts.map((conflict) => ({
        file: conflict.path,
        reason: `${conflict.path} changed while the reply was being applied; nothing was written. Run apply again.`,
      }));
    }
  }

  const diffs = status === 'applied' ? diffChanges(result.changes) : [];
  if (json) {
    const output: JsonOutput = {
      applied: status === 'applied',
      dryRun,
      files: diffs.map((diff) => ({
        path: diff.path,
        ...(diff.oldPath === undefined ? {} : { oldPath: diff.oldPath }),
        status: diff.status,
        additions: diff.additions,
        deletions: diff.deletions,
        diff: diff.patch,
      })),
      alreadyApplied: result.alreadyApplied,
      errors: problems.map((problem) => ({ file: problem.file ?? null, block: problem.block ?? null, reason: problem.reason, candidates: [...(problem.candidates ?? [])] })),
    };
    io.stdout(JSON.stringify(output, null, 2) + '\n');
  } else if (status === 'applied') {
    io.stdout(diffs.map((diff) => diff.patch).join(''));
    const summary = diffs.map((diff) => `${diff.path} (+${diff.additions} -${diff.deletions})`).join(', ');
    io.stderr(`${dryRun ? 'Would apply' : 'Applied'}: ${summary}.\n`);
  } else if (status === 'nothing') {
    const already = result.alreadyApplied.length > 0 ? `already applied in ${result.alreadyApplied.join(', ')}` : 'the reply has no edits';
    io.stderr(`Nothing to apply: ${already}.\n`);
  } else {
    io.stderr(`Rejected; nothing was written.\n${problems.map(describeProblem).join('\n')}\n`);
  }
  return status === 'rejected' ? 1 : 0;
};
