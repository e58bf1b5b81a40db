// Translation for the pure parts of the editor side (the session model, its labels),
// which the unit tests run without `vscode`: English by default, `vscode.l10n.t` once
// the extension is active (extension.ts sets it). Same `{0}` placeholders as l10n.t.

export type Translate = (message: string, ...args: (string | number | boolean)[]) => string;

const english: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (whole, index: string) => (Number(index) < args.length ? String(args[Number(index)]) : whole));

let current: Translate = english;

export function t(message: string, ...args: (string | number | boolean)[]): string {
  return current(message, ...args);
}

export function setTranslator(translate: Translate): void {
  current = translate;
}
