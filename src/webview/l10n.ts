// The panel's strings in the person's language: the host puts `vscode.l10n.bundle` (the
// translations of the extension's strings, keyed by their English) into the page, and
// `t` looks a message up there, else keeps the English; `{0}`… are filled in as by
// vscode.l10n.t. With no bundle (English), every message is its own text.

let bundle: Record<string, string> = {};
try {
  const data = document.getElementById('l10n')?.textContent;
  if (data) bundle = JSON.parse(data) as Record<string, string>;
} catch {
  bundle = {};
}

export function t(message: string, ...args: (string | number)[]): string {
  const text = bundle[message] ?? message;
  return text.replace(/\{(\d+)\}/g, (whole, index: string) => (Number(index) < args.length ? String(args[Number(index)]) : whole));
}
