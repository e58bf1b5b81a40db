import fc from 'fast-check';
import type { ToolCall } from '../../../../src/domain/ports';
import type { RealFile } from './realFiles';

// Generated edit cases with known answers, for the property "the result is byte-equal
// to the intended file, or the reply is rejected and nothing is written". A case is a
// real file, a region of it, the agent's edit of that region (changed, removed,
// re-indented and inserted lines), what the person did meanwhile (a changed context
// line, an inserted line, a near-duplicate of the region elsewhere), how the agent
// wrote it (indentation, padding blank lines, reply format) and the file's own style
// (CRLF, BOM, no final newline). The intended bytes are built by plain line surgery.

export type LineOp = 'keep' | 'change' | 'delete' | 'reindent';
export type Person = 'none' | 'stale' | 'stale-adjacent' | 'stale-target' | 'person-insert' | 'near-duplicate' | 'near-duplicate-stale';
export type Indent = 'none' | 'dedent' | 'indent4' | 'tabs';
export type Format = 'sr' | 'sr-fenced' | 'diff' | 'diff-bad-header' | 'patch' | 'tool' | 'whole';

export interface CaseParams {
  readonly file: number;
  readonly start: number;
  readonly length: number;
  readonly atEnd: boolean;
  readonly ops: readonly { readonly op: LineOp; readonly insertBefore: number; readonly blank: boolean }[];
  readonly insertAfterLast: number;
  readonly person: Person;
  readonly personAt: number;
  readonly indent: Indent;
  readonly padding: 'none' | 'lead' | 'trail' | 'both';
  readonly eol: '\n' | '\r\n';
  readonly bom: boolean;
  readonly finalNewline: boolean;
  readonly format: Format;
  readonly replyCrlf: boolean;
}

export type Expectation = { readonly kind: 'apply'; readonly bytes: Uint8Array } | { readonly kind: 'reject' } | { readonly kind: 'either'; readonly bytes: Uint8Array };

export interface EditCase {
  readonly params: CaseParams;
  readonly path: string;
  readonly before: Uint8Array;
  readonly reply: { readonly text: string; readonly toolCalls?: readonly ToolCall[] };
  readonly expect: Expectation;
}

const lineOp = fc.constantFrom<LineOp>('keep', 'keep', 'keep', 'keep', 'change', 'delete', 'reindent');

export const caseParams: fc.Arbitrary<CaseParams> = fc.record({
  file: fc.nat(),
  start: fc.nat(),
  length: fc.integer({ min: 3, max: 10 }),
  atEnd: fc.boolean(),
  ops: fc.array(fc.record({ op: lineOp, insertBefore: fc.constantFrom(0, 0, 0, 1, 2), blank: fc.boolean() }), { minLength: 10, maxLength: 10 }),
  insertAfterLast: fc.constantFrom(0, 0, 1, 2),
  person: fc.constantFrom<Person>('none', 'none', 'stale', 'stale-adjacent', 'stale-target', 'person-insert', 'near-duplicate', 'near-duplicate-stale'),
  personAt: fc.nat(),
  indent: fc.constantFrom<Indent>('none', 'none', 'dedent', 'indent4', 'tabs'),
  padding: fc.constantFrom('none', 'none', 'lead', 'trail', 'both'),
  eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\n', '\r\n'),
  bom: fc.boolean(),
  finalNewline: fc.constantFrom(true, true, false),
  format: fc.constantFrom<Format>('sr', 'sr', 'sr-fenced', 'diff', 'diff-bad-header', 'patch', 'tool', 'whole'),
  replyCrlf: fc.constantFrom(false, false, false, true),
});

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];
const isBlank = (line: string) => line.trim() === '';

function changeIdentifier(line: string, suffix: string): string | undefined {
  const token = /[A-Za-z_]\w{2,}/.exec(line);
  return token ? line.slice(0, token.index) + token[0] + suffix + line.slice(token.index + token[0].length) : undefined;
}

function toTabs(line: string): string {
  return line.replace(/^( +)/, (spaces) => '\t'.repeat(Math.floor(spaces.length / 2)) + ' '.repeat(spaces.length % 2));
}

function occurrences(lines: readonly string[], block: readonly string[]): number {
  let count = 0;
  for (let i = 0; i + block.length <= lines.length; i++) {
    let j = 0;
    while (j < block.length && lines[i + j] === block[j]) j++;
    if (j === block.length) count++;
  }
  return count;
}

function bytesOf(lines: readonly string[], eol: string, finalNewline: boolean, bom: boolean): Uint8Array {
  const text = lines.map((line, i) => line + (i < lines.length - 1 || finalNewline ? eol : '')).join('');
  const body = new TextEncoder().encode(text);
  if (!bom) return body;
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
}

interface DiffItem {
  readonly sign: ' ' | '-' | '+';
  readonly text: string;
}

