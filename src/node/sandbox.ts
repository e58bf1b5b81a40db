import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

// Containment of worktree agents. On Linux with bubblewrap (`bwrap`, Debian package
// `bubblewrap`) the agent runs with the whole file system read-only except its scratch
// folder (the copy it edits), a private temp folder (TMPDIR, inside the scratch folder:
// /tmp itself stays readable, since the agent program may live there, but not
// writable), and its own config folders (its login, its history). Elsewhere, or when bwrap cannot start here, the agent runs as it is and
// the person is told once.

export const sandboxModes = ['auto', 'bwrap', 'none'] as const;
export type SandboxMode = (typeof sandboxModes)[number];

/** Where agent CLIs keep their login and state, under HOME (bound writable when they exist). */
const AGENT_CONFIG_PATHS = [
  '.claude',
  '.claude.json',
  '.codex',
  '.gemini',
  '.qwen',
  '.config/opencode',
  '.local/share/opencode',
  '.local/state/opencode',
  '.cache/opencode',
  '.config/kilo',
  '.local/share/kilo',
  '.cline',
];

export interface SandboxPlan {
  /** The argv that runs `commandLine` (through /bin/sh) inside the sandbox; undefined when not contained. */
  readonly argv?: readonly string[];
  /** Why the agent is not contained, when it is not. */
  readonly uncontained?: string;
}

let probed: { ok: boolean; flags: readonly string[]; why?: string } | undefined;

function findOnPath(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (folder && existsSync(join(folder, name))) return join(folder, name);
  }
  return undefined;
}

/** Whether bwrap starts here, and with which extra flags (some containers need a user namespace). Checked once. */
function probe(bwrap: string): { ok: boolean; flags: readonly string[]; why?: string } {
  if (probed) return probed;
  let why = '';
  for (const flags of [[], ['--unshare-user']]) {
    const result = spawnSync(bwrap, [...flags, '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent', 'true'], { encoding: 'utf8', timeout: 10_000 });
    if (result.status === 0) return (probed = { ok: true, flags });
    why = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
  }
  return (probed = { ok: false, flags: [], why });
}

export interface SandboxRequest {
  readonly mode: SandboxMode;
  readonly commandLine: string;
  /** Run this argv (no shell) instead of `commandLine` through /bin/sh (an agent CLI preset). */
  readonly argv?: readonly string[];
  /** The scratch folder: the copy and the request file; the only writable place besides its temp folder and the config folders. */
  readonly scratch: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
}

/** How to run a worktree agent contained; throws when `bwrap` is required and cannot run. */
export function planSandbox(request: SandboxRequest): SandboxPlan {
  if (request.mode === 'none') return { uncontained: 'refineLoop.agent.sandbox is none' };
  const bwrap = process.platform === 'linux' ? findOnPath('bwrap', request.env) : undefined;
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = `bubblewrap is Linux only (this is ${process.platform})`;
  else if (!bwrap) reason = 'bubblewrap (bwrap) is not installed; on Debian or Ubuntu: apt-get install bubblewrap';
  else {
    const check = probe(bwrap);
    if (!check.ok) reason = `bwrap cannot start here (${check.why})`;
    else {
      const home = request.home ?? homedir();
      const privateTmp = join(request.scratch, 'tmp');
      mkdirSync(privateTmp, { recursive: true });
      const binds: string[] = [];
      for (const relative of AGENT_CONFIG_PATHS) binds.push('--bind-try', join(home, relative), join(home, relative));
      const argv = [
        bwrap,
        ...check.flags,
        '--ro-bind', '/', '/',
        '--dev', '/dev',
        '--proc', '/proc',
        '--bind', request.scratch, request.scratch,
        ...binds,
        '--unshare-pid',
        '--die-with-parent',
        '--chdir', request.cwd,
        '--setenv', 'TMPDIR', privateTmp,
        ...(request.argv ?? ['/bin/sh', '-c', request.commandLine]),
      ];
      return { argv };
    }
  }
  if (request.mode === 'bwrap') throw new Error(`refineLoop.agent.sandbox is bwrap, but ${reason}. Nothing was run.`);
  return { uncontained: reason };
}

/** For tests: forget the probe. */
export function resetSandboxProbe(): void {
  probed = undefined;
}
