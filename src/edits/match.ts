import { learnIndentModel, type IndentModel } from './indent';
import { diffLines } from './lineDiff';
import { MatchContext, lineLevels, missing, type LineLevel, type MatchResult } from './matchContext';
import { tryElision } from './matchElision';
import { tolerantRivals, tryFuzzy } from './matchFuzzy';
import { isBlank, isCommentElision, isElision } from './normalize';
import { splice } from './splice';

export type { MatchCandidate, MatchLevel, MatchResult, SpliceLine } from './matchContext';
export { FUZZY_THRESHOLD } from './matchFuzzy';

// The matcher: where in a file does a SEARCH block sit, and what lines take its place?
// It falls back in a fixed order (exact, trailing whitespace, indentation-relative,
// unicode-normalised, elision, bounded fuzzy) and never picks between equally good
// candidates. Lines the edit keeps are written back as the file has them, byte for byte.

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/**
 * Whether REPLACE has a line of its own (not only SEARCH's lines, fewer, or blank lines
 * more): only then does finding REPLACE in the file say the edit is in. A SEARCH with a
 * blank line added above is found inside any copy of itself that has one.
 */
function addsLine(search: readonly string[], replace: readonly string[]): boolean {
  const searchLines = new Set(search.map((line) => line.trim()));
  return replace.some((line) => line.trim().length >= 4 && !searchLines.has(line.trim()));
}

/** Enough text that finding it in the file says something. */
function isSubstantial(lines: readonly string[]): boolean {
  return lines.reduce((sum, line) => sum + line.trim().length, 0) >= 12;
}

function tryLineLevel(ctx: MatchContext, level: LineLevel): MatchResult | undefined {
  const { search, replace, file } = ctx;
  let starts = ctx.positions(level, search);
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
  if (sameLines(search, replace)) return { kind: 'already', level: level.name };
  // An edit that only re-indents or re-spaces lines looks like no edit under a tolerant
  // level's normalisation: its copies cannot be told from SEARCH, so none are looked for.
  const whitespaceOnly = sameLines(search.map(level.norm), replace.map(level.norm));
  if (isSubstantial(replace) && !whitespaceOnly && addsLine(search, replace)) {
    // An edit whose result is already there must not be applied twice: when every
    // place SEARCH matches lies inside a copy of REPLACE, the edit is already in.
    const copies = ctx.positions(level, replace);
    const outside = starts.filter((start) => !copies.some((copy) => copy <= start && start + search.length <= copy + replace.length));
    if (outside.length === 0) return { kind: 'already', level: level.name };
    starts = outside;
  }
  const chosen = ctx.choose(starts);
  if (chosen === undefined) return { kind: 'ambiguous', level: level.name, candidates: starts.map((start) => ctx.candidate(start, search.length, 1)) };
  if (level.name !== 'exact') {
    // A tolerant match needs a clear winner: a look-alike elsewhere may be the place meant.
    const rivals = tolerantRivals(ctx, chosen, chosen + search.length);
    if (rivals.length > 0) return { kind: 'ambiguous', level: level.name, candidates: [ctx.candidate(chosen, search.length, 1), ...rivals].slice(0, 5) };
  }
  const placements = search.map((_, j) => ({ start: chosen + j, end: chosen + j + 1, exact: true }));
  const transform = ctx.transformFor(level, chosen, models.get(chosen));
  return splice(ctx, level.name, level.norm, chosen, chosen + search.length, placements, transform);
}

/**
 * SEARCH is nowhere, but REPLACE is in the file: the edit was applied before. Only when
 * REPLACE adds a line of its own: a REPLACE that only removes lines is a piece of SEARCH,
 * found wherever that piece is (another docstring's end), applied or not.
 */
function replacementPresent(ctx: MatchContext): boolean {
  if (!isSubstantial(ctx.replace)) return false;
  if (!addsLine(ctx.search, ctx.replace)) return false;
  for (const level of lineLevels) {
    // A whitespace-only edit's REPLACE is its SEARCH at the levels that ignore that whitespace.
    if (sameLines(ctx.search.map(level.norm), ctx.replace.map(level.norm))) continue;
    if (ctx.positions(level, ctx.replace).length > 0) return true;
  }
  return false;
}

