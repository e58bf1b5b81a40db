import { PathError, errorMessage } from '../../domain/errors';
import { matchesAny } from '../../domain/glob';
import { guardPath } from '../../domain/pathGuard';
import type { ToolRead, WorkspaceReader } from '../../domain/ports';
import { EDIT_TOOL_NAME } from '../../edits/toolCall';
import {
  LIST_FILES,
  LIST_MAX_ENTRIES,
  listFilesInput,
  MAX_FILE_BYTES,
  READ_FILE,
  READ_MAX_BYTES,
  READ_MAX_LINES,
  readFileInput,
  readToolNames,
  SEARCH_MAX_MATCHES,
  SEARCH_TEXT,
  searchTextInput,
} from './definitions';

// Carries out one read-only tool call. Whatever is wrong with the call (unknown tool,
// bad input, a path outside the workspace, a folder given to read_file, a bad regex) is
// an error result that says what to fix: it goes back to the model, never ends the
// session and never touches a file.

export interface ReadToolsOptions {
  readonly reader: WorkspaceReader;
  /** refineLoop.context.include: files listed here are read even when secret-looking or large. */
  readonly include?: readonly string[];
}

export interface ToolOutcome {
  readonly content: string;
  readonly isError: boolean;
  readonly read: ToolRead;
  /** For progress: "reading src/units.js". */
  readonly status: string;
}

/** Most files one search opens, and most bytes it reads in all. */
const SEARCH_MAX_FILES = 5000;
const SEARCH_MAX_TOTAL_BYTES = 16 * 1024 * 1024;
const SEARCH_LINE_CHARS = 200;
/** Paths one listing walks before it filters by glob. */
const LIST_WALK_LIMIT = 20_000;

const keyNames = [/\.pem$/i, /\.key$/i, /^id_(rsa|dsa|ecdsa|ed25519)/i, /\.(p12|pfx)$/i];

/** Why a file is never read unless the person listed it in refineLoop.context.include; undefined when it may be. */
export function secretReason(path: string): string | undefined {
  const name = path.split('/').pop() ?? path;
  if (/^\.env/i.test(name)) return 'it is an environment file (.env*), which often holds secrets';
  if (keyNames.some((pattern) => pattern.test(name))) return 'it looks like a private key or certificate';
  return undefined;
}

