import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Real source files for the property tests, read at test time from what is installed
// (this repository's node_modules, Python's standard library) and never copied into
// the repository: code the engine was not written against.

export interface RealFile {
  readonly name: string;
  readonly lines: readonly string[];
}

const extensions = /\.(js|mjs|cjs|ts|py)$/;

function walk(dir: string, out: string[], limit: number, depth: number): void {
  if (out.length >= limit || depth > 6) return;
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const entry of entries) {
    if (out.length >= limit) return;
    if (entry === 'test' || entry === 'tests' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    let info;
    try {
      info = statSync(path);
    } catch {
      continue;
    }
    if (info.isDirectory()) walk(path, out, limit, depth + 1);
    else if (extensions.test(entry) && !entry.endsWith('.min.js') && info.size > 600 && info.size < 200_000) out.push(path);
  }
}

/** Up to `limit` files of 30 to 4000 lines, LF only, no line over 200 characters, from `roots` that exist. */
export function loadRealFiles(roots: readonly string[], limit = 400): RealFile[] {
  const paths: string[] = [];
  for (const root of roots) walk(root, paths, paths.length + Math.ceil(limit * 1.5 / roots.length), 0);
  const files: RealFile[] = [];
  for (const path of paths) {
    if (files.length >= limit) break;
    const text = readFileSync(path, 'utf8');
    if (text.includes('\r') || text.includes('\u0000') || text.includes('\ufffd') || text.startsWith('\ufeff')) continue;
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (lines.length < 30 || lines.length > 4000 || lines.some((line) => line.length > 200)) continue;
    files.push({ name: path, lines });
  }
  return files;
}

/** This repository's node_modules, and every Python standard library on the machine. */
export function defaultRoots(repoRoot: string): string[] {
  const roots = [join(repoRoot, 'node_modules')];
  const pythonDirs = ['/usr/lib'];
  const home = process.env.HOME;
  if (home) {
    try {
      for (const version of readdirSync(join(home, '.pyenv', 'versions'))) pythonDirs.push(join(home, '.pyenv', 'versions', version, 'lib'));
    } catch {
      // No pyenv.
    }
  }
  for (const dir of pythonDirs) {
    try {
      for (const entry of readdirSync(dir)) if (/^python3\.\d+$/.test(entry)) roots.push(join(dir, entry));
    } catch {
      // Not there.
    }
  }
  return roots;
}
