// The environment a child program gets: the caller's, without the variables that
// carry Refine Loop's API keys (keys are never passed to child processes).

export const API_KEY_VARIABLES = ['REFINE_LOOP_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY'] as const;

export function childEnv(base: Record<string, string | undefined>, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if ((API_KEY_VARIABLES as readonly string[]).includes(name.toUpperCase())) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}
