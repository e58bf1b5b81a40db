import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyWorkspace, diffCopy } from '../../src/agents/worktree';
import { createCommandAgent } from '../../src/agents/command';
import { main } from '../../src/cli/main';
import { isGreen } from '../../src/domain/testReport';
import { pendingJournals, recoverEntry } from '../../src/loop/checkpoints';
import { createFileWorkspace } from '../../src/node/fileWorkspace';
import { cliJournalKeyPath, fileJournalKey } from '../../src/node/journalKey';
import { createFileJournal } from '../../src/node/sessionStore';
import { createTestRunner } from '../../src/node/testRunner';

// `npm run bench:reliability`: the promises of issue 11 measured, not assumed.
//  1. kills: `refine-loop run` (the built CLI, auto mode, a scripted agent editing three
//     files and creating one per round) SIGKILLed at random moments; after each kill the
//     journal's recovery runs and the files must be exactly one round's state: 0 lost.
//  2. hostile paths through every reply form of `refine-loop apply` and the worktree
//     results: 0 writes outside the root, into .git or into .refine-loop.
//  3. a fault matrix of agents and test commands: 0 false `passed`, 0 processes left.

const MARKER = 'BENCH_RELIABILITY_MARKER';
const quiet = { info() {}, warn() {}, error() {} };

/** Processes still alive that carry the bench marker in their environment (Linux). */
function leftProcesses(value: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${MARKER}=${value}`);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat[stat.lastIndexOf(')') + 2] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/environ`).includes(needle)) found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

async function settle(value: string, ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = leftProcesses(value);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = leftProcesses(value);
  }
  return left;
}

// ---------------------------------------------------------------- 1. kills

const FILES = ['src/a.js', 'src/b.js', 'src/c.js'];
const ROUNDS = 3;

/** The workspace after round k (0: the start). */
function stateAfter(round: number): Map<string, string> {
  const state = new Map<string, string>();
  for (const file of FILES) state.set(file, `export const v = ${round};\n`);
  for (let r = 1; r <= round; r++) state.set(`src/new${r}.js`, `// made in round ${r}\n`);
  return state;
}

const AGENT = `const fs = require('node:fs');
const { round } = JSON.parse(fs.readFileSync(process.env.REFINE_LOOP_REQUEST, 'utf8'));
const edit = (file) => file + '\\n<<<<<<< SEARCH\\nexport const v = ' + (round - 1) + ';\\n=======\\nexport const v = ' + round + ';\\n>>>>>>> REPLACE\\n';
process.stdout.write(${JSON.stringify(FILES)}.map(edit).join('\\n') + '\\nsrc/new' + round + '.js\\n<<<<<<< SEARCH\\n=======\\n// made in round ' + round + '\\n>>>>>>> REPLACE\\n');
`;

async function snapshotFiles(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (relative: string) => {
    for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else files.set(rel, await readFile(join(root, rel), 'utf8'));
    }
  };
  await walk('src');
  return files;
}

const sameState = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([path, text]) => b.get(path) === text);

export interface KillResult {
  runs: number;
  lost: number;
  recovered: number;
  byState: number[];
  processesLeft: number;
  medianRunMs: number;
}

