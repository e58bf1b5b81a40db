// Text from outside (an agent's reply, a diff, test output) on its way to a terminal or
// a log: the one place that knows escape sequences. Pure.

// Escape sequences, 7-bit (ESC …) and 8-bit (C1) forms: CSI (colours, cursor moves, erase
// line), OSC (titles, hyperlinks), DCS/SOS/PM/APC strings, and the two-character ones.
const ansiPattern = new RegExp(
  [
    '(?:\\u001b\\[|\\u009b)[0-?]*[ -/]*[@-~]', // CSI
    '(?:\\u001b[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])[^\\u0007\\u001b\\u009c]*(?:\\u0007|\\u001b\\\\|\\u009c)', // OSC, DCS, SOS, PM, APC up to BEL or ST
    '\\u001b[ -/]*[0-~]', // ESC c, ESC 7, ESC ( B, …
  ].join('|'),
  'g',
);

/** Removes colour and cursor escape sequences, keeping the text they decorate. */
export function stripAnsi(text: string): string {
  return text.replace(ansiPattern, '');
}

// C0 controls but tab and newline, DEL, C1 controls, and the invisible marks and overrides
// that reorder text on screen (bidi embeddings, overrides, isolates; LRM, RLM, ALM).
// eslint-disable-next-line no-control-regex
const controlPattern = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  if (character === '\r') return '\\r';
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text made inert for a terminal: every control character (C0 except tab and newline, C1,
 * ESC and so every escape sequence, bidi overrides) shown escaped, as `\x1b` or `\u202e`,
 * never interpreted. A CRLF line end stays a line end.
 */
export function inertText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(controlPattern, escaped);
}

/** Test output for a terminal: colours dropped (they are the runner's, not an attack on the reader), the rest inert. */
export function inertOutput(text: string): string {
  return inertText(stripAnsi(text));
}

/**
 * A JSON document made inert the same way, as JSON escapes (`\u001b`): it parses back to
 * the same values. (JSON.stringify escapes C0 already, but not C1 or the bidi overrides.)
 */
export function inertJson(json: string): string {
  return json.replace(controlPattern, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
