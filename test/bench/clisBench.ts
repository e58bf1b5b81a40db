import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createAgentCliAgent, findCli } from '../../src/agents/clis/index';
import { agentCliPins, type AgentCliId } from '../../src/agents/clis/pins';
import { agentCliPresets } from '../../src/agents/clis/presets';
import { agentCliPrompt } from '../../src/agents/clis/prompt';
import { buildPrompt } from '../../src/loop/prompt';
import { runCommand } from '../../src/node/process';
import { anthropicMessages } from '../agentClis/anthropicProtocol';
import { cartScript, claudeDialect, opencodeDialect, qwenDialect, type Dialect } from '../agentClis/cartScript';
import { chatCompletions } from '../agentClis/chatProtocol';
import { codexDialect, openaiResponses } from '../agentClis/codexProtocol';
import { geminiDialect, geminiGenerateContent } from '../agentClis/geminiProtocol';
import { installedCli } from '../agentClis/helpers';
import { ModelServer, type Protocol } from '../agentClis/modelServer';

// `npm run bench:clis`: what a preset adds to a round over the CLI's own run. The same
// round-1 task (read src/cart.js, edit it, answer) against the same loopback model,
// (a) the CLI run by hand with the preset's own argv, environment and config, in a
// copy of the fixture, and (b) the whole preset: discovery, the scratch copy, the
// sandbox, the stream parser, the diff and the check for writes outside. Medians of
// BENCH_RUNS runs each (default 5), after a warm-up of each.

interface Case {
  readonly id: AgentCliId;
  readonly protocol: Protocol;
  readonly dialect: Dialect;
  readonly baseUrl: (url: string) => string;
  readonly model?: string;
}

const cases: Case[] = [
  { id: 'claude-code', protocol: anthropicMessages, dialect: claudeDialect, baseUrl: (url) => url },
  { id: 'qwen-code', protocol: chatCompletions, dialect: qwenDialect, baseUrl: (url) => `${url}/v1`, model: 'bench-model' },
  { id: 'opencode', protocol: chatCompletions, dialect: opencodeDialect, baseUrl: (url) => `${url}/v1`, model: 'bench-model' },
  // codex offers apply_patch only for a model it knows; gemini makes a router call without one.
  { id: 'codex', protocol: openaiResponses, dialect: codexDialect, baseUrl: (url) => `${url}/v1`, model: 'gpt-5.5' },
  { id: 'gemini-cli', protocol: geminiGenerateContent, dialect: geminiDialect, baseUrl: (url) => url, model: 'gemini-2.5-pro' },
];

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface CliFigures {
  readonly id: AgentCliId;
  readonly runs: number;
  readonly directMs: number;
  readonly presetMs: number;
  /** Finding the CLI and reading its `--version`: once per session, not per round. */
  readonly discoveryMs: number;
}

function project(root: string, into: string): void {
  cpSync(join(root, 'test', 'fixtures', 'agent-clis', 'cart'), into, { recursive: true });
}

export async function runClisBench(root: string, runs: number, only?: readonly string[]): Promise<CliFigures[]> {
  const figures: CliFigures[] = [];
  for (const each of cases.filter((one) => !only || only.includes(one.id))) {
    let bin;
    try {
      bin = installedCli(each.id);
    } catch (error) {
      console.error(`skipping ${each.id}: ${(error as Error).message}`);
      continue;
    }
    try {
      figures.push(await benchOne(root, each, bin, runs));
    } catch (error) {
      console.error(`${each.id}: ${(error as Error).message}`);
    }
  }
  return figures;
}

async function benchOne(root: string, each: Case, bin: { binary: string; binDir: string }, runs: number): Promise<CliFigures> {
  const preset = agentCliPresets[each.id]!;
  const server = await ModelServer.start({ protocol: each.protocol, script: cartScript(each.dialect) });
  const base = mkdtempSync(join(tmpdir(), 'rl-bench-clis-'));
  const request = buildPrompt({ round: 1, task: 'make the cart tests pass', files: [], budgetTokens: 32000 });
  const direct: number[] = [];
  const through: number[] = [];
  // One agent for every run, as in a session: discovery (`--version`) happens once, in the warm-up, timed on its own.
  let discoveryMs = 0;
  try {
    const workspace = mkdtempSync(join(base, 'workspace-'));
    project(root, workspace);
    // The binary folder on PATH for both runs: codex starts its own sandbox helper by name.
    const presetEnv = { ...process.env, HOME: mkdtempSync(join(base, 'home-')), PATH: `${bin.binDir}:${process.env.PATH ?? ''}` };
    const foundStarted = Date.now();
    await findCli(agentCliPins[each.id], presetEnv);
    discoveryMs = Date.now() - foundStarted;
    const agent = createAgentCliAgent({ provider: each.id, root: workspace, timeoutMs: 300_000, baseUrl: each.baseUrl(server.url), apiKey: 'sk-bench', ...(each.model ? { model: each.model } : {}), env: presetEnv });
    await agent.propose(request, new AbortController().signal);
    // Both warm: one HOME each for every run (the CLI's first start in a HOME sets up its state).
    const home = mkdtempSync(join(base, 'home-'));
    for (let run = -1; run < runs; run++) {
      const scratch = mkdtempSync(join(base, 'refine-loop-agent-'));
      const workdir = join(scratch, 'workdir');
      mkdirSync(workdir);
      // A private temp folder, as the sandbox gives the preset (codex puts its sandbox helper there).
      const tmp = join(scratch, 'tmp');
      mkdirSync(tmp);
      project(root, workdir);
      const invocation = preset.invocation({ prompt: agentCliPrompt(request, []), workdir, scratch, home, maxTurns: 40, env: process.env, baseUrl: each.baseUrl(server.url), apiKey: 'sk-bench', ...(each.model ? { model: each.model } : {}) });
      for (const file of invocation.files) {
        mkdirSync(dirname(file.path), { recursive: true });
        writeFileSync(file.path, file.content);
      }
      const started = Date.now();
      const result = await runCommand({ cwd: workdir, command: [bin.binary, ...invocation.args], timeoutMs: 300_000, baseEnv: { ...process.env, HOME: home, PATH: presetEnv.PATH, TMPDIR: tmp }, env: invocation.env, purpose: 'agent', ...(invocation.stdin !== undefined ? { stdin: invocation.stdin } : {}) });
      if (run >= 0) direct.push(Date.now() - started);
      if (result.exitCode !== 0) throw new Error(`${each.id} by hand exited ${result.exitCode}: ${result.outputTail}`);

      if (run < 0) continue; // the by-hand warm-up
      const presetStarted = Date.now();
      const reply = await agent.propose(request, new AbortController().signal);
      through.push(Date.now() - presetStarted);
      if (reply.kind !== 'changes' || reply.changes.length !== 1) throw new Error(`${each.id} through the preset proposed ${reply.kind}`);
    }
  } finally {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
  return { id: each.id, runs, directMs: median(direct), presetMs: median(through), discoveryMs };
}

export function report(figures: readonly CliFigures[]): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows = ['| preset | runs | the CLI by hand (median) | through the preset (median) | added per round | found once per session (`--version`) |', '| --- | --- | --- | --- | --- | --- |'];
  for (const each of figures) rows.push(`| ${each.id} | ${each.runs} | ${seconds(each.directMs)} | ${seconds(each.presetMs)} | ${seconds(each.presetMs - each.directMs)} | ${seconds(each.discoveryMs)} |`);
  return rows.join('\n');
}
