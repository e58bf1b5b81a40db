import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Reviewer } from '../../../src/domain/ports';
import { preFiles, roundEdits } from './crashChild';

// What the crash-injection test and the each-rename bench share: the project the crash
// child applies its round to, the states a file may be in, and how to read them.

export const paths = [...new Set([...Object.keys(preFiles), ...Object.keys(roundEdits)])];
export const postFiles: Record<string, string | undefined> = { ...preFiles };
for (const [path, after] of Object.entries(roundEdits)) postFiles[path] = after ?? undefined;

/** Recovery after a kill finds every file in one of its two states: a conflict is a failure. */
export const noConflicts: Reviewer = {
  review: () => Promise.reject(new Error('unexpected')),
  afterTests: () => Promise.reject(new Error('unexpected')),
  resolveConflict: (conflict) => Promise.reject(new Error(`unexpected conflict on ${conflict.path}: a file was in neither state`)),
};

export async function setUp(prefix: string): Promise<{ base: string; root: string; store: string }> {
  const base = await mkdtemp(join(tmpdir(), prefix));
  const root = join(base, 'project');
  for (const [path, content] of Object.entries(preFiles)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return { base, root, store: join(base, 'store') };
}

export async function state(root: string): Promise<Record<string, string | undefined>> {
  const files: Record<string, string | undefined> = {};
  for (const path of paths) files[path] = await readFile(join(root, path), 'utf8').catch(() => undefined);
  return files;
}

/**
 * Runs the crash child (crashChild.js) on `root`; at step `crashAt` (0: never) it pauses
 * and is killed with SIGKILL. Resolves with the steps it reported, whether it was killed
 * and whether it finished.
 */
export function runCrashChild(child: string, root: string, store: string, crashAt: number, mode: 'apply' | 'restore' = 'apply'): Promise<{ steps: string[]; killed: boolean; done: boolean }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, root, store, String(crashAt), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const steps: string[] = [];
    let killed = false;
    let done = false;
    let buffered = '';
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith('step ')) steps.push(line.split(' ').slice(2).join(' '));
        if (line.startsWith('done ')) done = true;
        if (line === 'paused') killed = proc.kill('SIGKILL');
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (crashAt === 0 && code !== 0) reject(new Error(`the crash child failed (${code}): ${stderr}`));
      else if (crashAt > 0 && signal !== 'SIGKILL') reject(new Error(`the crash child was not killed at step ${crashAt} (exit ${code}, ${signal}): ${stderr}`));
      else resolve({ steps, killed, done });
    });
  });
}
