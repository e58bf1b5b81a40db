import type { AgentCliPreset } from './preset';

// The opencode preset: not built yet (issue 14). Until it is, choosing opencode says so.
export const opencodePreset: AgentCliPreset | undefined = undefined;
