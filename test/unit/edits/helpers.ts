import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PathError } from '../../../src/domain/errors';
import type { Workspace } from '../../../src/domain/ports';

// Shared by the edit engine's tests: the repository root (tests run from out/, so
// fixtures are found by walking up to package.json) and an in-memory fake of the
// Workspace port's `read`.

export function repoRoot(): string {
  // From out/test/unit/edits normally; from the current folder when compiled elsewhere.
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'fixtures', 'edits'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(`the repository root (package.json with test/fixtures/edits) is not above ${__dirname} nor ${process.cwd()}`);
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes));

/** A workspace of in-memory files; paths in `escaping` throw PathError as a symlink escape would. */
export function memoryWorkspace(files: Record<string, string | Uint8Array>, escaping: readonly string[] = []): Pick<Workspace, 'read'> & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async read(path) {
      reads.push(path);
      if (escaping.includes(path)) throw new PathError(`'${path}' resolves outside the workspace through a symbolic link.`, path);
      const content = files[path];
      return typeof content === 'string' ? encode(content) : content;
    },
  };
}
