import { learnIndentModel, type IndentModel } from './indent';
import { diffLines } from './lineDiff';
import { asciify, hasFancy, indentOf, isBlank, isCommentElision, isElision, lineSimilarity, trimBoth, trimEnd, unicodeTrim } from './normalize';

// The matcher: where in a file does a SEARCH block sit, and what lines take its place?
// It falls back in a fixed order (exact, trailing whitespace, indentation-relative,
// unicode-normalised, elision, bounded fuzzy) and never picks between equally good
// candidates. Lines the edit keeps are written back as the file has them, byte for byte.

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

export const FUZZY_THRESHOLD = 0.8;
/** A fuzzy winner must beat the runner-up by this much, or it is a tie. */
const FUZZY_MARGIN = 0.05;
/** Lines around a line-number hint that fuzzy matching looks at. */
const HINT_WINDOW = 40;
const MAX_CANDIDATES = 50;
/** Character comparisons allowed when seeding fuzzy candidates without any equal line. */
const SEED_BUDGET = 20_000_000;

interface LineLevel {
  readonly name: MatchLevel;
  readonly norm: (line: string) => string;
  readonly indentation: boolean;
  readonly unicode: boolean;
}

const lineLevels: readonly LineLevel[] = [
  { name: 'exact', norm: (line) => line, indentation: false, unicode: false },
  { name: 'trailing-whitespace', norm: trimEnd, indentation: false, unicode: false },
  { name: 'indentation', norm: trimBoth, indentation: true, unicode: false },
  { name: 'unicode', norm: unicodeTrim, indentation: true, unicode: true },
];

/** Where each SEARCH line landed in the file: one line, a range (an elision's gap), or nowhere. */
interface Placement {
  readonly start: number;
  readonly end: number;
  /** False when fuzzy matching paired the line with a file line that differs. */
  readonly exact: boolean;
}

class Matcher {
  private readonly normCache = new Map<LineLevel, string[]>();

  constructor(
    private readonly file: readonly string[],
    private readonly search: readonly string[],
    private readonly replace: readonly string[],
    private readonly hint: number | undefined,
    private readonly fuzzy: boolean,
  ) {}

