import { asNumber, asRecord, jsonLine, shownPath, type ParserContext, type StreamEvent, type StreamParser } from './preset';

// Reads `codex exec --json` (codex 0.171): one JSON event a line. `item.started` /
// `item.completed` carry the work (`command_execution`, `file_change`, `agent_message`,
// `web_search`, `mcp_tool_call`), `turn.completed` the token usage, `turn.failed` the
// error that ended the run. A bare `error` event is not final (codex also sends one for
// a reconnect it then survives), so only `turn.failed` is taken as the run's error.

/** `/bin/bash -lc 'cat a.js'` → `cat a.js`: the command as the model wrote it. */
export function unwrapShell(command: string): string {
  const match = /^(?:\/(?:usr\/)?bin\/)?(?:ba|z)?sh\s+-l?c\s+(['"])([\s\S]*)\1$/.exec(command.trim());
  if (!match) return command.trim();
  const inner = match[2] ?? '';
  return match[1] === "'" ? inner.replace(/'\\''/g, "'") : inner;
}

const READERS = /^(?:cat|head|tail|less|more|nl|wc|sed\s+-n\s+\S+|bat)\s+(?:-\S+\s+)*([^\s|;&<>]+)$/;

/** How a shell command is shown: a plain read of one file as "Read <file>", the rest as "Run <command>". */
export function describeCommand(context: ParserContext, command: string): string {
  const inner = unwrapShell(command);
  const read = READERS.exec(inner);
  if (read?.[1]) return `Read ${shownPath(context, read[1])}`;
  const oneLine = inner.replace(/\s+/g, ' ');
  return `Run ${oneLine.length > 120 ? `${oneLine.slice(0, 119)}…` : oneLine}`;
}

const CHANGE_VERBS: Record<string, string> = { add: 'Create', update: 'Edit', delete: 'Delete' };

/** codex's word for a 5xx hides the status; say what it means. */
function explainCodexError(message: string): string {
  if (/currently experiencing high demand/i.test(message)) return `${message} (codex says this when the model server answers with a 5xx status)`;
  return message;
}

export function codexParser(context: ParserContext): StreamParser {
  let textCharacters = 0;
  return {
    line(text) {
      const event = jsonLine(text);
      if (!event) return [];
      const type = event.type;
      if (type === 'turn.completed') {
        const usage = asRecord(event.usage);
        const inputTokens = asNumber(usage?.input_tokens);
        const outputTokens = asNumber(usage?.output_tokens);
        if (inputTokens === undefined && outputTokens === undefined) return [];
        return [{ kind: 'usage', usage: { ...(inputTokens !== undefined ? { inputTokens } : {}), ...(outputTokens !== undefined ? { outputTokens } : {}) } }];
      }
      if (type === 'turn.failed') {
        const message = asRecord(event.error)?.message;
        return [{ kind: 'error', message: explainCodexError(typeof message === 'string' && message ? message : 'the turn failed without a message') }];
      }
      if (type !== 'item.started' && type !== 'item.completed') return [];
      const item = asRecord(event.item);
      if (!item) return [];
      const events: StreamEvent[] = [];
      switch (item.type) {
        case 'command_execution': {
          const command = typeof item.command === 'string' ? item.command : '';
          if (type === 'item.started') events.push({ kind: 'tool', message: describeCommand(context, command) });
          else if (item.status === 'declined') events.push({ kind: 'toolFailed', message: `${describeCommand(context, command)}: declined` });
          break;
        }
        case 'file_change': {
          const changes = Array.isArray(item.changes) ? item.changes.map(asRecord) : [];
          for (const change of changes) {
            const verb = CHANGE_VERBS[String(change?.kind)] ?? 'Change';
            const what = `${verb} ${shownPath(context, change?.path)}`;
            if (type === 'item.completed' && item.status === 'failed') events.push({ kind: 'toolFailed', message: `${what}: the patch failed` });
            else if (type === 'item.completed') events.push({ kind: 'tool', message: what });
          }
          break;
        }
        case 'agent_message':
          if (type === 'item.completed' && typeof item.text === 'string') {
            textCharacters += item.text.length;
            events.push({ kind: 'text', characters: textCharacters }, { kind: 'summary', text: item.text });
          }
          break;
        case 'web_search':
          if (type === 'item.started') events.push({ kind: 'tool', message: `Search the web${typeof item.query === 'string' && item.query ? ` for ${item.query}` : ''}` });
          break;
        case 'mcp_tool_call':
          if (type === 'item.started') events.push({ kind: 'tool', message: `Call ${String(item.server ?? '')}/${String(item.tool ?? '')}` });
          break;
      }
      return events;
    },
  };
}

/**
 * The tool uses codex refused, as its stderr logs them (`ERROR codex_core::tools::router:
 * error=patch rejected: writing outside of the project; …`): its JSON stream leaves them out.
 */
export function codexRefusals(stderrTail: string): string[] {
  const refused: string[] = [];
  for (const match of stderrTail.matchAll(/ERROR codex_core::tools::router: error=(.+)/g)) {
    const reason = (match[1] ?? '').trim();
    if (reason && !refused.includes(`codex refused a tool use: ${reason}`)) refused.push(`codex refused a tool use: ${reason}`);
  }
  return refused;
}
