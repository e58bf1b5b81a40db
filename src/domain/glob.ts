// Glob patterns for `protectedPaths` and the context globs, matched against
// workspace-relative `/` paths by picomatch (its POSIX build: no Node built-ins, the
// same answer on every platform): `**` spans folders, `*` and `?` stay within one name,
// `{a,b}`, `[...]`, `@(…)`, `!(…)` and `\` escapes as in bash's globstar. Dot files
// match too: a guard should err on the side of asking.
import picomatch from 'picomatch/posix';

type Matcher = (path: string) => boolean;
const cache = new Map<string, Matcher>();

/** One glob's matcher, made once and kept. */
export function globMatcher(glob: string): Matcher {
  let matcher = cache.get(glob);
  if (!matcher) {
    // posix: POSIX brackets, and without it picomatch 4 reads `[!a]` as `[!a]` or `\[!a\]`, not as "not a".
    matcher = picomatch(glob, { dot: true, posix: true });
    cache.set(glob, matcher);
  }
  return matcher;
}

/** A workspace path as the patterns see it: `/` separators, no leading `./`. */
function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  const normalised = normalise(path);
  return globs.some((glob) => globMatcher(glob)(normalised));
}

/** The paths among `paths` that match a protected pattern, in order, without repeats. */
export function protectedAmong(paths: Iterable<string>, globs: readonly string[]): string[] {
  return [...new Set(paths)].filter((path) => matchesAny(path, globs));
}
