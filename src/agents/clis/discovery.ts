import { existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { runCommand } from '../../node/process';
import type { AgentCliPin } from './pins';
import { compareVersions, parseVersion } from './version';

// Finding an agent CLI: `refineLoop.agent.command` (or --agent-command) as the path of
// its binary when set, else its binary on PATH. Its `--version` is read; a version older
// than the one tested is told, never refused.

export interface FoundCli {
  readonly path: string;
  /** As `--version` printed it; undefined when it printed none. */
  readonly version?: string;
  /** Set when the version is older than the tested one (or unreadable): what to tell the person. */
  readonly notice?: string;
}

function executable(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The binary's path: `commandPath` when given (absolute, or a name looked up on PATH), else `pin.binary` on PATH. */
export function locateCli(pin: AgentCliPin, env: Readonly<Record<string, string | undefined>>, commandPath?: string): string | undefined {
  const wanted = commandPath?.trim() || pin.binary;
  if (isAbsolute(wanted) || wanted.includes('/')) return existsSync(wanted) ? wanted : undefined;
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (folder && executable(join(folder, wanted))) return join(folder, wanted);
  }
  return undefined;
}

const VERSION_TIMEOUT_MS = 20_000;

/** Runs `<binary> --version` (with the given HOME, no secrets) and compares it with the tested version. */
export async function readCliVersion(pin: AgentCliPin, path: string, env: Readonly<Record<string, string | undefined>>): Promise<FoundCli> {
  const result = await runCommand({ cwd: env.HOME ?? '/', command: [path, '--version'], timeoutMs: VERSION_TIMEOUT_MS, baseEnv: env, purpose: 'agent', headBytes: 4096, tailBytes: 4096 });
  const version = parseVersion(`${result.output ?? result.outputHead}`);
  if (version === undefined) {
    return { path, notice: `${pin.id}: \`${path} --version\` printed no version (${result.spawnError ?? `exit ${result.exitCode}`}); it is run as if it were ${pin.testedVersion}, the version tested.` };
  }
  if (compareVersions(version, pin.testedVersion) < 0) {
    return { path, version, notice: `${pin.id} ${version} is older than ${pin.testedVersion}, the version Refine Loop was tested with; it runs, but flags or its event stream may differ. Update it with: npm install -g ${pin.npmPackage}@${pin.testedVersion}` };
  }
  return { path, version };
}

/** Where the CLI is and its version; undefined when it is not installed. */
export async function findCli(pin: AgentCliPin, env: Readonly<Record<string, string | undefined>>, commandPath?: string): Promise<FoundCli | undefined> {
  const path = locateCli(pin, env, commandPath);
  return path === undefined ? undefined : readCliVersion(pin, path, env);
}

export function installHint(pin: AgentCliPin): string {
  return `npm install -g ${pin.npmPackage}@${pin.testedVersion}`;
}
