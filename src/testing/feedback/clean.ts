// Text hygiene for feedback: what a test run prints that an agent should not see
// (colour codes, timings, machine-specific absolute paths). Pure.

import { stripAnsi } from '../../domain/terminalText';

export { stripAnsi };

/** Durations such as `(6ms)`, `(0.00s)`, `in 0.02s`, `duration_ms: 1.2`. They change every run and say nothing about the failure. */
export function stripTimings(text: string): string {
  return text
    .replace(/\s*\(\d+(?:\.\d+)?\s?(?:ms|s)\)/g, '')
    .replace(/\s+in \d+(?:\.\d+)?s\b/g, '')
    .replace(/^\s*duration_ms: [\d.]+\s*$/gm, '');
}

/**
 * Workspace paths made relative; any other absolute path shortened to `…/name`, so the
 * agent sees neither this machine's folders nor its user name.
 */
export function stripAbsolutePaths(text: string, root?: string): string {
  let result = text;
  if (root) {
    const normalised = root.replace(/\\/g, '/').replace(/\/+$/, '');
    result = result.split(`file://${normalised}/`).join('').split(`${normalised}/`).join('');
  }
  return result.replace(/(?<![\w.:/~-])(?:\/[^\s/:'"`()<>[\]]+){2,}\/([^\s/:'"`()<>[\]]+)/g, '…/$1');
}

export function clean(text: string, root?: string): string {
  return stripAbsolutePaths(stripTimings(stripAnsi(text)), root);
}

/** One line, whitespace collapsed, at most `max` characters. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A message with the parts that differ between otherwise equal failures replaced:
 * numbers, quoted strings, hex addresses. Two failures with the same normalised
 * message at the same place are one group.
 */
export function normaliseMessage(message: string): string {
  return oneLine(stripAnsi(message), 400)
    .replace(/0x[0-9a-f]+/gi, '0x…')
    .replace(/(["'`])(?:(?!\1).){0,200}\1/g, '$1…$1')
    .replace(/-?\b\d+(?:\.\d+)?\b/g, 'N');
}
