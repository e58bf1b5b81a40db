// Line normalisations the matcher compares under, one per fallback level, and the
// small text measures it needs (indentation width, line similarity).

/** Characters models "prettify" when they copy code, mapped back to what code uses. */
const unicodeMap: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u205f': ' ',
  '\u3000': ' ',
  '\u200b': '',
  '\u200c': '',
  '\u200d': '',
  '\u2060': '',
  '\ufeff': '',
};
const fancy = /[\u2018\u2019\u201a\u201b\u2032\u201c\u201d\u201e\u201f\u2033\u2010-\u2015\u2212\u2026\u00a0\u202f\u205f\u3000\u2000-\u200d\u2060\ufeff]/g;
const fancyTest = /[\u2018\u2019\u201a\u201b\u2032\u201c\u201d\u201e\u201f\u2033\u2010-\u2015\u2212\u2026\u00a0\u202f\u205f\u3000\u2000-\u200d\u2060\ufeff]/;

export function hasFancy(line: string): boolean {
  return fancyTest.test(line);
}

/** Smart quotes, dashes, ellipses, odd spaces and zero-width characters to ASCII. */
export function asciify(line: string): string {
  if (!fancyTest.test(line)) return line;
  return line.replace(fancy, (c) => unicodeMap[c] ?? (c >= '\u2000' && c <= '\u200a' ? ' ' : ''));
}

export function trimEnd(line: string): string {
  return line.trimEnd();
}

export function trimBoth(line: string): string {
  return line.trim();
}

export function unicodeTrim(line: string): string {
  return asciify(line).trim();
}

export function indentOf(line: string): string {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return line.slice(0, i);
}

export const TAB_WIDTH = 4;

/** Columns of an indentation, a tab counting as TAB_WIDTH. */
export function indentWidth(indent: string): number {
  let width = 0;
  for (const c of indent) width += c === '\t' ? TAB_WIDTH : 1;
  return width;
}

export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

/** Levenshtein similarity of two lines (trimmed, capped in length): 1 equal, 0 nothing shared. */
export function lineSimilarity(a: string, b: string): number {
  a = a.trim().slice(0, 300);
  b = b.trim().slice(0, 300);
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    [previous, current] = [current, previous];
  }
  return 1 - previous[b.length]! / Math.max(a.length, b.length);
}

// Elision: the ways models say "the lines here stay as they are".
const bareElision = /^(\.\.\.|…)$/;
const commentElision =
  /^(\/\/|#|--|;|\/\*|<!--|\{\/\*)\s*(\.\.\.|…)?\s*(\.\.\.|…|(rest of|existing|unchanged|remaining|other|more|previous|same)\b[^]*?)\s*(\.\.\.|…)?\s*(\*\/|-->|\*\/\})?$/i;

/** True for a line that stands for "unchanged lines here" rather than code. */
export function isElision(line: string): boolean {
  const text = line.trim();
  if (text.length > 200) return false;
  if (bareElision.test(text)) return true;
  if (!commentElision.test(text)) return false;
  // A comment line counts when it says ... or names unchanged code; plain comments do not.
  return /\.\.\.|…/.test(text) || /\b(unchanged|existing code|rest of)\b/i.test(text);
}

/** True for an elision written as a comment (never valid code, unlike Python's bare `...`). */
export function isCommentElision(line: string): boolean {
  return isElision(line) && !bareElision.test(line.trim());
}
