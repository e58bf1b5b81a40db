import * as z from 'zod';

// The one source of truth for `refineLoop.*` settings. `npm run sync:settings` writes
// package.json's `contributes.configuration` from this schema, and a unit test fails
// when the two drift apart. Keys are written without the `refineLoop.` prefix.

export const SETTINGS_SECTION = 'refineLoop';

export const approvalModes = ['reviewEachRound', 'autoUntilGreen'] as const;
export const providerIds = ['vscode-lm', 'openai-compatible', 'anthropic', 'command', 'claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode'] as const;
export const commandModes = ['reply', 'worktree'] as const;

export const defaultProtectedPaths = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/test/**',
  '**/tests/**',
  '**/__tests__/**',
  '**/spec/**',
  '**/*_spec.*',
  '**/e2e/**',
  '**/__snapshots__/**',
  '**/*_test.go',
  '**/test_*.py',
  '**/*_test.py',
  '**/conftest.py',
  '.github/**',
  '.gitlab-ci.yml',
  '.circleci/**',
  'azure-pipelines.yml',
  '.vscode/**',
  '**/.env*',
  '**/package-lock.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/Cargo.lock',
  '**/go.sum',
  '**/poetry.lock',
];

export const settingsShape = {
  'test.command': z.string().default('').meta({
    markdownDescription:
      'Shell command line that runs the tests, in the workspace folder (for example `npm test` or `pytest -q`). Empty: Refine Loop proposes one from the workspace and asks before it first runs. Never runs in Restricted Mode.',
    scope: 'resource',
    order: 1,
  }),
  'test.task': z.string().default('').meta({
    markdownDescription:
      'Label of a shell task from `tasks.json` whose command runs the tests; used instead of `#refineLoop.test.command#` when set.',
    scope: 'resource',
    order: 2,
  }),
  'test.timeoutSeconds': z.number().int().min(5).max(86400).default(600).meta({
    description: 'Seconds a test run may take before its whole process group is stopped.',
    order: 3,
  }),
  maxRounds: z.number().int().min(1).max(100).default(5).meta({
    description: 'Most rounds (proposal, review, tests) in one session.',
    order: 10,
  }),
  maxMinutes: z.number().int().min(0).max(1440).default(30).meta({
    description: 'Most minutes one session may run; 0 means no time limit.',
    order: 11,
  }),
  maxTokens: z.number().int().min(0).default(0).meta({
    description: 'Most model tokens (input and output, as the provider reports them) one session may use; 0 means no limit.',
    order: 12,
  }),
  stopAfterRoundsWithoutProgress: z.number().int().min(0).max(100).default(2).meta({
    description:
      'Stop as stuck after this many rounds in a row in which the failing set did not shrink and no test newly passed; 0 turns the check off.',
    order: 13,
  }),
  approvalMode: z.enum(approvalModes).default('reviewEachRound').meta({
    description: 'How much the agent may do without asking.',
    enumDescriptions: [
      'Ask before applying each proposal and again after each test run.',
      'Apply and test without asking; ask at the end, at a limit, or when the loop is stuck. Protected paths still need an explicit yes.',
    ],
    order: 14,
  }),
  protectedPaths: z.array(z.string()).default(defaultProtectedPaths).meta({
    markdownDescription:
      'Glob patterns of files (tests, CI configuration, `.vscode/`, `.env*`, lock files) that a proposal may change only after an explicit yes, in every approval mode: the guard against an agent "fixing" the tests instead of the code.',
    order: 15,
  }),
  'agent.provider': z.enum(providerIds).default('vscode-lm').meta({
    description: 'Where proposals come from.',
    enumDescriptions: [
      "A chat model of VS Code's Language Model API (for example GitHub Copilot).",
      'A server with the OpenAI chat completions API: Ollama, vLLM, LM Studio, llama.cpp server, OpenAI, OpenRouter.',
      "Anthropic's Messages API.",
      'Any program: the prompt on stdin, edit blocks on stdout; or an agent CLI that edits a scratch copy.',
      'Claude Code (`claude`), on a scratch copy, sandboxed; your own login, or the key you set, in ANTHROPIC_API_KEY.',
      'Codex CLI (`codex exec`), on a scratch copy, sandboxed; your own login, or the key you set.',
      'Gemini CLI (`gemini`), on a scratch copy, sandboxed; your own login, or the key you set, in GEMINI_API_KEY.',
      'Qwen Code (`qwen`), on a scratch copy, sandboxed; the key you set in OPENAI_API_KEY.',
      'OpenCode (`opencode run`), on a scratch copy, sandboxed; an OpenAI-compatible server from agent.baseUrl, or your own opencode configuration.',
    ],
    order: 20,
  }),
  'agent.model': z.string().default('').meta({
    description: 'Model name or id for the provider; empty picks the provider default (or asks, for VS Code models).',
    order: 21,
  }),
  'agent.baseUrl': z.string().default('').meta({
    markdownDescription:
      'Base URL of the model server. Empty uses the provider default: `http://localhost:11434/v1` (a local Ollama) for `openai-compatible`, `https://api.anthropic.com` for `anthropic`.',
    order: 22,
  }),
  'agent.command': z.string().default('').meta({
    markdownDescription:
      'Command line of the `command` provider. Never runs in Restricted Mode.',
    scope: 'resource',
    order: 23,
  }),
  'agent.commandMode': z.enum(commandModes).default('reply').meta({
    description: 'How the command provider works.',
    enumDescriptions: [
      'The program reads the prompt on stdin and writes its reply (edit blocks) to stdout.',
      'The program edits a scratch copy of the workspace; the proposal is the difference.',
    ],
    order: 24,
  }),
  'agent.sandbox': z.enum(['auto', 'bwrap', 'none']).default('auto').meta({
    markdownDescription:
      'Containment of a worktree agent (`agent.commandMode` `worktree`): on Linux with bubblewrap (`bwrap`) it runs with the file system read-only except its scratch copy, a private temp folder (`TMPDIR`; `/tmp` stays read-only) and its own config folders. After every run the loop reports files changed in the workspace outside the copy.',
    enumDescriptions: [
      'Use bubblewrap where it is installed and starts; otherwise run the agent uncontained and say so once.',
      'Require bubblewrap: without it the agent does not run.',
      'Never contain the agent (it can write anywhere you can).',
    ],
    scope: 'machine',
    order: 28,
  }),
  'agent.timeoutSeconds': z.number().int().min(5).max(86400).default(300).meta({
    description: 'Seconds one agent call may take.',
    order: 25,
  }),
  'agent.maxPromptTokens': z.number().int().min(1000).default(32000).meta({
    description: 'Token budget of one prompt; files far from the failure are dropped first, the task and test feedback never.',
    order: 26,
  }),
  'agent.maxToolCalls': z.number().int().min(0).max(200).default(25).meta({
    markdownDescription:
      'Most read-only tool calls (`read_file`, `list_files`, `search_text`) a model may make in one round before it must propose; their results count against `#refineLoop.agent.maxPromptTokens#` and `#refineLoop.maxTokens#`. 0 offers no read tools.',
    order: 27,
  }),
  'feedback.maxTokens': z.number().int().min(200).default(6000).meta({
    description: 'Most tokens of test feedback sent to the agent per round.',
    order: 30,
  }),
  'context.include': z.array(z.string()).default([]).meta({
    description: 'Glob patterns of files always given to the agent as context.',
    order: 40,
  }),
  'context.exclude': z.array(z.string()).default(['**/node_modules/**', '**/.git/**', '**/dist/**', '**/out/**']).meta({
    description: 'Glob patterns of files never given to the agent.',
    order: 41,
  }),
  secretVariables: z.array(z.string()).default([]).meta({
    markdownDescription:
      'More environment variables kept from every test command and agent program, by name or with `*` as a wildcard (for example `CORP_*_TOKEN`). Always kept from them: `REFINE_LOOP_*` and the keys and tokens of model providers (`ANTHROPIC_*`, `OPENAI_*`, `OPENROUTER_*`, `GEMINI_*`, `GOOGLE_*`, `MISTRAL_*`, `GROQ_*`, `DEEPSEEK_*`, `XAI_*`, `HF_*`, and more).',
    scope: 'machine',
    order: 50,
  }),
} as const;

