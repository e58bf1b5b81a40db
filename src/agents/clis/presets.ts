import { claudeCodePreset } from './claudeCode';
import { codexPreset } from './codex';
import { geminiCliPreset } from './geminiCli';
import { opencodePreset } from './opencode';
import type { AgentCliId } from './pins';
import type { AgentCliPreset } from './preset';
import { qwenCodePreset } from './qwenCode';

// Every agent CLI preset, by provider id. One file per preset beside this one.

export const agentCliPresets: Readonly<Record<AgentCliId, AgentCliPreset | undefined>> = {
  'claude-code': claudeCodePreset,
  codex: codexPreset,
  'gemini-cli': geminiCliPreset,
  'qwen-code': qwenCodePreset,
  opencode: opencodePreset,
};