export async function killBench(cli: string, runs: number, onProgress?: (done: number) => void): Promise<KillResult> {
  const base = await mkdtemp(join(tmpdir(), 'refine-bench-kill-'));
  const config = join(base, 'config');
  const agent = join(base, 'agent.js');
  await writeFile(agent, AGENT);
  const template = join(base, 'template');
  for (const [path, text] of stateAfter(0)) {
    await mkdir(join(template, path, '..'), { recursive: true });
    await writeFile(join(template, path), text);
  }
  const env = { ...process.env, XDG_CONFIG_HOME: config, NODE_OPTIONS: '' };
  const key = fileJournalKey(cliJournalKeyPath(env));
  const args = (root: string) => [cli, 'run', '--task', 'bump', '--root', root, '--approve', 'auto', '--no-baseline', '--max-rounds', String(ROUNDS), '--stuck-after', '0', '--test', 'node -e "process.exit(1)"', '--agent-command', `node ${JSON.stringify(agent)}`];
  const runOnce = async (root: string, killAfterMs: number | undefined, marker: string): Promise<number> => {
    const started = Date.now();
    const child = spawn(process.execPath, args(root), { env: { ...env, [MARKER]: marker }, stdio: ['ignore', 'ignore', 'ignore'] });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    return Date.now() - started;
  };

  // Calibration: how long a whole run takes here, unkilled.
  const durations: number[] = [];
  for (let i = 0; i < 3; i++) {
    const root = join(base, `calibrate-${i}`);
    await cp(template, root, { recursive: true });
    durations.push(await runOnce(root, undefined, 'calibrate'));
    if (!sameState(await snapshotFiles(root), stateAfter(ROUNDS))) throw new Error(`the unkilled run did not end in round ${ROUNDS}'s state; the bench is broken`);
  }
  const runMs = [...durations].sort((a, b) => a - b)[1]!;

  const result: KillResult = { runs: 0, lost: 0, recovered: 0, byState: Array.from({ length: ROUNDS + 1 }, () => 0), processesLeft: 0, medianRunMs: runMs };
  for (let i = 0; i < runs; i++) {
    const root = join(base, 'run');
    await rm(root, { recursive: true, force: true });
    await cp(template, root, { recursive: true });
    const marker = `kill-${i}`;
    await runOnce(root, Math.floor(Math.random() * runMs), marker);
    // The processes of the killed CLI (agent, tests) are its descendants: SIGKILL gives it
    // no chance to end them, so they are ended here and counted apart from "lost".
    const orphans = await settle(marker, 300);
    result.processesLeft += orphans.length;
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    // Recovery as the next start offers it: every interrupted apply restored.
    const workspace = createFileWorkspace(root);
    const journal = createFileJournal(join(root, '.refine-loop'), { key });
    for (const entry of await pendingJournals(journal)) {
      const refuse = () => Promise.reject(new Error('no gate expected'));
      await recoverEntry(entry, 'restore', { workspace, journal, reviewer: { review: refuse, afterTests: refuse, resolveConflict: async () => 'overwrite' }, log: quiet });
      await workspace.sweepTemps(entry.files.map((file) => file.path));
      result.recovered++;
    }
    const now = await snapshotFiles(root);
    const state = Array.from({ length: ROUNDS + 1 }, (_, k) => k).find((k) => sameState(now, stateAfter(k)));
    if (state === undefined) result.lost++;
    else result.byState[state]!++;
    result.runs++;
    onProgress?.(result.runs);
  }
  await rm(base, { recursive: true, force: true });
  return result;
}

// ---------------------------------------------------------------- 2. hostile paths

function treeHash(folder: string): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    let info;
    try {
      info = lstatSync(path);
    } catch {
      return;
    }
    hash.update(`${path}:${info.isSymbolicLink() ? 'l' : info.isDirectory() ? 'd' : 'f'}:${info.size}\n`);
    if (info.isFile()) hash.update(readFileSync(path));
    if (info.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(folder);
  return hash.digest('hex');
}

const HOSTILE_PREFIXES = ['../', '../../', 'src/../../', '/tmp/', '.git/', '.GIT/', 'src/.git/', 'GIT~1/', '.git./', 'gitlink/', 'src/hooks/', 'bare.git/', 'sub/../gitlink/', '.refine-loop/', '.Refine-Loop/', 'store/', 'store/sessions/s/journal/', 'out/', 'src/out/', 'dangling/', 'a\\..\\..\\', 'nul/', 'con .txt/', 'src/aux./', 'C:/', '~/', 'src/x\u0000/', 'src/\u001b[2K/'];
const HOSTILE_TARGETS = ['config', 'hooks/pre-commit', '1.json', 'x.txt'];

function replyForms(path: string): { form: string; reply: string }[] {
  return [
    { form: 'search/replace', reply: `${path}\n<<<<<<< SEARCH\n=======\nowned\n>>>>>>> REPLACE\n` },
    { form: 'unified diff', reply: `\`\`\`diff\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+owned\n\`\`\`\n` },
    { form: 'begin patch', reply: `*** Begin Patch\n*** Add File: ${path}\n+owned\n*** End Patch\n` },
    { form: 'whole file', reply: `${path}\n\`\`\`\nowned\n\`\`\`\n` },
  ];
}

