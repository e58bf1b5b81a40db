// Glob patterns for `protectedPaths`, matched against workspace-relative `/` paths.
// `**` spans folders (also none), `*` and `?` stay within one name, `{a,b}` picks,
// `[...]` is a class. Dot files match too: a guard should err on the side of asking.

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let source = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const slashAfter = glob[i + 2] === '/';
        if (atStart && slashAfter) {
          source += '(?:.*/)?';
          i += 2;
        } else if (atStart && i + 2 === glob.length && i > 0) {
          // `dir/**`: the folder's contents at any depth
          source = source.slice(0, -1) + '(?:/.*)?';
          i += 1;
        } else {
          source += '.*';
          i += 1;
        }
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') source += '[^/]';
    else if (char === '{') {
      braces++;
      source += '(?:';
    } else if (char === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (char === ',' && braces > 0) source += '|';
    else if (char === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) source += '\\[';
      else {
        let body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        source += `[${body}]`;
        i = end;
      }
    } else source += char.replace(/[.+^$()|\\\]}]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`);
  cache.set(glob, regex);
  return regex;
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  const normalised = path.replace(/\\/g, '/').replace(/^\.\//, '');
  return globs.some((glob) => globToRegExp(glob).test(normalised));
}

/** The paths among `paths` that match a protected pattern, in order, without repeats. */
export function protectedAmong(paths: Iterable<string>, globs: readonly string[]): string[] {
  return [...new Set(paths)].filter((path) => matchesAny(path, globs));
}
