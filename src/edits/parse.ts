import type { ToolCall } from '../domain/ports';
import type { EditProblem } from '../domain/session';
import { EDIT_TOOL_NAME, editToolInputSchema, type ToolEdit } from './toolCall';
import { pathFromFenceInfo, pathFromLine } from './paths';
import type { EditOp, ParsedReply } from './types';

// The reply parser: search/replace blocks, unified diffs, whole-file fenced blocks,
// explicit DELETE / RENAME lines, and tool-call JSON, in one pass over the lines.
// Every scan forward stops at the next block start, so adversarial input (unterminated
// markers, endless `@@`) costs linear time.

const searchMarker = /^\s*<{5,9}\s*(?:SEARCH|ORIGINAL|FIND)?\s*:?\s*$/i;
const dividerMarker = /^\s*={5,9}\s*$/;
const replaceMarker = /^\s*>{5,9}\s*(?:REPLACE|UPDATED|NEW)?\s*:?\s*$/i;
const fenceLine = /^\s{0,3}(`{3,}|~{3,})(.*)$/;
const hunkHeader = /^@@+\s*(?:-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?\s*)?@@+/;
/** After a file header, models also separate hunks with `@@` alone or `@@ ... @@`. */
const looseHunkHeader = /^@@(?:\s.*)?$/;
const deleteLine = /^\s*(?:DELETE|DELETE FILE|REMOVE FILE)\s*:?\s+(\S.*?)\s*$/;
const renameLine = /^\s*(?:RENAME|MOVE)\s*:?\s+(\S+)\s+(?:->|→|=>|TO)\s+(\S+)\s*$/;
const strayMarker = /^\s*(?:<{3,}\s*(?:SEARCH|ORIGINAL)|>{3,}\s*(?:REPLACE|UPDATED))\b/i;
const MAX_PROBLEMS = 50;
/** Longest line read as a DELETE / RENAME / diff --git command (real ones are short). */
const MAX_COMMAND_LINE = 1000;

interface Fence {
  readonly open: number;
  /** Line of the closing fence, or -1 when the reply ends inside the fence. */
  readonly close: number;
  readonly info: string;
  readonly hasMarkers: boolean;
}

/** Pairs fence lines in one pass and notes which fences hold edit markers or diffs. */
function findFences(lines: readonly string[]): Map<number, Fence> {
  const fences = new Map<number, Fence>();
  let open: { line: number; marker: string; info: string; hasMarkers: boolean } | undefined;
  lines.forEach((line, index) => {
    const fence = fenceLine.exec(line);
    if (open) {
      if (fence && fence[1]![0] === open.marker[0] && fence[1]!.length >= open.marker.length && fence[2]!.trim() === '') {
        fences.set(open.line, { open: open.line, close: index, info: open.info, hasMarkers: open.hasMarkers });
        open = undefined;
      } else if (!open.hasMarkers && (searchMarker.test(line) || strayMarker.test(line) || hunkHeader.test(line) || line.startsWith('+++ ') || line.startsWith('diff --git '))) {
        open.hasMarkers = true;
      }
    } else if (fence) {
      open = { line: index, marker: fence[1]!, info: fence[2]!.trim(), hasMarkers: false };
    }
  });
  if (open) fences.set(open.line, { open: open.line, close: -1, info: open.info, hasMarkers: open.hasMarkers });
  return fences;
}

function cleanDiffPath(raw: string): string | undefined {
  let path = raw.split('\t')[0]!.trim();
  if (path.startsWith('"') && path.endsWith('"')) path = path.slice(1, -1);
  if (path === '/dev/null') return undefined;
  return path;
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

class ReplyParser {
  readonly edits: EditOp[] = [];
  readonly problems: EditProblem[] = [];
  private readonly consumed: boolean[];
  private readonly fences: Map<number, Fence>;
  /** The fence each line sits in (its opening line), for knowing where a diff must end. */
  private readonly fenceOf: Int32Array;
  private lastPath: string | undefined;
  /** `summary` fields of tool-call JSON in the text: part of the agent's explanation. */
  private readonly summaries: string[] = [];
  private block = 0;
  private droppedProblems = 0;

  constructor(private readonly lines: readonly string[]) {
    this.consumed = new Array<boolean>(lines.length).fill(false);
    this.fences = findFences(lines);
    this.fenceOf = new Int32Array(lines.length).fill(-1);
    for (const fence of this.fences.values()) {
      const end = fence.close < 0 ? lines.length : fence.close;
      for (let i = fence.open + 1; i < end; i++) this.fenceOf[i] = fence.open;
    }
  }

  private problem(problem: EditProblem): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else this.droppedProblems++;
  }

  private consume(from: number, to: number): void {
    for (let i = from; i < to; i++) this.consumed[i] = true;
  }

  parse(): ParsedReply {
    const { lines } = this;
    let i = 0;
    while (i < lines.length) {
      const line = lines[i]!;
      if (searchMarker.test(line)) i = this.searchReplace(i);
      else if (line.trim() === '*** Begin Patch') i = this.beginPatch(i);
      else if (line.startsWith('diff --git ') || (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) i = this.diffSection(i);
      else if (hunkHeader.test(line)) i = this.headerlessHunks(i);
      else if (line.length <= MAX_COMMAND_LINE && (deleteLine.test(line) || renameLine.test(line))) i = this.explicitOp(i);
      else if (this.fences.has(i)) i = this.fencedBlock(i);
      else i++;
    }
    this.strayMarkers();
    if (this.droppedProblems > 0) this.problems.push({ reason: `${this.droppedProblems} more problems like the ones above were left out.` });
    return { edits: this.edits, prose: this.prose(), problems: this.problems };
  }

  /** Marker-like lines outside any block: a malformed reply must not pass for prose. */
  private strayMarkers(): void {
    this.lines.forEach((line, index) => {
      if (this.consumed[index] || line.length > 200 || !strayMarker.test(line)) return;
      this.problem({ reason: `Reply line ${index + 1} ('${line.trim()}') looks like an edit marker but is not part of a complete block; write '<<<<<<< SEARCH', '=======' and '>>>>>>> REPLACE' on lines of their own.` });
    });
  }

  // ------------------------------------------------------------ paths

  /**
   * The path a block names just above it: on its own line (blank lines between are
   * fine), or in the info string of the fence the block opens with.
   */
  private pathAbove(start: number, fenceAllowed = true): { path?: string; line?: number } {
    for (let i = start - 1; i >= 0 && i >= start - 4 && !this.consumed[i]; i--) {
      const line = this.lines[i]!;
      if (fenceAllowed && this.fences.has(i) && this.fences.get(i)!.close !== i) {
        fenceAllowed = false;
        const fromInfo = pathFromFenceInfo(this.fences.get(i)!.info);
        if (fromInfo) return { path: fromInfo, line: i };
        continue;
      }
      if (line.trim() === '') continue;
      const path = pathFromLine(line);
      return path ? { path, line: i } : {};
    }
    return {};
  }

  // ------------------------------------------------------------ search/replace

  private searchReplace(start: number): number {
    const { lines } = this;
    const block = ++this.block;
    const above = this.pathAbove(start);
    const path = above.path ?? this.lastPath;
    let divider = -1;
    let end = -1;
    let i = start + 1;
    for (; i < lines.length; i++) {
      const line = lines[i]!;
      if (searchMarker.test(line)) break;
      if (divider < 0 && dividerMarker.test(line)) divider = i;
      else if (divider >= 0 && replaceMarker.test(line)) {
        end = i;
        break;
      } else if (divider < 0 && replaceMarker.test(line)) break;
    }
    if (divider < 0 || end < 0) {
      const missing = divider < 0 ? "no '=======' divider" : "no '>>>>>>> REPLACE' line";
      this.problem({ file: path, block, reason: `Block ${block} is unterminated: '<<<<<<< SEARCH' at reply line ${start + 1} has ${missing} before ${i < lines.length ? `the next block (line ${i + 1})` : 'the end of the reply'}.` });
      // Leave the next block its path line.
      const nextPath = i < lines.length ? this.pathAbove(i).line : undefined;
      this.consume(start, nextPath !== undefined && nextPath > start ? nextPath : i);
      return i;
    }
    this.consume(above.line ?? start, end + 1);
    if (!path) {
      this.problem({ block, reason: `Block ${block} (reply line ${start + 1}) names no file: put the file's path on the line before '<<<<<<< SEARCH'.` });
      return end + 1;
    }
    this.lastPath = path;
    const search = lines.slice(start + 1, divider).join('\n');
    const replace = lines.slice(divider + 1, end).join('\n');
    if (search.trim() === '') this.edits.push({ kind: 'create', path, block, content: withNewline(replace) });
    else this.edits.push({ kind: 'replace', path, block, search: withNewline(search), replace: withNewline(replace) });
    return end + 1;
  }

  // ------------------------------------------------------------ unified diffs

  private diffSection(start: number): number {
    const { lines } = this;
    let i = start;
    let oldPath: string | undefined;
    let newPath: string | undefined;
    let renameFrom: string | undefined;
    let renameTo: string | undefined;
    let created = false;
    let deleted = false;
    if (lines[i]!.startsWith('diff --git ')) {
      // Long lines are not read for names: the lazy groups would backtrack quadratically.
      const names = lines[i]!.length <= MAX_COMMAND_LINE ? /^diff --git (?:"?a\/)?(.+?)"? (?:"?b\/)?(.+?)"?$/.exec(lines[i]!) : null;
      if (names) [oldPath, newPath] = [names[1], names[2]];
      i++;
      for (; i < lines.length; i++) {
        const line = lines[i]!;
        if (line.startsWith('rename from ')) renameFrom = line.slice(12).trim();
        else if (line.startsWith('rename to ')) renameTo = line.slice(10).trim();
        else if (line.startsWith('new file mode')) created = true;
        else if (line.startsWith('deleted file mode')) deleted = true;
        else if (!/^(index |old mode|new mode|similarity index|dissimilarity index|copy from|copy to|Binary files)/.test(line)) break;
      }
    }
    if (lines[i]?.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      const from = cleanDiffPath(lines[i]!.slice(4));
      const to = cleanDiffPath(lines[i + 1]!.slice(4));
      const bothPrefixed = (from ?? 'a/').startsWith('a/') && (to ?? 'b/').startsWith('b/');
      oldPath = from === undefined ? undefined : bothPrefixed ? stripPrefix(from, 'a/') : from;
      newPath = to === undefined ? undefined : bothPrefixed ? stripPrefix(to, 'b/') : to;
      created ||= from === undefined;
      deleted ||= to === undefined;
      i += 2;
    }
    this.consume(start, i);
    const block = ++this.block;
    if (renameFrom && renameTo) this.edits.push({ kind: 'rename', path: renameFrom, to: renameTo, block });
    if (deleted && oldPath) {
      this.edits.push({ kind: 'delete', path: oldPath, block });
      return this.skipHunks(i);
    }
    const path = renameTo ?? newPath ?? oldPath;
    if (!path) {
      this.problem({ block, reason: `Diff at reply line ${start + 1} names no file.` });
      return this.skipHunks(i);
    }
    this.lastPath = path;
    return this.hunks(i, path, created, block);
  }

  private headerlessHunks(start: number): number {
    const above = this.pathAbove(start);
    const path = above.path ?? this.lastPath;
    if (above.line !== undefined) this.consume(above.line, start);
    if (!path) {
      const block = ++this.block;
      this.problem({ block, reason: `Hunk at reply line ${start + 1} has no '--- a/path' / '+++ b/path' header naming its file.` });
      return this.skipHunks(start);
    }
    return this.hunks(start, path, false, ++this.block);
  }

  /** Lines of one hunk body, from `start` to the first line that cannot be part of it. */
  private hunkBody(start: number): { body: string[]; next: number } {
    const { lines } = this;
    const fence = this.fenceOf[start] ?? -1;
    const body: string[] = [];
    let i = start;
    for (; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('@@') || line.startsWith('diff --git ') || (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) break;
      if (fenceLine.test(line) || searchMarker.test(line)) break;
      const first = line[0];
      if (line === '' || first === ' ' || first === '+' || first === '-' || first === '\\') body.push(line);
      // Inside a fence, a line without a prefix is context whose space the model dropped:
      // it must still match the file, so reading it so is safe.
      else if (fence >= 0 && this.fenceOf[i] === fence) body.push(` ${line}`);
      else break;
    }
    return { body, next: i };
  }

  private skipHunks(start: number): number {
    let i = start;
    while (i < this.lines.length && (hunkHeader.test(this.lines[i]!) || looseHunkHeader.test(this.lines[i]!))) {
      const { next } = this.hunkBody(i + 1);
      this.consume(i, next);
      i = next;
    }
    return i;
  }

  private hunks(start: number, path: string, created: boolean, firstBlock: number): number {
    const { lines } = this;
    let i = start;
    let block = firstBlock;
    const createdLines: string[] = [];
    let createdFinalNewline = true;
    let first = true;
    while (i < lines.length) {
      const header = hunkHeader.exec(lines[i]!) ?? (lines[i]!.length <= MAX_COMMAND_LINE && looseHunkHeader.test(lines[i]!) ? ([lines[i]!] as RegExpExecArray) : null);
      if (!header) break;
      if (!first) block = ++this.block;
      first = false;
      const { body, next } = this.hunkBody(i + 1);
      this.consume(i, next);
      i = next;
      const oldCount = header[2] === undefined ? (header[1] === undefined ? undefined : 1) : Number(header[2]);
      // Trailing blank lines are usually spacing after the diff, not context; header counts say.
      while (body.length > 0 && body[body.length - 1] === '' && (oldCount === undefined || body.filter((l) => l[0] !== '+' && l[0] !== '\\').length > oldCount)) body.pop();
      const search: string[] = [];
      const replace: string[] = [];
      for (const line of body) {
        if (line.startsWith('\\')) {
          if (created) createdFinalNewline = false;
          continue;
        }
        const text = line.slice(1);
        if (line[0] !== '+') search.push(text);
        if (line[0] !== '-') replace.push(text);
      }
      if (created) {
        createdLines.push(...replace);
        continue;
      }
      if (search.length === 0 && replace.length === 0) continue;
      if (search.length === 0) {
        this.problem({ file: path, block, reason: `A hunk for ${path} has no context or removed lines, so there is nothing to place it by; include a few unchanged lines around the addition.` });
        continue;
      }
      const hint = header[1] === undefined ? undefined : Math.max(1, Number(header[1]));
      this.edits.push({ kind: 'replace', path, block, search: search.join('\n') + '\n', replace: replace.length ? replace.join('\n') + '\n' : '', lineHint: hint });
    }
    if (created) {
      const content = createdLines.join('\n') + (createdLines.length > 0 && createdFinalNewline ? '\n' : '');
      this.edits.push({ kind: 'create', path, block: firstBlock, content });
    }
    return i;
  }

  // ------------------------------------------------------------ *** Begin Patch

  /**
   * The patch format some models are trained on (`*** Begin Patch`, `*** Update File:`,
   * `*** Add File:`, `*** Delete File:`, `*** Move to:`, `@@` chunks, `*** End Patch`).
   * Chunks carry no line numbers; each becomes a search/replace edit.
   */
  private beginPatch(start: number): number {
    const { lines } = this;
    const header = /^\*\*\* (Add|Delete|Update) File:\s*(.+?)\s*$/;
    let i = start + 1;
    let end = -1;
    for (let j = i; j < lines.length; j++) {
      if (lines[j]!.trim() === '*** End Patch') {
        end = j;
        break;
      }
      if (searchMarker.test(lines[j]!) || lines[j]!.trim() === '*** Begin Patch') break;
    }
    if (end < 0) {
      this.problem({ block: ++this.block, reason: `'*** Begin Patch' at reply line ${start + 1} has no '*** End Patch': the reply may have been cut off, so the patch was not used.` });
      this.consume(start, start + 1);
      return start + 1;
    }
    this.consume(start, end + 1);
    while (i < end) {
      const found = lines[i]!.length <= MAX_COMMAND_LINE ? header.exec(lines[i]!) : null;
      if (!found) {
        if (lines[i]!.trim() !== '') this.problem({ block: this.block || undefined, reason: `Reply line ${i + 1} ('${lines[i]!.trim().slice(0, 80)}') is not part of any file section of the patch.` });
        i++;
        continue;
      }
      const [, action, path] = found as unknown as [string, string, string];
      const block = ++this.block;
      i++;
      const body: string[] = [];
      while (i < end && !lines[i]!.startsWith('*** ') ) body.push(lines[i++]!);
      if (action === 'Delete') {
        this.edits.push({ kind: 'delete', path, block });
        continue;
      }
      if (action === 'Add') {
        this.edits.push({ kind: 'create', path, block, content: body.map((line) => line.replace(/^\+/, '')).join('\n') + (body.length > 0 ? '\n' : '') });
        continue;
      }
      let target = path;
      const move = /^\*\*\* Move to:\s*(.+?)\s*$/.exec(lines[i] ?? '');
      if (move && i < end) {
        target = move[1]!;
        this.edits.push({ kind: 'rename', path, to: target, block });
        i++;
        while (i < end && !lines[i]!.startsWith('*** ')) body.push(lines[i++]!);
      }
      this.patchChunks(body, target, block);
      while (i < end && lines[i]!.trim() === '*** End of File') i++;
    }
    return end + 1;
  }

  /** `@@`-separated chunks of an Update File section, as search/replace edits. */
  private patchChunks(body: readonly string[], path: string, firstBlock: number): void {
    let chunk: string[] = [];
    let block = firstBlock;
    let first = true;
    const flush = () => {
      // A blank line ending a chunk is spacing, not a context line.
      while (chunk.length > 0 && chunk[chunk.length - 1] === '') chunk.pop();
      if (chunk.length === 0) return;
      if (!first) block = ++this.block;
      first = false;
      const search: string[] = [];
      const replace: string[] = [];
      for (const line of chunk) {
        const sign = line[0];
        const text = sign === ' ' || sign === '+' || sign === '-' ? line.slice(1) : line;
        if (sign !== '+') search.push(text);
        if (sign !== '-') replace.push(text);
      }
      chunk = [];
      if (search.every((line) => line.trim() === '')) {
        this.problem({ file: path, block, reason: `A chunk for ${path} has no context or removed lines, so there is nothing to place it by; include a few unchanged lines around the addition.` });
        return;
      }
      this.edits.push({ kind: 'replace', path, block, search: search.join('\n') + '\n', replace: replace.length ? replace.join('\n') + '\n' : '' });
    };
    for (const line of body) {
      if (line.startsWith('@@')) flush();
      else if (line.trim() !== '*** End of File') chunk.push(line);
    }
    flush();
  }

  // ------------------------------------------------------------ delete, rename

  private explicitOp(start: number): number {
    const line = this.lines[start]!;
    const block = ++this.block;
    const renamed = renameLine.exec(line);
    if (renamed) this.edits.push({ kind: 'rename', path: unquote(renamed[1]!), to: unquote(renamed[2]!), block });
    else this.edits.push({ kind: 'delete', path: unquote(deleteLine.exec(line)![1]!), block });
    this.consume(start, start + 1);
    return start + 1;
  }

  // ------------------------------------------------------------ fenced blocks

  private fencedBlock(start: number): number {
    const fence = this.fences.get(start)!;
    if (fence.hasMarkers) return start + 1;
    const info = fence.info.toLowerCase();
    if (info === 'diff' || info === 'patch') return start + 1;
    const fromInfo = pathFromFenceInfo(fence.info);
    const above: { path?: string; line?: number } = fromInfo ? {} : this.pathAbove(start, false);
    const headerPath = fromInfo ?? above.path;
    const end = fence.close < 0 ? this.lines.length : fence.close;
    const body = this.lines.slice(start + 1, end);
    if (!headerPath) {
      if (/^(json|jsonc)?$/.test(info) && body.join('\n').includes('"edits"')) return this.jsonEdits(start, body, end);
      return start + 1;
    }
    const block = ++this.block;
    this.consume(above.line ?? start, fence.close < 0 ? end : end + 1);
    if (fence.close < 0) {
      this.problem({ file: headerPath, block, reason: `The fenced block for ${headerPath} (reply line ${start + 1}) is never closed: the reply may have been cut off, so it was not used.` });
      return end;
    }
    this.edits.push({ kind: 'write', path: headerPath, block, content: withNewline(body.join('\n')) });
    this.lastPath = headerPath;
    return end + 1;
  }

  private jsonEdits(start: number, body: readonly string[], end: number): number {
    let input: unknown;
    try {
      input = JSON.parse(body.join('\n'));
    } catch {
      return start + 1;
    }
    const firstBlock = this.block + 1;
    const parsed = toolInput(input, firstBlock);
    this.block += Math.max(1, parsed.edits.length);
    this.edits.push(...parsed.edits);
    if (parsed.summary) this.summaries.push(parsed.summary);
    for (const problem of parsed.problems) this.problem(problem);
    this.consume(start, Math.min(this.lines.length, end + 1));
    return end + 1;
  }

  // ------------------------------------------------------------ prose

  private prose(): string {
    const keep = this.lines.map((_, i) => !this.consumed[i]);
    // A fence left with nothing but blank lines held only edits: drop it too.
    for (const fence of this.fences.values()) {
      const end = fence.close < 0 ? this.lines.length - 1 : fence.close;
      let empty = true;
      for (let i = fence.open + 1; i < end && empty; i++) if (keep[i] && this.lines[i]!.trim() !== '') empty = false;
      if (empty && (fence.close - fence.open > 1 || this.consumed.slice(fence.open, end).some(Boolean))) {
        for (let i = fence.open; i <= end; i++) keep[i] = false;
      }
    }
    return [this.lines.filter((_, i) => keep[i]).join('\n'), ...this.summaries]
      .join('\n\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  }
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

function unquote(text: string): string {
  return text.replace(/^[`'"]+|[`'"]+$/g, '');
}

function toolEditToOp(edit: ToolEdit, block: number): EditOp {
  switch (edit.kind) {
    case 'replace':
      return { kind: 'replace', path: edit.path, block, search: edit.search, replace: edit.replace, lineHint: edit.line };
    case 'create':
      return { kind: 'create', path: edit.path, block, content: edit.content };
    case 'delete':
      return { kind: 'delete', path: edit.path, block };
    case 'rename':
      return { kind: 'rename', path: edit.path, to: edit.to, block };
  }
}

function toolInput(input: unknown, firstBlock: number): { edits: EditOp[]; problems: EditProblem[]; summary: string } {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { edits: [], problems: [{ block: firstBlock, reason: `The ${EDIT_TOOL_NAME} tool input is not valid JSON.` }], summary: '' };
    }
  }
  const parsed = editToolInputSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
    return { edits: [], problems: [{ block: firstBlock, reason: `The ${EDIT_TOOL_NAME} tool input does not fit its schema: ${issues.join('; ')}.` }], summary: '' };
  }
  return { edits: parsed.data.edits.map((edit, index) => toolEditToOp(edit, firstBlock + index)), problems: [], summary: parsed.data.summary ?? '' };
}

/** Parses an agent's reply text. Prose alone gives no edits and no problems. */
export function parseReply(text: string): ParsedReply {
  // A reply saved by an editor may start with a BOM; it is not part of the first line.
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  return new ReplyParser(lines).parse();
}

/** Parses tool calls of the edit tool; other tools' calls are reported as problems. */
export function parseToolCalls(calls: readonly ToolCall[]): ParsedReply {
  const edits: EditOp[] = [];
  const problems: EditProblem[] = [];
  const summaries: string[] = [];
  for (const call of calls) {
    const block = edits.length + problems.length + 1;
    if (call.name !== EDIT_TOOL_NAME) {
      problems.push({ block, reason: `Unknown tool '${call.name}': the only edit tool is '${EDIT_TOOL_NAME}'.` });
      continue;
    }
    const parsed = toolInput(call.input, block);
    edits.push(...parsed.edits);
    problems.push(...parsed.problems);
    if (parsed.summary) summaries.push(parsed.summary);
  }
  return { edits, prose: summaries.join('\n\n'), problems };
}
