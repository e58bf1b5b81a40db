import type { TestCase } from '../domain/testReport';
import type { ReportFormat } from './parsers/index';

// What we know about each test framework: how to spot it in a command line, how to ask
// it for a machine-readable report (a reporter flag writing to a temp file) and how to
// make it run only some tests (failing-first). Pure string work on command lines; the
// runner decides when to use it.

export const frameworks = ['node-test', 'mocha', 'jest', 'vitest', 'pytest', 'go', 'cargo'] as const;
export type Framework = (typeof frameworks)[number];

export type Command = string | readonly string[];

export function identifyFramework(command: Command): Framework | undefined {
  const text = typeof command === 'string' ? command : command.join(' ');
  if (/\bnode\b[^|&;]*\s--test(\s|$)/.test(text)) return 'node-test';
  if (/(^|[\s/])(_?mocha)(\s|$)/.test(text)) return 'mocha';
  if (/(^|[\s/])jest(\.js)?(\s|$)/.test(text)) return 'jest';
  if (/(^|[\s/])vitest(\.mjs)?(\s|$)/.test(text)) return 'vitest';
  if (/(^|[\s/])(py\.test|pytest)(\s|$)|-m\s+pytest\b/.test(text)) return 'pytest';
  if (/(^|[\s/])go\s+test(\s|$)/.test(text)) return 'go';
  if (/(^|[\s/])cargo\s+test(\s|$)/.test(text)) return 'cargo';
  return undefined;
}

/** POSIX shell quoting. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Arguments added at the end of a command line (or argv). */
export function appendArgs(command: Command, args: readonly string[]): Command {
  if (args.length === 0) return command;
  if (typeof command === 'string') return `${command} ${args.map(shellQuote).join(' ')}`;
  return [...command, ...args];
}

/** node's own options must come before the test file patterns: right after `--test`. */
function insertAfterTestFlag(command: Command, args: readonly string[]): Command {
  if (typeof command === 'string') {
    const quoted = args.map(shellQuote).join(' ');
    // A function, so `$` in the arguments is not read as a replacement pattern.
    return command.replace(/(^|\s)--test(?=\s|$)/, (_match, space: string) => `${space}--test ${quoted}`);
  }
  const index = command.indexOf('--test');
  if (index < 0) return command;
  return [...command.slice(0, index + 1), ...args, ...command.slice(index + 1)];
}

/** libtest's arguments come after `--`; add one unless the command has it. */
function appendLibtestArgs(command: Command, args: readonly string[]): Command {
  const parts = typeof command === 'string' ? command.split(/\s+/) : command;
  return appendArgs(command, parts.includes('--') ? args : ['--', ...args]);
}

export interface Invocation {
  readonly command: Command;
  /** Where the machine-readable report lands, when the framework writes one to a file. */
  readonly reportFile?: string;
  /** Format of the report file, or of the output when there is no file. */
  readonly format: ReportFormat;
}

