import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentError } from '../../domain/errors';
import type { TokenUsage } from '../../domain/model';
import type { Logger } from '../../domain/ports';
import type { PreparedWorktreeRun, WorktreeProgram, WorktreeRunOutcome } from '../worktreeProgram';
import { findCli, installHint, type FoundCli } from './discovery';
import { lineSplitter } from './lines';
import type { AgentCliPreset, StreamEvent } from './preset';
import { agentCliPrompt } from './prompt';

// A preset turned into the command provider's worktree program: found on PATH (or at
// refineLoop.agent.command), called with the preset's argv, environment and config
// files, its event stream read as it comes (tool uses as progress), and its run judged
// (a non-zero exit, or an error reported inside a zero exit, is a failure naming the CLI).

export interface PresetProgramOptions {
  readonly preset: AgentCliPreset;
  /** refineLoop.agent.command / --agent-command: the binary's path (empty: on PATH). */
  readonly commandPath?: string;
  readonly model?: string;
  readonly baseUrl?: string;
  /** The person's key for this provider (SecretStorage / REFINE_LOOP_API_KEY). */
  readonly apiKey?: string;
  readonly protectedPaths: readonly string[];
  /** Most model turns one round may take (default 40). */
  readonly maxTurns?: number;
  readonly log?: Logger;
}

const DEFAULT_MAX_TURNS = 40;
/** Lines of the event stream kept to quote when a run fails without saying why. */
const KEPT_LINES = 5;

function formatUsage(usage: TokenUsage | undefined, costUsd: number | undefined): string | undefined {
  if (!usage && costUsd === undefined) return undefined;
  const parts: string[] = [];
  if (usage?.inputTokens !== undefined) parts.push(`${usage.inputTokens} input tokens`);
  if (usage?.outputTokens !== undefined) parts.push(`${usage.outputTokens} output tokens`);
  if (costUsd !== undefined) parts.push(`$${costUsd.toFixed(4)} as the CLI reports it`);
  return parts.join(', ');
}

/** A short hint for the model errors people meet first. */
function errorHint(preset: AgentCliPreset, message: string): string {
  if (/\b401\b|unauthori[sz]ed|invalid.{0,20}(api.?key|x-api-key|token)|authentication/i.test(message)) {
    return ` Check its login, or the key Refine Loop passes it${preset.keyVariable ? ` in ${preset.keyVariable}` : ''} (Set API Key in the editor, REFINE_LOOP_API_KEY in the CLI).`;
  }
  if (/\b5\d\d\b|overloaded|internal server error/i.test(message)) return ' The model server failed; try again later, or check refineLoop.agent.baseUrl.';
  if (/ECONNREFUSED|ENOTFOUND|fetch failed|connection|unreachable|timed? ?out/i.test(message)) return ' The model server could not be reached; check refineLoop.agent.baseUrl and the network.';
  return '';
}

