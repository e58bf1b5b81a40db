import { type ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { childEnvironment } from './childEnv';
import { runMarker, signalTree, waitUntilGone } from './processTree';

// The one process runner, for test commands and agent programs alike: in its own process
// group, with the whole tree stopped on timeout or cancel (SIGTERM, then SIGKILL after a
// grace period) and killed when the command ends, whoever still holds its pipes; output
// kept as a capped head and tail with a count of what was dropped, a hard stop past a
// total output limit, and an environment without secrets.

export { secretVariablePatterns, testEnvironment } from './childEnv';

export interface RunCommandOptions {
  /** Working folder. */
  readonly cwd: string;
  /** A shell command line, or argv run without a shell. */
  readonly command: string | readonly string[];
  readonly timeoutMs: number;
  /** Variables added on top of the cleaned environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The environment to start from; defaults to this process's. */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  readonly onOutput?: (chunk: string) => void;
  /** Bytes kept from the start and from the end of the output (default 64 KiB each). */
  readonly headBytes?: number;
  readonly tailBytes?: number;
  /** The whole output is kept too, for parsers, while it stays under this many bytes (default 16 MiB). */
  readonly keepBytes?: number;
  /** Past this many bytes read the run is killed (default 50 MiB). */
  readonly maxOutputBytes?: number;
  /** Between SIGTERM and SIGKILL (default 2000 ms). */
  readonly killGraceMs?: number;
  /** Written to the command's stdin, which is then closed (default: no stdin at all). */
  readonly stdin?: string;
  /** Each stream on its own, as raw bytes (an agent's reply is its stdout alone). */
  readonly onStdout?: (chunk: Buffer) => void;
  readonly onStderr?: (chunk: Buffer) => void;
  /** `test` (default) adds CI=1, NO_COLOR=1, FORCE_COLOR=0; `agent` passes the environment as it is, secrets removed. */
  readonly purpose?: 'test' | 'agent';
  /** More variable names (or `*` patterns) kept from the child, on top of the built-in list. */
  readonly secretVariables?: readonly string[];
}

export interface CommandResult {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** Killed because it printed more than `maxOutputBytes`. */
  readonly outputLimitHit: boolean;
  readonly outputHead: string;
  readonly outputTail: string;
  readonly droppedBytes: number;
  readonly totalBytes: number;
  /** The whole output, when it stayed under `keepBytes`; otherwise undefined. */
  readonly output?: string;
  /** Set when the command could not be started at all (ENOENT, EACCES). */
  readonly spawnError?: string;
}

export function describeCommand(command: string | readonly string[]): string {
  if (typeof command === 'string') return command;
  return command.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Keeps the first and last bytes of a stream and counts what falls between. */
class HeadTail {
  private readonly head: Buffer[] = [];
  private headSize = 0;
  private tail: Buffer[] = [];
  private tailSize = 0;
  total = 0;

  constructor(
    private readonly headLimit: number,
    private readonly tailLimit: number,
  ) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headSize < this.headLimit) {
      const take = chunk.subarray(0, this.headLimit - this.headSize);
      this.head.push(take);
      this.headSize += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailSize += chunk.length;
    while (this.tailSize - (this.tail[0]?.length ?? 0) >= this.tailLimit) this.tailSize -= this.tail.shift()!.length;
  }

  result(): { head: string; tail: string; dropped: number } {
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailLimit) tail = tail.subarray(tail.length - this.tailLimit);
    return { head: Buffer.concat(this.head).toString('utf8'), tail: tail.toString('utf8'), dropped: this.total - this.headSize - tail.length };
  }
}

export function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  const headBytes = options.headBytes ?? 64 * 1024;
  const tailBytes = options.tailBytes ?? 64 * 1024;
  const keepBytes = options.keepBytes ?? 16 * 1024 * 1024;
  const maxOutputBytes = options.maxOutputBytes ?? 50 * 1024 * 1024;
  const killGraceMs = options.killGraceMs ?? 2000;
  const commandText = describeCommand(options.command);
  // Every descendant inherits the marker: how one that left the group and the session is still found.
  const marker = runMarker();
  const env = childEnvironment(options.baseEnv ?? process.env, { ...options.env, [marker]: '1' }, { plain: options.purpose !== 'agent', secretVariables: options.secretVariables });
  const started = Date.now();

  return new Promise((resolve) => {
    const [file, args, shell] =
      typeof options.command === 'string' ? [options.command, [] as string[], true] : [options.command[0] ?? '', options.command.slice(1), false];
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: options.cwd, env, shell, detached: process.platform !== 'win32', windowsHide: true, stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (error) {
      resolve(failedStart(commandText, started, error));
      return;
    }

    const capture = new HeadTail(headBytes, tailBytes);
    let kept: Buffer[] | undefined = [];
    const decoder = new StringDecoder('utf8');
    const known = new Set<number>();
    let timedOut = false;
    let cancelled = false;
    let outputLimitHit = false;
    let stopping = false;
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: string | undefined;
    let exit: { code: number | null; signal: string | null } | undefined;
    let settled = false;

    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      signalTree(child, 'SIGTERM', known, marker);
      killTimer = setTimeout(() => signalTree(child, 'SIGKILL', known, marker), killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = (): void => {
      cancelled = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    const onData = (chunk: Buffer): void => {
      if (outputLimitHit) return;
      capture.push(chunk);
      if (kept) {
        kept.push(chunk);
        if (capture.total > keepBytes) kept = undefined;
      }
      options.onOutput?.(decoder.write(chunk));
      if (capture.total > maxOutputBytes) {
        outputLimitHit = true;
        // Past the limit nothing the run prints is worth its memory: kill at once.
        signalTree(child, 'SIGKILL', known, marker);
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      onData(chunk);
      if (!outputLimitHit) options.onStdout?.(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      onData(chunk);
      if (!outputLimitHit) options.onStderr?.(chunk);
    });
    if (child.stdin) {
      // A program that does not read its stdin closes the pipe early: not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      const { head, tail, dropped } = capture.result();
      // Signals land asynchronously: return once the processes told to die are gone.
      void waitUntilGone(known, 1000).then(() => resolve({
        command: commandText,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        durationMs: Date.now() - started,
        timedOut,
        cancelled,
        outputLimitHit,
        outputHead: head,
        outputTail: tail,
        droppedBytes: dropped,
        totalBytes: capture.total,
        ...(kept ? { output: Buffer.concat(kept).toString('utf8') } : {}),
        ...(spawnError ? { spawnError } : {}),
      }));
    };

    child.on('error', (error) => {
      spawnError = error.message;
      exit ??= { code: null, signal: null };
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the command left running in its group (a server, a stuck worker) goes
      // with it; a grandchild holding the pipes open would otherwise keep us waiting.
      if (process.platform !== 'win32' && child.pid !== undefined) signalTree(child, 'SIGKILL', known, marker);
      // Give the pipes a moment to drain, then finish even if something still holds them.
      setTimeout(finish, 1000).unref();
    });
    child.on('close', () => {
      exit ??= { code: child.exitCode, signal: child.signalCode };
      finish();
    });
  });
}

function failedStart(command: string, started: number, error: unknown): CommandResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    command,
    exitCode: null,
    signal: null,
    durationMs: Date.now() - started,
    timedOut: false,
    cancelled: false,
    outputLimitHit: false,
    outputHead: '',
    outputTail: '',
    droppedBytes: 0,
    totalBytes: 0,
    spawnError: message,
  };
}
