// How the person knows the agent, for the progress lines: the script or program of a
// command ("my-agent.mjs"), the model of a provider. Pure (no `vscode`).
import type { Settings } from '../domain/settings';
import { t } from './translate';

/** Programs that run a script: the script is the name a person knows. */
const INTERPRETERS = new Set(['node', 'nodejs', 'python', 'python3', 'py', 'bash', 'sh', 'zsh', 'deno', 'bun', 'npx', 'ruby', 'perl', 'env', 'uv', 'uvx', 'pnpm', 'yarn', 'npm', 'run']);

function basename(path: string): string {
  return path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? path;
}

/** The words of a command line, quotes taken off (enough to name it; the runner parses it for real). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

/** How the person knows the agent: the script or program of a command, the model of a provider. */
export function agentName(settings: Pick<Settings, 'agent.provider' | 'agent.command' | 'agent.model'>): string {
  const provider = settings['agent.provider'];
  if (provider === 'command') {
    const parts = words(settings['agent.command']).filter((word) => !word.startsWith('-'));
    const program = parts.find((word) => !INTERPRETERS.has(basename(word).replace(/\.exe$/i, '').replace(/\d+(\.\d+)*$/, ''))) ?? parts[0];
    return program ? basename(program) : t('the agent command');
  }
  const model = settings['agent.model'].trim();
  if (model) return model;
  return provider === 'vscode-lm' ? t('the chat model') : provider;
}
