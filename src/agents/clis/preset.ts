import type { TokenUsage } from '../../domain/model';
import type { AgentCliPin } from './pins';

// A preset: what Refine Loop knows about one agent CLI, so that the person only picks
// it. How to call it for one round (argv, environment, config files, stdin), and how to
// read its JSON event stream (tool uses as progress, token usage and cost, the final
// summary, an error it reports). Pure: building the call and parsing the stream are
// functions of their inputs; the runner (run.ts) does the I/O.

export interface PresetCall {
  /** The prompt as one text (prompt.ts). */
  readonly prompt: string;
  /** The scratch copy the CLI works in (its cwd). */
  readonly workdir: string;
  /** A private folder beside the copy for generated config files; writable in the sandbox. */
  readonly scratch: string;
  /** The person's HOME: their login to the CLI is used. */
  readonly home: string;
  /** refineLoop.agent.model / --model; undefined: the CLI's own default. */
  readonly model?: string;
  /** refineLoop.agent.baseUrl / --base-url; undefined: the CLI's own default. */
  readonly baseUrl?: string;
  /** The person's key for this provider; goes only into the CLI's own variable. */
  readonly apiKey?: string;
  /** Most model turns (tool round trips) the CLI may take, where it has such a bound. */
  readonly maxTurns: number;
  /** The environment the CLI starts from (to read, e.g. a config folder variable); never copied whole. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface PresetInvocation {
  /** Arguments after the binary. */
  readonly args: readonly string[];
  /** Variables set for the CLI (on top of the cleaned environment). */
  readonly env: Readonly<Record<string, string>>;
  /** Files written before the run, at absolute paths inside `scratch`. */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /** Undefined: the prompt is in `args` and stdin is /dev/null. */
  readonly stdin?: string;
}

/** What one line of a CLI's event stream says. */
export type StreamEvent =
  /** A tool use, as the progress shows it: "Read src/cart.js", "Edit src/cart.js". */
  | { readonly kind: 'tool'; readonly message: string }
  /** A tool the CLI refused or that failed (a write outside the folder): reported with the proposal. */
  | { readonly kind: 'toolFailed'; readonly message: string }
  /** Assistant text streamed so far (characters), for the progress count. */
  | { readonly kind: 'text'; readonly characters: number }
  /** Token usage of the run so far (totals, not increments), and cost where the CLI reports it. */
  | { readonly kind: 'usage'; readonly usage: TokenUsage; readonly costUsd?: number }
  /** The CLI's final answer: the proposal's summary. */
  | { readonly kind: 'summary'; readonly text: string }
  /** An error the CLI reported in its stream (an API error, even inside exit 0). */
  | { readonly kind: 'error'; readonly message: string };

/** A parser of one run's stream, one JSON line at a time. */
export interface StreamParser {
  line(text: string): readonly StreamEvent[];
}

export interface ParserContext {
  /** The CLI's working folder: absolute paths under it are shown relative. */
  readonly workdir: string;
}

export interface AgentCliPreset {
  readonly pin: AgentCliPin;
  /** As the person knows it: "Claude Code". */
  readonly displayName: string;
  /** The variable the person's key goes into (undefined: the CLI takes none). */
  readonly keyVariable?: string;
  /** Folders under HOME the CLI keeps its login and state in (created before a run so the sandbox binds them). */
  readonly stateFolders: readonly string[];
  /** How to call it for one round. */
  invocation(call: PresetCall): PresetInvocation;
  /** A new parser for one run. */
  parser(context: ParserContext): StreamParser;
  /** Tool uses the CLI refused that only its stderr tells of (codex's refused patches), from the end of stderr. */
  refusedInStderr?(stderrTail: string): readonly string[];
}

/** A path as the progress shows it: relative to the working folder when under it. */
export function shownPath(context: ParserContext, target: unknown): string {
  if (typeof target !== 'string' || target === '') return '';
  const root = context.workdir.replace(/\/+$/, '');
  if (target === root) return '.';
  if (target.startsWith(`${root}/`)) return target.slice(root.length + 1);
  return target;
}

/** Parses one line as a JSON object; anything else (a log line, a blank) is undefined. */
export function jsonLine(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
