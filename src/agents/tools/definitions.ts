import * as z from 'zod';
import type { ToolDefinition } from '../../domain/ports';

// The read-only workspace tools offered to models with tool calling, beside the edit
// tool. Names and inputs are fixed: scripted test models and other tools in this field
// use the same shapes.

export const READ_FILE = 'read_file';
export const LIST_FILES = 'list_files';
export const SEARCH_TEXT = 'search_text';
export const readToolNames: readonly string[] = [READ_FILE, LIST_FILES, SEARCH_TEXT];

/** Caps of one call, also named in the tools' descriptions. */
export const READ_MAX_LINES = 2000;
export const READ_MAX_BYTES = 64 * 1024;
export const LIST_MAX_ENTRIES = 500;
export const SEARCH_MAX_MATCHES = 200;
/** Files larger than this are never read, unless refineLoop.context.include lists them. */
export const MAX_FILE_BYTES = 1024 * 1024;

const workspacePath = z.string().describe('Workspace-relative path with / separators, for example src/index.js.');

export const readFileInput = z.object({
  path: workspacePath,
  startLine: z.number().int().min(1).optional().describe('First line to show (1-based); default 1.'),
  endLine: z.number().int().min(1).optional().describe('Last line to show (inclusive); default the end, within the cap.'),
});

export const listFilesInput = z.object({
  path: z.string().optional().describe('Folder to list, workspace-relative; default the whole workspace.'),
  glob: z.string().optional().describe('Only paths matching this glob, for example **/*.ts or src/**/*.test.js.'),
});

export const searchTextInput = z.object({
  query: z.string().min(1).describe('The text to find (case-insensitive), or a JavaScript regular expression when isRegex is true.'),
  isRegex: z.boolean().optional().describe('Treat query as a regular expression (case-sensitive).'),
  glob: z.string().optional().describe('Only search files matching this glob, for example src/**/*.js.'),
});

function definition(name: string, description: string, schema: z.ZodType): ToolDefinition {
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { name, description, inputSchema };
}

export function readToolDefinitions(): ToolDefinition[] {
  return [
    definition(
      READ_FILE,
      `Read a file of the workspace, with line numbers (the numbers are not part of the file). At most ${READ_MAX_LINES} lines or ${READ_MAX_BYTES / 1024} KB per call; use startLine and endLine for the rest. Read-only.`,
      readFileInput,
    ),
    definition(
      LIST_FILES,
      `List the files of the workspace or of one folder, skipping what .gitignore and the exclude settings skip. At most ${LIST_MAX_ENTRIES} paths per call. Read-only.`,
      listFilesInput,
    ),
    definition(SEARCH_TEXT, `Find lines in the workspace's files: path, line number and the line. At most ${SEARCH_MAX_MATCHES} matches per call. Read-only.`, searchTextInput),
  ];
}

/** What the system text says about the read tools. */
export const readToolGuidance = [
  '',
  `You can look at the workspace before you propose: ${READ_FILE}, ${LIST_FILES} and ${SEARCH_TEXT} are read-only tools. Read what you need, for example a module that a failing file imports, but only what you need: the number of calls and the size of their results are limited each round.`,
  'Your search/replace blocks must match the file as it is: read it first when its content is not in the prompt.',
].join('\n');
