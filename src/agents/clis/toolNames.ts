import { asRecord, shownPath, type ParserContext } from './preset';

// One way to show a tool use in the progress, whatever the CLI calls its tools:
// "Read src/cart.js", "Edit src/cart.js", "Run npm test", "Search total".

const VERBS: readonly [RegExp, string][] = [
  [/^(read|read_file|read_many_files|view|cat)$/i, 'Read'],
  [/^(edit|multiedit|multi_edit|replace|str_replace|str_replace_editor|apply_patch|patch|notebookedit)$/i, 'Edit'],
  [/^(write|write_file|create|create_file)$/i, 'Write'],
  [/^(bash|shell|run_shell_command|exec|exec_command|run_command)$/i, 'Run'],
  [/^(grep|glob|search|search_file_content|search_text|find|list|ls|list_directory|list_files|codebase_search)$/i, 'Search'],
];

const PATH_KEYS = ['file_path', 'filePath', 'absolute_path', 'path', 'notebook_path', 'file', 'target_file'];
const TARGET_KEYS = ['command', 'pattern', 'query', 'glob'];

export function toolMessage(context: ParserContext, name: string, input: unknown): string {
  const verb = VERBS.find(([pattern]) => pattern.test(name))?.[1] ?? name;
  const record = asRecord(input) ?? {};
  for (const key of PATH_KEYS) {
    const shown = shownPath(context, record[key]);
    if (shown) return `${verb} ${shown}`;
  }
  for (const key of TARGET_KEYS) {
    const value = record[key];
    if (typeof value === 'string' && value.trim()) return `${verb} ${oneLine(value)}`;
  }
  return verb;
}

export function oneLine(text: string, limit = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}
