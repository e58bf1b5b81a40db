// A file as lines that remember their own line endings, so that an edit rewrites only
// the lines it changes and every other byte (BOM, CRLF or mixed endings, a missing
// final newline) comes back exactly as it was.

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface TextFile {
  readonly encoding: Encoding;
  readonly bom: boolean;
  /** Line contents without their endings. */
  lines: string[];
  /** The ending of each line: '\n', '\r\n', '\r', or '' for a last line without one. */
  eols: string[];
  /** The most common ending, used for lines an edit adds. */
  readonly eol: string;
  /** Whether the decoded bytes had any CR (when false, lines end with LF alone). */
  readonly hasCr?: boolean;
}

export class DecodeError extends Error {}

const boms: readonly { encoding: Encoding; bytes: readonly number[] }[] = [
  { encoding: 'utf-8', bytes: [0xef, 0xbb, 0xbf] },
  { encoding: 'utf-16le', bytes: [0xff, 0xfe] },
  { encoding: 'utf-16be', bytes: [0xfe, 0xff] },
];

/** Decodes a file's bytes; throws DecodeError for bytes that are not text we can edit safely. */
export function decodeFile(bytes: Uint8Array): TextFile {
  let encoding: Encoding = 'utf-8';
  let offset = 0;
  for (const bom of boms) {
    if (bom.bytes.every((byte, index) => bytes[index] === byte)) {
      encoding = bom.encoding;
      offset = bom.bytes.length;
      break;
    }
  }
  // Valid UTF-8 with LF endings only (most files): checked on the bytes, decoded only if
  // something needs the text; an exact edit then splices the bytes (see LfTextFile.utf8).
  if (encoding === 'utf-8') {
    const scan = scanUtf8(bytes, offset);
    if (scan !== undefined) return new LfTextFile(encoding, offset > 0, undefined, scan.ascii, bytes);
  }
  // The lenient decoder is the faster one; only text with U+FFFD in it needs the strict check.
  let text = new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes.subarray(offset));
  if (text.includes('\ufffd')) {
    try {
      text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(offset));
    } catch {
      throw new DecodeError(`is not valid ${encoding} text (a binary file?), so it cannot be edited as text`);
    }
  }
  if (encoding === 'utf-8' && text.includes('\u0000')) throw new DecodeError('contains NUL bytes (a binary file?), so it cannot be edited as text');
  if (!text.includes('\r')) return new LfTextFile(encoding, offset > 0, text, encoding === 'utf-8' && bytes.length - offset === text.length);
  const { lines, eols } = splitLines(text);
  return { encoding, bom: offset > 0, lines, eols, eol: dominantEol(eols), hasCr: true };
}

/**
 * A file with LF endings only, split into lines on first use: an exact edit of a big
 * file can then work on its bytes (see `utf8`) or its text (see `raw`), and lines nobody
 * looks at are never split, joined and encoded again.
 */
export class LfTextFile implements TextFile {
  readonly eol = '\n';
  readonly hasCr = false;
  private split?: { lines: string[]; eols: string[] };

  constructor(
    readonly encoding: Encoding,
    readonly bom: boolean,
    private text: string | undefined,
    /** One byte per character in the original (pure ASCII): byte offsets are character offsets. */
    readonly ascii = false,
    /**
     * The whole file's bytes (BOM included), valid UTF-8 without CR or NUL, while nobody
     * has asked for the text: decoded on first use.
     */
    private bytes?: Uint8Array,
  ) {}

  /** The file's bytes (BOM included) while it has not been decoded; exact edits may replace them. */
  get utf8(): Uint8Array | undefined {
    return this.bytes;
  }

  set utf8(bytes: Uint8Array) {
    this.bytes = bytes;
    this.text = undefined;
    this.split = undefined;
  }

  /** The whole text, while no one has used the lines (which may be changed in place). */
  get raw(): string | undefined {
    if (this.bytes !== undefined) {
      this.text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.bytes.subarray(this.bom ? 3 : 0));
      this.bytes = undefined;
    }
    return this.text;
  }

  set raw(text: string) {
    this.text = text;
    this.bytes = undefined;
    this.split = undefined;
  }

  private lineModel(): { lines: string[]; eols: string[] } {
    if (!this.split) {
      this.split = splitLines(this.raw ?? '');
      this.text = undefined;
    }
    return this.split;
  }

  get lines(): string[] {
    return this.lineModel().lines;
  }

  set lines(lines: string[]) {
    this.lineModel().lines = lines;
  }

  get eols(): string[] {
    return this.lineModel().eols;
  }

  set eols(eols: string[]) {
    this.lineModel().eols = eols;
  }
}

