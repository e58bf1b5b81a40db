import type { AgentCliPreset } from './preset';

// The qwen-code preset: not built yet (issue 14). Until it is, choosing qwen-code says so.
export const qwenCodePreset: AgentCliPreset | undefined = undefined;
