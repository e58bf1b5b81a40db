import { TAB_WIDTH, indentOf, indentWidth, isBlank } from './normalize';

// Indentation-relative matching: the agent's block may sit at another depth, or use
// spaces where the file uses tabs. A model learned from the first matched line maps
// the agent's indentation to the file's; it must reproduce every matched line's real
// indentation exactly, or the candidate does not count.

export interface IndentModel {
  /** The file's indentation for a line the agent indented with `agentIndent`, or undefined. */
  map(agentIndent: string): string | undefined;
}

interface Style {
  readonly char: ' ' | '\t';
  /** Columns per level. */
  readonly unit: number;
}

const styleCache = new WeakMap<readonly string[], Style>();

/** The indentation style of a whole file: tabs or spaces, and the usual step. */
export function fileIndentStyle(lines: readonly string[]): Style {
  const cached = styleCache.get(lines);
  if (cached) return cached;
  let tabs = 0;
  let spaces = 0;
  const steps = new Map<number, number>();
  let previous = -1;
  for (const line of lines) {
    if (isBlank(line)) continue;
    const indent = indentOf(line);
    if (indent.startsWith('\t')) tabs++;
    else if (indent.length > 0) spaces++;
    const width = indentWidth(indent);
    if (previous >= 0 && width > previous && width - previous >= 2) steps.set(width - previous, (steps.get(width - previous) ?? 0) + 1);
    previous = width;
  }
  let unit = TAB_WIDTH;
  let best = 0;
  for (const [step, count] of steps) {
    if (count > best) {
      best = count;
      unit = step;
    }
  }
  const style: Style = tabs > spaces ? { char: '\t', unit: unit % TAB_WIDTH === 0 ? unit : TAB_WIDTH } : { char: ' ', unit };
  styleCache.set(lines, style);
  return style;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The step between indentation levels of some lines, relative to a base width. */
function stepOf(widths: readonly number[], base: number): number {
  let step = 0;
  let smallest = 0;
  for (const width of widths) {
    const delta = Math.abs(width - base);
    if (delta === 0) continue;
    if (smallest === 0 || delta < smallest) smallest = delta;
    // Deltas of 1 are usually alignment (` * ` in doc comments), not a level.
    if (delta >= 2) step = gcd(step, delta);
  }
  return step || smallest;
}

function render(columns: number, style: Style): string {
  if (style.char === ' ') return ' '.repeat(columns);
  return '\t'.repeat(Math.floor(columns / TAB_WIDTH)) + ' '.repeat(columns % TAB_WIDTH);
}

function prefixModel(agentBase: string, fileBase: string): IndentModel | undefined {
  if (agentBase.length > fileBase.length && agentBase.endsWith(fileBase)) {
    const extra = agentBase.slice(0, agentBase.length - fileBase.length);
    return { map: (agentIndent) => (agentIndent.startsWith(extra) ? agentIndent.slice(extra.length) : undefined) };
  }
  if (fileBase.length > agentBase.length && fileBase.endsWith(agentBase)) {
    const extra = fileBase.slice(0, fileBase.length - agentBase.length);
    return { map: (agentIndent) => extra + agentIndent };
  }
  return undefined;
}

/**
 * Only the indentations seen in matched lines, mapped as they were seen: for a fuzzy
 * match whose lines fit no model (a diff whose context lost its leading space).
 */
export function observedIndentModel(pairs: readonly (readonly [string, string])[]): IndentModel | undefined {
  const seen = observed(pairs);
  // One agent indentation seen as two of the file's: the lines were paired wrongly, or the
  // agent's indentation means nothing here; either way no line can be placed by it.
  const agentIndents = new Set(pairs.filter(([agent, file]) => !isBlank(agent) && !isBlank(file)).map(([agent]) => indentOf(agent)));
  if (seen.size < agentIndents.size) return undefined;
  return { map: (agentIndent) => seen.get(agentIndent) };
}

/** The file's indentation for each indentation of the agent's matched lines, where it is always the same. */
function observed(pairs: readonly (readonly [string, string])[]): Map<string, string> {
  const seen = new Map<string, string | null>();
  for (const [agent, file] of pairs) {
    if (isBlank(agent) || isBlank(file)) continue;
    const known = seen.get(indentOf(agent));
    seen.set(indentOf(agent), known === undefined || known === indentOf(file) ? indentOf(file) : null);
  }
  const clean = new Map<string, string>();
  for (const [agent, file] of seen) if (file !== null) clean.set(agent, file);
  return clean;
}

/**
 * Learns how the agent's indentation maps onto the file's at one candidate, and checks
 * it against every matched line. `pairs` are [agent line, file line] of the match.
 */
export function learnIndentModel(
  pairs: readonly (readonly [string, string])[],
  replaceLines: readonly string[],
  wholeFile: readonly string[],
): IndentModel | undefined {
  const first = pairs.find(([agent]) => !isBlank(agent));
  if (!first) return undefined;
  const agentBase = indentOf(first[0]);
  const fileBase = indentOf(first[1]);
  const agentBaseWidth = indentWidth(agentBase);
  const fileBaseWidth = indentWidth(fileBase);
  // The agent's step from the lines matched to the file only: REPLACE may indent a line
  // oddly on purpose, and a step guessed from it would misplace the others.
  void replaceLines;
  const widthsOf = (lines: readonly string[]) => lines.filter((line) => !isBlank(line)).map((line) => indentWidth(indentOf(line)));
  const agentStep = stepOf(widthsOf(pairs.map(([agent]) => agent)), agentBaseWidth);
  const fileLines = pairs.map(([, file]) => file).filter((line) => !isBlank(line));
  const regionStep = stepOf(
    fileLines.map((line) => indentWidth(indentOf(line))),
    fileBaseWidth,
  );
  // The whole file's style is only needed when the matched lines do not show it.
  const regionTabs = fileLines.some((line) => indentOf(line).includes('\t'));
  const needGlobal = regionStep === 0 || (!regionTabs && fileBase === '');
  const global = needGlobal ? fileIndentStyle(wholeFile) : undefined;
  const usesTabs = regionTabs || (fileBase === '' && global?.char === '\t');
  // In columns; with tabs, a level is usually one tab but may be more.
  const unit = regionStep || global!.unit;
  const style: Style = { char: usesTabs ? '\t' : ' ', unit: usesTabs && unit % TAB_WIDTH !== 0 ? TAB_WIDTH : unit };

  const fits = (candidate: IndentModel) => pairs.every(([agent, file]) => isBlank(agent) || isBlank(file) || candidate.map(indentOf(agent)) === indentOf(file));
  // The agent's indentation as it is, when every matched line has the file's.
  // A new indentation in another character than the file indents with (spaces in a tab
  // file) is not the file's: how many tabs it stands for is a guess.
  const agentIndents = new Set(pairs.filter(([agent]) => !isBlank(agent)).map(([agent]) => indentOf(agent)));
  const identity: IndentModel = {
    map: (agentIndent) => {
      if (agentIndent === '' || agentIndents.has(agentIndent)) return agentIndent;
      // One space is alignment (` * ` in a doc comment), not the file's indentation.
      const fileChar = regionTabs ? '\t' : fileLines.some((line) => indentOf(line).startsWith('  ')) ? ' ' : fileIndentStyle(wholeFile).char;
      return agentIndent.includes(fileChar === '\t' ? ' ' : '\t') && !agentIndent.includes(fileChar) ? undefined : agentIndent;
    },
  };
  if (fits(identity)) return identity;
  // A fixed prefix added or removed (the agent indented or dedented the whole block): as
  // text, so tabs and spaces REPLACE mixes on purpose stay as it wrote them.
  const prefixed = prefixModel(agentBase, fileBase);
  if (prefixed && fits(prefixed)) return prefixed;
  // Shifted by a fixed number of columns (the agent dedented or indented the block): the
  // simplest reading, and the only one when SEARCH shows no step between levels.
  const offset = fileBaseWidth - agentBaseWidth;
  const shifted: IndentModel = {
    map(agentIndent) {
      if (agentIndent === agentBase) return fileBase;
      const columns = indentWidth(agentIndent) + offset;
      if (columns < 0 || (style.char === '\t' && columns % TAB_WIDTH !== 0)) return undefined;
      return render(columns, style);
    },
  };
  // Only where both indent with the same character: spaces for tabs need a scale, and one
  // level of SEARCH does not show it.
  const sameCharacter = pairs.every(([agent, file]) => isBlank(agent) || isBlank(file) || indentOf(agent).includes('\t') === indentOf(file).includes('\t'));
  if (sameCharacter && fits(shifted)) return shifted;
  // Indentations seen in the matched lines map as they were seen; the rest by levels.
  const seen = observed(pairs);
  const model: IndentModel = {
    map(agentIndent) {
      if (agentIndent === agentBase) return fileBase;
      const delta = indentWidth(agentIndent) - agentBaseWidth;
      if (agentStep === 0) return undefined;
      const levels = Math.trunc(delta / agentStep);
      const rest = delta - levels * agentStep;
      // Part of a level in a file indented with tabs: tabs and how many spaces is a guess.
      if (rest !== 0 && style.char === '\t') return undefined;
      const columns = fileBaseWidth + levels * style.unit + rest;
      if (columns < 0) return undefined;
      return render(columns, style);
    },
  };
  if (!fits(model)) return undefined;
  return { map: (agentIndent) => seen.get(agentIndent) ?? model.map(agentIndent) };
}