async function hostileWorkspace(base: string): Promise<{ root: string; outside: string; guarded: string[] }> {
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(join(root, '.git', 'hooks'), { recursive: true });
  await writeFile(join(root, '.git', 'config'), '[core]\n');
  await writeFile(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await mkdir(join(root, '.git', 'objects'), { recursive: true });
  await mkdir(join(root, '.git', 'refs'), { recursive: true });
  await mkdir(join(root, '.refine-loop', 'sessions', 's', 'journal'), { recursive: true });
  await mkdir(join(root, 'bare.git', 'objects'), { recursive: true });
  await mkdir(join(root, 'bare.git', 'refs'), { recursive: true });
  await writeFile(join(root, 'bare.git', 'HEAD'), 'ref: refs/heads/main\n');
  await mkdir(join(root, 'src'), { recursive: true });
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(root, 'src', 'calc.js'), 'module.exports = 1;\n');
  await symlink('.git', join(root, 'gitlink'));
  await symlink('../.git/hooks', join(root, 'src', 'hooks'));
  await symlink('.refine-loop', join(root, 'store'));
  await symlink(outside, join(root, 'out'));
  await symlink(outside, join(root, 'src', 'out'));
  await symlink(join(base, 'nowhere'), join(root, 'dangling'));
  return { root, outside, guarded: [outside, join(root, '.git'), join(root, '.refine-loop'), join(root, 'bare.git'), join(base, 'nowhere'), '/tmp/config', '/tmp/x.txt', '/tmp/1.json'] };
}

export interface HostileResult {
  paths: number;
  attempts: number;
  writesOutside: number;
  refused: number;
  /** Replies applied (inside the root, where nothing is guarded), by path. */
  accepted: string[];
  /** Replies in which no edit was read at all (nothing to refuse). */
  noEdits: number;
  worktreeAttempts: number;
  worktreeWritesOutside: number;
}

