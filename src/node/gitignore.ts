import { globToRegExp } from '../domain/glob';

// The part of .gitignore that decides what a workspace listing shows: one file per
// folder, `#` comments, `!` negation, a trailing `/` for folders only, a `/` inside
// the pattern anchoring it to the file's folder, `*`, `?`, `**` and classes. The last
// rule that matches decides, as in git. (No core.excludesFile, no .git/info/exclude.)

export interface IgnoreRule {
  /** Folder of the .gitignore, workspace-relative ('' for the root). */
  readonly base: string;
  readonly regex: RegExp;
  readonly negate: boolean;
  readonly folderOnly: boolean;
}

export function parseGitignore(text: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1);
    const folderOnly = line.endsWith('/');
    if (folderOnly) line = line.replace(/\/+$/, '');
    if (line === '') continue;
    const anchored = line.includes('/');
    line = line.replace(/^\/+/, '');
    const glob = anchored ? line : `**/${line}`;
    rules.push({ base, regex: globToRegExp(glob), negate, folderOnly });
  }
  return rules;
}

/** Whether `path` (workspace-relative) is ignored by `rules` (outermost .gitignore first). */
export function isIgnored(path: string, isFolder: boolean, rules: readonly IgnoreRule[]): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (rule.folderOnly && !isFolder) continue;
    if (rule.base !== '' && !path.startsWith(`${rule.base}/`)) continue;
    const relative = rule.base === '' ? path : path.slice(rule.base.length + 1);
    if (rule.regex.test(relative)) ignored = !rule.negate;
  }
  return ignored;
}