// As int32 (0x80808080 | 0 is negative): V8 keeps int32 words and masks in registers,
// where uint32 values past 2^31 would be doubles.
const HIGH = 0x80808080 | 0;
const ONES = 0x01010101;
const CRS = 0x0d0d0d0d;

/** Whether a word has a byte with its high bit set, a zero byte, or a CR byte. */
function suspicious(x: number): number {
  const cr = x ^ CRS;
  return (x | ((x - ONES) & ~x) | ((cr - ONES) & ~cr)) & HIGH;
}

/**
 * Whether bytes[from..] are valid UTF-8 without CR and NUL (then `ascii` tells whether
 * every byte is below 0x80); undefined otherwise. Four words at a time where the text is
 * ASCII; multi-byte sequences are checked as the Unicode standard defines them
 * (Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), which is what
 * a fatal TextDecoder accepts.
 */
export function scanUtf8(bytes: Uint8Array, from = 0): { ascii: boolean } | undefined {
  const n = bytes.length;
  // Whole 32-bit words over the aligned middle of the bytes.
  const firstWord = Math.min(n, from + ((4 - ((bytes.byteOffset + from) & 3)) & 3));
  const wordCount = (n - firstWord) >> 2;
  const words = wordCount > 0 ? new Int32Array(bytes.buffer, bytes.byteOffset + firstWord, wordCount) : new Int32Array(0);
  const wordsEnd = firstWord + 4 * wordCount;
  let ascii = true;
  let i = from;
  while (i < n) {
    if (i >= firstWord && i < wordsEnd && ((i - firstWord) & 3) === 0) {
      let k = (i - firstWord) >> 2;
      // A suspicious byte stops the fast loops at its word; the byte loop below decides.
      for (; k + 4 <= wordCount; k += 4) {
        if ((suspicious(words[k]!) | suspicious(words[k + 1]!) | suspicious(words[k + 2]!) | suspicious(words[k + 3]!)) !== 0) break;
      }
      for (; k < wordCount; k++) if (suspicious(words[k]!) !== 0) break;
      i = firstWord + 4 * k;
      if (i >= n) break;
    }
    const byte = bytes[i]!;
    if (byte < 0x80) {
      if (byte === 0 || byte === 13) return undefined;
      i++;
      continue;
    }
    ascii = false;
    const length = sequenceLength(bytes, i);
    if (length === 0) return undefined;
    i += length;
  }
  return { ascii };
}

/** The length of the well-formed UTF-8 sequence at bytes[i] (a lead byte of 0x80 or more), or 0. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  const cont = (at: number, low = 0x80, high = 0xbf) => at < bytes.length && bytes[at]! >= low && bytes[at]! <= high;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const low = b0 === 0xe0 ? 0xa0 : 0x80;
    const high = b0 === 0xed ? 0x9f : 0xbf;
    return cont(i + 1, low, high) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const low = b0 === 0xf0 ? 0x90 : 0x80;
    const high = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(i + 1, low, high) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/**
 * Where `needle` first occurs in haystack[from..] (Horspool), -1 if nowhere; undefined
 * when the search took too many steps (a pathological repetitive pattern), so that the
 * caller can fall back to the string search.
 */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number | undefined {
  const m = needle.length;
  const n = haystack.length;
  if (m === 0) return from <= n ? from : -1;
  const shift = new Int32Array(256).fill(m);
  for (let i = 0; i < m - 1; i++) shift[needle[i]!] = m - 1 - i;
  const last = needle[m - 1]!;
  let budget = 8 * (n - from) + 4096;
  for (let i = from; i <= n - m; ) {
    const c = haystack[i + m - 1]!;
    if (c === last) {
      let j = m - 2;
      while (j >= 0 && haystack[i + j] === needle[j]) j--;
      if (j < 0) return i;
      budget -= m - 1 - j;
      if (budget < 0) return undefined;
    }
    i += shift[c]!;
  }
  return -1;
}

/** A new file's text model: LF endings unless the content says otherwise. */
export function textFromString(text: string): TextFile {
  const { lines, eols } = splitLines(text);
  return { encoding: 'utf-8', bom: false, lines, eols, eol: dominantEol(eols) };
}

export function splitLines(text: string): { lines: string[]; eols: string[] } {
  const lines: string[] = [];
  const eols: string[] = [];
  if (!text.includes('\r')) {
    // The common case, and a fast one: only LF endings.
    const parts = text.split('\n');
    const complete = parts[parts.length - 1] === '';
    if (complete) parts.pop();
    const endings = new Array<string>(parts.length).fill('\n');
    if (!complete) endings[endings.length - 1] = '';
    return { lines: parts, eols: endings };
  }
  const ending = /\r\n|\r|\n/g;
  let start = 0;
  for (let match = ending.exec(text); match; match = ending.exec(text)) {
    lines.push(text.slice(start, match.index));
    eols.push(match[0]);
    start = match.index + match[0].length;
  }
  if (start < text.length) {
    lines.push(text.slice(start));
    eols.push('');
  }
  return { lines, eols };
}

