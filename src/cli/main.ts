// `refine-loop`: the headless front end over the same core. Each subcommand lives in
// its own module and is listed here.
import { UsageError, errorMessage } from '../domain/errors';
import { inertJson, inertText } from '../domain/terminalText';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** A subcommand returns its exit code: 0 success, 1 a negative result, 2 usage error. */
export type Subcommand = (args: string[], io: CliIo) => Promise<number>;

const subcommands: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  run: { summary: 'run a refinement session: the agent proposes, the tests judge, you approve each round', load: async () => (await import('./run.js')).run },
  sessions: { summary: 'list the sessions of a project', load: async () => (await import('./sessions.js')).sessions },
  report: { summary: 'print a session as a Markdown report', load: async () => (await import('./sessions.js')).report },
  restore: { summary: "undo a session's round and every later one", load: async () => (await import('./sessions.js')).restore },
  feedback: { summary: 'run the tests and print the feedback an agent would get', load: async () => (await import('./feedback.js')).feedback },
  lessons: { summary: 'list or remove the lessons kept from your reviews (.refine-loop/lessons.md)', load: async () => (await import('./lessons.js')).lessons },
  apply: { summary: "apply an agent's reply (edit blocks or a diff) to the files, all or nothing", load: async () => (await import('./apply.js')).apply },
};

export function usage(): string {
  const lines = ['usage: refine-loop <command> [options]', '', 'commands:'];
  for (const [name, { summary }] of Object.entries(subcommands)) lines.push(`  ${name.padEnd(10)} ${summary}`);
  if (Object.keys(subcommands).length === 0) lines.push('  (none yet)');
  return lines.join('\n') + '\n';
}

/**
 * What every subcommand prints passes here: an agent's text, a diff or test output can
 * hold escape sequences that would erase or rewrite lines on screen, so every control
 * character is shown escaped (JSON output as JSON escapes, so it still parses).
 */
function inertIo(io: CliIo, json: boolean): CliIo {
  return { ...io, stdout: (text) => io.stdout(json ? inertJson(text) : inertText(text)), stderr: (text) => io.stderr(inertText(text)) };
}

export async function main(argv: string[], rawIo: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const io = inertIo(rawIo, rest.includes('--json'));
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout('refine-loop 0.1.0\n');
    return 0;
  }
  const entry = subcommands[name];
  if (!entry) {
    io.stderr(`refine-loop: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`refine-loop ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr(`refine-loop ${name}: ${errorMessage(error)}\n`);
    return 1;
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readAll(process.stdin),
    cwd: process.cwd(),
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`refine-loop: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    },
  );
}
