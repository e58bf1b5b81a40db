// Where a hunk is, in words a person reads: the lines it changes (on the side the
// person reads, the new file) and the function, method or class around them, found by
// the nearest declaration above that is indented less than the change. A heuristic for
// common languages (JavaScript/TypeScript, Python, Go, Rust, Java/C#/Kotlin, Ruby), not
// a parser: when it finds nothing it names only the lines. Pure.
import type { Hunk } from '../domain/model';

export interface HunkLocation {
  /** First and last changed line (1-based) on the new side; a hunk that only deletes names the line the deletion follows. */
  readonly startLine: number;
  readonly endLine: number;
  /** Whether the hunk only removes lines. */
  readonly onlyDeletes: boolean;
  /** The enclosing function, method or class, when one was found. */
  readonly symbol?: string;
}

const IDENT = '[A-Za-z_$][\\w$]*';
const NOT_METHODS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'else', 'new', 'do', 'typeof', 'with', 'elif', 'foreach', 'using', 'lock', 'synchronized']);

/** Each pattern's first capture group that matched is the name. */
const DECLARATIONS: readonly RegExp[] = [
  // JavaScript / TypeScript
  new RegExp(`^(?:export\\s+)?(?:default\\s+)?(?:async\\s+)?function\\s*\\*?\\s*(${IDENT})`),
  new RegExp(`^(?:export\\s+)?(?:default\\s+)?(?:abstract\\s+)?(?:class|interface)\\s+(${IDENT})`),
  new RegExp(`^(?:export\\s+)?(?:const|let|var)\\s+(${IDENT})\\s*(?::[^=]+)?=\\s*(?:async\\s+)?(?:function\\b|\\([^()]*\\)\\s*(?::[^=]+)?=>|${IDENT}\\s*=>)`),
  // Ruby and Python (Ruby's names may end in ? or !)
  /^def\s+(?:self\.)?(\w+[?!]?)/,
  /^(?:async\s+)?def\s+(\w+)/,
  /^class\s+(\w+)/,
  // Go
  /^func\s+(?:\([^)]*\)\s*)?(\w+)/,
  // Rust
  /^(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?(?:const\s+)?fn\s+(\w+)/,
  /^(?:pub(?:\([^)]*\))?\s+)?(?:struct|enum|trait)\s+(\w+)/,
  /^impl(?:<[^>]*>)?\s+(?:[\w:<>]+\s+for\s+)?(\w+)/,
  // Kotlin
  /^(?:(?:public|private|protected|internal|override|suspend|inline|open)\s+)*fun\s+(?:<[^>]*>\s*)?(?:[\w.]+\.)?(\w+)/,
  /^module\s+(\w+)/,
  // Methods of JavaScript/TypeScript classes and object literals, Java, C#, C++: a name,
  // flat parameters and an opening brace at the end of the line (calls end in `;` or `(`).
  new RegExp(`^(?:(?:public|private|protected|internal|static|async|override|readonly|final|virtual|abstract|get|set|def)\\s+)*(?:[\\w<>\\[\\],.?]+\\s+)?(${IDENT})\\s*\\([^()]*\\)\\s*(?::\\s*[^{;=]+)?(?:throws\\s+[\\w., ]+)?\\{\\s*$`),
];

/** The name a line declares, if it declares a function, method or class. */
export function declaredName(line: string): string | undefined {
  const text = line.trim();
  if (/^(?:return|else|new|throw|await|yield)\b/.test(text)) return undefined;
  for (const pattern of DECLARATIONS) {
    const name = pattern.exec(text)?.[1];
    if (name && !NOT_METHODS.has(name)) return name;
  }
  return undefined;
}

function indentation(line: string): number {
  const match = /^[\t ]*/.exec(line)![0];
  let width = 0;
  for (const char of match) width += char === '\t' ? 4 : 1;
  return width;
}

/** The changed lines of a hunk and what encloses them, in `lines` (the new file's lines). */
export function locateHunk(hunk: Hunk, lines: readonly string[]): HunkLocation {
  let newLine = hunk.newStart;
  let first: number | undefined;
  let last: number | undefined;
  let added = false;
  // A run of removed lines not replaced by added ones sits after the line before it.
  let removing = false;
  const mark = (at: number): void => {
    first ??= at;
    last = Math.max(last ?? at, at);
  };
  const flushRemoval = (): void => {
    if (removing) mark(Math.max(1, newLine - 1));
    removing = false;
  };
  for (const line of hunk.lines) {
    if (line.startsWith('+')) {
      removing = false;
      mark(newLine);
      added = true;
      newLine++;
    } else if (line.startsWith('-')) {
      removing = true;
    } else if (!line.startsWith('\\')) {
      flushRemoval();
      newLine++;
    }
  }
  flushRemoval();
  const startLine = first ?? hunk.newStart;
  const endLine = Math.max(startLine, last ?? startLine);
  const symbol = enclosingSymbol(lines, startLine, endLine);
  return { startLine, endLine, onlyDeletes: !added, ...(symbol ? { symbol } : {}) };
}

/** The nearest declaration at or above `startLine` indented less than the first non-blank changed line. */
export function enclosingSymbol(lines: readonly string[], startLine: number, endLine = startLine): string | undefined {
  let anchor = startLine;
  while (anchor <= endLine && anchor <= lines.length && lines[anchor - 1]!.trim() === '') anchor++;
  if (anchor > lines.length || anchor > endLine) anchor = Math.min(startLine, lines.length);
  if (anchor < 1) return undefined;
  const own = declaredName(lines[anchor - 1]!);
  if (own) return own;
  let depth = indentation(lines[anchor - 1]!);
  for (let index = anchor - 2; index >= 0 && depth > 0; index--) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    const width = indentation(line);
    if (width >= depth) continue;
    const name = declaredName(line);
    if (name) return name;
    // A less indented line that declares nothing (a block, a closing brace): keep
    // looking above it, from its depth.
    depth = width;
  }
  return undefined;
}
