import { learnIndentModel, observedIndentModel } from './indent';
import { diffLines } from './lineDiff';
import { lineLevels, missing, type LineLevel, type MatchCandidate, type MatchContext, type MatchResult, type Placement } from './matchContext';
import { indentOf, lineSimilarity } from './normalize';
import { splice } from './splice';

// Bounded fuzzy matching, the last level: SEARCH's lines aligned with a window of the
// file, at least FUZZY_THRESHOLD similar, and a clear winner over every other place.

export const FUZZY_THRESHOLD = 0.8;
/** A fuzzy winner must beat the runner-up by this much, or it is a tie. */
const FUZZY_MARGIN = 0.05;
/** Lines around a line-number hint that fuzzy matching looks at. */
export const HINT_WINDOW = 40;
/** Character comparisons allowed when seeding fuzzy candidates without any equal line. */
const SEED_BUDGET = 20_000_000;

interface Scored {
  start: number;
  end: number;
  similarity: number;
  placements: (Placement | undefined)[];
}

function scoredWindows(ctx: MatchContext, window: readonly [number, number] | undefined, level: LineLevel = lineLevels[3]!): Scored[] {
  const normFile = ctx.normFile(level);
  const wanted = ctx.search.map(level.norm);
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
  // The dozen best starts, and every start with all SEARCH lines that say something but
  // one: each may be the place the person changed, a rival the match must see.
  const sayingLines = wanted.filter((line) => line.length >= 2).length;
  const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const starts = ranked.filter(([, count], index) => index < 12 || (index < 300 && count >= sayingLines - 1));
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
    for (const seed of seeds.sort((a, b) => b[1] - a[1]).slice(0, 5)) starts.push(seed);
  }
  const m = wanted.length;
  const results: Scored[] = [];
  for (const [start] of starts) {
    for (const size of [m, m - 1, m + 1]) {
      const windowFrom = Math.max(0, start);
      const windowTo = Math.min(normFile.length, start + size);
      if (windowTo <= windowFrom) continue;
      const forward = align(wanted, normFile, windowFrom, windowTo, false);
      results.push({ start: windowFrom, end: windowTo, ...forward });
      // Repeated lines (`}`, a run of `.`) align as well from the bottom as from the top:
      // the other alignment is a candidate too, so that a tie between them is seen.
      const backward = align(wanted, normFile, windowFrom, windowTo, true);
      if (!samePlacements(forward.placements, backward.placements)) results.push({ start: windowFrom, end: windowTo, ...backward });
    }
  }
  return results;
}

const ANNOTATED_SIMILARITY = 0.9;

/**
 * A file line that is the SEARCH line with a comment appended: the same line, annotated
 * by the person since (counted as 90 % alike whatever the lengths).
 */
