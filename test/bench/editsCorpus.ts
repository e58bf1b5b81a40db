import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seeded } from './seeded';

// The edit engine's benchmark corpus: real source files (test/fixtures/edits/sources)
// crossed with the ways models garble edits, plus hand-written cases
// (test/fixtures/edits/cases/*.json). Each case says what a correct engine does:
// apply and produce exactly these bytes, change nothing (already applied), or reject.
// Expected bytes are built here by plain line surgery, independently of the engine.

export type Expectation =
  | { readonly kind: 'apply'; readonly files: Readonly<Record<string, string | null>> }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'reject' };

export interface EditCase {
  readonly id: string;
  /** The perturbation class (generated) or `hand:<group>` (hand-written). */
  readonly class: string;
  /** Family of classes: exact, whitespace, line-endings, diff, duplicates, stale, ... */
  readonly group: string;
  /** Workspace files before, as binary strings (one char per byte, latin1). */
  readonly files: Readonly<Record<string, string>>;
  readonly reply: string;
  readonly expect: Expectation;
  /** Lines of the file edited: 100, 2k or 20k for the timing table. */
  readonly size: '100' | '2k' | '20k' | 'other';
}

const sourceNames = [
  'cross-spawn-parse.js',
  'mocha-spec-reporter.js',
  'mocha-test.js',
  'glob-ignore.js',
  'path-scurry-index.js',
  'jsdiff-5-index.mjs',
  'mocha-bundle.js',
];


interface Lines {
  lines: string[];
  eols: string[];
}

function split(text: string): Lines {
  const parts = text.split(/(\r\n|\n)/);
  const lines: string[] = [];
  const eols: string[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    if (i === parts.length - 1 && parts[i] === '') break;
    lines.push(parts[i]!);
    eols.push(parts[i + 1] ?? '');
  }
  return { lines, eols };
}

function join_(file: Lines): string {
  return file.lines.map((line, i) => line + file.eols[i]).join('');
}

const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];

interface Site {
  /** First line of the block and its length. */
  start: number;
  length: number;
  /** Index in the block of the line the edit changes (a new line goes after it). */
  at: number;
  changed: string;
  inserted: string;
}

function countOccurrences(lines: readonly string[], block: readonly string[]): number {
  let count = 0;
  for (let i = 0; i + block.length <= lines.length; i++) {
    let j = 0;
    while (j < block.length && lines[i + j] === block[j]) j++;
    if (j === block.length) count++;
  }
  return count;
}

/** A block of `length` lines that occurs once, with a line the edit can change. */
function pickSite(lines: readonly string[], next: () => number, length: number, want?: (block: readonly string[]) => boolean): Site | undefined {
  for (let attempt = 0; attempt < 400; attempt++) {
    const start = 1 + Math.floor(next() * (lines.length - length - 2));
    const block = lines.slice(start, start + length);
    if (block.filter((line) => line.trim().length > 3).length < Math.min(length, 4) - 1) continue;
    if (block.some((line) => line.length > 200 || /[\u2018\u2019\u201c\u201d]/.test(line))) continue;
    const at = 1 + Math.floor(next() * Math.min(2, length - 2));
    const target = block[at]!;
    const token = /[A-Za-z_]\w{2,}/.exec(target.trim());
    if (!token || target.trim().startsWith('*') || target.trim().startsWith('//')) continue;
    if (want && !want(block)) continue;
    if (countOccurrences(lines, block) !== 1) continue;
    const changed = target.replace(token[0], `${token[0]}Refined`);
    const inserted = `${indentOf(target)}refineLoopTrace(${start});`;
    return { start, length, at, changed, inserted };
  }
  return undefined;
}

/** The file after the edit: the changed line and the new line take the ending of the line before. */
function edited(file: Lines, site: Site): Lines {
  const index = site.start + site.at;
  const eol = file.eols[index - 1]!;
  const lines = [...file.lines];
  const eols = [...file.eols];
  lines.splice(index, 1, site.changed, site.inserted);
  eols.splice(index, 1, eol, eol);
  return { lines, eols };
}

