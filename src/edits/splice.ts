import { diffLines } from './lineDiff';
import { missing, type MatchContext, type MatchLevel, type MatchResult, type Placement, type SpliceLine } from './matchContext';
import { isBlank, isElision } from './normalize';

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

/** A range of SEARCH lines [from, to) one side changed; from === to: lines inserted before SEARCH line `from`. */
interface Hunk {
  readonly from: number;
  readonly to: number;
}

/**
 * The three-way check of a tolerant match (base: SEARCH; ours: the file's region;
 * theirs: REPLACE): a place where the file has lines SEARCH lacks, or lacks lines SEARCH
 * has, must not overlap or touch a place REPLACE changes, or where its lines go is a
 * guess. (A SEARCH line the file merely changed stays in place: REPLACE's insertions
 * keep their position next to it; changing it on both sides is refused in splice.)
 */
function conflictOf(changes: readonly { count: number; added?: boolean; removed?: boolean }[], placements: readonly (Placement | undefined)[], start: number, end: number, search: readonly string[]): string | undefined {
  const length = search.length;
  const ours: Hunk[] = [];
  let lastJ = -1;
  let lastEnd = start;
  for (let j = 0; j <= length; j++) {
    const place = j < length ? placements[j] : { start: end, end, exact: true };
    if (!place) continue;
    if (place.start > lastEnd || j - lastJ > 1) ours.push({ from: lastJ + 1, to: j });
    lastJ = j;
    lastEnd = place.end;
  }
  if (ours.length === 0) return undefined;
  // Which of several blank lines in a row the file lacks (or has more of) cannot be told:
  // a difference inside a run of blank SEARCH lines stands for the whole run.
  for (let h = 0; h < ours.length; h++) {
    let { from, to } = ours[h]!;
    while (from > 0 && isBlank(search[from - 1]!)) from--;
    while (to < length && isBlank(search[to]!)) to++;
    ours[h] = { from, to };
  }
  const theirs: Hunk[] = [];
  let j = 0;
  let open: { from: number; to: number } | undefined;
  for (const change of changes) {
    if (change.added || change.removed) {
      open ??= { from: j, to: j };
      if (change.removed) {
        j += change.count;
        open.to = j;
      }
      continue;
    }
    if (open) theirs.push(open);
    open = undefined;
    j += change.count;
  }
  if (open) theirs.push(open);
  for (const mine of theirs) {
    const clash = ours.find((other) => mine.from <= other.to && other.from <= mine.to);
    if (!clash) continue;
    const lines = (hunk: Hunk) => (hunk.to > hunk.from ? `SEARCH line(s) ${hunk.from + 1}-${hunk.to}` : `before SEARCH line ${hunk.from + 1}`);
    return `The file differs from SEARCH (${lines(clash)}) right where the edit changes it (${lines(mine)}): the file changed since the agent saw it, so where the new lines go would be a guess.`;
  }
  return undefined;
}

/** How many of `lines` are `line`, indentation aside (a re-indented copy is a copy too). */
function count(lines: readonly string[], line: string): number {
  let found = 0;
  const wanted = line.trim();
  for (const other of lines) if (other.trim() === wanted) found++;
  return found;
}

export function splice(
  ctx: MatchContext,
  level: MatchLevel,
  norm: (line: string) => string,
  start: number,
  end: number,
  placements: readonly (Placement | undefined)[],
  transform: (line: string) => string | undefined,
): MatchResult {
  const { search, replace, file } = ctx;
  // SEARCH and REPLACE are compared as written: both are the agent's, and a line it
  // re-indents on purpose is a changed line. `norm` only matched SEARCH to the file.
  void norm;
  const key = (line: string, index: number, markers: Map<number, number>) => (markers.has(index) ? `\u0000elision ${markers.get(index)}` : line);
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
        const text = transform(replace[k]!);
        if (text === undefined) return missing(`REPLACE line ${k + 1} ('${replace[k]!.trim()}') cannot be indented the way the file is: the agent's indentation does not map onto the file's here. Copy the lines with the file's own indentation.`);
        out.push({ text });
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
        if (place && !place.exact && (count(search, search[j]!) > 1 || count(replace, search[j]!) > 1)) {
          // The person's version of a line REPLACE has more than once: which copy keeps the change is a guess.
          return missing(`SEARCH line ${j + 1} ('${search[j]!.trim()}') differs from the file's line ${place.start + 1} ('${file[place.start]!.trim()}'), and SEARCH or REPLACE has that line more than once, so which of them the file's version belongs to is a guess.`);
        }
        if (place) keepUpTo(place.end);
        previousRemoved = false;
        k++;
      }
      j++;
    }
  }
  keepUpTo(end);
  // After the line-by-line checks, whose reasons are more specific.
  const conflict = conflictOf(changes, placements, start, end, search);
  if (conflict) return missing(conflict);
  return { kind: 'splice', level, start, end, lines: out };
}