function isAnnotated(searchLine: string, fileLine: string): boolean {
  // Indentation aside: it may differ as the rest of the block's does.
  const search = searchLine.trim();
  const file = fileLine.trim();
  return search.length >= 1 && file.startsWith(search) && /^\s*(\/\/|#|\/\*|--|;)/.test(file.slice(search.length));
}

function samePlacements(a: readonly (Placement | undefined)[], b: readonly (Placement | undefined)[]): boolean {
  return a.every((place, j) => place?.start === b[j]?.start && place?.exact === b[j]?.exact);
}

/**
 * Pairs SEARCH lines with file lines [from, to): equal lines first, then the rest in
 * order; `backward` aligns from the last lines up (both arrays reversed).
 */
function align(wanted: readonly string[], normFile: readonly string[], from: number, to: number, backward: boolean): { similarity: number; placements: (Placement | undefined)[] } {
  if (!backward) return alignLines(wanted, normFile.slice(from, to), from);
  const window = normFile.slice(from, to).reverse();
  const result = alignLines([...wanted].reverse(), window, 0);
  const last = to - 1;
  const placements = result.placements.reverse().map((place) => place && { ...place, start: last - place.start, end: last - place.start + 1 });
  return { similarity: result.similarity, placements };
}

function alignLines(wanted: readonly string[], window: readonly string[], from: number): { similarity: number; placements: (Placement | undefined)[] } {
  const placements: (Placement | undefined)[] = new Array(wanted.length).fill(undefined);
  let score = 0;
  let j = 0;
  let i = 0;
  let pendingSearch: number[] = [];
  let pendingFile: number[] = [];
  const flush = () => {
    const pairs = Math.min(pendingSearch.length, pendingFile.length);
    for (let p = 0; p < pairs; p++) {
      const searchLine = wanted[pendingSearch[p]!]!;
      const fileLine = window[pendingFile[p]!]!;
      // Whether the line is annotated is known, not read off its similarity (another line can score 0.9 too).
      const annotated = isAnnotated(searchLine, fileLine);
      const similarity = annotated ? ANNOTATED_SIMILARITY : lineSimilarity(searchLine, fileLine);
      if (similarity >= 0.5) {
        placements[pendingSearch[p]!] = { start: from + pendingFile[p]!, end: from + pendingFile[p]! + 1, exact: false, annotated };
        score += similarity;
      }
    }
    pendingSearch = [];
    pendingFile = [];
  };
  for (const change of diffLines(wanted, window)) {
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

/**
 * Whether a window is another place than the one `taken` describes: none of the file
 * lines it pairs with SEARCH's non-blank lines is taken. (Windows overlap when a copy
 * stands right after the original; their lines do not.)
 */
function elsewhere(ctx: MatchContext, window: Scored, taken: (line: number) => boolean): boolean {
  return window.placements.every((place, j) => !place || ctx.search[j]!.trim() === '' || !taken(place.start));
}

/** Where a window puts SEARCH: the offset of its first exactly paired line (windows of one place share it). */
function offsetOf(ctx: MatchContext, window: Scored): number | undefined {
  const j = window.placements.findIndex((place, index) => place?.exact && ctx.search[index]!.trim() !== '');
  return j < 0 ? undefined : window.placements[j]!.start - j;
}

/**
 * Places (by offset) that some window shows with a changed line in line with its exact
 * ones: another function, not a stale copy of SEARCH's. (A line paired across a gap, at
 * another offset, is a misaligned window's guess, not a sign of the place.)
 */
function placesWithChangedLines(ctx: MatchContext, windows: readonly Scored[]): Set<number | undefined> {
  const changed = new Set<number | undefined>();
  for (const window of windows) {
    const offset = offsetOf(ctx, window);
    if (changedLines(ctx, window, offset) > 0) changed.add(offset);
  }
  return changed;
}

/** SEARCH lines a window pairs with a differing line that is not an annotation (at `offset` when given): signs of another place. */
function changedLines(ctx: MatchContext, window: Pick<Scored, 'placements'>, offset?: number): number {
  let changed = 0;
  ctx.search.forEach((line, j) => {
    const place = window.placements[j];
    if (line.trim().length >= 2 && place && !place.exact && !place.annotated && (offset === undefined || place.start - j === offset)) changed++;
  });
  return changed;
}

/** Whether a window differs from SEARCH at most by annotations: no line changed, none missing, none inserted. */
function onlyAnnotated(ctx: MatchContext, window: Scored): boolean {
  const paired = window.placements.filter((place) => place !== undefined).length;
  return changedLines(ctx, window) === 0 && paired === ctx.search.length && paired === window.end - window.start;
}

/**
 * A window holding every line of SEARCH that says something, in order, but at most one:
 * SEARCH's own place after the person changed or inserted a line there, as likely as not.
 */
function nearlyAll(ctx: MatchContext, window: Scored): boolean {
  let wanted = 0;
  let found = 0;
  ctx.search.forEach((line, j) => {
    if (line.trim().length < 2) return;
    wanted++;
    if (window.placements[j]?.exact) found++;
  });
  return wanted >= 2 && found >= wanted - 1;
}

/**
 * Other places like SEARCH, not overlapping [start, end), that could be the place the
 * agent meant for a tolerant match (any level but exact): those holding nearly all of
 * SEARCH with no line of it changed (a line inserted, one missing). A look-alike with a
 * changed line (a parallel function, another identifier) is another place, not a rival
 * of a match that differs only in whitespace.
 */
export function tolerantRivals(ctx: MatchContext, start: number, end: number): MatchCandidate[] {
  const window: [number, number] | undefined = ctx.hint === undefined ? undefined : [ctx.hint - HINT_WINDOW, ctx.hint + ctx.search.length + HINT_WINDOW];
  const windows = scoredWindows(ctx, window);
  const changed = placesWithChangedLines(ctx, windows);
  return onePerPlace(
    ctx,
    windows.filter((other) => elsewhere(ctx, other, (line) => line >= start && line < end) && nearlyAll(ctx, other) && !changed.has(offsetOf(ctx, other))),
  ).map((other) => ctx.candidate(other.start, other.end - other.start, other.similarity));
}

/** The most similar window of each place (windows of one place pair SEARCH lines with the same file lines). */
function onePerPlace(ctx: MatchContext, windows: readonly Scored[]): Scored[] {
  const taken = new Set<number>();
  const places: Scored[] = [];
  for (const window of [...windows].sort((a, b) => b.similarity - a.similarity)) {
    if (!elsewhere(ctx, window, (line) => taken.has(line))) continue;
    places.push(window);
    window.placements.forEach((place, j) => {
      if (place && ctx.search[j]!.trim() !== '') taken.add(place.start);
    });
  }
  return places;
}

export function tryFuzzy(ctx: MatchContext): MatchResult {
  const window: [number, number] | undefined = ctx.hint === undefined ? undefined : [ctx.hint - HINT_WINDOW, ctx.hint + ctx.search.length + HINT_WINDOW];
  // Lines compared with their indentation first: trimmed, every `}` is like every other
  // and a window can slide by a line. Trimmed only when that finds nothing (indentation drift).
  const result = fuzzyAt(ctx, window, lineLevels[1]!) ?? fuzzyAt(ctx, window, lineLevels[3]!);
  if (result) return result;
  const nearest = scoredWindows(ctx, undefined).sort((a, b) => b.similarity - a.similarity)[0];
  const closest = nearest ? [ctx.candidate(nearest.start, nearest.end - nearest.start, nearest.similarity)] : [];
  const where = window ? ` within ${HINT_WINDOW} lines of line ${ctx.hint! + 1}` : '';
  return missing(`SEARCH does not match the file${where}: not exactly, nor ignoring whitespace, indentation or typographic quotes, nor with ${Math.round(FUZZY_THRESHOLD * 100)}% line similarity.`, closest);
}

/** The fuzzy match with lines compared under `level`'s normalisation; undefined when no window reaches the threshold. */
function fuzzyAt(ctx: MatchContext, window: [number, number] | undefined, compared: LineLevel): MatchResult | undefined {
  // Fewest differing lines first (like patch's fuzz factor), then character similarity:
  // many small differences are more likely another place than one stale line.
  // Blank lines are equal everywhere: they say nothing about which place this is.
  const exactLines = (c: { placements: (Placement | undefined)[] }) => c.placements.filter((place, j) => place?.exact && ctx.search[j]!.trim() !== '').length;
  // A line the person annotated since is SEARCH's line (a stale context), not a differing one.
  const sameLines = (c: { placements: (Placement | undefined)[] }) => c.placements.filter((place, j) => (place?.exact || place?.annotated) && ctx.search[j]!.trim() !== '').length;
  const all = scoredWindows(ctx, window, compared);
  const scored = all
    .filter((c) => c.similarity >= FUZZY_THRESHOLD)
    .sort((a, b) => sameLines(b) - sameLines(a) || b.similarity - a.similarity || a.start - b.start);
  const best = scored[0];
  if (!best) return undefined;
  // Compared with indentation, a window counts only where most lines are the same as
  // written: otherwise its indentation differs throughout and the trimmed comparison decides.
  if (compared.name !== 'unicode' && exactLines(best) * 2 < ctx.search.filter((line) => line.trim() !== '').length) return undefined;
  // A tolerant match needs a clear winner: any other place above the threshold (or
  // within a margin of the best) could be the one the agent meant, as when a function
  // was copied and one identifier changed. Which difference is the stale one is a guess.
  // Except that a place differing only by the person's annotations beats look-alikes with
  // a changed line: an appended comment is a stale context, a changed identifier another place.
  const annotatedOnly = onlyAnnotated(ctx, best);
  // Rivals are looked for ignoring indentation too: the place meant may be at another
  // depth than the look-alike that matched with its indentation.
  const candidates = compared.name === 'unicode' ? all : [...all, ...scoredWindows(ctx, window, lineLevels[3]!)];
  const changedPlaces = placesWithChangedLines(ctx, candidates);
  const bestLines = new Set(best.placements.flatMap((place, j) => (place && ctx.search[j]!.trim() !== '' ? [place.start] : [])));
  const rivals = candidates.filter(
    (other) =>
      elsewhere(ctx, other, (line) => bestLines.has(line)) &&
      (other.similarity >= FUZZY_THRESHOLD || nearlyAll(ctx, other) || other.similarity > best.similarity - FUZZY_MARGIN) &&
      !(annotatedOnly && changedPlaces.has(offsetOf(ctx, other))),
  );
  if (rivals.length > 0) {
    const distinct = [best, ...onePerPlace(ctx, rivals)];
    return { kind: 'ambiguous', level: 'fuzzy', candidates: distinct.slice(0, 5).map((c) => ctx.candidate(c.start, c.end - c.start, c.similarity)) };
  }
  const result = spliceWindow(ctx, compared, best);
  if (result.kind === 'missing') return { ...result, candidates: [ctx.candidate(best.start, best.end - best.start, best.similarity)] };
  // The same place aligned another way (a repeated line, a line the person inserted or
  // annotated beside an equal one), as good as the best: which alignment is meant decides
  // where the edit's lines go, so a different result from it is a tie, not a winner.
  const tied = scored.filter((other) => other !== best && sameLines(other) === sameLines(best) && other.similarity > best.similarity - FUZZY_MARGIN && !samePlacements(other.placements, best.placements));
  for (const other of tied) {
    const alternative = spliceWindow(ctx, compared, other);
    if (alternative.kind === 'splice' && result.kind === 'splice' && !sameOutcome(ctx, result, alternative)) {
      return { kind: 'ambiguous', level: 'fuzzy', candidates: [best, other].map((c) => ctx.candidate(c.start, c.end - c.start, c.similarity)) };
    }
  }
  return result;
}

/** The splice a fuzzy window makes, with the agent's indentation mapped as its paired lines show. */
function spliceWindow(ctx: MatchContext, compared: LineLevel, window: Scored): MatchResult {
  // Lines the file has as SEARCH has them but for whitespace, or with a comment appended,
  // show how the agent's indentation maps onto the file's.
  const trimmed = lineLevels[3]!.norm;
  const pairs = ctx.search.flatMap((line, j) => {
    const place = window.placements[j];
    return place && (place.exact || place.annotated || trimmed(line) === trimmed(ctx.file[place.start]!)) ? [[line, ctx.file[place.start]!] as const] : [];
  });
  // No line to learn from is no indentation known.
  const indentDiffers = pairs.length === 0 || pairs.some(([agent, file]) => indentOf(agent) !== indentOf(file));
  const model = learnIndentModel(pairs, ctx.replace, ctx.file) ?? (indentDiffers ? observedIndentModel(pairs) : undefined);
  return splice(ctx, 'fuzzy', compared.norm, window.start, window.end, window.placements, ctx.transformFor(lineLevels[3]!, window.start, model, indentDiffers));
}

/** Whether two splices of overlapping regions leave the file the same. */
function sameOutcome(ctx: MatchContext, a: Extract<MatchResult, { kind: 'splice' }>, b: Extract<MatchResult, { kind: 'splice' }>): boolean {
  const from = Math.min(a.start, b.start);
  const to = Math.max(a.end, b.end);
  const text = (s: typeof a) => [...ctx.file.slice(from, s.start), ...s.lines.map((line) => (line.from === undefined ? line.text : ctx.file[line.from]!)), ...ctx.file.slice(s.end, to)];
  const x = text(a);
  const y = text(b);
  return x.length === y.length && x.every((line, i) => line === y[i]);
}
