import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
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

export const feedback: Subcommand = async (args, io) => {
  let root = io.cwd;
  let json = false;
  let timeoutSeconds = 600;
  let maxTokens = defaultFeedbackTokens;
  let index = 0;
  for (; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      index++;
      break;
    }
    if (arg === '--help' || arg === '-h') {
      io.stdout(help);
      return 0;
    } else if (arg === '--json') json = true;
    else if (arg === '--root') {
      const value = args[++index];
      if (!value) throw new UsageError('--root needs a folder.');
      root = isAbsolute(value) ? value : resolve(io.cwd, value);
    } else if (arg === '--timeout') timeoutSeconds = positiveInteger('--timeout', args[++index]);
    else if (arg === '--max-tokens') maxTokens = positiveInteger('--max-tokens', args[++index]);
    else throw new UsageError(`unknown option '${arg}'.\n\n${help}`);
  }
  const command = args.slice(index);
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