export async function hostileBench(): Promise<HostileResult> {
  const base = await mkdtemp(join(tmpdir(), 'refine-bench-hostile-'));
  const { root, guarded } = await hostileWorkspace(base);
  const hashes = () => guarded.map((folder) => treeHash(folder)).join();
  const before = hashes();
  const paths = HOSTILE_PREFIXES.flatMap((prefix) => HOSTILE_TARGETS.map((target) => `${prefix}${target}`));
  const result: HostileResult = { paths: paths.length, attempts: 0, writesOutside: 0, refused: 0, accepted: [], noEdits: 0, worktreeAttempts: 0, worktreeWritesOutside: 0 };
  const io = { stdout: () => undefined, stderr: () => undefined, cwd: base, env: {} };
  for (const path of paths) {
    for (const { form, reply } of replyForms(path)) {
      result.attempts++;
      let said = '';
      const code = await main(['apply', '--root', root], { ...io, stderr: (text: string) => void (said += text), readStdin: async () => reply });
      if (code !== 0) result.refused++;
      else if (/^Nothing to apply: the reply has no edits/.test(said)) result.noEdits++;
      else result.accepted.push(`${form}: ${JSON.stringify(path)}`);
      if (hashes() !== before) {
        result.writesOutside++;
        break;
      }
    }
  }

  // Worktree results: the copy where the agent replaced a link by a folder of the same
  // name (the copy holds only relative paths), then what the loop would commit.
  const links = ['gitlink', 'src/hooks', 'store', 'out', 'src/out', 'dangling'];
  const targets = ['config', 'hooks/pre-commit', 'sessions/s/journal/1.json', 'x.txt', 'a/b/c.txt'];
  for (const link of links) {
    for (const target of targets) {
      result.worktreeAttempts++;
      const copy = await mkdtemp(join(tmpdir(), 'refine-bench-copy-'));
      try {
        const snapshot = await copyWorkspace(root, copy);
        await rm(join(copy, link), { recursive: true, force: true });
        await mkdir(join(copy, link, target, '..'), { recursive: true });
        await writeFile(join(copy, link, target), 'owned\n');
        const changes = await diffCopy(root, copy, snapshot).catch(() => []);
        const workspace = createFileWorkspace(root);
        await workspace.commit(changes.map((change) => ({ path: change.path, expectedHash: null, content: change.after ?? null }))).catch(() => undefined);
        if (hashes() !== before) result.worktreeWritesOutside++;
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    }
  }
  // The links themselves are still what they were.
  if ((await readlink(join(root, 'gitlink'))) !== '.git' || !(await lstat(join(root, 'store'))).isSymbolicLink()) result.writesOutside++;
  await rm(base, { recursive: true, force: true });
  return result;
}

// ---------------------------------------------------------------- 3. fault matrix

export interface FaultRow {
  kind: 'agent' | 'tests';
  name: string;
  outcome: string;
  falsePassed: boolean;
  processesLeft: number;
  ms: number;
}

const setsidHang = (pidFile: string) => `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 600' & echo working; sleep 600`;

export async function faultBench(): Promise<FaultRow[]> {
  const base = await mkdtemp(join(tmpdir(), 'refine-bench-faults-'));
  const root = join(base, 'ws');
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(join(root, 'src', 'math.js'), 'module.exports = (a, b) => a - b;\n');
  const rows: FaultRow[] = [];
  const request = { round: 1, task: 't', system: 's', messages: [{ role: 'user' as const, content: 't' }], files: [], estimatedInputTokens: 1 };
  const agents: { name: string; command: string; mode: 'reply' | 'worktree'; timeoutMs: number }[] = [
    { name: 'hangs, a setsid grandchild holds stdout', command: setsidHang(join(base, 'a1')), mode: 'reply', timeoutMs: 2000 },
    { name: 'hangs in worktree mode, setsid grandchild', command: setsidHang(join(base, 'a2')), mode: 'worktree', timeoutMs: 2000 },
    { name: 'exits 0 leaving a detached grandchild', command: `setsid sleep 600 & sleep 600 & printf 'src/math.js\\n<<<<<<< SEARCH\\na - b\\n=======\\na + b\\n>>>>>>> REPLACE\\n'`, mode: 'reply', timeoutMs: 20_000 },
    { name: '10 MB of output', command: `node -e "process.stdout.write('x'.repeat(10*1024*1024))"`, mode: 'reply', timeoutMs: 60_000 },
    { name: 'binary output', command: `head -c 200000 /dev/urandom`, mode: 'reply', timeoutMs: 20_000 },
    { name: 'empty output, exit 0', command: 'true', mode: 'reply', timeoutMs: 20_000 },
    { name: 'killed by a signal', command: 'kill -9 $$', mode: 'reply', timeoutMs: 20_000 },
  ];
  for (const [index, spec] of agents.entries()) {
    const marker = `agent-${index}`;
    const started = Date.now();
    const agent = createCommandAgent({ command: spec.command, mode: spec.mode, root, timeoutMs: spec.timeoutMs, env: { ...process.env, [MARKER]: marker }, sandbox: 'none' });
    const outcome = await agent.propose(request, new AbortController().signal).then(
      (reply) => `reply (${reply.kind})`,
      (error: { code?: string }) => `error ${error.code ?? 'unknown'}`,
    );
    const left = await settle(marker);
    rows.push({ kind: 'agent', name: spec.name, outcome, falsePassed: false, processesLeft: left.length, ms: Date.now() - started });
    for (const pid of left) process.kill(pid, 'SIGKILL');
  }

  const tests: { name: string; command: string; timeoutMs: number }[] = [
    { name: 'hangs, a setsid grandchild holds the output', command: setsidHang(join(base, 't1')), timeoutMs: 3000 },
    { name: 'passes but leaves a detached server', command: `setsid sleep 600 & printf 'TAP version 13\\nok 1 - a\\n1..1\\n'`, timeoutMs: 20_000 },
    { name: '10 MB of output, exit 0', command: `node -e "process.stdout.write('ok\\n'.repeat(3*1024*1024))"`, timeoutMs: 60_000 },
    { name: 'binary output, exit 0', command: `head -c 200000 /dev/urandom`, timeoutMs: 20_000 },
    { name: 'no output, exit 0 (no test ran)', command: 'true', timeoutMs: 20_000 },
    { name: 'TAP plan of 5, one ok', command: `printf 'TAP version 13\\nok 1 - a\\n1..5\\n'`, timeoutMs: 20_000 },
    { name: 'TAP Bail out!', command: `printf 'TAP version 13\\nok 1 - a\\nBail out! database down\\n'`, timeoutMs: 20_000 },
    { name: 'truncated JUnit report', command: `printf '<?xml version="1.0"?><testsuites><testsuite name="s" tests="3"><testcase name="a"/>'`, timeoutMs: 20_000 },
    { name: 'killed by a signal', command: 'kill -9 $$', timeoutMs: 20_000 },
  ];
  for (const [index, spec] of tests.entries()) {
    const marker = `tests-${index}`;
    const started = Date.now();
    const runner = createTestRunner({ root, command: spec.command, timeoutMs: spec.timeoutMs, baseEnv: { ...process.env, [MARKER]: marker } });
    const report = await runner.run({}, new AbortController().signal);
    const green = isGreen(report);
    const left = await settle(marker);
    const honestlyGreen = spec.name.startsWith('passes');
    rows.push({ kind: 'tests', name: spec.name, outcome: green ? 'green' : 'not green', falsePassed: green && !honestlyGreen, processesLeft: left.length, ms: Date.now() - started });
    for (const pid of left) process.kill(pid, 'SIGKILL');
  }
  await rm(base, { recursive: true, force: true });
  return rows;
}