  private normFile(level: LineLevel): readonly string[] {
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

  run(): MatchResult {
    const { search, replace } = this;
    if (search.every(isBlank)) return { kind: 'missing', reason: 'SEARCH has only blank lines, which cannot locate anything.', candidates: [] };
    const searchElides = search.some(isElision);
    if (!searchElides && replace.some(isCommentElision)) {
      return {
        kind: 'missing',
        reason: 'REPLACE has an elision comment ("... existing code ...") that SEARCH does not, so applying it would delete code. Write those lines out in full.',
        candidates: [],
      };
    }
    for (const level of lineLevels) {
      const result = this.tryLineLevel(level);
      if (result) return result;
    }
    if (this.replacementPresent()) return { kind: 'already', level: 'exact' };
    if (searchElides) {
      const result = this.tryElision();
      if (result) return result;
    }
    if (!this.fuzzy) return missing('SEARCH does not match the file: not exactly, nor ignoring whitespace, indentation or typographic quotes.');
    return this.tryFuzzy();
  }

  // ------------------------------------------------------------ line levels

  private positions(level: LineLevel, lines: readonly string[]): number[] {
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

  private tryLineLevel(level: LineLevel): MatchResult | undefined {
    const { search, replace, file } = this;
    let starts = this.positions(level, search);
    const models = new Map<number, IndentModel>();
    if (level.indentation) {
      starts = starts.filter((start) => {
        const model = learnIndentModel(
          search.map((line, j) => [line, file[start + j]!] as const),
          replace,
          file,
        );
        if (model) models.set(start, model);
        return model !== undefined;
      });
    }
    if (starts.length === 0) return undefined;
    if (sameLines(search.map(level.norm), replace.map(level.norm))) return { kind: 'already', level: level.name };
    if (isSubstantial(replace)) {
      // An edit whose result is already there must not be applied twice: when every
      // place SEARCH matches lies inside a copy of REPLACE, the edit is already in.
      const copies = this.positions(level, replace);
      const outside = starts.filter((start) => !copies.some((copy) => copy <= start && start + search.length <= copy + replace.length));
      if (outside.length === 0) return { kind: 'already', level: level.name };
      starts = outside;
    }
    const chosen = this.choose(starts);
    if (chosen === undefined) return { kind: 'ambiguous', level: level.name, candidates: starts.map((start) => this.candidate(start, search.length, 1)) };
    const placements = search.map((_, j) => ({ start: chosen + j, end: chosen + j + 1, exact: true }));
    const transform = this.transformFor(level, chosen, models.get(chosen));
    return this.splice(level.name, level.norm, chosen, chosen + search.length, placements, search, replace, transform);
  }

  /** The one candidate to use: the only one, or the one strictly nearest the hint. */
  private choose(starts: readonly number[]): number | undefined {
    if (starts.length === 1) return starts[0];
    if (this.hint === undefined) return undefined;
    const hint = this.hint;
    const sorted = [...starts].sort((a, b) => Math.abs(a - hint) - Math.abs(b - hint));
    if (Math.abs(sorted[0]! - hint) < Math.abs(sorted[1]! - hint)) return sorted[0];
    return undefined;
  }

  private transformFor(level: LineLevel, start: number, model: IndentModel | undefined): (line: string) => string {
    const region = this.file.slice(start, start + this.search.length);
    const unfancy = level.unicode && !region.some(hasFancy) && this.search.some(hasFancy);
    return (line) => {
      let out = unfancy ? asciify(line) : line;
      if (model && !isBlank(out)) {
        const indent = model.map(indentOf(out));
        if (indent !== undefined) out = indent + out.slice(indentOf(out).length);
      }
      return out;
    };
  }

  /** SEARCH is nowhere, but REPLACE is in the file: the edit was applied before. */
  private replacementPresent(): boolean {
    if (!isSubstantial(this.replace)) return false;
    for (const level of lineLevels) {
      if (this.positions(level, this.replace).length > 0) return true;
    }
    return false;
  }

  // ------------------------------------------------------------ splice

  /**
   * Builds the new lines for file lines [start, end): lines REPLACE keeps from SEARCH
   * come from the file as they are; added lines pass through `transform`.
   */
  private splice(
    level: MatchLevel,
    norm: (line: string) => string,
    start: number,
    end: number,
    placements: readonly (Placement | undefined)[],
    search: readonly string[],
    replace: readonly string[],
    transform: (line: string) => string,
  ): MatchResult {
    const key = (line: string, index: number, markers: Map<number, number>) => (markers.has(index) ? `\u0000elision ${markers.get(index)}` : norm(line));
    // Only the elision level reads `...` as "lines kept here"; elsewhere it is code (Python's Ellipsis).
    const searchMarkers = level === 'elision' ? elisionNumbers(search) : new Map<number, number>();
    const replaceMarkers = level === 'elision' ? elisionNumbers(replace) : new Map<number, number>();
    const changes = diffLines(
      search.map((line, j) => key(line, j, searchMarkers)),
      replace.map((line, k) => key(line, k, replaceMarkers)),
    );
    const out: SpliceLine[] = [];
    let next = start;
    let j = 0;
    let k = 0;
    let previousRemoved = false;
    const keepUpTo = (limit: number) => {
      for (; next < limit; next++) out.push({ text: this.file[next]!, from: next });
    };
    for (const change of changes) {
      for (let c = 0; c < change.count; c++) {
        if (change.added) {
          out.push({ text: transform(replace[k]!) });
          k++;
          continue;
        }
        const place = placements[j];
        if (change.removed) {
          if (searchMarkers.has(j)) return missing(`REPLACE drops the elision marker '${search[j]!.trim()}' of SEARCH; keep every elision marker in REPLACE.`);
          if (!place) return missing(`SEARCH line ${j + 1} ('${search[j]!.trim()}'), which the edit removes or changes, is not in the file: the file changed since the agent saw it.`);
          if (!place.exact) {
            return missing(
              `SEARCH line ${j + 1} ('${search[j]!.trim()}'), which the edit removes or changes, differs from the file's line ${place.start + 1} ('${this.file[place.start]!.trim()}'): the file changed since the agent saw it.`,
            );
          }
          if (previousRemoved && place.start > next) {
            // Lines the agent never saw, inside what it removes: refuse rather than drop them.
            return missing(`The file has line(s) ${next + 1}-${place.start} that SEARCH does not show, inside the lines the edit removes.`);
          }
          keepUpTo(place.start);
          next = place.end;
          previousRemoved = true;
        } else {
          if (place) keepUpTo(place.end);
          previousRemoved = false;
          k++;
        }
        j++;
      }
    }
    keepUpTo(end);
    return { kind: 'splice', level, start, end, lines: out };
  }

  // ------------------------------------------------------------ elision

  /** SEARCH with `...` lines: its pieces must appear in order; the gaps are kept as they are. */
  private tryElision(): MatchResult | undefined {
    const { search, replace, file } = this;
    const searchCount = search.filter(isElision).length;
    const replaceCount = replace.filter(isElision).length;
    if (replaceCount !== searchCount) {
      return missing(`SEARCH has ${searchCount} elision line(s) ('...') but REPLACE has ${replaceCount}; each elided part must be elided in both, in the same order.`);
    }
    const pieces: string[][] = [[]];
    for (const line of search) {
      if (isElision(line)) pieces.push([]);
      else pieces[pieces.length - 1]!.push(line);
    }
    if (pieces.some((piece) => piece.every(isBlank))) {
      return missing('An elision in SEARCH must stand between lines that anchor it: SEARCH may not start or end with "...", nor hold two in a row.');
    }
    // The strictest level at which every piece is found decides; looser ones find more look-alikes.
    let level = lineLevels[0]!;
    let found: { start: number; end: number; placements: Placement[] }[] = [];
    for (const candidateLevel of lineLevels) {
      level = candidateLevel;
      found = this.elisionCandidates(candidateLevel, pieces);
      if (found.length > 0) break;
    }
    if (found.length === 0) return undefined;
    const chosen = this.choose(found.map((candidate) => candidate.start));
    if (chosen === undefined) return { kind: 'ambiguous', level: 'elision', candidates: found.map((candidate) => this.candidate(candidate.start, candidate.end - candidate.start, 1)) };
    const match = found.find((candidate) => candidate.start === chosen)!;
    const pairs = search.flatMap((line, j) => (isElision(line) ? [] : [[line, file[match.placements[j]!.start]!] as const]));
    const model = learnIndentModel(pairs, replace.filter((line) => !isElision(line)), file);
    if (!model) return undefined;
    return this.splice('elision', level.norm, match.start, match.end, match.placements, search, replace, this.transformFor(level, match.start, model));
  }

  private elisionCandidates(level: LineLevel, pieces: readonly string[][]): { start: number; end: number; placements: Placement[] }[] {
    const normFile = this.normFile(level);
    const found: { start: number; end: number; placements: Placement[] }[] = [];
    for (const firstStart of this.positions(level, pieces[0]!)) {
      const placements: Placement[] = [];
      let at = firstStart;
      let ok = true;
      pieces.forEach((piece, p) => {
        if (!ok) return;
        const wanted = piece.map(level.norm);
        let start = at;
        if (p > 0) {
          // The nearest place after the previous piece: an elision stands for the lines between.
          start = -1;
          for (let i = at; i + wanted.length <= normFile.length; i++) {
            if (wanted.every((line, j) => normFile[i + j] === line)) {
              start = i;
              break;
            }
          }
          if (start < 0) {
            ok = false;
            return;
          }
          placements.push({ start: at, end: start, exact: true });
        }
        for (let j = 0; j < wanted.length; j++) placements.push({ start: start + j, end: start + j + 1, exact: true });
        at = start + wanted.length;
      });
      if (ok) found.push({ start: firstStart, end: at, placements });
    }
    return found;
  }

  // ------------------------------------------------------------ fuzzy

  private scoredWindows(window: readonly [number, number] | undefined): { start: number; end: number; similarity: number; placements: (Placement | undefined)[] }[] {
    const level = lineLevels[3]!;
    const normFile = this.normFile(level);
    const wanted = this.search.map(level.norm);
    // Votes for where SEARCH starts: every file line equal to a SEARCH line votes for
    // the start that would align them. One pass, no index of the whole file.
    const rows = new Map<string, number[]>();
    wanted.forEach((line, j) => {
      if (line.length === 0) return;
      const list = rows.get(line);
      if (list) list.push(j);
      else rows.set(line, [j]);
    });
    const [low, high] = window ?? [0, normFile.length];
    const from = Math.max(0, low);
    const to = Math.min(normFile.length, high);
    // Lines found all over the file ("}", "break;") say little about where SEARCH is.
    const counts = new Map<string, number>();
    for (let i = from; i < to; i++) if (rows.has(normFile[i]!)) counts.set(normFile[i]!, (counts.get(normFile[i]!) ?? 0) + 1);
    const votes = new Map<number, number>();
    for (let i = from; i < to; i++) {
      const js = rows.get(normFile[i]!);
      if (!js || counts.get(normFile[i]!)! > 200) continue;
      for (const j of js) votes.set(i - j, (votes.get(i - j) ?? 0) + 1);
    }
    const starts = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 12);
    if (starts.length === 0) {
      // Nothing equal: seed from the lines most like SEARCH's first non-blank line.
      const j = wanted.findIndex((line) => line.length > 0);
      const seeds: [number, number][] = [];
      // Bounded work: line similarity is quadratic in line length.
      let budget = SEED_BUDGET;
      const first = wanted[j]!;
      for (let i = from; i < to && budget > 0; i++) {
        const line = normFile[i]!;
        if (Math.abs(line.length - first.length) > first.length / 2) continue;
        budget -= Math.min(line.length, 300) * Math.min(first.length, 300);
        seeds.push([i - j, lineSimilarity(line, first)]);
      }
      starts.push(...seeds.sort((a, b) => b[1] - a[1]).slice(0, 5));
    }
    const m = wanted.length;
    const results = [];
    for (const [start] of starts) {
      for (const size of [m, m - 1, m + 1]) {
        const from = Math.max(0, start);
        const to = Math.min(normFile.length, start + size);
        if (to <= from) continue;
        results.push({ start: from, end: to, ...this.align(wanted, normFile, from, to) });
      }
    }
    return results;
  }

  /** Pairs SEARCH lines with file lines [from, to): equal lines first, then the rest in order. */
  private align(wanted: readonly string[], normFile: readonly string[], from: number, to: number): { similarity: number; placements: (Placement | undefined)[] } {
    const window = normFile.slice(from, to);
    const placements: (Placement | undefined)[] = new Array(wanted.length).fill(undefined);
    let score = 0;
    let j = 0;
    let i = 0;
    let pendingSearch: number[] = [];
    let pendingFile: number[] = [];
    const flush = () => {
      const pairs = Math.min(pendingSearch.length, pendingFile.length);
      for (let p = 0; p < pairs; p++) {
        const similarity = lineSimilarity(wanted[pendingSearch[p]!]!, window[pendingFile[p]!]!);
        if (similarity >= 0.5) {
          placements[pendingSearch[p]!] = { start: from + pendingFile[p]!, end: from + pendingFile[p]! + 1, exact: false };
          score += similarity;
        }
      }
      pendingSearch = [];
      pendingFile = [];
    };
    for (const change of diffLines([...wanted], window)) {
      for (let c = 0; c < change.count; c++) {
        if (change.removed) pendingSearch.push(j++);
        else if (change.added) pendingFile.push(i++);
        else {
          flush();
          placements[j] = { start: from + i, end: from + i + 1, exact: true };
          score += 1;
          j++;
          i++;
        }
      }
    }
    flush();
    return { similarity: score / Math.max(wanted.length, window.length), placements };
  }

  private tryFuzzy(): MatchResult {
    const window: [number, number] | undefined = this.hint === undefined ? undefined : [this.hint - HINT_WINDOW, this.hint + this.search.length + HINT_WINDOW];
    // Fewest differing lines first (like patch's fuzz factor), then character similarity:
    // many small differences are more likely another place than one stale line.
    const exactLines = (c: { placements: (Placement | undefined)[] }) => c.placements.filter((place) => place?.exact).length;
    const scored = this.scoredWindows(window)
      .filter((c) => c.similarity >= FUZZY_THRESHOLD)
      .sort((a, b) => exactLines(b) - exactLines(a) || b.similarity - a.similarity || a.start - b.start);
    const best = scored[0];
    const closest = () => {
      const nearest = this.scoredWindows(undefined).sort((a, b) => b.similarity - a.similarity)[0];
      return nearest ? [this.candidate(nearest.start, nearest.end - nearest.start, nearest.similarity)] : [];
    };
    if (!best || best.similarity < FUZZY_THRESHOLD) {
      const where = window ? ` within ${HINT_WINDOW} lines of line ${this.hint! + 1}` : '';
      return missing(`SEARCH does not match the file${where}: not exactly, nor ignoring whitespace, indentation or typographic quotes, nor with ${Math.round(FUZZY_THRESHOLD * 100)}% line similarity.`, closest());
    }
    const rival = scored.find((other) => other.end <= best.start || other.start >= best.end);
    if (rival && exactLines(rival) === exactLines(best) && rival.similarity > best.similarity - FUZZY_MARGIN) {
      return { kind: 'ambiguous', level: 'fuzzy', candidates: [best, rival].map((c) => this.candidate(c.start, c.end - c.start, c.similarity)) };
    }
    const model = learnIndentModel(
      this.search.flatMap((line, j) => {
        const place = best.placements[j];
        return place?.exact ? [[line, this.file[place.start]!] as const] : [];
      }),
      this.replace,
      this.file,
    );
    const level = lineLevels[3]!;
    const result = this.splice('fuzzy', level.norm, best.start, best.end, best.placements, this.search, this.replace, this.transformFor(level, best.start, model));
    if (result.kind === 'missing') return { ...result, candidates: [this.candidate(best.start, best.end - best.start, best.similarity)] };
    return result;
  }

  // ------------------------------------------------------------ reporting

  candidate(start: number, length: number, similarity: number): MatchCandidate {
    const from = Math.max(0, start - 3);
    const to = Math.min(this.file.length, start + Math.min(length, 14) + 3);
    const width = String(to).length;
    const lines: string[] = [];
    for (let i = from; i < to; i++) lines.push(`${String(i + 1).padStart(width)}${i >= start && i < start + length ? '|' : ':'} ${this.file[i]}`);
    return { line: start + 1, similarity: Math.round(similarity * 1000) / 1000, context: lines.join('\n') };
  }
}

function missing(reason: string, candidates: readonly MatchCandidate[] = []): MatchResult {
  return { kind: 'missing', reason, candidates };
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/** Enough text that finding it in the file says something. */
function isSubstantial(lines: readonly string[]): boolean {
  return lines.reduce((sum, line) => sum + line.trim().length, 0) >= 12;
}

function elisionNumbers(lines: readonly string[]): Map<number, number> {
  const numbers = new Map<number, number>();
  lines.forEach((line, index) => {
    if (isElision(line)) numbers.set(index, numbers.size);
  });
  return numbers;
}

/**
 * Finds where `search` sits in `file` and what replaces it. `hint` is a 0-based line
 * where the agent said the block starts (a diff's hunk header): it breaks ties between
 * identical candidates, and bounds fuzzy matching to a window around it.
 */
export function matchEdit(file: readonly string[], search: readonly string[], replace: readonly string[], hint?: number, options: { fuzzy?: boolean } = {}): MatchResult {
  return new Matcher(file, search, replace, hint, options.fuzzy ?? true).run();
}