function searchOf(file: Lines, site: Site): string[] {
  return file.lines.slice(site.start, site.start + site.length);
}

function replaceOf(file: Lines, site: Site): string[] {
  const lines = searchOf(file, site);
  lines.splice(site.at, 1, site.changed, site.inserted);
  return lines;
}

function srBlock(path: string, search: readonly string[], replace: readonly string[], fence = 'js'): string {
  return [`${path}`, '```' + fence, '<<<<<<< SEARCH', ...search, '=======', ...replace, '>>>>>>> REPLACE', '```'].join('\n');
}

function reply(body: string): string {
  return `Here is the fix.\n\n${body}\n\nThis should make the test pass.\n`;
}

function unifiedDiff(path: string, search: readonly string[], replace: readonly string[], oldStart: number, newStart: number, counts?: [number, number]): string {
  const lines = ['```diff', `--- a/${path}`, `+++ b/${path}`, `@@ -${oldStart},${counts?.[0] ?? search.length} +${newStart},${counts?.[1] ?? replace.length} @@`];
  // The edit is one changed line and one inserted line; everything else is context.
  let j = 0;
  let k = 0;
  while (j < search.length || k < replace.length) {
    if (j < search.length && k < replace.length && search[j] === replace[k]) {
      lines.push(` ${search[j]}`);
      j++;
      k++;
    } else if (j < search.length && !replace.slice(k).includes(search[j]!)) {
      lines.push(`-${search[j]}`);
      j++;
    } else {
      lines.push(`+${replace[k]}`);
      k++;
    }
  }
  lines.push('```');
  return lines.join('\n');
}

function toTabs(text: string): string {
  return text.replace(/^( +)/gm, (spaces) => '\t'.repeat(Math.floor(spaces.length / 2)) + ' '.repeat(spaces.length % 2));
}

const smarten = (line: string) =>
  line
    .replace(/'([^']*)'/g, '\u2018$1\u2019')
    .replace(/"([^"]*)"/g, '\u201c$1\u201d');

const sizeOf = (lines: number): EditCase['size'] => (lines < 500 ? '100' : lines < 5000 ? '2k' : '20k');

type CaseMaker = (input: { path: string; text: string; next: () => number; id: string }) => Omit<EditCase, 'class'> | undefined;

function basic(group: string, make: (file: Lines, site: Site, path: string) => { files?: Record<string, string>; reply: string; expect?: Expectation }, options: { length?: number; want?: (block: readonly string[]) => boolean; source?: (text: string) => string } = {}): CaseMaker {
  return ({ path, text, next, id }) => {
    const sourceText = options.source ? options.source(text) : text;
    const file = split(sourceText);
    const site = pickSite(file.lines, next, options.length ?? 6, options.want);
    if (!site) return undefined;
    const made = make(file, site, path);
    return {
      id,
      group,
      files: made.files ?? { [path]: utf8(sourceText) },
      reply: made.reply,
      expect: made.expect ?? { kind: 'apply', files: { [path]: utf8(join_(edited(file, site))) } },
      size: sizeOf(file.lines.length),
    };
  };
}

