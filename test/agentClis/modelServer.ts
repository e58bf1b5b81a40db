import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// A model server on 127.0.0.1 for the agent CLI tests: it records every request, and
// answers each with what the test's script decides from the conversation so far (the
// tool calls already made and their results), never from a request counter: the CLIs
// send extra requests of their own (a title, a router call, a `HEAD /`). A protocol
// (Anthropic Messages, chat completions, …) only turns a request into a Conversation
// and a Turn into its wire format; each lives in its own file beside this one.

export interface ToolUse {
  readonly name: string;
  readonly input: Record<string, unknown>;
  /** What the CLI sent back as the tool's result (undefined: not yet). */
  readonly result?: string;
}

export interface Conversation {
  /** The system prompt and every user message, as one text. */
  readonly text: string;
  /** Tools offered, by name (empty: a side call such as a title). */
  readonly tools: readonly string[];
  /** Tool calls already made in this conversation, in order, with their results. */
  readonly toolUses: readonly ToolUse[];
  readonly model?: string;
}

export type Turn = { readonly tool: { readonly name: string; readonly input: Record<string, unknown> } } | { readonly text: string };

/** Decides the model's next turn. */
export type Script = (conversation: Conversation) => Turn;

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A protocol: when it handles a request, and how it answers. */
export interface Protocol {
  readonly name: string;
  handles(method: string, url: string): boolean;
  /** Writes the answer for `turn` (streamed when the request asked for it). */
  answer(request: Received, parsed: Record<string, unknown>, turn: Turn, response: http.ServerResponse): void;
  conversation(parsed: Record<string, unknown>): Conversation;
}

export interface ModelServerOptions {
  readonly protocol: Protocol;
  readonly script: Script;
  /** Answer every model request with this HTTP status and body instead (401, 500). */
  readonly fail?: { readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>> };
  /** Hold every model request open without answering (the timeout test). */
  readonly hang?: boolean;
}

export class ModelServer {
  readonly received: Received[] = [];
  /** The model requests (those the protocol handles), in order. */
  readonly modelRequests: Received[] = [];
  readonly conversations: Conversation[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(options: ModelServerOptions): Promise<ModelServer> {
    const ref: { self?: ModelServer } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        ref.self!.received.push(received);
        res.on('error', () => undefined);
        if (!options.protocol.handles(received.method, received.url)) {
          res.writeHead(req.method === 'HEAD' || req.method === 'GET' ? 200 : 404, { 'content-type': 'application/json' });
          res.end(req.method === 'HEAD' ? undefined : '{}');
          return;
        }
        ref.self!.modelRequests.push(received);
        if (options.hang) return;
        if (options.fail) {
          res.writeHead(options.fail.status, { 'content-type': 'application/json', ...options.fail.headers });
          res.end(options.fail.body);
          return;
        }
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(received.body) as Record<string, unknown>;
        } catch {
          res.writeHead(400).end('not JSON');
          return;
        }
        const conversation = options.protocol.conversation(parsed);
        ref.self!.conversations.push(conversation);
        const turn = conversation.tools.length === 0 ? { text: 'Cart fix' } : options.script(conversation);
        options.protocol.answer(received, parsed, turn, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ref.self = new ModelServer(server, `http://127.0.0.1:${port}`);
    return ref.self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Server-sent events, one `data:` line each (with an `event:` line when named). */
export function sse(response: http.ServerResponse, events: readonly ({ event?: string; data: unknown } | string)[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const each of events) {
    if (typeof each === 'string') response.write(`data: ${each}\n\n`);
    else response.write(`${each.event ? `event: ${each.event}\n` : ''}data: ${JSON.stringify(each.data)}\n\n`);
  }
  response.end();
}

/** Text of a message content that is a string or a list of blocks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      const record = block as Record<string, unknown>;
      if (typeof record.text === 'string') return record.text;
      if (record.content !== undefined) return contentText(record.content);
      return '';
    })
    .join('\n');
}
