// The environment every child gets (test commands and agent programs alike): the
// caller's, without secrets. One list: this tool's own variables and every model
// provider's keys and tokens, plus names the person adds (`refineLoop.secretVariables`).

/** Variables never passed to a child process. */
export const secretVariablePatterns: readonly RegExp[] = [
  // This tool's own (the run marker below is not a secret; it must reach every descendant).
  /^REFINE_LOOP_(?!RUN_)/i,
  // Model providers: keys, tokens and secrets under their usual names.
  /^(ANTHROPIC|CLAUDE_CODE_OAUTH|OPENAI|AZURE_OPENAI|OPENROUTER|GEMINI|GOOGLE|GOOGLE_GENERATIVE_AI|VERTEX|MISTRAL|GROQ|DEEPSEEK|XAI|TOGETHER|FIREWORKS|COHERE|PERPLEXITY|DASHSCOPE|QWEN|MOONSHOT|KIMI|ZHIPU|CEREBRAS|HF|HUGGINGFACE|HUGGING_FACE|REPLICATE|VOYAGE|NVIDIA|SAMBANOVA|LITELLM|CODEX|OPENCODE|KILO|CLINE)_(?:[A-Z0-9_]*_)?(API_KEY|KEY|TOKEN|SECRET|AUTH_TOKEN|ACCESS_TOKEN)$/i,
  /^GOOGLE_APPLICATION_CREDENTIALS$/i,
];

/**
 * Set by node's test runner in the processes it starts; inherited by a test command run
 * from inside one (this tool's own tests), it would make `node --test` report to a
 * parent that is not there.
 */
const hostOnlyVariables = new Set(['NODE_TEST_CONTEXT']);

/** A name the person listed: exact (case-insensitive) or with `*` as a wildcard. */
function listed(name: string, extra: readonly string[]): boolean {
  return extra.some((entry) => new RegExp(`^${entry.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i').test(name));
}

export function isSecretVariable(name: string, extraSecrets: readonly string[] = []): boolean {
  return secretVariablePatterns.some((pattern) => pattern.test(name)) || listed(name, extraSecrets);
}

export interface ChildEnvOptions {
  /** More names (or `*` patterns) kept from the child. */
  readonly secretVariables?: readonly string[];
  /** Plain output for a test run: no colours, no spinners, no prompts, no watch mode. */
  readonly plain?: boolean;
}

export function childEnvironment(base: Readonly<Record<string, string | undefined>>, extra: Readonly<Record<string, string>> = {}, options: ChildEnvOptions = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || hostOnlyVariables.has(name) || isSecretVariable(name, options.secretVariables)) continue;
    env[name] = value;
  }
  if (options.plain) Object.assign(env, { CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' });
  for (const [name, value] of Object.entries(extra)) env[name] = value;
  return env;
}

/** The environment of a test command: secrets out, plain output on, `extra` on top. */
export function testEnvironment(base: Readonly<Record<string, string | undefined>>, extra: Readonly<Record<string, string>> = {}, secretVariables: readonly string[] = []): Record<string, string> {
  return childEnvironment(base, extra, { plain: true, secretVariables });
}