function run(ctx: MatchContext): MatchResult {
  const { search, replace } = ctx;
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
    const result = tryLineLevel(ctx, level);
    if (result) return result;
  }
  const unpadded = withoutPadding(ctx);
  if (unpadded) {
    for (const level of lineLevels) {
      const result = tryLineLevel(unpadded, level);
      if (!result) continue;
      if (result.kind !== 'splice') return result;
      if (blankNearby(ctx, unpadded, result.start, result.end)) break;
      // Dropping padding is a tolerance too: a place with the blank lines, changed by the
      // person since, may be the one meant.
      const rivals = tolerantRivals(ctx, result.start, result.end);
      if (rivals.length > 0) return { kind: 'ambiguous', level: 'trailing-whitespace', candidates: [ctx.candidate(result.start, result.end - result.start, 1), ...rivals].slice(0, 5) };
      return result;
    }
  }
  if (replacementPresent(ctx)) return { kind: 'already', level: 'exact' };
  if (searchElides) {
    const result = tryElision(ctx);
    if (result) return result;
  }
  if (!ctx.fuzzy) return missing('SEARCH does not match the file: not exactly, nor ignoring whitespace, indentation or typographic quotes.');
  if (unpadded) {
    const result = tryFuzzy(unpadded);
    if (result.kind !== 'splice' || !blankNearby(ctx, unpadded, result.start, result.end)) return result;
  }
  return tryFuzzy(ctx);
}

/**
 * Whether the file has a blank line just outside a match of SEARCH without its padding:
 * then the padding may be the file's own blank line with the person's lines inserted
 * between, and the match without it would put the edit on the wrong side of them.
 */
function blankNearby(ctx: MatchContext, unpadded: MatchContext, start: number, end: number): boolean {
  // Only an edge the edit changes: elsewhere the edit's lines have SEARCH lines around them.
  const changes = diffLines(unpadded.search, unpadded.replace);
  const first = changes[0];
  const last = changes[changes.length - 1];
  const lead = first && (first.added || first.removed) ? leadingBlanks(ctx.search) : 0;
  const trail = last && (last.added || last.removed) ? leadingBlanks([...ctx.search].reverse()) : 0;
  for (let i = Math.max(0, start - lead - 2); i < start && lead > 0; i++) if (isBlank(ctx.file[i]!)) return true;
  for (let i = end; i < Math.min(ctx.file.length, end + trail + 2) && trail > 0; i++) if (isBlank(ctx.file[i]!)) return true;
  return false;
}

const leadingBlanks = (lines: readonly string[]) => {
  let count = 0;
  while (count < lines.length && isBlank(lines[count]!)) count++;
  return count;
};

/**
 * SEARCH and REPLACE without the blank lines an agent put around both (padding the file
 * may not have there): only when REPLACE has at least as many at each end, so that
 * dropping them drops no blank line the edit adds or removes.
 */
function withoutPadding(ctx: MatchContext): MatchContext | undefined {
  const { search, replace } = ctx;
  const lead = leadingBlanks(search);
  const trail = leadingBlanks([...search].reverse());
  if (lead + trail === 0 || lead + trail >= search.length) return undefined;
  if (leadingBlanks(replace) < lead || leadingBlanks([...replace].reverse()) < trail || replace.length < lead + trail) return undefined;
  const innerSearch = search.slice(lead, search.length - trail);
  const innerReplace = replace.slice(lead, replace.length - trail);
  // Lines inserted at an edge the padding stood at: whether they go before or after a line
  // the person may have put there is a guess, so padding is dropped only where the edit
  // inserts nothing at that edge (changing the edge line is fine).
  const changes = diffLines(innerSearch, innerReplace);
  const first = changes[0];
  const last = changes[changes.length - 1];
  if (lead > 0 && first?.added) return undefined;
  if (trail > 0 && last?.added && !changes[changes.length - 2]?.removed) return undefined;
  return new MatchContext(ctx.file, innerSearch, innerReplace, ctx.hint === undefined ? undefined : ctx.hint + lead, ctx.fuzzy);
}

/**
 * Finds where `search` sits in `file` and what replaces it. `hint` is a 0-based line
 * where the agent said the block starts (a diff's hunk header): it breaks ties between
 * identical candidates, and bounds fuzzy matching to a window around it.
 */
export function matchEdit(file: readonly string[], search: readonly string[], replace: readonly string[], hint?: number, options: { fuzzy?: boolean } = {}): MatchResult {
  return run(new MatchContext(file, search, replace, hint, options.fuzzy ?? true));
}
