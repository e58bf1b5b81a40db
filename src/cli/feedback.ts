import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../domain/errors';
import { isGreen } from '../domain/testReport';
import { detectTestCommand } from '../node/detectTests';
import { buildFeedback, defaultFeedbackTokens, sourcesNeeded } from '../testing/feedback/index';
import { createTestRunner } from '../node/testRunner';
import type { Subcommand } from './main';

// `refine-loop feedback [--root DIR] [--json] [--timeout SECONDS] [--max-tokens N] -- <test command…>`
// Runs the tests once and prints the feedback an agent would get. Exit 0 when all
// tests pass, 1 when any fail or error, 2 on a usage error.

const help = `usage: refine-loop feedback [--root DIR] [--json] [--timeout SECONDS] [--max-tokens N] -- <test command…>

Runs the test command in DIR (default: the current folder) and prints the feedback an
agent would get. One argument after -- is a shell command line; several are argv.
  --json         print {"report": TestReport, "feedback": {...}} instead of the text
  --timeout      seconds before the run is stopped (default 600)
  --max-tokens   feedback budget in tokens (default ${defaultFeedbackTokens})
Exit: 0 all tests passed, 1 a test failed or the run had an error, 2 usage error.
`;

function positiveInteger(flag: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`${flag} needs a positive whole number, got ${value === undefined ? 'nothing' : `'${value}'`}.`);
  return Number(value);
}

/** parseArgs' own errors, said as this command always said them. */
function usageError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) return new UsageError(`unknown option '${unknown[1]}'.\n\n${help}`);
  const missing = /Option '(--[\w-]+)/.exec(message);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && missing?.[1] === '--root') return new UsageError('--root needs a folder.');
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && missing) return new UsageError(`${missing[1]} needs a positive whole number, got nothing.`);
  return new UsageError(`${message}\n\n${help}`);
}

export const feedback: Subcommand = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      tokens: true,
      options: {
        root: { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        'max-tokens': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError(error);
  }
  if (parsed.values.help) {
    io.stdout(help);
    return 0;
  }
  // The test command is what follows `--`; a word before it is a mistake, not a command.
  const terminator = parsed.tokens.find((token) => token.kind === 'option-terminator');
  const stray = parsed.tokens.find((token) => token.kind === 'positional' && (terminator === undefined || token.index < terminator.index));
  if (stray?.kind === 'positional') throw new UsageError(`unknown option '${stray.value}'.\n\n${help}`);
  const { values } = parsed;
  if (values.root === '') throw new UsageError('--root needs a folder.');
  const root = values.root === undefined ? io.cwd : isAbsolute(values.root) ? values.root : resolve(io.cwd, values.root);
  const json = values.json === true;
  const timeoutSeconds = values.timeout === undefined ? 600 : positiveInteger('--timeout', values.timeout);
  const maxTokens = values['max-tokens'] === undefined ? defaultFeedbackTokens : positiveInteger('--max-tokens', values['max-tokens']);
  const command = terminator === undefined ? [] : args.slice(terminator.index + 1);
  if (command.length === 0) {
    const detected = await detectTestCommand(root).catch(() => undefined);
    const hint = detected ? ` This workspace suggests: refine-loop feedback -- ${detected.command}   (${detected.reason})` : '';
    throw new UsageError(`give the test command after --.${hint}\n\n${help}`);
  }

  const runner = createTestRunner({ root, command: command.length === 1 ? command[0]! : command, timeoutMs: timeoutSeconds * 1000 });
  const report = await runner.run({}, new AbortController().signal);
  const sources: Record<string, string> = {};
  for (const path of sourcesNeeded(report)) {
    try {
      sources[path] = await readFile(resolve(root, path), 'utf8');
    } catch {
      // A file the runner named but that is not there (generated, deleted): no excerpt.
    }
  }
  const result = buildFeedback({ report, sources, maxTokens, root });
  if (json) io.stdout(JSON.stringify({ report, feedback: result }, null, 2) + '\n');
  else io.stdout(result.text + '\n');
  return isGreen(report) ? 0 : 1;
};