/** Builds one case; undefined when the parameters do not fit the file (no unique region, no edit). */
export function buildCase(params: CaseParams, pool: readonly RealFile[]): EditCase | undefined {
  const source = pool[params.file % pool.length]!;
  const base = params.indent === 'tabs' ? source.lines.map(toTabs) : [...source.lines];
  const n = base.length;
  const length = Math.min(params.length, n - 2);
  // The region: unique in the file, with at least two lines that say something.
  let start = -1;
  const first = params.atEnd ? n - length : 1 + (params.start % (n - length - 1));
  for (let s = first, tries = 0; tries < 40 && s + length <= n && s >= 0; s += params.atEnd ? -1 : 1, tries++) {
    const region = base.slice(s, s + length);
    if (region.filter((line) => line.trim().length > 3).length < 2) continue;
    if (occurrences(base, region) !== 1) continue;
    start = s;
    break;
  }
  if (start < 0) return undefined;
  const region = base.slice(start, start + length);

  // The agent's edit, in the file's own indentation.
  const items: DiffItem[] = [];
  const touched = new Set<number>(); // region lines changed or removed
  const insertGaps = new Set<number>(); // gaps (before region line g) where lines are inserted
  let traces = 0;
  const insertAt = (gap: number, count: number, blank: boolean) => {
    const neighbour = region[Math.min(gap, region.length - 1)]!;
    // A blank line next to a blank line could be read as inserted on either side of it,
    // so the intended file would not be one: blank lines go where no blank neighbours are.
    const besideBlank = isBlank(region[gap - 1] ?? 'x') || isBlank(region[gap] ?? 'x');
    for (let c = 0; c < count; c++) items.push({ sign: '+', text: blank && c === 0 && !besideBlank ? '' : `${indentOf(neighbour)}refineTrace(${++traces});` });
    if (count > 0) insertGaps.add(gap);
  };
  region.forEach((line, j) => {
    const op = params.ops[j]!;
    insertAt(j, op.insertBefore, op.blank);
    const changed = op.op === 'change' ? changeIdentifier(line, 'Refined') : op.op === 'reindent' && !isBlank(line) ? (line.includes('\t') || params.indent === 'tabs' ? '\t' : '  ') + line : undefined;
    if (op.op === 'delete') {
      items.push({ sign: '-', text: line });
      touched.add(j);
    } else if (changed !== undefined) {
      items.push({ sign: '-', text: line }, { sign: '+', text: changed });
      touched.add(j);
    } else items.push({ sign: ' ', text: line });
  });
  insertAt(region.length, params.insertAfterLast, false);
  const searchLines = items.filter((item) => item.sign !== '+').map((item) => item.text);
  const replaceLines = items.filter((item) => item.sign !== '-').map((item) => item.text);
  if (searchLines.join('\n') === replaceLines.join('\n')) return undefined;

  // What the person did meanwhile: the current file and the merged region.
  let current = [...base];
  let merged = replaceLines;
  let regionStart = start;
  let expectKind: 'apply' | 'reject' | 'either' = 'apply';
  const keptLines = region.map((_, j) => j).filter((j) => !touched.has(j) && !isBlank(region[j]!));
  const adjacent = (j: number) => touched.has(j - 1) || touched.has(j + 1) || insertGaps.has(j) || insertGaps.has(j + 1);
  const restale = (j: number | undefined) => {
    if (j === undefined) return false;
    const stale = `${region[j]} // reviewed`;
    current[start + j] = stale;
    // The merged region: the agent's lines, with the person's line in place of the one it kept.
    let k = 0;
    merged = [];
    for (const item of items) {
      if (item.sign === ' ') merged.push(k === j ? stale : item.text);
      else if (item.sign === '+') merged.push(item.text);
      if (item.sign !== '+') k++;
    }
    return true;
  };
  const pick = (choice: number[]) => (choice.length > 0 ? choice[params.personAt % choice.length] : undefined);
  if (params.person === 'stale' || params.person === 'near-duplicate-stale') {
    if (!restale(pick(keptLines.filter((j) => !adjacent(j))))) return undefined;
  } else if (params.person === 'stale-adjacent') {
    if (!restale(pick(keptLines.filter(adjacent)))) return undefined;
  } else if (params.person === 'stale-target') {
    const target = pick([...touched].filter((j) => !isBlank(region[j]!)));
    if (target === undefined) return undefined;
    current[start + target] = `${region[target]} // reviewed`;
    expectKind = 'reject';
  } else if (params.person === 'person-insert') {
    const gap = 1 + (params.personAt % (region.length - 1));
    const line = `${indentOf(region[gap]!)}personTrace();`;
    current.splice(start + gap, 0, line);
    // Lines the agent inserts where the person did: which come first is a guess, unless
    // they replace the line before (a replacement keeps that line's place, before the person's).
    if (insertGaps.has(gap) && !touched.has(gap - 1)) expectKind = 'reject';
    else if (insertGaps.has(gap) || touched.has(gap - 1) || touched.has(gap)) expectKind = 'either';
    // The merged region: the person's line in its gap among the agent's lines.
    let k = 0;
    merged = [];
    for (const item of items) {
      if (item.sign !== '+' && k === gap) merged.push(line);
      if (item.sign !== '+') k++;
      if (item.sign !== '-') merged.push(item.text);
    }
  }
  if (params.person === 'near-duplicate' || params.person === 'near-duplicate-stale') {
    // A copy of the region with one identifier changed: a parallel function elsewhere.
    const nonBlank = region.map((_, j) => j).filter((j) => changeIdentifier(region[j]!, 'Other') !== undefined);
    if (nonBlank.length === 0) return undefined;
    const copy = current.slice(start, start + length);
    const j = nonBlank[params.personAt % nonBlank.length]!;
    copy[j] = changeIdentifier(region[j]!, 'Other')!;
    const before = params.personAt % 2 === 0 && start > 12;
    const at = before ? start - 8 : Math.min(current.length, start + length + 8);
    current = [...current.slice(0, at), ...copy, '', ...current.slice(at)];
    if (before) regionStart += copy.length + 1;
  }
  const currentLength = params.person === 'person-insert' ? length + 1 : length;
  const intended = [...current.slice(0, regionStart), ...merged, ...current.slice(regionStart + currentLength)];
  if (intended.length === 0) return undefined;

  // How the agent wrote it: its own indentation, blank lines around the block.
  let view: (line: string) => string = (line) => line;
  if (params.indent === 'tabs') {
    // Spaces for tabs shows only where SEARCH has tabs to see: otherwise the agent wrote the file as it is.
    if (!searchLines.some((line) => line.startsWith('\t'))) return undefined;
    view = (line) => line.replace(/^\t+/, (tabs) => '  '.repeat(tabs.length));
  }
  else if (params.indent === 'indent4') view = (line) => (isBlank(line) ? line : `    ${line}`);
  else if (params.indent === 'dedent') {
    const all = [...searchLines, ...replaceLines].filter((line) => !isBlank(line));
    if (all.some((line) => indentOf(line).includes('\t'))) return undefined;
    const cut = Math.min(...all.map((line) => indentOf(line).length));
    view = (line) => line.slice(Math.min(cut, indentOf(line).length));
  }
  let search = searchLines.map(view);
  let replace = replaceLines.map(view);
  // The agent's re-indented SEARCH may be, as written, another place of the file (the
  // same lines deeper in): then that place is what the reply says, not the intended one.
  if (params.indent !== 'none' && occurrences(current, search) > 0) return undefined;
  if (params.padding === 'lead' || params.padding === 'both') [search, replace] = [['', ...search], ['', ...replace]];
  if (params.padding === 'trail' || params.padding === 'both') [search, replace] = [[...search, ''], [...replace, '']];

  const path = source.name.endsWith('.py') ? 'pkg/module.py' : 'src/module.js';
  const before = bytesOf(current, params.eol, params.finalNewline, params.bom);
  const expected = bytesOf(intended, params.eol, params.finalNewline, params.bom);
  const expect: Expectation = expectKind === 'reject' ? { kind: 'reject' } : { kind: expectKind, bytes: expected };
  const body = items.map((item) => `${item.sign}${view(item.text)}`);
  // A section's lines, each ending a line: an empty REPLACE is no line at all (a blank line between the markers is a blank line).
  const section = (lines: readonly string[]) => lines.map((line) => `${line}\n`).join('');
  let text: string;
  let toolCalls: ToolCall[] | undefined;
  switch (params.format) {
    case 'sr':
      text = `Here is the change.\n\n${path}\n<<<<<<< SEARCH\n${section(search)}=======\n${section(replace)}>>>>>>> REPLACE\n`;
      break;
    case 'sr-fenced':
      text = `${path}\n\`\`\`\n<<<<<<< SEARCH\n${section(search)}=======\n${section(replace)}>>>>>>> REPLACE\n\`\`\`\n`;
      break;
    case 'diff':
    case 'diff-bad-header': {
      const line = regionStart + 1 + (params.format === 'diff-bad-header' ? 7 + (params.personAt % 30) : 0);
      text = `\`\`\`diff\n--- a/${path}\n+++ b/${path}\n@@ -${line},${searchLines.length} +${line},${replaceLines.length} @@\n${body.join('\n')}\n\`\`\`\n`;
      break;
    }
    case 'patch':
      text = `*** Begin Patch\n*** Update File: ${path}\n@@\n${body.join('\n')}\n*** End Patch\n`;
      break;
    case 'tool':
      text = '';
      toolCalls = [{ name: 'apply_edits', input: { edits: [{ kind: 'replace', path, search: search.join('\n') + '\n', replace: replace.length > 0 ? replace.join('\n') + '\n' : '' }] } }];
      break;
    case 'whole':
      // The whole new file as the agent would write it: only when it saw the file as it is.
      if (params.person !== 'none' || params.indent !== 'none') return undefined;
      text = `${path}\n\`\`\`\`\n${intended.join('\n')}\n\`\`\`\`\n`;
      break;
  }
  if (params.replyCrlf) text = text.replace(/\n/g, '\r\n');
  return { params, path, before, reply: toolCalls ? { text, toolCalls } : { text }, expect };
}
