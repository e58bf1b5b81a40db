// The lessons file, `.refine-loop/lessons.md`: a Markdown list, one lesson per item, its
// origin in an HTML comment at the end of the item. People edit it by hand and commit it,
// so the parser keeps every line it does not change (headings, notes, their own items
// and formatting), and a file it cannot read with certainty is reported, never rewritten.

export const LESSONS_FILE = '.refine-loop/lessons.md';
/** Larger than any list of standing instructions a prompt could carry. */
export const MAX_LESSONS_FILE_BYTES = 256 * 1024;

export interface Lesson {
  /** The sentence, comments removed, continuation lines joined. */
  readonly text: string;
  /** The text of the item's HTML comment, if any (where the lesson came from). */
  readonly origin?: string;
}

interface Item {
  readonly lesson: Lesson;
  /** First and last line (0-based, inclusive) of the item in the file. */
  readonly start: number;
  readonly end: number;
}

export interface LessonsDocument {
  readonly lines: readonly string[];
  readonly eol: '\n' | '\r\n';
  readonly items: readonly Item[];
}

export type ParsedLessons = { readonly ok: true; readonly document: LessonsDocument } | { readonly ok: false; readonly line: number; readonly problem: string };

export class BrokenLessonsFile extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${LESSONS_FILE} line ${line}: ${problem}. Fix it by hand; Refine Loop neither uses nor rewrites it until then.`);
    this.name = 'BrokenLessonsFile';
  }
}

const ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const HEADING = /^ {0,3}#{1,6}(?:\s|$)/;
const CONFLICT = /^(?:<{7}|={7}|>{7}|\|{7})(?:\s|$)/;
const COMMENT = /<!--([\s\S]*?)-->/g;

function lessonOf(raw: string): { text: string; origin?: string } {
  const comments = [...raw.matchAll(COMMENT)].map((match) => (match[1] ?? '').trim()).filter(Boolean);
  const text = raw.replace(COMMENT, ' ').replace(/\s+/g, ' ').trim();
  const origin = comments.at(-1);
  return origin !== undefined ? { text, origin } : { text };
}

/** Reads the file's text; a file it cannot read with certainty is `ok: false` with the line and the problem. */
export function parseLessons(text: string): ParsedLessons {
  const broken = (line: number, problem: string): ParsedLessons => ({ ok: false, line, problem });
  if (text.length > MAX_LESSONS_FILE_BYTES) return broken(1, `the file is larger than ${MAX_LESSONS_FILE_BYTES / 1024} KB`);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const items: Item[] = [];
  let open: { start: number; parts: string[]; blankAfter: boolean } | undefined;
  let inComment = -1;
  const close = (end: number) => {
    if (!open) return undefined;
    const lesson = lessonOf(open.parts.join('\n'));
    const start = open.start;
    open = undefined;
    if (!lesson.text) return broken(start + 1, 'a list item without a lesson');
    items.push({ lesson, start, end });
    return undefined;
  };
  let last = -1;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.includes('\u0000') || line.includes('\uFFFD')) return broken(index + 1, 'not a text file (a NUL byte or invalid UTF-8)');
    if (CONFLICT.test(line)) return broken(index + 1, 'an unresolved merge conflict marker');
    // Comment state across lines: an item's origin may wrap, a note may span lines.
    const opens = line.lastIndexOf('<!--');
    const closes = line.lastIndexOf('-->');
    const wasInComment = inComment >= 0;
    if (opens > closes) inComment = inComment >= 0 ? inComment : index;
    else if (closes >= 0) inComment = -1;
    if (wasInComment && open) {
      open.parts.push(line);
      last = index;
      continue;
    }
    const item = wasInComment ? null : ITEM.exec(line);
    if (item) {
      const problem = close(last);
      if (problem) return problem;
      open = { start: index, parts: [item[1] ?? ''], blankAfter: false };
      last = index;
    } else if (line.trim() === '') {
      if (open) open.blankAfter = true;
    } else if (open && (!open.blankAfter || /^(?: {2,}|\t)/.test(line)) && !HEADING.test(line)) {
      // A continuation: right under the item, or indented under it after a blank line.
      open.parts.push(line);
      open.blankAfter = false;
      last = index;
    } else {
      const problem = close(last);
      if (problem) return problem;
    }
  }
  if (inComment >= 0) return broken(inComment + 1, 'an HTML comment (<!--) that is never closed (-->)');
  const problem = close(last);
  if (problem) return problem;
  return { ok: true, document: { lines, eol, items } };
}

export function lessonsOf(document: LessonsDocument): Lesson[] {
  return document.items.map((item) => item.lesson);
}

/** An origin inside an HTML comment: nothing in it may close the comment early. */
function originComment(origin: string): string {
  return `<!-- ${origin.replace(/--+>?/g, '-').replace(/\s+/g, ' ').trim()} -->`;
}

/** One list item, on one line, as Refine Loop writes it. */
export function lessonItem(lesson: Lesson): string {
  const text = lesson.text.replace(/\s+/g, ' ').replace(/<!--/g, '<\\!--').trim();
  return `- ${text}${lesson.origin ? ` ${originComment(lesson.origin)}` : ''}`;
}

const HEADER = [
  '# Refine Loop lessons',
  '',
  "Standing instructions for the coding agent, kept from your reviews. Every later session's prompt carries them",
  '(newest first when the prompt budget is short). Edit, reorder or delete items by hand, and commit the file to',
  'share them with your team. One lesson per list item; the comment after it says where it came from.',
  '',
];

function join(lines: readonly string[], eol: string): string {
  return lines.length === 0 ? '' : lines.join(eol) + eol;
}

/** The text of the file with `added` appended after its last item (a new file when there is none yet). */
export function withLessonsAdded(document: LessonsDocument | undefined, added: readonly Lesson[]): string {
  const items = added.filter((lesson) => lesson.text.trim()).map(lessonItem);
  if (!document) return join([...HEADER, ...items], '\n');
  const lines = [...document.lines];
  const lastItem = document.items.at(-1);
  if (lastItem) lines.splice(lastItem.end + 1, 0, ...items);
  else {
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    lines.push(...(lines.length > 0 ? [''] : []), ...items);
  }
  return join(lines, document.eol);
}

/** The text of the file without its `index`-th lesson (0-based); every other line as it was. */
export function withLessonRemoved(document: LessonsDocument, index: number): string {
  const item = document.items[index];
  if (!item) throw new RangeError(`There is no lesson ${index + 1}: the file has ${document.items.length}.`);
  const lines = [...document.lines];
  lines.splice(item.start, item.end - item.start + 1);
  return join(lines, document.eol);
}

// ---------------------------------------------------------------- over a store

/** Where the file's text lives: the node adapter (src/node/lessonsFile.ts) writes it atomically. */
export interface LessonsStore {
  /** The file's text; undefined when there is no file. */
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

export type LessonsRead =
  | { readonly state: 'missing'; readonly lessons: readonly Lesson[] }
  | { readonly state: 'ok'; readonly lessons: readonly Lesson[]; readonly document: LessonsDocument }
  | { readonly state: 'broken'; readonly lessons: readonly Lesson[]; readonly error: BrokenLessonsFile };

export async function readLessons(store: LessonsStore): Promise<LessonsRead> {
  const text = await store.read();
  if (text === undefined) return { state: 'missing', lessons: [] };
  const parsed = parseLessons(text);
  if (!parsed.ok) return { state: 'broken', lessons: [], error: new BrokenLessonsFile(parsed.line, parsed.problem) };
  return { state: 'ok', lessons: lessonsOf(parsed.document), document: parsed.document };
}

/** Read again right before each write, so a hand edit made meanwhile is kept; a broken file throws and is not written. */
async function currentDocument(store: LessonsStore): Promise<LessonsDocument | undefined> {
  const read = await readLessons(store);
  if (read.state === 'broken') throw read.error;
  return read.state === 'ok' ? read.document : undefined;
}

/** Appends `lessons` to the file (made when missing); throws BrokenLessonsFile, writing nothing, when it does not parse. */
export async function addLessons(store: LessonsStore, lessons: readonly Lesson[]): Promise<void> {
  if (lessons.length === 0) return;
  await store.write(withLessonsAdded(await currentDocument(store), lessons));
}

/** Removes lesson `number` (1-based, as listed) and returns it; every other line stays. */
export async function removeLesson(store: LessonsStore, number: number): Promise<Lesson> {
  const document = await currentDocument(store);
  const items = document?.items ?? [];
  const item = Number.isInteger(number) ? items[number - 1] : undefined;
  if (!document || !item) throw new RangeError(`There is no lesson ${number}: ${LESSONS_FILE} has ${items.length}.`);
  await store.write(withLessonRemoved(document, number - 1));
  return item.lesson;
}
