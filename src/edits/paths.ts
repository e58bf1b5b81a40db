// Recognising a file path on a line of an agent's reply: alone on its line, perhaps in
// backticks or bold, after "File:", or as a heading. Prose sentences are not paths.

const extensionless = /^(Makefile|Dockerfile|Containerfile|Gemfile|Rakefile|Procfile|Jenkinsfile|LICENSE|README|CHANGELOG|\.[\w.-]+)$/;

/** The path a line names, or undefined when the line is something else. */
export function pathFromLine(line: string): string | undefined {
  if (line.length > 300) return undefined;
  let text = line.trim();
  text = text.replace(/^#{1,6}\s+/, '');
  // A path written as a comment on the block's first line: `// src/a.ts`, `<!-- a.html -->`.
  text = text.replace(/^(?:\/\/+|--|;+|\/\*+|<!--)\s*(.*?)\s*(?:\*\/|-->)?$/, '$1');
  text = text.replace(/^(?:[-*]\s+)?(?:\*\*|__)?(?:file(?:name)?|path|in|update|edit|create|new file|modified)\s*:\s*/i, '');
  // "In `src/a.ts`:", "Update `src/a.ts`": a verb and a quoted path, nothing else.
  text = text.replace(/^(?:in|update|updated|edit|change|changed|modify|create|fix)\s+(`[^`]+`):?$/i, '$1');
  text = text.replace(/^(\*\*|__)(.*)\1:?$/, '$2').trim();
  text = text.replace(/^`([^`]+)`:?$/, '$1').trim();
  text = text.replace(/^(\*\*|__)(.*)\1$/, '$2').trim();
  text = text.replace(/:$/, '');
  // A line number after the path (src/a.ts:12) is not part of it.
  text = text.replace(/(\.[A-Za-z0-9_+-]+):\d+(?::\d+)?$/, '$1');
  text = text.replace(/^["']([^"']+)["']$/, '$1');
  return looksLikePath(text) ? text : undefined;
}

export function looksLikePath(text: string): boolean {
  if (text.length === 0 || text.length > 260) return false;
  if (/\s/.test(text)) return false;
  if (/^(<{3,}|={3,}|>{3,}|`{3,}|~{3,}|@@|---|\+\+\+|\/\/|#)/.test(text)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return false;
  if (/[(){};,<>|*?"]/.test(text)) return false;
  if (text.endsWith('.')) return false;
  const name = text.replace(/\\/g, '/').split('/').pop() ?? '';
  return /\.[A-Za-z0-9_+-]{1,12}$/.test(name) || extensionless.test(name) || (text.includes('/') && name.length > 0);
}

/** A fence's info string may carry the path: ```ts src/a.ts, ```src/a.ts, ```ts title="src/a.ts". */
export function pathFromFenceInfo(info: string): string | undefined {
  const titled = /(?:title|file|path|filename)=["']?([^"'\s]+)/.exec(info);
  if (titled && looksLikePath(titled[1]!)) return titled[1];
  const words = info.trim().split(/\s+/);
  for (const word of words.length > 1 ? words.slice(1) : words) {
    const candidate = word.replace(/^.*?:(?=[\w./\\])/, '');
    if (looksLikePath(candidate) && (candidate.includes('/') || candidate.includes('.'))) return candidate;
  }
  return undefined;
}
