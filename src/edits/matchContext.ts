import type { IndentModel } from './indent';
import { asciify, hasFancy, indentOf, isBlank, trimBoth, trimEnd, unicodeTrim } from './normalize';

// What every matching level shares: the file, SEARCH and REPLACE as lines, the file
// normalised per level (computed once), finding SEARCH at a level, choosing between
// candidates, and describing candidates for the agent.

export type MatchLevel = 'exact' | 'trailing-whitespace' | 'indentation' | 'unicode' | 'elision' | 'fuzzy';

export interface MatchCandidate {
  /** 1-based first line. */
  readonly line: number;
  readonly similarity: number;
  /** The candidate's lines with 3 lines around them, numbered. */
  readonly context: string;
}

/** One line of a splice: new text, or a file line kept as it is (`from`, with its line ending). */
export interface SpliceLine {
  readonly text: string;
  readonly from?: number;
}

export type MatchResult =
  | { readonly kind: 'splice'; readonly level: MatchLevel; readonly start: number; readonly end: number; readonly lines: readonly SpliceLine[] }
  | { readonly kind: 'already'; readonly level: MatchLevel }
  | { readonly kind: 'ambiguous'; readonly level: MatchLevel; readonly candidates: readonly MatchCandidate[] }
  | { readonly kind: 'missing'; readonly reason: string; readonly candidates: readonly MatchCandidate[] };

export interface LineLevel {
  readonly name: MatchLevel;
  readonly norm: (line: string) => string;
  readonly indentation: boolean;
  readonly unicode: boolean;
}

export const lineLevels: readonly LineLevel[] = [
  { name: 'exact', norm: (line) => line, indentation: false, unicode: false },
  { name: 'trailing-whitespace', norm: trimEnd, indentation: false, unicode: false },
  { name: 'indentation', norm: trimBoth, indentation: true, unicode: false },
  { name: 'unicode', norm: unicodeTrim, indentation: true, unicode: true },
];

/** Where each SEARCH line landed in the file: one line, a range (an elision's gap), or nowhere. */
export interface Placement {
  readonly start: number;
  readonly end: number;
  /** False when fuzzy matching paired the line with a file line that differs. */
  readonly exact: boolean;
  /** The file line is the SEARCH line with a comment appended: the person annotated it. */
  readonly annotated?: boolean;
}

const MAX_CANDIDATES = 50;

export class MatchContext {
  private readonly normCache = new Map<LineLevel, string[]>();

  constructor(
    readonly file: readonly string[],
    readonly search: readonly string[],
    readonly replace: readonly string[],
    readonly hint: number | undefined,
    readonly fuzzy: boolean,
  ) {}

  normFile(level: LineLevel): readonly string[] {
    if (level.name === 'exact') return this.file;
    let lines = this.normCache.get(level);
    if (!lines) {
      if (level.unicode) {
        // Most lines have nothing to normalise: reuse their trimmed form.
        const trimmed = this.normFile(lineLevels[2]!);
        lines = this.file.map((line, i) => (hasFancy(line) ? level.norm(line) : trimmed[i]!));
      } else {
        lines = this.file.map(level.norm);
      }
      this.normCache.set(level, lines);
    }
    return lines;
  }

  /** Every place (up to a bound) where `lines` occur in the file under `level`'s normalisation. */
  positions(level: LineLevel, lines: readonly string[]): number[] {
    const file = this.normFile(level);
    const wanted = lines.map(level.norm);
    const found: number[] = [];
    const first = wanted[0]!;
    const last = file.length - wanted.length;
    for (let i = 0; i <= last && found.length < MAX_CANDIDATES; i++) {
      if (file[i] !== first) continue;
      let j = 1;
      while (j < wanted.length && file[i + j] === wanted[j]) j++;
      if (j === wanted.length) found.push(i);
    }
    return found;
  }

  /** The one candidate to use: the only one, or the one strictly nearest the hint. */
  choose(starts: readonly number[]): number | undefined {
    if (starts.length === 1) return starts[0];
    if (this.hint === undefined) return undefined;
    const hint = this.hint;
    const sorted = [...starts].sort((a, b) => Math.abs(a - hint) - Math.abs(b - hint));
    if (Math.abs(sorted[0]! - hint) < Math.abs(sorted[1]! - hint)) return sorted[0];
    return undefined;
  }

  /**
   * How an added line is written into the file: re-indented by `model`, typographic
   * characters undone. Undefined for a line whose indentation cannot be mapped (the
   * model cannot place it, or there is no model while the agent's indentation differs
   * from the file's): a guess there would be a wrong apply.
   */
  transformFor(level: LineLevel, start: number, model: IndentModel | undefined, indentDiffers = false): (line: string) => string | undefined {
    const region = this.file.slice(start, start + this.search.length);
    const unfancy = level.unicode && !region.some(hasFancy) && this.search.some(hasFancy);
    return (line) => {
      let out = unfancy ? asciify(line) : line;
      if (isBlank(out)) return out;
      if (model) {
        const indent = model.map(indentOf(out));
        if (indent === undefined) return undefined;
        out = indent + out.slice(indentOf(out).length);
      } else if (indentDiffers) return undefined;
      return out;
    };
  }

  candidate(start: number, length: number, similarity: number): MatchCandidate {
    const from = Math.max(0, start - 3);
    const to = Math.min(this.file.length, start + Math.min(length, 14) + 3);
    const width = String(to).length;
    const lines: string[] = [];
    for (let i = from; i < to; i++) lines.push(`${String(i + 1).padStart(width)}${i >= start && i < start + length ? '|' : ':'} ${this.file[i]}`);
    return { line: start + 1, similarity: Math.round(similarity * 1000) / 1000, context: lines.join('\n') };
  }
}

export function missing(reason: string, candidates: readonly MatchCandidate[] = []): MatchResult {
  return { kind: 'missing', reason, candidates };
}
