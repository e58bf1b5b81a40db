import type { FileChange } from '../domain/model';

// Test configuration is protected like the tests: an agent that cannot make a test pass
// may instead narrow the test script, turn a runner's option off, or drop a test target.
// These checks read what a change does to the files that decide which tests run, and
// answer with a reason a person can read (or undefined when the change is not a test
// change: package.json's `dependencies` alone, a Cargo.toml `[dependencies]` bump).

const decoder = new TextDecoder();

function decode(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : decoder.decode(bytes);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Scripts that run the tests, whatever the command: npm runs these around `test` itself. */
const alwaysTestScripts = ['test', 'pretest', 'posttest'];

/** The package.json script a command line runs (`npm test`, `npm run test:unit`, `yarn check`, `pnpm run x`), if any. */
export function scriptsNamedIn(command: string): string[] {
  const names: string[] = [];
  for (const match of command.matchAll(/\b(?:npm|pnpm|bun)\s+(?:run(?:-script)?\s+|(?=t(?:est)?\b))([\w:.@/-]+)/g)) names.push(match[1] === 't' ? 'test' : match[1]!);
  for (const match of command.matchAll(/\byarn\s+(?:run\s+)?([\w:.@/-]+)/g)) if (!['add', 'install', 'remove', 'upgrade'].includes(match[1]!)) names.push(match[1]!);
  // npm-run-all, run-s, run-p: every argument is a script name or a glob of names.
  for (const match of command.matchAll(/\b(?:npm-run-all|run-s|run-p)((?:\s+[^\s;&|]+)+)/g)) names.push(...match[1]!.trim().split(/\s+/).filter((arg) => !arg.startsWith('-')));
  return names;
}

function matchingScripts(pattern: string, scripts: Record<string, unknown>): string[] {
  if (!pattern.includes('*')) return Object.hasOwn(scripts, pattern) ? [pattern] : [];
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*?/g, '.*')}$`);
  return Object.keys(scripts).filter((name) => regex.test(name));
}

/** Every script the test command uses: the ones it names, their pre/post scripts, and what they run in turn. */
function usedScripts(testCommand: string, versions: readonly Record<string, unknown>[]): Set<string> {
  const used = new Set<string>();
  const queue = [...alwaysTestScripts, ...scriptsNamedIn(testCommand)];
  while (queue.length > 0) {
    const pattern = queue.shift()!;
    for (const scripts of versions) {
      for (const name of matchingScripts(pattern, scripts)) {
        if (used.has(name)) continue;
        used.add(name);
        queue.push(`pre${name}`, `post${name}`);
        const body = scripts[name];
        if (typeof body === 'string') queue.push(...scriptsNamedIn(body));
      }
    }
    if (!pattern.includes('*')) used.add(pattern);
  }
  return used;
}

/** package.json keys that configure a test runner (the runner reads them, not the app). */
const runnerKeys = ['jest', 'mocha', 'ava', 'vitest', 'tap', 'nyc', 'c8', 'jest-junit'];

function packageJsonChange(before: string | undefined, after: string | undefined, testCommand: string): string | undefined {
  const parse = (text: string | undefined): Record<string, unknown> | undefined | 'broken' => {
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text) as unknown;
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : 'broken';
    } catch {
      return 'broken';
    }
  };
  const old = parse(before);
  const next = parse(after);
  if (old === 'broken' || next === 'broken') return 'package.json would not be readable JSON, and it defines the test script';
  const scriptsOf = (manifest: Record<string, unknown> | undefined): Record<string, unknown> => {
    const scripts = manifest?.scripts;
    return scripts !== null && typeof scripts === 'object' && !Array.isArray(scripts) ? (scripts as Record<string, unknown>) : {};
  };
  const [oldScripts, newScripts] = [scriptsOf(old), scriptsOf(next)];
  const changed = [...usedScripts(testCommand, [oldScripts, newScripts])].filter((name) => JSON.stringify(oldScripts[name]) !== JSON.stringify(newScripts[name]));
  if (changed.length > 0) return `it changes the script${changed.length === 1 ? '' : 's'} the tests run with (${changed.map((name) => `"${name}"`).join(', ')})`;
  const keys = runnerKeys.filter((key) => JSON.stringify(old?.[key]) !== JSON.stringify(next?.[key]));
  if (keys.length > 0) return `it changes the test runner's configuration (${keys.map((key) => `"${key}"`).join(', ')})`;
  return undefined;
}

