import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { agentCliPins, type AgentCliId } from '../../src/agents/clis/pins';

// Shared by the agent CLI tests (one file per preset beside this one): where the pinned
// CLIs are installed (as scripts/agent-clis-paths.mjs says), a fresh copy of the
// two-round fixture project, a fresh HOME per run, the built `refine-loop` (dist/cli.js)
// run as a person would, and a look for processes a run left behind.

export const repoRoot = path.resolve(__dirname, '../../..');
export const cliEntry = path.join(repoRoot, 'dist', 'cli.js');

function cacheDir(): string {
  return process.env.REFINE_LOOP_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'refine-loop');
}

/** The pinned CLI's binary in the cache; throws (with the fix) when it is not provisioned. */
export function installedCli(id: AgentCliId): { binary: string; binDir: string } {
  const pin = agentCliPins[id];
  const binDir = path.join(cacheDir(), 'agent-clis', `${pin.id}-${pin.testedVersion}`, 'node_modules', '.bin');
  const binary = path.join(binDir, pin.binary);
  if (!existsSync(binary)) throw new Error(`${pin.npmPackage}@${pin.testedVersion} is not installed at ${binary}: run npm run provision:clis`);
  return { binary, binDir };
}

const cleanups: string[] = [];
export function removeTemps(): void {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `rl-clis-${prefix}-`));
  cleanups.push(dir);
  return dir;
}

/** A copy of test/fixtures/agent-clis/cart: its one test fails until two fixes are made. */
export function cartProject(): string {
  const dir = tempDir('project');
  cpSync(path.join(repoRoot, 'test', 'fixtures', 'agent-clis', 'cart'), dir, { recursive: true });
  return dir;
}

/** A HOME of its own for one run, with its XDG folders and TMPDIR inside it. */
export function freshHome(): Record<string, string> {
  const home = tempDir('home');
  const env: Record<string, string> = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local', 'share'), XDG_STATE_HOME: path.join(home, '.local', 'state'), XDG_CACHE_HOME: path.join(home, '.cache'), TMPDIR: path.join(home, 'tmp') };
  for (const folder of Object.values(env)) mkdirSync(folder, { recursive: true });
  return env;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The variable every process of this run inherits (see `leftProcesses`). */
  readonly marker: string;
  readonly ms: number;
}

/**
 * `refine-loop run` (the built dist/cli.js) on `project` with `--approve auto`, stdin
 * closed, the CLI's bin folder first on PATH, a fresh HOME and `env` on top.
 */
export function runRefineLoop(project: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<RunResult> {
  const marker = `AGENT_CLI_TEST_${randomBytes(6).toString('hex')}`;
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !/^REFINE_LOOP_|^NODE_TEST_CONTEXT$/.test(name)) base[name] = value;
  const childEnv = { ...base, ...freshHome(), ...env, [marker]: '1' };
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliEntry, 'run', '--root', project, '--task', 'make the cart tests pass', '--test', 'node --test test/', '--approve', 'auto', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, marker, ms: Date.now() - started });
    });
  });
}

/** Live processes (not zombies) that carry the run's marker: what it left behind. */
export function leftProcesses(marker: string): string[] {
  const left: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`).includes(Buffer.from(`${marker}=`))) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      left.push(`${entry} ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ')}`);
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return left;
}

export function readProjectFile(project: string, relative: string): string {
  return readFileSync(path.join(project, relative), 'utf8');
}

export const ORIGINAL_CART = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'agent-clis', 'cart', 'src', 'cart.js'), 'utf8');
export const ORIGINAL_TEST = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'agent-clis', 'cart', 'test', 'cart.test.js'), 'utf8');
