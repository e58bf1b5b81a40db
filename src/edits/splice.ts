import { diffLines } from './lineDiff';
import { missing, type MatchContext, type MatchLevel, type MatchResult, type Placement, type SpliceLine } from './matchContext';
import { isElision } from './normalize';

// The new lines for a matched region: lines REPLACE keeps from SEARCH come from the
// file as they are (byte for byte, with their endings); added lines pass through
// `transform`; a line the edit removes must be in the file as the agent saw it.

function elisionNumbers(lines: readonly string[]): Map<number, number> {
  const numbers = new Map<number, number>();
  lines.forEach((line, index) => {
    if (isElision(line)) numbers.set(index, numbers.size);
  });
  return numbers;
}

export function splice(
  ctx: MatchContext,
  level: MatchLevel,
  norm: (line: string) => string,
  start: number,
  end: number,
  placements: readonly (Placement | undefined)[],
  transform: (line: string) => string,
): MatchResult {
  const { search, replace, file } = ctx;
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
    for (; next < limit; next++) out.push({ text: file[next]!, from: next });
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
            `SEARCH line ${j + 1} ('${search[j]!.trim()}'), which the edit removes or changes, differs from the file's line ${place.start + 1} ('${file[place.start]!.trim()}'): the file changed since the agent saw it.`,
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
