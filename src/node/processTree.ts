import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

// Finding and stopping every process a command started. Linux reads /proc: the children
// by parent, the members of the command's process group, and (for a grandchild that
// left both through `setsid` and was reparented when its parent exited) every process
// whose environment carries the run's marker variable, which each child inherits.

/** A variable name unique to one run, set in its child's environment; descendants inherit it. */
export function runMarker(): string {
  return `REFINE_LOOP_RUN_${process.pid}_${randomBytes(6).toString('hex')}`;
}

function readProcStat(pid: string): { state: string; parent: number; group: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, parent, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, parent: Number(parent), group: Number(group) };
  } catch {
    return undefined; // The process ended while we looked.
  }
}

function carriesMarker(pid: string, marker: Buffer): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`).includes(marker);
  } catch {
    return false; // Another user's process, or gone.
  }
}

/**
 * Linux: every live process of the command's tree: the descendants of `pid`, the members
 * of process group `pid`, and the processes carrying `marker` in their environment.
 */
export function descendants(pid: number, marker?: string): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  const found = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = marker === undefined ? undefined : Buffer.from(`${marker}=`);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid || Number(entry) === process.pid) continue;
    const stat = readProcStat(entry);
    if (!stat || stat.state === 'Z') continue;
    const list = children.get(stat.parent) ?? [];
    list.push(Number(entry));
    children.set(stat.parent, list);
    if (stat.group === pid || (needle !== undefined && carriesMarker(entry, needle))) found.add(Number(entry));
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
export function running(pid: number): boolean {
  if (process.platform !== 'linux') return send(pid, 0 as unknown as NodeJS.Signals);
  const stat = readProcStat(String(pid));
  return stat !== undefined && stat.state !== 'Z';
}

export async function waitUntilGone(pids: ReadonlySet<number>, limitMs: number): Promise<void> {
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
 * a process started in a group of its own is still found through its parent or marker.
 */
function freezeTree(pid: number, known: Set<number>, marker: string | undefined): void {
  send(-pid, 'SIGSTOP');
  for (let pass = 0; pass < 10; pass++) {
    const found = descendants(pid, marker).filter((descendant) => !known.has(descendant));
    if (found.length === 0) break;
    for (const descendant of found) {
      known.add(descendant);
      send(descendant, 'SIGSTOP');
    }
  }
}

/** Sends `signal` to the child's whole tree; `known` collects the pids found (to wait for them). */
export function signalTree(child: ChildProcess, signal: NodeJS.Signals, known: Set<number>, marker?: string): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  freezeTree(pid, known, marker);
  send(-pid, signal);
  for (const other of known) if (!send(other, signal)) known.delete(other);
  // A stopped process only acts on SIGTERM once it runs again.
  if (signal !== 'SIGKILL') {
    send(-pid, 'SIGCONT');
    for (const other of known) send(other, 'SIGCONT');
  }
}
