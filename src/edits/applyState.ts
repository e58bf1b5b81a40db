import type { EditOp } from './types';
import type { MatchCandidate } from './match';
import type { TextFile } from './text';

// The state of one file while a reply's edits are applied to it, and what the appliers
// of each edit kind share (reporting a problem, noting an edit already present).

export interface FileState {
  readonly path: string;
  readonly original: Uint8Array | undefined;
  /** SHA-256 of `original`, started when the file is read so that it runs while the edits are matched. */
  readonly originalHash: Promise<string | null>;
  text: TextFile | undefined;
  /** Set on a rename's target: where the content came from. */
  renamedFrom?: FileState;
  /** Set on a rename's source: its content lives on at another path. */
  movedTo?: string;
  touched: boolean;
  /** Line count changes of earlier edits, to shift the line hints of later diff hunks. */
  readonly shifts: { at: number; delta: number }[];
  /**
   * Lines at the start and end that no edit touched (so far), when only splices changed
   * the file; undefined after anything else rewrote it. Their bytes are copied, not re-encoded.
   */
  untouched?: { head: number; tail: number };
  /** The one exact text edit of an untouched LF file (the fast path): its place in the original bytes. */
  byteEdit?: { readonly start: number; readonly end: number; readonly insert: string } | 'several';
  /** Lines and characters of the original text, noted before the first splice. */
  originalSize?: { lines: number; chars: number };
}

export interface ApplyContext {
  /** Whether any edit of the reply has a line hint (a diff hunk, a tool call's `line`). */
  readonly hinted: boolean;
  readonly alreadyApplied: Set<string>;
  fail(op: EditOp, reason: string, file?: string, candidates?: readonly MatchCandidate[]): void;
}

/** Every line but the last ends with a line break; the last keeps the file's own ending. */
export function fixEols(text: TextFile, finalEol: string | undefined): void {
  const last = text.lines.length - 1;
  for (let i = 0; i < last; i++) if (text.eols[i] === '') text.eols[i] = text.eol;
  if (last >= 0 && finalEol !== undefined) text.eols[last] = finalEol;
}

export function sameText(a: TextFile, b: TextFile): boolean {
  return a.lines.length === b.lines.length && a.lines.every((line, i) => line === b.lines[i]);
}

/**
 * `array` with [start, start + deleteCount) replaced by `items`, as a new array when
 * `items` is long: `splice(start, n, ...items)` passes every item as an argument and
 * overflows the stack past about 100k of them.
 */
export function spliceArray<T>(array: T[], start: number, deleteCount: number, items: readonly T[]): T[] {
  if (items.length < 10_000) {
    array.splice(start, deleteCount, ...items);
    return array;
  }
  return array.slice(0, start).concat(items as T[], array.slice(start + deleteCount));
}

export function spliceBytes(original: Uint8Array, start: number, end: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(start + insert.length + (original.length - end));
  out.set(original.subarray(0, start), 0);
  out.set(insert, start);
  out.set(original.subarray(end), start + insert.length);
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
