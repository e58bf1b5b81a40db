import { learnIndentModel } from './indent';
import { diffLines } from './lineDiff';
import { lineLevels, missing, type MatchContext, type MatchResult, type Placement } from './matchContext';
import { lineSimilarity } from './normalize';
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

function scoredWindows(ctx: MatchContext, window: readonly [number, number] | undefined): Scored[] {
  const level = lineLevels[3]!;
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
    for (const seed of seeds.sort((a, b) => b[1] - a[1]).slice(0, 5)) starts.push(seed);
  }
  const m = wanted.length;
  const results: Scored[] = [];
  for (const [start] of starts) {
    for (const size of [m, m - 1, m + 1]) {
      const windowFrom = Math.max(0, start);
      const windowTo = Math.min(normFile.length, start + size);
      if (windowTo <= windowFrom) continue;
      results.push({ start: windowFrom, end: windowTo, ...align(wanted, normFile, windowFrom, windowTo) });
    }
  }
  return results;
}

/** Pairs SEARCH lines with file lines [from, to): equal lines first, then the rest in order. */
function align(wanted: readonly string[], normFile: readonly string[], from: number, to: number): { similarity: number; placements: (Placement | undefined)[] } {
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

export function tryFuzzy(ctx: MatchContext): MatchResult {
  const window: [number, number] | undefined = ctx.hint === undefined ? undefined : [ctx.hint - HINT_WINDOW, ctx.hint + ctx.search.length + HINT_WINDOW];
  // Fewest differing lines first (like patch's fuzz factor), then character similarity:
  // many small differences are more likely another place than one stale line.
  const exactLines = (c: { placements: (Placement | undefined)[] }) => c.placements.filter((place) => place?.exact).length;
  const scored = scoredWindows(ctx, window)
    .filter((c) => c.similarity >= FUZZY_THRESHOLD)
    .sort((a, b) => exactLines(b) - exactLines(a) || b.similarity - a.similarity || a.start - b.start);
  const best = scored[0];
  const closest = () => {
    const nearest = scoredWindows(ctx, undefined).sort((a, b) => b.similarity - a.similarity)[0];
    return nearest ? [ctx.candidate(nearest.start, nearest.end - nearest.start, nearest.similarity)] : [];
  };
  if (!best || best.similarity < FUZZY_THRESHOLD) {
    const where = window ? ` within ${HINT_WINDOW} lines of line ${ctx.hint! + 1}` : '';
    return missing(`SEARCH does not match the file${where}: not exactly, nor ignoring whitespace, indentation or typographic quotes, nor with ${Math.round(FUZZY_THRESHOLD * 100)}% line similarity.`, closest());
  }
  const rival = scored.find((other) => other.end <= best.start || other.start >= best.end);
  if (rival && exactLines(rival) === exactLines(best) && rival.similarity > best.similarity - FUZZY_MARGIN) {
    return { kind: 'ambiguous', level: 'fuzzy', candidates: [best, rival].map((c) => ctx.candidate(c.start, c.end - c.start, c.similarity)) };
  }
  const model = learnIndentModel(
    ctx.search.flatMap((line, j) => {
      const place = best.placements[j];
      return place?.exact ? [[line, ctx.file[place.start]!] as const] : [];
    }),
    ctx.replace,
    ctx.file,
  );
  const level = lineLevels[3]!;
  const result = splice(ctx, 'fuzzy', level.norm, best.start, best.end, best.placements, ctx.transformFor(level, best.start, model));
  if (result.kind === 'missing') return { ...result, candidates: [ctx.candidate(best.start, best.end - best.start, best.similarity)] };
  return result;
}