/** A glob without a folder part matches at any depth (`*.js` finds src/a.js). */
function globOf(glob: string): string {
  const trimmed = glob.trim().replace(/^\.\//, '');
  return trimmed.includes('/') ? trimmed : `**/${trimmed}`;
}

function isBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

function fail(tool: string, target: string, message: string, status: string): ToolOutcome {
  return { content: `Error: ${message}`, isError: true, read: { tool, target, size: 0, error: message }, status };
}

function ok(tool: string, target: string, content: string, status: string): ToolOutcome {
  return { content, isError: false, read: { tool, target, size: content.length }, status };
}

function inputProblem(tool: string, issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const parts = issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'input'}: ${issue.message}`);
  const example =
    tool === READ_FILE ? '{"path": "src/index.js", "startLine": 1, "endLine": 200}' : tool === LIST_FILES ? '{"path": "src", "glob": "**/*.js"}' : '{"query": "TODO", "glob": "src/**"}';
  return `the input of ${tool} is not right (${parts.join('; ')}). Call it again like ${example}.`;
}

function pathProblem(path: string, error: unknown): string {
  const said = error instanceof PathError ? error.message : errorMessage(error);
  return `${said} Use a path relative to the workspace root, for example src/index.js.`;
}

export function createReadTools(options: ReadToolsOptions) {
  const { reader } = options;
  const include = options.include ?? [];
  const decoder = new TextDecoder();

  async function readFile(input: unknown): Promise<ToolOutcome> {
    const parsed = readFileInput.safeParse(input);
    const rawPath = typeof (input as { path?: unknown })?.path === 'string' ? (input as { path: string }).path : '';
    if (!parsed.success) return fail(READ_FILE, rawPath, inputProblem(READ_FILE, parsed.error.issues), `reading ${rawPath || '(no path)'}`);
    const { startLine = 1 } = parsed.data;
    const status = `reading ${parsed.data.path}`;
    let path: string;
    try {
      path = guardPath(parsed.data.path);
    } catch (error) {
      return fail(READ_FILE, parsed.data.path, pathProblem(parsed.data.path, error), status);
    }
    const listed = matchesAny(path, include);
    const secret = secretReason(path);
    if (secret && !listed) return fail(READ_FILE, path, `${path} is never read: ${secret}. The person can allow it by listing it in refineLoop.context.include.`, status);
    if (parsed.data.endLine !== undefined && parsed.data.endLine < startLine) return fail(READ_FILE, path, `endLine ${parsed.data.endLine} is before startLine ${startLine}.`, status);
    let result;
    try {
      result = await reader.readFile(path, listed ? 64 * MAX_FILE_BYTES : MAX_FILE_BYTES);
    } catch (error) {
      return fail(READ_FILE, path, pathProblem(path, error), status);
    }
    if (result.kind === 'missing') return fail(READ_FILE, path, `${path} does not exist. Use ${LIST_FILES} or ${SEARCH_TEXT} to find the file you mean.`, status);
    if (result.kind === 'folder') return fail(READ_FILE, path, `${path} is a folder, not a file. Use ${LIST_FILES} with {"path": "${path}"} to see what is in it.`, status);
    if (result.kind === 'tooLarge') {
      return fail(READ_FILE, path, `${path} is ${Math.round(result.size / 1024)} KB, over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit of what is read. Use ${SEARCH_TEXT} with a glob for it, or the person can list it in refineLoop.context.include.`, status);
    }
    if (isBinary(result.bytes)) return fail(READ_FILE, path, `${path} is a binary file; it is not shown.`, status);
    const lines = decoder.decode(result.bytes).split(/\r?\n/);
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    if (startLine > Math.max(lines.length, 1)) return fail(READ_FILE, path, `${path} has ${lines.length} lines; startLine ${startLine} is past its end.`, status);
    const last = Math.min(parsed.data.endLine ?? lines.length, lines.length, startLine + READ_MAX_LINES - 1);
    const width = String(last).length;
    const shown: string[] = [];
    let bytes = 0;
    let end = startLine - 1;
    for (let number = startLine; number <= last; number++) {
      const line = `${String(number).padStart(width)}\t${lines[number - 1]}`;
      bytes += line.length + 1;
      if (bytes > READ_MAX_BYTES && shown.length > 0) break;
      shown.push(line);
      end = number;
    }
    const wanted = Math.min(parsed.data.endLine ?? lines.length, lines.length);
    const header = `${path}: lines ${startLine}-${end} of ${lines.length}`;
    const tail = end < wanted ? `\n… cut at line ${end} (at most ${READ_MAX_LINES} lines or ${READ_MAX_BYTES / 1024} KB per call). Call ${READ_FILE} with {"path": "${path}", "startLine": ${end + 1}} for the rest.` : '';
    return ok(READ_FILE, path, `${header}\n${shown.join('\n')}${tail}`, status);
  }

  async function listFiles(input: unknown): Promise<ToolOutcome> {
    const parsed = listFilesInput.safeParse(input ?? {});
    if (!parsed.success) return fail(LIST_FILES, '', inputProblem(LIST_FILES, parsed.error.issues), 'listing files');
    const folderText = parsed.data.path?.trim() ?? '';
    const whole = folderText === '' || folderText === '.' || folderText === './' || folderText === '/';
    const target = [whole ? '.' : folderText, parsed.data.glob ? `(${parsed.data.glob})` : ''].filter(Boolean).join(' ');
    const status = `listing ${whole ? 'the workspace' : folderText}${parsed.data.glob ? ` (${parsed.data.glob})` : ''}`;
    let folder: string | undefined;
    try {
      folder = whole ? undefined : guardPath(folderText);
    } catch (error) {
      return fail(LIST_FILES, target, pathProblem(folderText, error), status);
    }
    let listing;
    try {
      listing = await reader.listFiles({ ...(folder !== undefined ? { folder } : {}), limit: LIST_WALK_LIMIT });
    } catch (error) {
      return fail(LIST_FILES, target, pathProblem(folderText, error), status);
    }
    const glob = parsed.data.glob?.trim() ? globOf(parsed.data.glob) : undefined;
    const matching = glob ? listing.files.filter((path) => matchesAny(path, [glob])) : [...listing.files];
    const unfiltered = glob ? matching.length : listing.total;
    if (matching.length === 0) {
      if (folder !== undefined) {
        const asFile = await reader.readFile(folder, 0).catch(() => undefined);
        if (asFile && asFile.kind !== 'missing' && asFile.kind !== 'folder') return fail(LIST_FILES, target, `${folder} is a file, not a folder. Use ${READ_FILE} to read it.`, status);
      }
      return ok(LIST_FILES, target, `No files${folder !== undefined ? ` under ${folder}` : ''}${glob ? ` match ${parsed.data.glob}` : ''} (files that .gitignore or refineLoop.context.exclude skip are not listed).`, status);
    }
    const shown = matching.slice(0, LIST_MAX_ENTRIES);
    const left = unfiltered - shown.length;
    const more = left > 0 || !listing.complete ? `\n… ${left > 0 ? `${left}${listing.complete ? '' : '+'} more` : 'more'} not shown (at most ${LIST_MAX_ENTRIES} per call): narrow it with path or glob.` : '';
    return ok(LIST_FILES, target, `${shown.length === unfiltered && listing.complete ? unfiltered : `${shown.length} of ${unfiltered}${listing.complete ? '' : '+'}`} files:\n${shown.join('\n')}${more}`, status);
  }

  async function searchText(input: unknown): Promise<ToolOutcome> {
    const parsed = searchTextInput.safeParse(input);
    const rawQuery = typeof (input as { query?: unknown })?.query === 'string' ? (input as { query: string }).query : '';
    const status = `searching for "${rawQuery.slice(0, 60)}"`;
    if (!parsed.success) return fail(SEARCH_TEXT, rawQuery, inputProblem(SEARCH_TEXT, parsed.error.issues), status);
    const { query, isRegex = false } = parsed.data;
    const target = parsed.data.glob ? `${query} (${parsed.data.glob})` : query;
    let pattern: RegExp;
    try {
      pattern = isRegex ? new RegExp(query) : new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    } catch (error) {
      return fail(SEARCH_TEXT, target, `${JSON.stringify(query)} is not a valid regular expression (${errorMessage(error)}). Fix it, or set isRegex to false to search for the plain text.`, status);
    }
    const glob = parsed.data.glob?.trim() ? globOf(parsed.data.glob) : undefined;
    const listing = await reader.listFiles({ limit: LIST_WALK_LIMIT });
    const candidates = listing.files.filter((path) => (!glob || matchesAny(path, [glob])) && (!secretReason(path) || matchesAny(path, include)));
    const matches: string[] = [];
    const filesWithMatches = new Set<string>();
    let searched = 0;
    let totalBytes = 0;
    let more = false;
    for (const path of candidates) {
      if (searched >= SEARCH_MAX_FILES || totalBytes >= SEARCH_MAX_TOTAL_BYTES) {
        more = true;
        break;
      }
      const result = await reader.readFile(path, MAX_FILE_BYTES).catch(() => undefined);
      if (!result || result.kind !== 'file' || isBinary(result.bytes)) continue;
      searched++;
      totalBytes += result.bytes.length;
      const lines = decoder.decode(result.bytes).split(/\r?\n/);
      for (let index = 0; index < lines.length; index++) {
        const line = lines[index]!.slice(0, 2000);
        if (!pattern.test(line)) continue;
        if (matches.length >= SEARCH_MAX_MATCHES) {
          more = true;
          break;
        }
        filesWithMatches.add(path);
        const shown = line.trim().length > SEARCH_LINE_CHARS ? `${line.trim().slice(0, SEARCH_LINE_CHARS)}…` : line.trim();
        matches.push(`${path}:${index + 1}: ${shown}`);
      }
      if (more && matches.length >= SEARCH_MAX_MATCHES) break;
    }
    if (matches.length === 0) return ok(SEARCH_TEXT, target, `No matches for ${JSON.stringify(query)} in ${searched} file(s)${glob ? ` matching ${parsed.data.glob}` : ''}.`, status);
    const tail = more ? `\n… stopped at ${matches.length} matches or ${SEARCH_MAX_FILES} files: narrow the query or the glob.` : '';
    return ok(SEARCH_TEXT, target, `${matches.length} match(es) in ${filesWithMatches.size} file(s):\n${matches.join('\n')}${tail}`, status);
  }

  /** Runs one read tool call; anything wrong with it is an error result. */
  async function run(name: string, input: unknown): Promise<ToolOutcome> {
    try {
      if (name === READ_FILE) return await readFile(input);
      if (name === LIST_FILES) return await listFiles(input);
      if (name === SEARCH_TEXT) return await searchText(input);
    } catch (error) {
      return fail(name, '', `the tool failed: ${errorMessage(error)}. Try another path or query.`, `${name} failed`);
    }
    return fail(name, '', `there is no tool named '${name}'. The tools are ${[...readToolNames, EDIT_TOOL_NAME].join(', ')}.`, `unknown tool ${name}`);
  }

  return { run, reader, include };
}

export type ReadTools = ReturnType<typeof createReadTools>;