const generators: Record<string, CaseMaker> = {
  exact: basic('exact', (file, site, path) => ({ reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))) })),
  'reply-crlf': basic('line-endings', (file, site, path) => ({ reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))).replace(/\n/g, '\r\n') })),
  'indentation-drift': basic('whitespace', (file, site, path) => {
    const shift = (lines: string[]) => lines.map((line) => (line.trim() ? `    ${line}` : line));
    return { reply: reply(srBlock(path, shift(searchOf(file, site)), shift(replaceOf(file, site)))) };
  }),
  'indentation-dedent': basic(
    'whitespace',
    (file, site, path) => {
      const common = Math.min(...searchOf(file, site).filter((line) => line.trim()).map((line) => indentOf(line).length));
      const cut = (lines: string[]) => lines.map((line) => line.slice(Math.min(common, indentOf(line).length)));
      return { reply: reply(srBlock(path, cut(searchOf(file, site)), cut(replaceOf(file, site)))) };
    },
    { want: (block) => block.every((line) => !line.trim() || indentOf(line).length >= 2) },
  ),
  'tabs-vs-spaces': ({ path, text, next, id }) => {
    // The file is indented with tabs; the agent writes the same code with spaces.
    const tabbed = split(toTabs(text));
    const spaced = split(text);
    const site = pickSite(spaced.lines, next, 6);
    if (!site) return undefined;
    const tabSite = { ...site, changed: toTabs(site.changed), inserted: toTabs(site.inserted) };
    return {
      id,
      group: 'whitespace',
      files: { [path]: utf8(join_(tabbed)) },
      reply: reply(srBlock(path, searchOf(spaced, site), replaceOf(spaced, site))),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(tabbed, tabSite))) } },
      size: sizeOf(spaced.lines.length),
    };
  },
  'trailing-whitespace': ({ path, text, next, id }) => {
    const clean = split(text);
    const site = pickSite(clean.lines, next, 6);
    if (!site) return undefined;
    const dirty = { lines: clean.lines.map((line, i) => (i >= site.start && i < site.start + site.length && line.trim() ? `${line}  ` : line)), eols: clean.eols };
    return {
      id,
      group: 'whitespace',
      files: { [path]: utf8(join_(dirty)) },
      reply: reply(srBlock(path, searchOf(clean, site), replaceOf(clean, site))),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(dirty, site))) } },
      size: sizeOf(clean.lines.length),
    };
  },
  crlf: basic('line-endings', (file, site, path) => ({ reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))) }), { source: (text) => text.replace(/\n/g, '\r\n') }),
  'mixed-endings': basic('line-endings', (file, site, path) => ({ reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))) }), {
    source: (text) => {
      let n = 0;
      return text.replace(/\n/g, () => (n++ % 3 === 0 ? '\r\n' : '\n'));
    },
  }),
  bom: ({ path, text, next, id }) => {
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    return {
      id,
      group: 'line-endings',
      files: { [path]: '\xef\xbb\xbf' + utf8(text) },
      reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'apply', files: { [path]: '\xef\xbb\xbf' + utf8(join_(edited(file, site))) } },
      size: sizeOf(file.lines.length),
    };
  },
  elision: basic(
    'elision',
    (file, site, path) => {
      const search = searchOf(file, site);
      const replace = replaceOf(file, site);
      const marker = `${indentOf(search[0]!)}// ... existing code ...`;
      return { reply: reply(srBlock(path, [...search.slice(0, 4), marker, ...search.slice(-2)], [...replace.slice(0, 5), marker, ...replace.slice(-2)])) };
    },
    { length: 12 },
  ),
  'unified-diff': basic('diff', (file, site, path) => ({ reply: reply(unifiedDiff(path, searchOf(file, site), replaceOf(file, site), site.start + 1, site.start + 1)) })),
  'wrong-hunk-header': ({ path, text, next, id }) =>
    basic('diff', (file, site) => {
      const offset = (next() < 0.5 ? -1 : 1) * (3 + Math.floor(next() * 40));
      return { reply: reply(unifiedDiff(path, searchOf(file, site), replaceOf(file, site), Math.max(1, site.start + 1 + offset), Math.max(1, site.start + 3 + offset), [site.length + 2, site.length - 1])) };
    })({ path, text, next, id }),
  'duplicate-anchor': ({ path, text, next, id }) => {
    // The block occurs twice: a search/replace block cannot say which one, so it must be rejected.
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    const copyAt = site.start + site.length + 20 < file.lines.length ? site.start + site.length + 20 : 0;
    const doubled = { lines: [...file.lines], eols: [...file.eols] };
    doubled.lines.splice(copyAt, 0, ...searchOf(file, site));
    doubled.eols.splice(copyAt, 0, ...file.eols.slice(site.start, site.start + site.length));
    return {
      id,
      group: 'duplicates',
      files: { [path]: utf8(join_(doubled)) },
      reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'reject' },
      size: sizeOf(file.lines.length),
    };
  },
  'duplicate-anchor-hint': ({ path, text, next, id }) => {
    // The same, as a diff whose hunk header points at the second copy: that one is edited.
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    const doubled = { lines: [...file.lines], eols: [...file.eols] };
    const copyAt = site.start + site.length + 20;
    if (copyAt >= file.lines.length) return undefined;
    doubled.lines.splice(copyAt, 0, ...searchOf(file, site));
    doubled.eols.splice(copyAt, 0, ...file.eols.slice(site.start, site.start + site.length));
    const second = { ...site, start: copyAt };
    return {
      id,
      group: 'duplicates',
      files: { [path]: utf8(join_(doubled)) },
      reply: reply(unifiedDiff(path, searchOf(file, site), replaceOf(file, site), copyAt + 1, copyAt + 1)),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(doubled, second))) } },
      size: sizeOf(file.lines.length),
    };
  },
  'stale-context': ({ path, text, next, id }) => {
    // Someone changed a line the edit only shows as context: apply, and keep their change.
    const file = split(text);
    const site = pickSite(file.lines, next, 7, (block) => block[5]!.trim().length > 8);
    if (!site) return undefined;
    const changedIndex = site.start + 5;
    const stale = { lines: [...file.lines], eols: file.eols };
    stale.lines[changedIndex] = `${stale.lines[changedIndex]} // reviewed`;
    return {
      id,
      group: 'stale',
      files: { [path]: utf8(join_(stale)) },
      reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(stale, site))) } },
      size: sizeOf(file.lines.length),
    };
  },
  'stale-target': ({ path, text, next, id }) => {
    // Someone changed the very line the edit rewrites: applying would undo their work. Reject.
    const file = split(text);
    const site = pickSite(file.lines, next, 7);
    if (!site) return undefined;
    const stale = { lines: [...file.lines], eols: file.eols };
    stale.lines[site.start + site.at] = `${stale.lines[site.start + site.at]} // reviewed`;
    return {
      id,
      group: 'stale',
      files: { [path]: utf8(join_(stale)) },
      reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'reject' },
      size: sizeOf(file.lines.length),
    };
  },
  'smart-quotes': basic(
    'unicode',
    (file, site, path) => ({ reply: reply(srBlock(path, searchOf(file, site).map(smarten), replaceOf(file, site).map(smarten))) }),
    { want: (block) => block.some((line) => /'[^']*'|"[^"]*"/.test(line)) },
  ),
  'fence-info-path': basic('fenced', (file, site, path) => ({
    reply: reply(['```js ' + path, '<<<<<<< SEARCH', ...searchOf(file, site), '=======', ...replaceOf(file, site), '>>>>>>> REPLACE', '```'].join('\n')),
  })),
  'path-inside-fence': basic('fenced', (file, site, path) => ({
    reply: reply(['````', path, '<<<<<<< SEARCH', ...searchOf(file, site), '=======', ...replaceOf(file, site), '>>>>>>> REPLACE', '````'].join('\n')),
  })),
  'bare-block': basic('fenced', (file, site, path) => ({
    reply: reply([`**\`${path}\`**`, '', '<<<<<<< SEARCH', ...searchOf(file, site), '=======', ...replaceOf(file, site), '>>>>>>> REPLACE'].join('\n')),
  })),
  'already-applied': ({ path, text, next, id }) => {
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    return {
      id,
      group: 'already-applied',
      files: { [path]: utf8(join_(edited(file, site))) },
      reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'nothing' },
      size: sizeOf(file.lines.length),
    };
  },
  'odd-path': ({ path, text, next, id }) => {
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    const spellings = [`./${path}`, `src\\..\\${path}`, `File: ${path}`, `### \`${path}\``, `**${path}**:`];
    const spelled = spellings[Math.floor(next() * spellings.length)]!;
    return {
      id,
      group: 'paths',
      files: { [path]: utf8(text) },
      reply: reply(srBlock(spelled, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(file, site))) } },
      size: sizeOf(file.lines.length),
    };
  },
  'escaping-path': ({ path, text, next, id }) => {
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    const spellings = [`../${path}`, `/etc/${path}`, `.git/hooks/${path}`, `lib/../../${path}`, `C:\\work\\${path}`, `con/${path}`, `.GIT/config`];
    return {
      id,
      group: 'paths',
      files: { [path]: utf8(text) },
      reply: reply(srBlock(spellings[Math.floor(next() * spellings.length)]!, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'reject' },
      size: sizeOf(file.lines.length),
    };
  },
};


