import type { AgentCliPreset } from './preset';

// The gemini-cli preset: not built yet (issue 14). Until it is, choosing gemini-cli says so.
export const geminiCliPreset: AgentCliPreset | undefined = undefined;
