import { learnIndentModel } from './indent';
import { lineLevels, missing, type LineLevel, type MatchContext, type MatchResult, type Placement } from './matchContext';
import { isBlank, isCommentElision, isElision } from './normalize';
import { splice } from './splice';

// SEARCH with `...` lines (or `// ... existing code ...`): its pieces must appear in the
// file in order; the lines an elision stands for are kept as they are.

interface ElisionCandidate {
  start: number;
  end: number;
  placements: Placement[];
}

export function tryElision(ctx: MatchContext): MatchResult | undefined {
  const { search, replace, file } = ctx;
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
  let found: ElisionCandidate[] = [];
  for (const candidateLevel of lineLevels) {
    level = candidateLevel;
    found = elisionCandidates(ctx, candidateLevel, pieces);
    if (found.length > 0) break;
  }
  if (found.length === 0) return undefined;
  const chosen = ctx.choose(found.map((candidate) => candidate.start));
  if (chosen === undefined) return { kind: 'ambiguous', level: 'elision', candidates: found.map((candidate) => ctx.candidate(candidate.start, candidate.end - candidate.start, 1)) };
  const match = found.find((candidate) => candidate.start === chosen)!;
  const pairs = search.flatMap((line, j) => (isElision(line) ? [] : [[line, file[match.placements[j]!.start]!] as const]));
  const model = learnIndentModel(pairs, replace.filter((line) => !isElision(line)), file);
  if (!model) return undefined;
  return splice(ctx, 'elision', level.norm, match.start, match.end, match.placements, ctx.transformFor(level, match.start, model));
}

const bareElision = (line: string) => isElision(line) && !isCommentElision(line);

function elisionCandidates(ctx: MatchContext, level: LineLevel, pieces: readonly string[][]): ElisionCandidate[] {
  const normFile = ctx.normFile(level);
  const markers = ctx.search.filter(isElision);
  const found: ElisionCandidate[] = [];
  for (const firstStart of ctx.positions(level, pieces[0]!)) {
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
        // A bare `...` with a `...` line in the file where it stands (anywhere in the lines
        // it would stand for: the person may have inserted one before it) is code (Python's
        // Ellipsis), not an elision: the pieces around it would be matched across code.
        const marker = markers[p - 1]!;
        const ellipsisIn = (from: number, to: number) => {
          for (let i = from; i < Math.min(to, normFile.length); i++) if (ctx.file[i]!.trim().startsWith(marker.trim())) return true;
          return false;
        };
        if (start < 0 || (bareElision(marker) && ellipsisIn(at, Math.max(start, at + 1)))) {
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
