import type { EditProblem } from '../domain/session';
import { pathFromFenceInfo, pathFromLine } from './paths';
import type { EditOp } from './types';

// What every reply format's parser shares: the reply's lines, which of them a block
// has consumed, the fences, the edits and problems found so far, and the path of the
// previous block (a block without a path belongs to that file).

export const searchMarker = /^\s*<{5,9}\s*(?:SEARCH|ORIGINAL|FIND)?\s*:?\s*$/i;
export const dividerMarker = /^\s*={5,9}\s*$/;
export const replaceMarker = /^\s*>{5,9}\s*(?:REPLACE|UPDATED|NEW)?\s*:?\s*$/i;
export const fenceLine = /^\s{0,3}(`{3,}|~{3,})(.*)$/;
export const hunkHeader = /^@@+\s*(?:-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?\s*)?@@+/;
/** After a file header, models also separate hunks with `@@` alone or `@@ ... @@`. */
export const looseHunkHeader = /^@@(?:\s.*)?$/;
export const deleteLine = /^\s*(?:DELETE|DELETE FILE|REMOVE FILE)\s*:?\s+(\S.*?)\s*$/;
export const renameLine = /^\s*(?:RENAME|MOVE)\s*:?\s+(\S+)\s+(?:->|→|=>|TO)\s+(\S+)\s*$/;
export const strayMarker = /^\s*(?:<{3,}\s*(?:SEARCH|ORIGINAL)|>{3,}\s*(?:REPLACE|UPDATED))\b/i;
const MAX_PROBLEMS = 50;
/** Longest line read as a DELETE / RENAME / diff --git command (real ones are short). */
export const MAX_COMMAND_LINE = 1000;

export interface Fence {
  readonly open: number;
  /** Line of the closing fence, or -1 when the reply ends inside the fence. */
  readonly close: number;
  readonly info: string;
  readonly hasMarkers: boolean;
}

/** Pairs fence lines in one pass and notes which fences hold edit markers or diffs. */
function findFences(lines: readonly string[]): Map<number, Fence> {
  const fences = new Map<number, Fence>();
  let open: { line: number; marker: string; info: string; hasMarkers: boolean } | undefined;
  lines.forEach((line, index) => {
    const fence = fenceLine.exec(line);
    if (open) {
      if (fence && fence[1]![0] === open.marker[0] && fence[1]!.length >= open.marker.length && fence[2]!.trim() === '') {
        fences.set(open.line, { open: open.line, close: index, info: open.info, hasMarkers: open.hasMarkers });
        open = undefined;
      } else if (!open.hasMarkers && (searchMarker.test(line) || strayMarker.test(line) || hunkHeader.test(line) || line.startsWith('+++ ') || line.startsWith('diff --git '))) {
        open.hasMarkers = true;
      }
    } else if (fence) {
      open = { line: index, marker: fence[1]!, info: fence[2]!.trim(), hasMarkers: false };
    }
  });
  if (open) fences.set(open.line, { open: open.line, close: -1, info: open.info, hasMarkers: open.hasMarkers });
  return fences;
}

export class ParseContext {
  readonly edits: EditOp[] = [];
  readonly problems: EditProblem[] = [];
  readonly consumed: boolean[];
  readonly fences: Map<number, Fence>;
  /** The fence each line sits in (its opening line), for knowing where a diff must end. */
  readonly fenceOf: Int32Array;
  lastPath: string | undefined;
  /** `summary` fields of tool-call JSON in the text: part of the agent's explanation. */
  readonly summaries: string[] = [];
  /** Blocks numbered so far (1-based numbers go to problems). */
  block = 0;
  droppedProblems = 0;

  constructor(readonly lines: readonly string[]) {
    this.consumed = new Array<boolean>(lines.length).fill(false);
    this.fences = findFences(lines);
    this.fenceOf = new Int32Array(lines.length).fill(-1);
    for (const fence of this.fences.values()) {
      const end = fence.close < 0 ? lines.length : fence.close;
      for (let i = fence.open + 1; i < end; i++) this.fenceOf[i] = fence.open;
    }
  }

  problem(problem: EditProblem): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else this.droppedProblems++;
  }

  consume(from: number, to: number): void {
    for (let i = from; i < to; i++) this.consumed[i] = true;
  }

  /** Adds edits one by one: a spread into push() overflows the stack for big arrays. */
  addEdits(edits: readonly EditOp[]): void {
    for (const edit of edits) this.edits.push(edit);
  }

  /**
   * The path a block names just above it: on its own line (blank lines between are
   * fine), or in the info string of the fence the block opens with.
   */
  pathAbove(start: number, fenceAllowed = true): { path?: string; line?: number } {
    for (let i = start - 1; i >= 0 && i >= start - 4 && !this.consumed[i]; i--) {
      const line = this.lines[i]!;
      if (fenceAllowed && this.fences.has(i) && this.fences.get(i)!.close !== i) {
        fenceAllowed = false;
        const fromInfo = pathFromFenceInfo(this.fences.get(i)!.info);
        if (fromInfo) return { path: fromInfo, line: i };
        continue;
      }
      if (line.trim() === '') continue;
      const path = pathFromLine(line);
      return path ? { path, line: i } : {};
    }
    return {};
  }
}

export function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

export function unquote(text: string): string {
  return text.replace(/^[`'"]+|[`'"]+$/g, '');
}