export function createPresetProgram(options: PresetProgramOptions): WorktreeProgram {
  const { preset } = options;
  const label = `${preset.pin.id} (${preset.pin.binary})`;
  let found: Promise<FoundCli> | undefined;
  const locate = (env: Readonly<Record<string, string | undefined>>): Promise<FoundCli> =>
    (found ??= findCli(preset.pin, env, options.commandPath).then((cli) => {
      if (cli) return cli;
      found = undefined; // installed later: look again next round
      const where = options.commandPath?.trim() ? `at ${options.commandPath} (refineLoop.agent.command)` : `on PATH (${preset.pin.binary})`;
      throw new AgentError(`${preset.displayName} (${preset.pin.id}) is not installed ${where}. Install it with \`${installHint(preset.pin)}\`, or set refineLoop.agent.command to its path. Nothing was run.`, 'agent.cliMissing');
    }));

  async function prepare(context: Parameters<WorktreeProgram['prepare']>[0]): Promise<PreparedWorktreeRun> {
    const cli = await locate(context.baseEnv);
    const home = context.baseEnv.HOME || os.homedir();
    // The sandbox binds the CLI's state folders writable only when they exist.
    for (const folder of preset.stateFolders) await fs.mkdir(path.join(home, folder), { recursive: true }).catch(() => undefined);
    const invocation = preset.invocation({
      prompt: agentCliPrompt(context.request, options.protectedPaths),
      workdir: context.workdir,
      scratch: context.scratch,
      home,
      maxTurns: options.maxTurns ?? DEFAULT_MAX_TURNS,
      env: context.baseEnv,
      ...(options.model ? { model: options.model } : {}),
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    });
    for (const file of invocation.files) {
      await fs.mkdir(path.dirname(file.path), { recursive: true });
      await fs.writeFile(file.path, file.content, { mode: 0o600 });
    }
    options.log?.info('agent.cli', `${label} ${cli.version ?? '(version unknown)'} at ${cli.path}: ${invocation.args.filter((arg) => arg.length < 200).join(' ')}`);

    const parser = preset.parser({ workdir: context.workdir });
    const splitter = lineSplitter();
    const errors: string[] = [];
    const failedTools: string[] = [];
    const lastLines: string[] = [];
    let summary: string | undefined;
    let usage: TokenUsage | undefined;
    let costUsd: number | undefined;
    let report: ((progress: { kind: 'status'; message: string } | { kind: 'text'; characters: number }) => void) | undefined;
    const take = (event: StreamEvent): void => {
      switch (event.kind) {
        case 'tool':
          report?.({ kind: 'status', message: event.message });
          break;
        case 'toolFailed':
          failedTools.push(event.message);
          report?.({ kind: 'status', message: event.message });
          break;
        case 'text':
          report?.({ kind: 'text', characters: event.characters });
          break;
        case 'usage':
          usage = event.usage;
          if (event.costUsd !== undefined) costUsd = event.costUsd;
          break;
        case 'summary':
          summary = event.text;
          break;
        case 'error':
          errors.push(event.message);
          break;
      }
    };
    const consume = (line: string): void => {
      if (line.trim() === '') return;
      lastLines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (lastLines.length > KEPT_LINES) lastLines.shift();
      for (const event of parser.line(line)) take(event);
    };

    const finish = (exit: { exitCode: number | null; signal: string | null; stderrTail: string }): WorktreeRunOutcome => {
      for (const line of splitter.end()) consume(line);
      const stderr = exit.stderrTail.trim() ? ` Its stderr ended with:\n${exit.stderrTail.trim().slice(-1500)}` : '';
      if (errors.length > 0) {
        const error = errors[errors.length - 1]!;
        const how = exit.exitCode === 0 ? 'exited 0 but reported an error' : exit.exitCode === null ? `was killed by ${exit.signal ?? 'a signal'} after an error` : `exited with code ${exit.exitCode} after an error`;
        return { ok: false, code: 'agent.cliError', message: `${label} ${how}: ${error}.${errorHint(preset, error)}` };
      }
      if (exit.exitCode !== 0) {
        const how = exit.exitCode === null ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with code ${exit.exitCode}`;
        const tail = lastLines.length > 0 ? ` Its event stream ended with:\n${lastLines.join('\n')}` : '';
        return { ok: false, code: 'agent.commandFailed', message: `${label} ${how}.${errorHint(preset, `${exit.stderrTail} ${lastLines.join(' ')}`)}${tail}${stderr}` };
      }
      const parts = [summary?.trim() || `${preset.displayName} finished without a summary.`];
      const spent = formatUsage(usage, costUsd);
      if (spent) parts.push(`(${preset.pin.id}: ${spent})`);
      failedTools.push(...(preset.refusedInStderr?.(exit.stderrTail) ?? []));
      if (failedTools.length > 0) parts.push(`Refused or failed tool uses (not part of this proposal):\n${failedTools.map((each) => `- ${each}`).join('\n')}`);
      return { ok: true, summary: parts.join('\n\n'), ...(usage ? { usage } : {}) };
    };

    return {
      argv: [cli.path, ...invocation.args],
      env: invocation.env,
      ...(invocation.stdin !== undefined ? { stdin: invocation.stdin } : {}),
      home,
      ...(cli.notice ? { notice: cli.notice } : {}),
      onStdout: (text, reportProgress) => {
        report = reportProgress;
        for (const line of splitter.push(text)) consume(line);
      },
      finish,
    };
  }

  return { label, id: options.model ? `${preset.pin.id}:${options.model}` : preset.pin.id, prepare };
}