// Harder ones: several perturbations at once, and replies that must be refused.
const harder: Record<string, CaseMaker> = {
  'combined-crlf-tabs-quotes': ({ path, text, next, id }) => {
    // A CRLF, tab-indented file; the agent writes LF, spaces and typographic quotes.
    const tabbed = split(toTabs(text).replace(/\n/g, '\r\n'));
    const spaced = split(text);
    const site = pickSite(spaced.lines, next, 6, (block) => block.some((line) => /'[^']*'|"[^"]*"/.test(line)));
    if (!site) return undefined;
    const tabSite = { ...site, changed: toTabs(site.changed), inserted: toTabs(site.inserted) };
    return {
      id,
      group: 'combined',
      files: { [path]: utf8(join_(tabbed)) },
      reply: reply(srBlock(path, searchOf(spaced, site).map(smarten), replaceOf(spaced, site).map(smarten))),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(tabbed, tabSite))) } },
      size: sizeOf(spaced.lines.length),
    };
  },
  'elision-late-edit': basic(
    'elision',
    (file, site, path) => {
      // The edit sits after the elided part: the gap must be kept, and the edit placed after it.
      const search = searchOf(file, site);
      const late = { ...site, at: 9, changed: site.changed, inserted: site.inserted };
      const target = search[9]!;
      const token = /[A-Za-z_]\w{2,}/.exec(target.trim());
      if (!token) return { reply: '', expect: { kind: 'nothing' } };
      late.changed = target.replace(token[0], `${token[0]}Refined`);
      late.inserted = `${indentOf(target)}refineLoopTrace(${site.start});`;
      const replace = replaceOf(file, late);
      const marker = `${indentOf(search[0]!)}// ...`;
      return {
        reply: reply(srBlock(path, [...search.slice(0, 3), marker, ...search.slice(8)], [...replace.slice(0, 3), marker, ...replace.slice(8)])),
        expect: { kind: 'apply', files: { [path]: utf8(join_(edited(file, late))) } },
      };
    },
    { length: 12, want: (block) => /[A-Za-z_]\w{2,}/.test(block[9]!) && !block[9]!.trim().startsWith('*') && !block[9]!.trim().startsWith('//') },
  ),
  'whole-file': basic(
    'whole-file',
    (file, site, path) => ({ reply: reply(`${path}\n\`\`\`js\n${edited(file, site).lines.join('\n')}\n\`\`\``) }),
    { source: (text) => text.replace(/\n/g, '\r\n') },
  ),
  'multi-hunk-diff': ({ path, text, next, id }) => {
    const file = split(text);
    const first = pickSite(file.lines, next, 6);
    const second = pickSite(file.lines, next, 6);
    if (!first || !second || Math.abs(first.start - second.start) < 12) return undefined;
    const [a, b] = first.start < second.start ? [first, second] : [second, first];
    const once = edited(file, b);
    const both = edited(once, a);
    const hunkA = unifiedDiff(path, searchOf(file, a), replaceOf(file, a), a.start + 1, a.start + 1).split('\n');
    const hunkB = unifiedDiff(path, searchOf(file, b), replaceOf(file, b), b.start + 1, b.start + 2).split('\n');
    return {
      id,
      group: 'diff',
      files: { [path]: utf8(text) },
      reply: reply([...hunkA.slice(0, -1), ...hunkB.slice(3)].join('\n')),
      expect: { kind: 'apply', files: { [path]: utf8(join_(both)) } },
      size: sizeOf(file.lines.length),
    };
  },
  'diff-dropped-context-space': basic(
    'diff',
    (file, site, path) => ({
      reply: reply(unifiedDiff(path, searchOf(file, site), replaceOf(file, site), site.start + 1, site.start + 1).replace(/^ (.*)$/gm, '$1')),
    }),
    { source: (text) => text.replace(/\n/g, '\r\n') },
  ),
  hallucinated: ({ path, text, next, id }) => {
    // SEARCH holds code that is not in the file (the agent misremembered it): refuse.
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    const invented = searchOf(file, site).map((line) => line.replace(/[A-Za-z_]\w{3,}/g, (word) => word.split('').reverse().join('')));
    return {
      id,
      group: 'refuse',
      files: { [path]: utf8(text) },
      reply: reply(srBlock(path, invented, invented.map((line, i) => (i === site.at ? `${line} // fixed` : line)))),
      expect: { kind: 'reject' },
      size: sizeOf(file.lines.length),
    };
  },
  'skipped-line': ({ path, text, next, id }) => {
    // The agent's SEARCH leaves out a context line without saying so: apply, keeping that line.
    const file = split(text);
    const site = pickSite(file.lines, next, 7, (block) => block[5]!.trim().length > 3);
    if (!site) return undefined;
    const search = searchOf(file, site);
    const replace = replaceOf(file, site);
    search.splice(5, 1);
    replace.splice(6, 1);
    return {
      id,
      group: 'stale',
      files: { [path]: utf8(text) },
      reply: reply(srBlock(path, search, replace)),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(file, site))) } },
      size: sizeOf(file.lines.length),
    };
  },
  'snippet-as-whole-file': basic('refuse', (file, site, path) => ({
    // A fenced excerpt under the path heading: taken as the whole file it would delete the rest.
    reply: reply(`${path}\n\`\`\`js\n${replaceOf(file, site).join('\n')}\n\`\`\``),
    expect: { kind: 'reject' },
  })),
  'padded-blank-lines': basic('whitespace', (file, site, path) => ({
    // Blank lines the agent put around SEARCH and REPLACE that the file does not have there.
    reply: reply(srBlock(path, ['', ...searchOf(file, site), ''], ['', ...replaceOf(file, site), ''])),
  }), { want: (block) => block[0]!.trim() !== '' && block[block.length - 1]!.trim() !== '' }),
  'misspelled-markers': basic('refuse', (file, site, path) => ({
    // Markers too short to trust: the reply must be refused with a problem, not read as prose.
    reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site)).replace('<<<<<<< SEARCH', '<<<< SEARCH').replace('>>>>>>> REPLACE', '>>>> REPLACE')),
    expect: { kind: 'reject' },
  })),
  'wrong-file': basic('refuse', (file, site, path) => ({
    reply: reply(srBlock(path.replace(/^(src|lib)\//, 'app/'), searchOf(file, site), replaceOf(file, site))),
    expect: { kind: 'reject' },
  })),
  'truncated-reply': basic('refuse', (file, site, path) => {
    // The reply stops inside the REPLACE section (a cut-off stream): nothing may be applied.
    const full = reply(srBlock(path, searchOf(file, site), replaceOf(file, site)));
    return { reply: full.slice(0, full.indexOf('>>>>>>> REPLACE') - 1), expect: { kind: 'reject' } };
  }),
};
// The four shapes of issue 12 that went wrong before: each case has one right answer,
// which is to apply it exactly so, or (where the place is a guess) to refuse it.
const shapes: Record<string, CaseMaker> = {
  'stale-beside-insert': ({ path, text, next, id }) => {
    // The person annotated a context line; the edit inserts a line right after it: the
    // new line goes after the annotated line, which keeps the annotation.
    const file = split(text);
    const site = pickSite(file.lines, next, 6);
    if (!site) return undefined;
    const k = site.start + site.at;
    const stale = { lines: [...file.lines], eols: file.eols };
    stale.lines[k] = `${file.lines[k]} // reviewed`;
    const search = searchOf(file, site);
    const replace = [...search];
    replace.splice(site.at + 1, 0, site.inserted);
    const result = { lines: [...stale.lines], eols: [...stale.eols] };
    result.lines.splice(k + 1, 0, site.inserted);
    result.eols.splice(k + 1, 0, stale.eols[k]!);
    return { id, group: 'shapes', files: { [path]: utf8(join_(stale)) }, reply: reply(srBlock(path, search, replace)), expect: { kind: 'apply', files: { [path]: utf8(join_(result)) } }, size: sizeOf(file.lines.length) };
  },
  'near-duplicate-annotated': ({ path, text, next, id }) => {
    // A copy of the block with one identifier changed (a parallel function) stands after
    // it; the true place has an annotated context line. The annotation is a stale
    // context, the changed identifier another place: the edit goes to the true place.
    const file = split(text);
    const site = pickSite(file.lines, next, 6, (block) => block[4]!.trim().length > 8 && /[A-Za-z_]\w{2,}/.test(block[5]!));
    if (!site) return undefined;
    const copy = searchOf(file, site);
    copy[5] = copy[5]!.replace(/[A-Za-z_]\w{2,}/, (word) => `${word}Other`);
    const at = site.start + site.length;
    const doubled = { lines: [...file.lines], eols: [...file.eols] };
    doubled.lines.splice(at, 0, '', ...copy);
    doubled.eols.splice(at, 0, ...new Array<string>(copy.length + 1).fill(file.eols[at - 1]!));
    doubled.lines[site.start + 4] = `${doubled.lines[site.start + 4]} // reviewed`;
    return {
      id,
      group: 'shapes',
      files: { [path]: utf8(join_(doubled)) },
      reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))),
      expect: { kind: 'apply', files: { [path]: utf8(join_(edited(doubled, site))) } },
      size: sizeOf(file.lines.length),
    };
  },
  'near-duplicate-changed': ({ path, text, next, id }) => {
    // The same, but the person changed a context line of the true place beyond an
    // annotation: both places differ from SEARCH by one line, and which is meant is a guess.
    const file = split(text);
    const site = pickSite(file.lines, next, 6, (block) => /[A-Za-z_]\w{2,}/.test(block[4]!) && /[A-Za-z_]\w{2,}/.test(block[5]!));
    if (!site) return undefined;
    const copy = searchOf(file, site);
    copy[5] = copy[5]!.replace(/[A-Za-z_]\w{2,}/, (word) => `${word}Other`);
    const at = site.start + site.length;
    const doubled = { lines: [...file.lines], eols: [...file.eols] };
    doubled.lines.splice(at, 0, '', ...copy);
    doubled.eols.splice(at, 0, ...new Array<string>(copy.length + 1).fill(file.eols[at - 1]!));
    doubled.lines[site.start + 4] = doubled.lines[site.start + 4]!.replace(/[A-Za-z_]\w{2,}/, (word) => `${word}Renamed`);
    return { id, group: 'shapes', files: { [path]: utf8(join_(doubled)) }, reply: reply(srBlock(path, searchOf(file, site), replaceOf(file, site))), expect: { kind: 'reject' }, size: sizeOf(file.lines.length) };
  },
  'blank-line-at-replace-edge': basic('shapes', (file, site, path) => {
    // REPLACE ends with a blank line the edit adds: it is kept.
    const result = edited(file, site);
    const last = site.start + site.length + 1;
    result.lines.splice(last, 0, '');
    result.eols.splice(last, 0, result.eols[last - 1]!);
    return { reply: reply(srBlock(path, searchOf(file, site), [...replaceOf(file, site), ''])), expect: { kind: 'apply', files: { [path]: utf8(join_(result)) } } };
  }),
  'end-of-file-no-newline': ({ path, text, next, id }) => {
    // The edit changes the file's last lines and adds one after them; the file has no
    // final newline, and the result has none either.
    const file = split(text.replace(/\n+$/, ''));
    void next;
    const start = file.lines.length - 4;
    const search = file.lines.slice(start);
    if (search.filter((line) => line.trim().length > 3).length < 2) return undefined;
    const replace = [...search, `${indentOf(search[search.length - 1]!)}refineLoopTrace(${start});`];
    const result = { lines: [...file.lines, replace[replace.length - 1]!], eols: [...file.eols.slice(0, -1), '\n', ''] };
    return { id, group: 'shapes', files: { [path]: utf8(join_(file)) }, reply: reply(srBlock(path, search, replace)), expect: { kind: 'apply', files: { [path]: utf8(join_(result)) } }, size: sizeOf(file.lines.length) };
  },
  'reindent-on-purpose': basic(
    'shapes',
    (file, site, path) => {
      // The agent's block is indented 4 columns deeper than the file, and REPLACE moves one
      // kept line 2 columns further in on purpose: the file gets that line 2 columns further in.
      const search = searchOf(file, site);
      const k = site.at + 2;
      const replace = replaceOf(file, site);
      const moved = replace.indexOf(search[k]!);
      replace[moved] = `  ${replace[moved]}`;
      const result = edited(file, site);
      result.lines[site.start + k + 1] = `  ${result.lines[site.start + k + 1]}`;
      const shift = (lines: string[]) => lines.map((line) => (line.trim() ? `    ${line}` : line));
      return { reply: reply(srBlock(path, shift(search), shift(replace))), expect: { kind: 'apply', files: { [path]: utf8(join_(result)) } } };
    },
    { want: (block) => block.every((line) => !line.includes('\t')) && block.filter((line) => line.trim()).length === block.length },
  ),
};
Object.assign(harder, shapes);
Object.assign(generators, harder);

