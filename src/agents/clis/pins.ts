// The agent CLIs a preset exists for, and the version of each that the tests install and
// run (`npm run provision` puts each in its own folder of the cache outside the
// repository). One list: the presets, the provisioning script and the tests read it.

export const agentCliIds = ['claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode'] as const;
export type AgentCliId = (typeof agentCliIds)[number];

export interface AgentCliPin {
  readonly id: AgentCliId;
  /** The npm package that ships the CLI. */
  readonly npmPackage: string;
  /** The version the presets were tested with (newest that runs on Node 20 where that matters). */
  readonly testedVersion: string;
  /** The executable's name on PATH and in node_modules/.bin. */
  readonly binary: string;
}

export const agentCliPins: Readonly<Record<AgentCliId, AgentCliPin>> = {
  'claude-code': { id: 'claude-code', npmPackage: '@anthropic-ai/claude-code', testedVersion: '2.1.197', binary: 'claude' },
  codex: { id: 'codex', npmPackage: '@openai/codex', testedVersion: '0.171.0', binary: 'codex' },
  'gemini-cli': { id: 'gemini-cli', npmPackage: '@google/gemini-cli', testedVersion: '0.61.0', binary: 'gemini' },
  'qwen-code': { id: 'qwen-code', npmPackage: '@qwen-code/qwen-code', testedVersion: '0.15.10', binary: 'qwen' },
  opencode: { id: 'opencode', npmPackage: 'opencode-ai', testedVersion: '1.18.33', binary: 'opencode' },
};

export function isAgentCliId(value: string): value is AgentCliId {
  return (agentCliIds as readonly string[]).includes(value);
}
