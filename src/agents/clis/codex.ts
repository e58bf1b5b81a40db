import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { codexParser, codexRefusals } from './codexEvents';
import { agentCliPins } from './pins';
import type { AgentCliPreset, PresetCall, PresetInvocation } from './preset';

// Codex (`codex exec --json -`): the prompt on stdin, no approvals asked (`never`), its
// shell commands and patches confined by its own sandbox to the working folder
// (`workspace-write`, with /tmp and $TMPDIR taken out of the writable roots), update
// check, plugins (which look up github.com) and analytics off, not a session kept.
// With a base URL or a key, it talks to a provider entry of ours (`refine_loop`, the key
// in its `env_key`, retries bounded) in a config under a private CODEX_HOME that starts
// with the person's own config.toml; without either, it runs with the person's own
// CODEX_HOME, so their login is used. The overrides are `-c` flags, which win over any
// config file.

export const CODEX_PROVIDER_ID = 'refine_loop';
/** The variable the provider entry's `env_key` names: the person's key goes only there. */
export const CODEX_KEY_VARIABLE = 'OPENAI_API_KEY';
/** Retries of a failed request and of a broken stream: a dead model fails the round in seconds. */
export const CODEX_MAX_RETRIES = 2;
export const CODEX_STREAM_RETRIES = 0;
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** A TOML basic string (JSON's escapes are TOML's). */
function toml(value: string): string {
  return JSON.stringify(value);
}

/** `-c key=value` for every setting the preset fixes, whatever the config files say. */
export function codexOverrides(call: Pick<PresetCall, 'model'>, ownProvider: boolean): string[] {
  const settings: [string, string][] = [
    ['approval_policy', toml('never')],
    ['sandbox_mode', toml('workspace-write')],
    ['sandbox_workspace_write.exclude_slash_tmp', 'true'],
    ['sandbox_workspace_write.exclude_tmpdir_env_var', 'true'],
    ['sandbox_workspace_write.network_access', 'false'],
    ['check_for_update_on_startup', 'false'],
    ['features.plugins', 'false'],
    ['analytics.enabled', 'false'],
  ];
  if (ownProvider) settings.push(['model_provider', toml(CODEX_PROVIDER_ID)]);
  if (call.model) settings.push(['model', toml(call.model)]);
  return settings.flatMap(([key, value]) => ['-c', `${key}=${value}`]);
}

/** The provider entry appended to the person's config in the private CODEX_HOME. */
export function codexProviderEntry(baseUrl: string | undefined, withKey: boolean): string {
  return [
    `[model_providers.${CODEX_PROVIDER_ID}]`,
    `name = ${toml('Refine Loop')}`,
    `base_url = ${toml((baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, ''))}`,
    // Without a key none is named: codex refuses to start when `env_key`'s variable is unset.
    ...(withKey ? [`env_key = ${toml(CODEX_KEY_VARIABLE)}`] : []),
    `wire_api = ${toml('responses')}`,
    `request_max_retries = ${CODEX_MAX_RETRIES}`,
    `stream_max_retries = ${CODEX_STREAM_RETRIES}`,
    '',
  ].join('\n');
}

/** The person's CODEX_HOME: their variable, else ~/.codex. */
export function personCodexHome(call: Pick<PresetCall, 'env' | 'home'>): string {
  return call.env.CODEX_HOME?.trim() || path.join(call.home, '.codex');
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The call for one round. `read` reads one of the person's files (undefined when it is
 * not there); the only I/O, so the call is a function of its inputs in tests.
 */
export function codexInvocation(call: PresetCall, read: (file: string) => string | undefined = readIfThere): PresetInvocation {
  const ownProvider = call.baseUrl !== undefined || call.apiKey !== undefined;
  const args = ['exec', '--json', '--skip-git-repo-check', '--ephemeral', '--color', 'never', ...codexOverrides(call, ownProvider), '-'];
  if (!ownProvider) return { args, env: {}, files: [], stdin: call.prompt };
  const personHome = personCodexHome(call);
  const codexHome = path.join(call.scratch, 'codex-home');
  const own = read(path.join(personHome, 'config.toml'));
  const config = `${own ? `${own.replace(/\s*$/, '')}\n\n# Added by Refine Loop for this run:\n` : ''}${codexProviderEntry(call.baseUrl, call.apiKey !== undefined)}`;
  const files = [{ path: path.join(codexHome, 'config.toml'), content: config }];
  // The person's own instructions to codex stay theirs: AGENTS.md of their CODEX_HOME comes along.
  const instructions = read(path.join(personHome, 'AGENTS.md'));
  if (instructions !== undefined) files.push({ path: path.join(codexHome, 'AGENTS.md'), content: instructions });
  return { args, env: { CODEX_HOME: codexHome, ...(call.apiKey ? { [CODEX_KEY_VARIABLE]: call.apiKey } : {}) }, files, stdin: call.prompt };
}

export const codexPreset: AgentCliPreset = {
  pin: agentCliPins.codex,
  displayName: 'Codex',
  keyVariable: CODEX_KEY_VARIABLE,
  stateFolders: ['.codex'],
  invocation: (call) => codexInvocation(call),
  parser: codexParser,
  refusedInStderr: codexRefusals,
};