function dominantEol(eols: readonly string[]): string {
  let lf = 0;
  let crlf = 0;
  let cr = 0;
  for (const eol of eols) {
    if (eol === '\n') lf++;
    else if (eol === '\r\n') crlf++;
    else if (eol === '\r') cr++;
  }
  if (crlf > lf && crlf >= cr) return '\r\n';
  if (cr > lf && cr > crlf) return '\r';
  return '\n';
}

export function joinLines(file: Pick<TextFile, 'lines' | 'eols'>): string {
  if (file instanceof LfTextFile && file.raw !== undefined) return file.raw;
  const { lines, eols } = file;
  if (lines.length === 0) return '';
  const last = lines.length - 1;
  const eol = eols[0]!;
  let uniform = true;
  for (let i = 1; i < last && uniform; i++) if (eols[i] !== eol) uniform = false;
  // One ending throughout (nearly every file): a single join, no per-line strings.
  if (uniform) return lines.join(eol) + eols[last]!;
  const parts = new Array<string>(lines.length * 2);
  for (let i = 0; i < lines.length; i++) {
    parts[2 * i] = lines[i]!;
    parts[2 * i + 1] = eols[i]!;
  }
  return parts.join('');
}

export function encodeFile(file: TextFile): Uint8Array {
  if (file instanceof LfTextFile && file.utf8 !== undefined) return file.utf8.slice();
  const text = joinLines(file);
  if (file.encoding === 'utf-8') {
    const body = new TextEncoder().encode(text);
    if (!file.bom) return body;
    const out = new Uint8Array(body.length + 3);
    out.set([0xef, 0xbb, 0xbf]);
    out.set(body, 3);
    return out;
  }
  const littleEndian = file.encoding === 'utf-16le';
  const prefix = file.bom ? 2 : 0;
  const out = new Uint8Array(prefix + text.length * 2);
  const view = new DataView(out.buffer);
  if (file.bom) view.setUint16(0, 0xfeff, littleEndian);
  for (let i = 0; i < text.length; i++) view.setUint16(prefix + i * 2, text.charCodeAt(i), littleEndian);
  return out;
}

/** Text of a reply block as lines: endings normalised, one trailing newline dropped. */
export function blockLines(text: string): string[] {
  if (text === '') return [];
  const { lines } = splitLines(text);
  return lines;
}

/** Byte offset where line `target` starts, scanning forward from line `fromLine` at byte `from`. */
function lineOffset(bytes: Uint8Array, from: number, fromLine: number, target: number): number {
  let line = fromLine;
  let i = from;
  while (line < target && i < bytes.length) {
    const byte = bytes[i++]!;
    if (byte === 10) line++;
    else if (byte === 13) {
      if (bytes[i] === 10) i++;
      line++;
    }
  }
  return i;
}

function charLength(file: TextFile, from: number, to: number): number {
  let length = 0;
  for (let i = from; i < to; i++) length += file.lines[i]!.length + file.eols[i]!.length;
  return length;
}

/**
 * The file's new bytes when only lines [head, lineCount - tail) of the original can
 * differ: the untouched head and tail are copied as bytes, only the middle is encoded.
 * For big files this is most of the cost of an edit saved.
 */
export function encodeSpliced(original: Uint8Array, originalChars: number, originalLineCount: number, file: TextFile, head: number, tail: number): Uint8Array {
  if (file.encoding !== 'utf-8') return encodeFile(file);
  const bomLength = file.bom ? 3 : 0;
  let headEnd: number;
  let tailStart: number;
  if (original.length - bomLength === originalChars) {
    // ASCII: one byte per character, so offsets come from line lengths.
    headEnd = bomLength + charLength(file, 0, head);
    tailStart = original.length - charLength(file, file.lines.length - tail, file.lines.length);
  } else {
    headEnd = lineOffset(original, bomLength, 0, head);
    tailStart = lineOffset(original, headEnd, head, originalLineCount - tail);
  }
  const middle = new TextEncoder().encode(joinLines({ lines: file.lines.slice(head, file.lines.length - tail), eols: file.eols.slice(head, file.eols.length - tail) }));
  const out = new Uint8Array(headEnd + middle.length + (original.length - tailStart));
  out.set(original.subarray(0, headEnd), 0);
  out.set(middle, headEnd);
  out.set(original.subarray(tailStart), headEnd + middle.length);
  return out;
}
