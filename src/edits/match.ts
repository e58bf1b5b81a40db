import { learnIndentModel, type IndentModel } from './indent';
import { MatchContext, lineLevels, missing, type LineLevel, type MatchResult } from './matchContext';
import { tryElision } from './matchElision';
import { tryFuzzy } from './matchFuzzy';
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
  if (sameLines(search.map(level.norm), replace.map(level.norm))) return { kind: 'already', level: level.name };
  if (isSubstantial(replace)) {
    // An edit whose result is already there must not be applied twice: when every
    // place SEARCH matches lies inside a copy of REPLACE, the edit is already in.
    const copies = ctx.positions(level, replace);
    const outside = starts.filter((start) => !copies.some((copy) => copy <= start && start + search.length <= copy + replace.length));
    if (outside.length === 0) return { kind: 'already', level: level.name };
    starts = outside;
  }
  const chosen = ctx.choose(starts);
  if (chosen === undefined) return { kind: 'ambiguous', level: level.name, candidates: starts.map((start) => ctx.candidate(start, search.length, 1)) };
  const placements = search.map((_, j) => ({ start: chosen + j, end: chosen + j + 1, exact: true }));
  const transform = ctx.transformFor(level, chosen, models.get(chosen));
  return splice(ctx, level.name, level.norm, chosen, chosen + search.length, placements, transform);
}

/** SEARCH is nowhere, but REPLACE is in the file: the edit was applied before. */
function replacementPresent(ctx: MatchContext): boolean {
  if (!isSubstantial(ctx.replace)) return false;
  for (const level of lineLevels) {
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
  if (replacementPresent(ctx)) return { kind: 'already', level: 'exact' };
  if (searchElides) {
    const result = tryElision(ctx);
    if (result) return result;
  }
  if (!ctx.fuzzy) return missing('SEARCH does not match the file: not exactly, nor ignoring whitespace, indentation or typographic quotes.');
  return tryFuzzy(ctx);
}

/**
 * Finds where `search` sits in `file` and what replaces it. `hint` is a 0-based line
 * where the agent said the block starts (a diff's hunk header): it breaks ties between
 * identical candidates, and bounds fuzzy matching to a window around it.
 */
export function matchEdit(file: readonly string[], search: readonly string[], replace: readonly string[], hint?: number, options: { fuzzy?: boolean } = {}): MatchResult {
  return run(new MatchContext(file, search, replace, hint, options.fuzzy ?? true));
}
