import * as z from 'zod';
import type { ToolDefinition } from '../domain/ports';

// The edit tool offered to models with tool calling: the same edits as the text
// formats, as JSON checked by zod on receipt.

export const EDIT_TOOL_NAME = 'apply_edits';

const path = z.string().min(1).describe('Workspace-relative path with / separators.');

export const toolEditSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('replace'),
    path,
    search: z.string().describe('Exact existing lines to replace, with a few lines of context; must match once.'),
    replace: z.string().describe('The lines that take their place.'),
    line: z.number().int().positive().optional().describe('1-based line where the search text starts, as a hint.'),
  }),
  z.object({ kind: z.literal('create'), path, content: z.string().describe('The whole content of the new file.') }),
  z.object({ kind: z.literal('delete'), path }),
  z.object({ kind: z.literal('rename'), path, to: path }),
]);
export type ToolEdit = z.infer<typeof toolEditSchema>;

export const editToolInputSchema = z.object({
  summary: z.string().optional().describe('One or two sentences on what the edits do and why.'),
  edits: z.array(toolEditSchema).min(1),
});
export type EditToolInput = z.infer<typeof editToolInputSchema>;

export function editToolDefinition(): ToolDefinition {
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(editToolInputSchema) as Record<string, unknown>;
  return {
    name: EDIT_TOOL_NAME,
    description: 'Apply edits to files of the workspace. All edits of one call apply together or not at all.',
    inputSchema,
  };
}
