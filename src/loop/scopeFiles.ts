import type { Workspace } from '../domain/ports';
import type { ScopeFile } from './prompt';

// The files a round's prompt shows: the task's own, then the sources the failing tests
// point into, then the files earlier rounds touched; each with its content as it is now.

const decoder = new TextDecoder();

export async function scopeFilesNow(scope: readonly ScopeFile[], failingSources: readonly string[], touched: Iterable<string>, workspace: Workspace): Promise<ScopeFile[]> {
  const wanted = new Map<string, ScopeFile>();
  for (const file of scope) wanted.set(file.path, file);
  for (const path of failingSources) if (!wanted.has(path)) wanted.set(path, { path, content: '', reason: 'failing-test' });
  for (const path of touched) if (!wanted.has(path)) wanted.set(path, { path, content: '', reason: 'context' });
  const files: ScopeFile[] = [];
  for (const file of wanted.values()) {
    // Always the content as it is now: earlier rounds (and the person) changed it.
    const bytes = await workspace.read(file.path).catch(() => undefined);
    if (bytes !== undefined) files.push({ ...file, content: decoder.decode(bytes) });
  }
  return files;
}
