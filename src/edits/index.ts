// The edit engine's public surface: turn a reply into changes (all or nothing), or
// parse and apply separately; diff the result, keep only the hunks a reviewer approved.
// Pure: no editor, no Node.
export { changesFromReply, type ReplyChanges, type ReplyInput } from './fromReply';
export { parseReply, parseToolCalls } from './parse';
export { applyEdits } from './apply';
export { diffChange, diffChanges, keepHunks, unifiedPatch } from './diff';
export { guardPath } from '../domain/pathGuard';
export { matchEdit, type MatchLevel, type MatchResult, type MatchCandidate } from './match';
export type { ApplyResult, CreateOp, DeleteOp, EditOp, ParsedReply, RenameOp, ReplaceOp, WriteOp } from './types';
export { EDIT_TOOL_NAME, editToolDefinition, editToolInputSchema, toolEditSchema, type EditToolInput, type ToolEdit } from './toolCall';
