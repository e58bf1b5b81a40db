import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentHash } from '../../src/domain/hash';
import type { Agent, AgentReply, ScratchCopies, TestRunner } from '../../src/domain/ports';
import type { TestReport } from '../../src/domain/testReport';
import { parseSettings } from '../../src/domain/settings';
import { runSession, type SessionPorts } from '../../src/loop/loop';
import { createFileWorkspace } from '../../src/node/fileWorkspace';
import { createScratchCopies } from '../../src/node/scratchCopies';
import { createFileJournal, createFileSessionHistory } from '../../src/node/sessionStore';
import { createTestRunner } from '../../src/node/testRunner';
import { seeded } from './seeded';

// `npm run bench:candidates`: best of N measured.
//  1. Rounds to green and wall time for N = 1, 2, 4 on a seeded fixture where each
//     attempt is right with probability 1/3 (a seeded random agent, instant; the tests
//     are real: `node --test` in real scratch copies), autoUntilGreen, over many seeds.
//  2. The loop's own overhead (no model, no tests: both answer at once) on a generated
//     2,000-file workspace, per round and per attempt, with real files, history,
//     journal and scratch copies (plain copy and git worktree), p50 and p95.

const BUGGY = 'function add(a, b) {\n  return a - b;\n}\nmodule.exports = { add };\n';
const RIGHT = 'function add(a, b) {\n  return a + b;\n}\nmodule.exports = { add };\n';
const TEST = "const { test } = require('node:test');\nconst assert = require('node:assert/strict');\nconst { add } = require('../src/math');\ntest('add adds', () => assert.equal(add(2, 3), 5));\ntest('add is symmetric', () => assert.equal(add(1, 2), add(2, 1)));\n";


/** Edits the file it is shown: right one time in three (by the seed), else a new wrong version. */
function seededAgent(root: string, random: () => number): Agent {
  return {
    id: 'seeded',
    async propose(): Promise<AgentReply> {
      const before = new Uint8Array(readFileSync(join(root, 'src', 'math.js')));
      const right = random() < 1 / 3;
      const after = right ? RIGHT : BUGGY.replace('a - b', `a + b + ${1 + Math.floor(random() * 1e6)}`);
      return { kind: 'changes', summary: right ? 'right' : 'wrong', changes: [{ path: 'src/math.js', kind: 'modify', before, after: new TextEncoder().encode(after), beforeHash: (await contentHash(before)) ?? undefined }], usage: { inputTokens: 1000, outputTokens: 50 } };
    },
  };
}

function project(files: number, git: boolean): { root: string; store: string; remove: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'refine-bench-candidates-'));
  const root = join(base, 'project');
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'test'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{ "name": "bench", "private": true, "scripts": { "test": "node --test" } }\n');
  writeFileSync(join(root, 'src', 'math.js'), BUGGY);
  writeFileSync(join(root, 'test', 'math.test.js'), TEST);
  writeFileSync(join(root, '.gitignore'), 'build/\n');
  for (let i = 0; i < files - 4; i++) {
    const folder = join(root, 'lib', `m${i % 40}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i}.js`), `// generated ${i}\nmodule.exports = ${i};\n`);
  }
  if (git) {
    const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
    for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-qm', 'bench']]) spawnSync('git', args, { cwd: root, env });
  }
  return { root, store: join(base, 'store'), remove: () => rmSync(base, { recursive: true, force: true }) };
}

const silent = { info() {}, warn() {}, error() {} };
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

interface Session {
  readonly rounds: number;
  readonly outcome: string;
  readonly ms: number;
}

async function session(root: string, store: string, agent: Agent, tests: TestRunner, scratch: ScratchCopies | undefined, candidates: number, maxRounds: number): Promise<Session> {
  const settings = parseSettings({ 'test.command': 'node --test', approvalMode: 'autoUntilGreen', candidates, maxRounds, stopAfterRoundsWithoutProgress: 0, maxMinutes: 0 });
  const never = async () => {
    throw new Error('the bench never asks');
  };
  const ports: SessionPorts = {
    agent,
    tests,
    workspace: createFileWorkspace(root),
    reviewer: { review: never, afterTests: async () => ({ kind: 'stopKeep' }), resolveConflict: never },
    history: createFileSessionHistory(store),
    journal: createFileJournal(join(store, 'journal')),
    clock: { now: () => Date.now() },
    log: silent,
    emit: () => undefined,
    ...(scratch ? { candidates: { scratch, parallelTests: availableParallelism() } } : {}),
  };
  const started = performance.now();
  const result = await runSession({ task: 'make add add', scope: [], baseline: true }, ports, settings, new AbortController().signal);
  return { rounds: result.rounds, outcome: result.outcome, ms: performance.now() - started };
}