/** The command with the framework's machine-readable reporter added. */
export function withReport(framework: Framework | undefined, command: Command, reportFile: string): Invocation {
  switch (framework) {
    case 'node-test':
      return {
        command: insertAfterTestFlag(command, ['--test-reporter=tap', `--test-reporter-destination=${reportFile}`, '--test-reporter=spec', '--test-reporter-destination=stdout']),
        reportFile,
        format: 'tap',
      };
    case 'mocha':
      return { command: appendArgs(command, ['--reporter', 'xunit', '--reporter-option', `output=${reportFile}`]), reportFile, format: 'junit' };
    case 'jest':
      return { command: appendArgs(command, ['--json', `--outputFile=${reportFile}`]), reportFile, format: 'jest-json' };
    case 'vitest':
      return { command: appendArgs(command, ['--reporter=default', '--reporter=junit', `--outputFile.junit=${reportFile}`]), reportFile, format: 'junit' };
    case 'pytest':
      return { command: appendArgs(command, [`--junitxml=${reportFile}`]), reportFile, format: 'junit' };
    case 'go':
      return { command: typeof command === 'string' && /\s-json(\s|$)/.test(command) ? command : appendArgs(command, ['-json']), format: 'go-json' };
    case 'cargo':
      return { command, format: 'libtest' };
    default:
      return { command, format: 'raw' };
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * `node --test [paths]` with its paths replaced by the failing tests' files, so the other
 * files are not even started. Only for a plain command line whose paths contain those
 * files (or that has none), so nothing runs that the user's command would not run.
 */
function narrowNodeTestFiles(command: Command, tests: readonly TestCase[]): Command | undefined {
  const files = unique(tests.map((test) => test.file ?? ''));
  if (files.includes('') || files.some((file) => file.startsWith('/') || file.includes('..'))) return undefined;
  const tokens = typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
  if (typeof command === 'string' && /['"`$\\|&;<>(){}]/.test(command)) return undefined;
  const flag = tokens.indexOf('--test');
  if (flag < 0) return undefined;
  const paths = tokens.slice(flag + 1).filter((token) => !token.startsWith('-'));
  if (tokens.slice(flag + 1).some((token, index, rest) => token.startsWith('-') && !token.includes('=') && rest[index + 1] !== undefined && !rest[index + 1]!.startsWith('-'))) return undefined;
  const covered = (file: string): boolean => paths.some((path) => /[*?[]/.test(path) || file === path.replace(/^\.\//, '') || file.startsWith(path.replace(/^\.\//, '').replace(/\/?$/, '/')));
  if (paths.length > 0 && !files.every(covered)) return undefined;
  const kept = [...tokens.slice(0, flag + 1), ...tokens.slice(flag + 1).filter((token) => token.startsWith('-')), ...files];
  return typeof command === 'string' ? kept.join(' ') : kept;
}

/**
 * The command narrowed to `tests`, or undefined when this framework (or these tests)
 * cannot be selected. Selection may run a few more tests than asked (name patterns
 * match by substring in some frameworks), never fewer.
 */
export function withSelection(framework: Framework | undefined, command: Command, tests: readonly TestCase[]): Command | undefined {
  if (tests.length === 0) return undefined;
  switch (framework) {
    case 'node-test': {
      // node matches each test's own name; its suites run when any test inside matches.
      const pattern = `^(?:${unique(tests.map((test) => escapeRegex(test.name))).join('|')})$`;
      const narrowed = narrowNodeTestFiles(command, tests);
      return insertAfterTestFlag(narrowed ?? command, [`--test-name-pattern=${pattern}`]);
    }
    case 'mocha': {
      const pattern = `^(?:${unique(tests.map((test) => escapeRegex([...test.suite, test.name].join(' ')))).join('|')})$`;
      return appendArgs(command, ['--grep', pattern]);
    }
    case 'jest':
    case 'vitest': {
      const names = unique(tests.map((test) => escapeRegex([...test.suite, test.name].join(' '))));
      const pattern = framework === 'jest' ? `^(?:${names.join('|')})$` : `(?:${names.join('|')})$`;
      const files = unique(tests.flatMap((test) => (test.file ? [test.file] : [])));
      // Both take positional file filters; narrowing to the failing files skips the others' startup.
      const fileArgs = files.length > 0 && files.length === unique(tests.map((test) => test.file ?? '')).length ? files.map((file) => (framework === 'jest' ? escapeRegex(file) : file)) : [];
      return appendArgs(command, ['-t', pattern, ...fileArgs]);
    }
    case 'pytest': {
      // -k matches substrings of node ids; parametrised ids are matched by their function name.
      const names = unique(tests.map((test) => test.name.replace(/\[.*\]$/, '')));
      if (names.some((name) => !/^\w+$/.test(name))) return undefined;
      return appendArgs(command, ['-k', names.join(' or ')]);
    }
    case 'go': {
      // -run takes top-level test names; a failing subtest re-runs its parent.
      const topLevel = unique(tests.map((test) => test.suite[1] ?? test.name));
      return appendArgs(command, ['-run', `^(?:${topLevel.map(escapeRegex).join('|')})$`]);
    }
    case 'cargo': {
      const names = unique(tests.map((test) => [...test.suite, test.name].join('::')));
      return appendLibtestArgs(command, [...names, '--exact']);
    }
    default:
      return undefined;
  }
}
