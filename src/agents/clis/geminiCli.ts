import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AgentError } from '../../domain/errors';
import { geminiParser } from './geminiEvents';
import { agentCliPins } from './pins';
import type { AgentCliPreset, PresetCall, PresetInvocation } from './preset';

// Gemini CLI (`gemini -p … --approval-mode auto_edit --output-format stream-json`): the
// prompt on stdin (`-p` is appended to it), edits approved without asking and no shell
// (auto_edit offers none); it refuses paths outside its workspace by itself. Its
// settings cannot be overridden by flags or variables, and a system settings file is
// only read when root owns every folder above it, so it runs with a private
// GEMINI_CLI_HOME: the person's settings.json with ours on top (usage statistics,
// telemetry and auto-update off, at most two attempts per request), and copies of their
// login (oauth_creds.json, google_accounts.json) and global GEMINI.md. The key goes into
// GEMINI_API_KEY, a base URL into GOOGLE_GEMINI_BASE_URL. On an HTTP error it exits
// with the status mod 256 (401 → 145, 500 → 244).

export const GEMINI_KEY_VARIABLE = 'GEMINI_API_KEY';
/** Attempts per model request (gemini's default is 10, with backoff: minutes on a dead model). */
export const GEMINI_MAX_ATTEMPTS = 2;
/** The person's files copied into the private home: their login, their account, their global instructions. */
export const GEMINI_STATE_FILES = ['oauth_creds.json', 'google_accounts.json', 'installation_id', 'GEMINI.md'];
/** Appended to the prompt on stdin. */
export const GEMINI_PROMPT_ARGUMENT = 'Do the task described above.';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `base` with `over` laid on top, objects merged key by key. */
export function mergeSettings(base: Json, over: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? mergeSettings(current, value) : value;
  }
  return merged;
}

/** What the preset fixes in the settings, whatever the person's say. */
export function geminiSettings(call: Pick<PresetCall, 'apiKey'>): Json {
  return {
    general: { disableAutoUpdate: true, disableUpdateNag: true, maxAttempts: GEMINI_MAX_ATTEMPTS },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    ...(call.apiKey ? { security: { auth: { selectedType: 'gemini-api-key' } } } : {}),
  };
}

/** The person's ~/.gemini (gemini's own GEMINI_CLI_HOME when they set one). */
export function personGeminiFolder(call: Pick<PresetCall, 'env' | 'home'>): string {
  return path.join(call.env.GEMINI_CLI_HOME?.trim() || call.home, '.gemini');
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The person's settings.json as an object: {} when absent; unreadable JSON is not theirs to lose, so it is an error. */
function personSettings(file: string, read: (file: string) => string | undefined): Json {
  const text = read(file);
  if (text === undefined || text.trim() === '') return {};
  // gemini allows comments in settings.json; strip whole-line ones before parsing.
  const parsed: unknown = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
  return isObject(parsed) ? parsed : {};
}

/**
 * The call for one round. `read` reads one of the person's files (undefined when it is
 * not there); the only I/O, so the call is a function of its inputs in tests.
 */
export function geminiInvocation(call: PresetCall, read: (file: string) => string | undefined = readIfThere): PresetInvocation {
  const own = personGeminiFolder(call);
  const privateHome = path.join(call.scratch, 'gemini-home');
  const folder = path.join(privateHome, '.gemini');
  let settings: Json;
  try {
    settings = personSettings(path.join(own, 'settings.json'), read);
  } catch (error) {
    throw new AgentError(`Could not read ${path.join(own, 'settings.json')} as JSON (${error instanceof Error ? error.message : String(error)}), so Gemini CLI was not started and nothing was applied. Fix the file, or move it away, and run the round again.`, 'agent.cliSettings');
  }
  const files = [{ path: path.join(folder, 'settings.json'), content: `${JSON.stringify(mergeSettings(settings, geminiSettings(call)), null, 2)}\n` }];
  for (const name of GEMINI_STATE_FILES) {
    const content = read(path.join(own, name));
    if (content !== undefined) files.push({ path: path.join(folder, name), content });
  }
  const args = ['-p', GEMINI_PROMPT_ARGUMENT, '--approval-mode', 'auto_edit', '--output-format', 'stream-json'];
  if (call.model) args.push('-m', call.model);
  return {
    args,
    env: {
      GEMINI_CLI_HOME: privateHome,
      // The scratch copy is the workspace it was asked to work in: no trust prompt, no restricted mode.
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
      GEMINI_TELEMETRY_ENABLED: 'false',
      ...(call.apiKey ? { [GEMINI_KEY_VARIABLE]: call.apiKey } : {}),
      ...(call.baseUrl ? { GOOGLE_GEMINI_BASE_URL: call.baseUrl.replace(/\/+$/, '') } : {}),
    },
    files,
    stdin: call.prompt,
  };
}

export const geminiCliPreset: AgentCliPreset = {
  pin: agentCliPins['gemini-cli'],
  displayName: 'Gemini CLI',
  keyVariable: GEMINI_KEY_VARIABLE,
  stateFolders: [],
  invocation: (call) => geminiInvocation(call),
  parser: geminiParser,
};