/** The lines of the INI/TOML sections whose header matches, keyed by header. */
function sections(text: string | undefined, header: RegExp): Map<string, string> {
  const found = new Map<string, string>();
  if (text === undefined) return found;
  let current: string | undefined;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const head = /^\s*(\[\[?[^\]]+\]\]?)\s*(?:[#;].*)?$/.exec(line);
    if (head) {
      current = header.test(head[1]!) ? head[1]!.replace(/\s+/g, '') : undefined;
      if (current !== undefined) found.set(current, (found.get(current) ?? '') + '\n');
      continue;
    }
    if (current !== undefined && line.trim() !== '' && !/^\s*[#;]/.test(line)) found.set(current, `${found.get(current)}${line.trim()}\n`);
  }
  return found;
}

function sectionChange(before: string | undefined, after: string | undefined, header: RegExp, what: string): string | undefined {
  const [old, next] = [sections(before, header), sections(after, header)];
  const changed = [...new Set([...old.keys(), ...next.keys()])].filter((name) => old.get(name) !== next.get(name));
  return changed.length > 0 ? `it changes ${what} (${changed.join(', ')})` : undefined;
}

/** The rules of the given Makefile targets, with their recipes. */
function makeRules(text: string | undefined, targets: readonly string[]): string {
  if (text === undefined) return '';
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const rules: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const rule = /^([^\s:=#][^:=#]*?)\s*::?(?!=)(.*)$/.exec(lines[index]!);
    if (!rule || !rule[1]!.split(/\s+/).some((target) => targets.includes(target))) continue;
    rules.push(lines[index]!);
    while (index + 1 < lines.length && (lines[index + 1]!.startsWith('\t') || lines[index]!.endsWith('\\'))) rules.push(lines[++index]!);
  }
  return rules.join('\n');
}

/** Files whose whole content is test runner configuration. */
const runnerConfigFile = /^(?:jest\.config|vitest\.config|vitest\.workspace|vitest\.projects|karma\.conf|playwright\.config|cypress\.config|ava\.config|\.mocharc|\.nycrc|\.c8rc|pytest\.ini|tox\.ini|noxfile)(?:\.[\w.]+)?$/;

/**
 * Why this change touches the test configuration, or undefined. `testCommand` is the
 * command line the tests run with ('' when unknown: then npm's `test` scripts count).
 */
export function testConfigReason(change: FileChange, testCommand: string): string | undefined {
  const name = baseName(change.path);
  const before = decode(change.before);
  const after = change.kind === 'delete' ? undefined : decode(change.after);
  if (name === 'package.json') return packageJsonChange(before, after, testCommand);
  if (runnerConfigFile.test(name)) return change.kind === 'delete' ? 'it deletes the test runner configuration' : 'it changes the test runner configuration';
  // vite.config is the app's build too: only when a version of it configures vitest (a `test` key).
  if (/^vite\.config\.[\w.]+$/.test(name) && /\btest\s*:/.test(`${before ?? ''}\n${after ?? ''}`)) return 'it changes a vite configuration that configures the tests';
  if (name === 'pyproject.toml') return sectionChange(before, after, /^\[tool\.(pytest|tox|coverage|hatch\.envs)/, 'the test configuration');
  if (name === 'setup.cfg') return sectionChange(before, after, /^\[(tool:pytest|pytest|coverage:)/, 'the pytest configuration');
  if (name === 'Cargo.toml') return sectionChange(before, after, /^\[(\[test\]|\[bench\]|profile\.test|lib\]|\[bin\])/, 'how cargo builds and runs the tests');
  if (/^(GNUmakefile|[Mm]akefile)$/.test(name)) {
    const make = /\bmake\s+(?:-\S+\s+)*([\w.-]+)/.exec(testCommand)?.[1];
    const targets = ['test', 'check', ...(make ? [make] : [])];
    if (makeRules(before, targets) !== makeRules(after, targets)) return `it changes the Makefile's test target (${targets.join(', ')})`;
  }
  return undefined;
}

export interface ProtectionContext {
  /** Glob patterns of protected paths (the setting). */
  readonly globs: readonly string[];
  readonly testCommand: string;
  /** Files a test report named as test files. */
  readonly testFiles: ReadonlySet<string>;
  /** Files the test command or its scripts run (`scripts/test.mjs`). */
  readonly commandFiles?: ReadonlySet<string>;
}

/** The file a command line runs as a path (`./run-tests.sh`, `node scripts/test.mjs`) is its definition too. */
export function filesNamedIn(command: string): string[] {
  return command
    .split(/[\s;&|()<>]+/)
    .map((token) => token.replace(/^['"]|['"]$/g, '').replace(/^\.\//, ''))
    .filter((token) => /^[\w.@-][\w.@/-]*\.(?:sh|bash|js|mjs|cjs|ts|py|rb|pl|ps1|cmd|bat)$/.test(token) || /^(?:bin|scripts?)\/[\w.@/-]+$/.test(token));
}

/** A rename is a delete of its old path and a create of its new one. */
function asFile(change: FileChange, path: string): FileChange {
  if (change.kind !== 'rename') return change;
  return path === change.oldPath ? { path, kind: 'delete', ...(change.before ? { before: change.before } : {}) } : { path, kind: 'create', ...(change.after ? { after: change.after } : {}) };
}

/**
 * Per path, why the change needs the person's explicit yes: a protected pattern, a file
 * a test report named as a test, or a change to the test configuration. Paths in order,
 * once each; a rename counts for both its paths.
 */
export function protectedReasons(changes: readonly FileChange[], context: ProtectionContext, matches: (path: string, globs: readonly string[]) => boolean): Map<string, string> {
  const reasons = new Map<string, string>();
  const commandFiles = new Set([...filesNamedIn(context.testCommand), ...(context.commandFiles ?? [])]);
  for (const change of changes) {
    for (const path of change.oldPath !== undefined ? [change.path, change.oldPath] : [change.path]) {
      if (reasons.has(path)) continue;
      let reason: string | undefined;
      if (matches(path, context.globs)) reason = 'it matches a protected path pattern';
      else if (context.testFiles.has(path)) reason = 'a test report named it as a test file';
      else if (commandFiles.has(path)) reason = 'the test command runs it';
      else reason = testConfigReason(asFile(change, path), context.testCommand);
      if (reason !== undefined) reasons.set(path, reason);
    }
  }
  return reasons;
}

/** Files that the scripts the tests run with name (`"test": "node scripts/test.mjs"`): their definition too. */
export function filesRunByScripts(packageJson: string | undefined, testCommand: string): string[] {
  let scripts: Record<string, unknown> = {};
  try {
    const manifest = JSON.parse(packageJson ?? '{}') as { scripts?: unknown };
    if (manifest.scripts !== null && typeof manifest.scripts === 'object' && !Array.isArray(manifest.scripts)) scripts = manifest.scripts as Record<string, unknown>;
  } catch {
    return [];
  }
  return [...usedScripts(testCommand, [scripts])].flatMap((name) => (typeof scripts[name] === 'string' ? filesNamedIn(scripts[name]) : []));
}
