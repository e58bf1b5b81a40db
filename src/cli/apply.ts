import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, errorMessage } from '../domain/errors';
import { contentHash } from '../domain/hash';
import type { FileChange, WorkspacePath } from '../domain/model';
import type { FileWrite } from '../domain/ports';
import type { EditProblem } from '../domain/session';
import { changesFromReply, diffChanges } from '../edits/index';
import { createFileWorkspace, type FileWorkspace } from '../node/fileWorkspace';
import type { Subcommand } from './main';

// `refine-loop apply [--root DIR] [--dry-run] [--json] [REPLY_FILE]`: applies an agent's
// reply (search/replace blocks, unified diffs, whole-file blocks) to the files under DIR,
// all or nothing: through the same reply-to-changes function as the loop, and a write
// that fails part-way is rolled back. Exit 0 when applied or nothing to apply, 1 when
// rejected (nothing written), 2 on a usage error.

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

export interface AppliedReply {
  readonly status: 'applied' | 'nothing' | 'rejected';
  readonly changes: readonly FileChange[];
  readonly problems: readonly EditProblem[];
  readonly alreadyApplied: readonly WorkspacePath[];
}

/**
 * A reply's changes written under the workspace, all or nothing: when the write fails
 * part-way (a rename refused, a full disk), every file already renamed into place is
 * put back and the temp files are swept, so `rejected` always means nothing changed.
 */
export async function applyReply(reply: string, workspace: FileWorkspace, options: { dryRun?: boolean } = {}): Promise<AppliedReply> {
  const result = await changesFromReply({ text: reply }, workspace);
  if (result.status !== 'applied' || options.dryRun) return result;
  const writes = writesFor(result.changes);
  let committed;
  try {
    committed = await workspace.commit(writes);
  } catch (error) {
    const problems = await rollBack(workspace, writes, result.changes, error);
    return { ...result, status: 'rejected', changes: [], problems };
  }
  if (committed.ok) return result;
  return {
    ...result,
    status: 'rejected',
    changes: [],
    problems: committed.conflicts.map((conflict) => ({
      file: conflict.path,
      reason: `${conflict.path} changed while the reply was being applied; nothing was written. Run apply again.`,
    })),
  };
}

/** The bytes each write put in place, by path, to know which files the failed commit reached. */
function afterImages(changes: readonly FileChange[]): Map<string, Uint8Array | undefined> {
  const after = new Map<string, Uint8Array | undefined>();
  for (const change of changes) {
    if (change.kind === 'rename') after.set(change.oldPath!, undefined);
    after.set(change.path, change.kind === 'delete' ? undefined : change.after);
  }
  return after;
}

async function rollBack(workspace: FileWorkspace, writes: readonly FileWrite[], changes: readonly FileChange[], cause: unknown): Promise<EditProblem[]> {
  const after = afterImages(changes);
  const before = new Map<string, Uint8Array | undefined>();
  for (const change of changes) {
    if (change.kind === 'rename') {
      before.set(change.oldPath!, change.before);
      before.set(change.path, undefined);
    } else before.set(change.path, change.kind === 'create' ? undefined : change.before);
  }
  const left: string[] = [];
  for (const write of writes) {
    try {
      const current = await workspace.read(write.path);
      const currentHash = await contentHash(current);
      // Only a file in the state this commit put it in is put back; one in its old state needs nothing.
      if (currentHash === write.expectedHash || currentHash !== (await contentHash(after.get(write.path)))) continue;
      const restored = await workspace.commit([{ path: write.path, expectedHash: currentHash, content: before.get(write.path) ?? null }]);
      if (!restored.ok) left.push(write.path);
    } catch {
      left.push(write.path);
    }
  }
  await workspace.sweepTemps(writes.map((write) => write.path)).catch(() => 0);
  if (left.length > 0) {
    return [{ reason: `Writing the reply failed part-way (${errorMessage(cause)}), and ${left.join(', ')} could not be put back: check them. The other files are as before.` }];
  }
  return [{ reason: `Writing the reply failed part-way (${errorMessage(cause)}); every file was put back as it was, so nothing changed.` }];
}

export const apply: Subcommand = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: { root: { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new UsageError(`${errorMessage(error)}\n\n${help}`);
  }
  if (parsed.values.help) {
    io.stdout(help);
    return 0;
  }
  if (parsed.positionals.length > 1) throw new UsageError(`one reply file at most; got ${parsed.positionals.map((name) => `'${name}'`).join(' and ')}.\n\n${help}`);
  const root = parsed.values.root === undefined ? io.cwd : isAbsolute(parsed.values.root) ? parsed.values.root : resolve(io.cwd, parsed.values.root);
  const json = parsed.values.json === true;
  const dryRun = parsed.values['dry-run'] === true;
  const replyFile = parsed.positionals[0];

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

  const { status, changes, problems, alreadyApplied } = await applyReply(reply, createFileWorkspace(root), { dryRun });
  const diffs = status === 'applied' ? diffChanges(changes) : [];
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
      alreadyApplied: [...alreadyApplied],
      errors: problems.map((problem) => ({ file: problem.file ?? null, block: problem.block ?? null, reason: problem.reason, candidates: [...(problem.candidates ?? [])] })),
    };
    io.stdout(JSON.stringify(output, null, 2) + '\n');
  } else if (status === 'applied') {
    io.stdout(diffs.map((diff) => diff.patch).join(''));
    const summary = diffs.map((diff) => `${diff.path} (+${diff.additions} -${diff.deletions})`).join(', ');
    io.stderr(`${dryRun ? 'Would apply' : 'Applied'}: ${summary}.\n`);
  } else if (status === 'nothing') {
    const already = alreadyApplied.length > 0 ? `already applied in ${alreadyApplied.join(', ')}` : 'the reply has no edits';
    io.stderr(`Nothing to apply: ${already}.\n`);
  } else {
    io.stderr(`Rejected; nothing was written.\n${problems.map(describeProblem).join('\n')}\n`);
  }
  return status === 'rejected' ? 1 : 0;
};
