import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

// Runs one command the way a test run needs: in its own process group, with the whole
// tree stopped on timeout or cancel (SIGTERM, then SIGKILL after a grace period), output
// kept as a capped head and tail with a count of what was dropped, a hard stop past a
// total output limit, and an environment without this extension's own secrets.

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

/** Variables never passed to a test command: this extension's own, and the model API keys it may hold. */
export const secretVariablePatterns: readonly RegExp[] = [/^REFINE_LOOP_/i, /^(ANTHROPIC|OPENAI|OPENROUTER)_API_KEY$/i];

/**
 * Set by node's test runner in the processes it starts; inherited by a test command run
 * from inside one (this extension's own tests), it would make `node --test` report to a
 * parent that is not there.
 */
const hostOnlyVariables = new Set(['NODE_TEST_CONTEXT']);

export function testEnvironment(base: Readonly<Record<string, string | undefined>>, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || hostOnlyVariables.has(name) || secretVariablePatterns.some((pattern) => pattern.test(name))) continue;
    env[name] = value;
  }
  // Plain output: no colours, no spinners, no interactive prompts, no watch mode.
  Object.assign(env, { CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' });
  for (const [name, value] of Object.entries(extra)) env[name] = value;
  return env;
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

/**
 * Linux: every live process of the command's tree, from /proc: the descendants of `pid`
 * (a child that left the group too) and the members of process group `pid` (orphans
 * whose parent already exited).
 */
function descendants(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  const found = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const list = children.get(Number(parent)) ?? [];
      list.push(Number(entry));
      children.set(Number(parent), list);
      if (Number(group) === pid) found.add(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  const queue = [pid, ...found];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  return [...found];
}

/** Linux: true while the process exists and is not a zombie. Elsewhere: while it can be signalled. */
function running(pid: number): boolean {
  if (process.platform !== 'linux') return send(pid, 0 as unknown as NodeJS.Signals);
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: ReadonlySet<number>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while ([...pids].some(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Freezes the group, then every descendant it finds (again until no new one turns up),
 * so nothing can start a child or leave the tree between the look and the signal:
 * a process started in a group of its own is still found through its parent.
 */
function freezeTree(pid: number, known: Set<number>): void {
  send(-pid, 'SIGSTOP');
  for (let pass = 0; pass < 10; pass++) {
    const found = descendants(pid).filter((descendant) => !known.has(descendant));
    if (found.length === 0) break;
    for (const descendant of found) {
      known.add(descendant);
      send(descendant, 'SIGSTOP');
    }
  }
}

function signalTree(child: ChildProcess, signal: NodeJS.Signals, known: Set<number>): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  freezeTree(pid, known);
  send(-pid, signal);
  for (const other of known) if (!send(other, signal)) known.delete(other);
  // A stopped process only acts on SIGTERM once it runs again.
  if (signal !== 'SIGKILL') {
    send(-pid, 'SIGCONT');
    for (const other of known) send(other, 'SIGCONT');
  }
}

export function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  const headBytes = options.headBytes ?? 64 * 1024;
  const tailBytes = options.tailBytes ?? 64 * 1024;
  const keepBytes = options.keepBytes ?? 16 * 1024 * 1024;
  const maxOutputBytes = options.maxOutputBytes ?? 50 * 1024 * 1024;
  const killGraceMs = options.killGraceMs ?? 2000;
  const commandText = describeCommand(options.command);
  const env = testEnvironment(options.baseEnv ?? process.env, options.env);
  const started = Date.now();

  return new Promise((resolve) => {
    const [file, args, shell] =
      typeof options.command === 'string' ? [options.command, [] as string[], true] : [options.command[0] ?? '', options.command.slice(1), false];
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: options.cwd, env, shell, detached: process.platform !== 'win32', windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
      signalTree(child, 'SIGTERM', known);
      killTimer = setTimeout(() => signalTree(child, 'SIGKILL', known), killGraceMs);
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
        signalTree(child, 'SIGKILL', known);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);

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
      if (process.platform !== 'win32' && child.pid !== undefined) signalTree(child, 'SIGKILL', known);
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