export const corpusClasses = Object.keys(generators);

interface HandWritten {
  readonly group: string;
  readonly description: string;
  readonly files: Record<string, string>;
  readonly reply: string;
  readonly expect: { kind: 'apply'; files: Record<string, string | null> } | { kind: 'nothing' } | { kind: 'reject' };
}

/**
 * Generated cases (`perSource` sites per class and source file) and the hand-written
 * ones, made one at a time so a run need not hold every big file in memory at once.
 */
export function* corpusCases(root: string, perSource = 3): Generator<EditCase> {
  const sources = join(root, 'test', 'fixtures', 'edits', 'sources');
  for (const [sourceIndex, name] of sourceNames.entries()) {
    const text = readFileSync(join(sources, name), 'utf8');
    const path = (sourceIndex % 2 === 0 ? 'src/' : 'lib/util/') + name;
    for (const [classIndex, [className, generate]] of Object.entries(generators).entries()) {
      for (let n = 0; n < perSource; n++) {
        const next = seeded(1 + sourceIndex * 100_003 + classIndex * 1_009 + n * 17);
        const made = generate({ path, text, next, id: `${className}/${name}#${n}` });
        if (made) yield { ...made, class: className };
      }
    }
  }
  const handDir = join(root, 'test', 'fixtures', 'edits', 'cases');
  for (const entry of readdirSync(handDir).sort()) {
    if (!entry.endsWith('.json')) continue;
    const hand = JSON.parse(readFileSync(join(handDir, entry), 'utf8')) as HandWritten;
    const files = Object.fromEntries(Object.entries(hand.files).map(([path, content]) => [path, utf8(content)]));
    const expect: Expectation =
      hand.expect.kind === 'apply' ? { kind: 'apply', files: Object.fromEntries(Object.entries(hand.expect.files).map(([path, content]) => [path, content === null ? null : utf8(content)])) } : hand.expect;
    yield { id: `hand/${entry.replace(/\.json$/, '')}`, class: `hand:${hand.group}`, group: hand.group, files, reply: hand.reply, expect, size: 'other' };
  }
}

export function loadCorpus(root: string, perSource = 3): EditCase[] {
  return [...corpusCases(root, perSource)];
}