export const settingsSchema = z.object(settingsShape);
export type Settings = z.output<typeof settingsSchema>;
export type SettingKey = keyof typeof settingsShape;

export const settingKeys = Object.keys(settingsShape) as SettingKey[];

/** Settings with every default filled in; unknown keys ignored, wrong types rejected. */
export function parseSettings(raw: Partial<Record<SettingKey, unknown>>): Settings {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
  return settingsSchema.parse(present);
}

export const defaultSettings: Settings = parseSettings({});

/** What package.json's `contributes.configuration` must say. */
export function configurationContribution(): { title: string; properties: Record<string, unknown> } {
  const schema = z.toJSONSchema(settingsSchema, { io: 'input' }) as { properties: Record<string, unknown> };
  const properties: Record<string, unknown> = {};
  for (const key of settingKeys) properties[`${SETTINGS_SECTION}.${key}`] = schema.properties[key];
  return { title: 'Refine Loop', properties };
}

/** The README's settings table (between its settings markers), kept current by `npm run sync:settings`. */
export function settingsMarkdownTable(): string {
  const rows = ['| setting | default | what it does |', '| --- | --- | --- |'];
  for (const [key, property] of Object.entries(configurationContribution().properties) as [string, Record<string, unknown>][]) {
    const description = String(property.markdownDescription ?? property.description ?? '')
      .replace(/`#([\w.]+)#`/g, '`$1`')
      .replace(/\|/g, '\\|');
    const values = Array.isArray(property.enum) ? ` One of: ${(property.enum as string[]).map((value) => `\`${value}\``).join(', ')}.` : '';
    rows.push(`| \`${key}\` | \`${JSON.stringify(property.default)}\` | ${description}${values} |`);
  }
  return rows.join('\n');
}

export const SETTINGS_TABLE_START = '<!-- settings:start (generated by npm run sync:settings) -->';
export const SETTINGS_TABLE_END = '<!-- settings:end -->';