export interface RoundsFigures {
  readonly n: number;
  readonly sessions: number;
  readonly green: number;
  readonly meanRounds: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** Part 1: rounds to green and wall time, seeds 1…`seeds` for each N. */
export async function roundsToGreen(ns: readonly number[], seeds: number): Promise<RoundsFigures[]> {
  const figures: RoundsFigures[] = [];
  for (const n of ns) {
    const runs: Session[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const { root, store, remove } = project(20, false);
      try {
        const tests = createTestRunner({ root, command: 'node --test', timeoutMs: 60_000 });
        const scratch = n > 1 ? createScratchCopies({ root, testRunner: (copy) => createTestRunner({ root: copy, command: 'node --test', timeoutMs: 60_000 }) }) : undefined;
        runs.push(await session(root, store, seededAgent(root, seeded(seed * 7919)), tests, scratch, n, 10));
      } finally {
        remove();
      }
    }
    const green = runs.filter((run) => run.outcome === 'passed');
    figures.push({ n, sessions: runs.length, green: green.length, meanRounds: green.reduce((sum, run) => sum + run.rounds, 0) / Math.max(1, green.length), p50Ms: percentile(runs.map((run) => run.ms), 0.5), p95Ms: percentile(runs.map((run) => run.ms), 0.95) });
  }
  return figures;
}

export interface OverheadFigures {
  readonly n: number;
  readonly copy: 'none' | 'plain' | 'git';
  readonly rounds: number;
  readonly p50RoundMs: number;
  readonly p95RoundMs: number;
  readonly p50AttemptMs: number;
}

/** Part 2: the loop alone, per round: instant agent (always wrong, so every round runs), instant tests, real disk; `rounds` samples. */
export async function overhead(files: number, rounds: number, cases: readonly { n: number; copy: 'none' | 'plain' | 'git' }[]): Promise<OverheadFigures[]> {
  const figures: OverheadFigures[] = [];
  const failing: TestReport = {
    format: 'tap',
    scope: 'full',
    tests: [{ id: 'add adds', name: 'add adds', suite: [], status: 'failed', stack: [], message: 'expected 5' }, { id: 'add is symmetric', name: 'add is symmetric', suite: [], status: 'passed', stack: [] }],
    problems: [],
    run: { command: 'node --test', exitCode: 1, signal: null, durationMs: 0, timedOut: false, cancelled: false, outputHead: '', outputTail: '', droppedBytes: 0 },
  };
  const instantTests: TestRunner = { run: async () => failing };
  for (const { n, copy } of cases) {
    const { root, store, remove } = project(files, copy === 'git');
    try {
      const never = seededAgent(root, () => 0.99);
      const scratch = n > 1 ? createScratchCopies({ root, testRunner: () => instantTests }) : undefined;
      // Per round: a session of 6 rounds less one of 1 round (start, baseline and end cancel out), over 5.
      await session(root, join(store, 'warm'), never, instantTests, scratch, n, 1);
      const perRound: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const one = await session(root, join(store, `a${i}`), never, instantTests, scratch, n, 1);
        const six = await session(root, join(store, `b${i}`), never, instantTests, scratch, n, 6);
        perRound.push(Math.max(0, (six.ms - one.ms) / 5));
      }
      const p50 = percentile(perRound, 0.5);
      figures.push({ n, copy, rounds, p50RoundMs: p50, p95RoundMs: percentile(perRound, 0.95), p50AttemptMs: p50 / n });
    } finally {
      remove();
    }
  }
  return figures;
}

export function report(green: readonly RoundsFigures[], loop: readonly OverheadFigures[], files: number): string {
  const ms = (value: number) => `${Math.round(value)} ms`;
  const lines = [
    '### Rounds to green (one attempt in three right, seeded; real `node --test` in real scratch copies)',
    '',
    '| N | sessions | green | mean rounds to green | wall time p50 | wall time p95 |',
    '| --- | --- | --- | --- | --- | --- |',
    ...green.map((row) => `| ${row.n} | ${row.sessions} | ${row.green} | ${row.meanRounds.toFixed(2)} | ${ms(row.p50Ms)} | ${ms(row.p95Ms)} |`),
    '',
    `### The loop's own overhead per round (${files}-file workspace; instant model and tests; real files, history, journal and copies)`,
    '',
    '| N | scratch copy | rounds | per round p50 | per round p95 | per attempt p50 |',
    '| --- | --- | --- | --- | --- | --- |',
    ...loop.map((row) => `| ${row.n} | ${row.copy} | ${row.rounds} | ${ms(row.p50RoundMs)} | ${ms(row.p95RoundMs)} | ${ms(row.p50AttemptMs)} |`),
  ];
  return lines.join('\n');
}
