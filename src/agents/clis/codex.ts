import type { AgentCliPreset } from './preset';

// The codex preset: not built yet (issue 14). Until it is, choosing codex says so.
export const codexPreset: AgentCliPreset | undefined = undefined;
