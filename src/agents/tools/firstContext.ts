import { matchesAny } from '../../domain/glob';
import type { AgentRequest, WorkspaceReader } from '../../domain/ports';
import { estimateTokens } from '../../loop/prompt';
import { MAX_FILE_BYTES } from './definitions';
import { secretReason } from './readTools';

// Context that saves the model tool calls, added to the first message of a round with
// read tools: a compact map of the workspace's paths (ignore-aware, capped) and the
// workspace modules the files in the prompt import (one level, capped). Both count
// against the read budget of the round.

/** Most paths in the map, and most characters of it. */
export const MAP_MAX_PATHS = 400;
const MAP_MAX_CHARS = 8000;
/** Most imported modules shown, lines of each, and characters of them all. */
export const IMPORTS_MAX_FILES = 6;
const IMPORT_MAX_LINES = 200;
const IMPORTS_MAX_CHARS = 16_000;
/** Files walked to resolve imports and to count the map. */
const WALK_LIMIT = 20_000;

const moduleExtensions = ['', '.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '/index.ts', '/index.tsx', '/index.js', '/index.jsx', '/index.mjs'];

/** Relative module specifiers of JavaScript/TypeScript (import, export from, require, import()) and Python relative imports. */
export function importSpecifiers(path: string, text: string): string[] {
  const found = new Set<string>();
  if (/\.py$/.test(path)) {
    for (const match of text.matchAll(/^\s*from\s+(\.+)([\w.]*)\s+import\b/gm)) {
      const ups = match[1]!.length - 1;
      found.add(`${ups === 0 ? './' : '../'.repeat(ups)}${match[2]!.replace(/\./g, '/')}.py`);
    }
    return [...found];
  }
  const patterns = [/\bfrom\s*['"]([^'"\n]+)['"]/g, /\bimport\s*['"]([^'"\n]+)['"]/g, /\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g, /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) if (match[1]!.startsWith('.')) found.add(match[1]!);
  return [...found];
}

function join(from: string, specifier: string): string | undefined {
  const parts = from.split('/').slice(0, -1);
  for (const segment of specifier.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(segment);
  }
  return parts.join('/');
}

/** The workspace file a specifier names, among the listed files; TypeScript's `.js` for `.ts` included. */
export function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const base = join(from, specifier);
  if (base === undefined) return undefined;
  const candidates = moduleExtensions.map((extension) => base + extension);
  if (/\.(m|c)?js$/.test(base)) candidates.push(base.replace(/\.(m|c)?js$/, '.ts'), base.replace(/\.(m|c)?js$/, '.tsx'));
  return candidates.find((candidate) => files.has(candidate));
}

/** Paths grouped by folder, one line per folder (`src/ format.js units.js`); past the cap, folders with a count (`lib/ (120 files)`). */
export function workspaceMap(paths: readonly string[], total: number): string {
  const byFolder = new Map<string, string[]>();
  for (const path of paths) {
    const slash = path.lastIndexOf('/');
    const folder = slash < 0 ? './' : `${path.slice(0, slash)}/`;
    const names = byFolder.get(folder) ?? [];
    names.push(path.slice(slash + 1));
    byFolder.set(folder, names);
  }
  const lines: string[] = [];
  let length = 0;
  let named = 0;
  let counted = 0;
  for (const [folder, names] of byFolder) {
    const withNames = named + names.length <= MAP_MAX_PATHS;
    const line = withNames ? `${folder} ${names.join(' ')}` : `${folder} (${names.length} files)`;
    if (length + line.length > MAP_MAX_CHARS) break;
    lines.push(line);
    length += line.length + 1;
    if (withNames) named += names.length;
    else counted += names.length;
  }
  const left = total - named - counted;
  return `${lines.join('\n')}${left > 0 ? `\n… and ${left} more files (use list_files)` : ''}`;
}

function fenced(content: string): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const marker = '`'.repeat(Math.max(3, longest + 1));
  return `${marker}\n${content.endsWith('\n') ? content : `${content}\n`}${marker}`;
}

export interface FirstContext {
  readonly text: string;
  readonly tokens: number;
  readonly imported: readonly string[];
}

/** The sections to add to the first message, within `maxTokens` (none when even the map does not fit). */
export async function firstContext(request: AgentRequest, reader: WorkspaceReader, include: readonly string[], maxTokens: number): Promise<FirstContext> {
  const listing = await reader.listFiles({ limit: WALK_LIMIT });
  const files = new Set(listing.files);
  const sections: string[] = [];
  const map = workspaceMap(listing.files, listing.total);
  const mapSection = `## Workspace map\n\nFiles of the workspace by folder (skipping what .gitignore and refineLoop.context.exclude skip; ${listing.total}${listing.complete ? '' : '+'} files):\n${fenced(map)}`;
  let used = estimateTokens(mapSection);
  if (used > maxTokens) return { text: '', tokens: 0, imported: [] };
  sections.push(mapSection);

  const inPrompt = new Set(request.files);
  const imported: { path: string; by: string }[] = [];
  for (const from of request.files) {
    const read = await reader.readFile(from, MAX_FILE_BYTES).catch(() => undefined);
    if (!read || read.kind !== 'file') continue;
    for (const specifier of importSpecifiers(from, new TextDecoder().decode(read.bytes))) {
      const target = resolveImport(from, specifier, files);
      if (target && !inPrompt.has(target) && !imported.some((each) => each.path === target)) imported.push({ path: target, by: from });
    }
  }
  const shown: string[] = [];
  const parts: string[] = [];
  let characters = 0;
  for (const { path, by } of imported.slice(0, IMPORTS_MAX_FILES)) {
    if (secretReason(path) && !matchesAny(path, include)) continue;
    const read = await reader.readFile(path, MAX_FILE_BYTES).catch(() => undefined);
    if (!read || read.kind !== 'file') continue;
    const lines = new TextDecoder().decode(read.bytes).split('\n');
    const cut = lines.length > IMPORT_MAX_LINES;
    const body = lines.slice(0, IMPORT_MAX_LINES).join('\n');
    const part = `${path} (imported by ${by}${cut ? `; the first ${IMPORT_MAX_LINES} of ${lines.length} lines, read_file for the rest` : ''})\n${fenced(body)}`;
    const tokens = estimateTokens(part);
    if (characters + part.length > IMPORTS_MAX_CHARS || used + tokens > maxTokens) break;
    parts.push(part);
    shown.push(path);
    characters += part.length;
    used += tokens;
  }
  if (parts.length > 0) sections.push(`## Workspace modules the files above import\n\n${parts.join('\n\n')}`);
  const left = imported.length - shown.length;
  if (left > 0) sections.push(`Also imported, not shown: ${imported.filter((each) => !shown.includes(each.path)).map((each) => each.path).slice(0, 20).join(', ')}${left > 20 ? ', …' : ''}.`);
  const text = sections.join('\n\n');
  return { text, tokens: estimateTokens(text), imported: shown };
}
