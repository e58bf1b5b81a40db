import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// The part the codex and gemini model servers share: a loopback HTTP server whose model
// turns come from a script. The script sees the conversation so far (the prompt text and
// the tool calls already made with their results), never a request counter: the CLIs
// send extra requests (a router call, retries), and a counter would drift with them.

export interface ToolStep {
  readonly name: string;
  /** The call's input as the CLI sent it back: parsed JSON arguments, or the raw text of a freeform tool. */
  readonly input: unknown;
  /** The tool's result text ('' while none came back). */
  readonly output: string;
}

export interface Conversation {
  /** Every user (and developer) text of the request, joined. */
  readonly prompt: string;
  readonly steps: readonly ToolStep[];
}

export interface ToolCallTurn {
  readonly kind: 'tools';
  readonly calls: readonly { readonly name: string; readonly input: unknown }[];
}

export type ModelTurn =
  | ToolCallTurn
  | { readonly kind: 'text'; readonly text: string }
  /** An HTTP error instead of a turn. */
  | { readonly kind: 'status'; readonly status: number; readonly message?: string }
  /** Never answer (the CLI waits until it is stopped). */
  | { readonly kind: 'hang' };

export type ModelScript = (conversation: Conversation) => ModelTurn;

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

export interface ScriptedServer {
  readonly url: string;
  /** Every request, in order of arrival. */
  readonly received: ReceivedRequest[];
  /** Model requests answered so far (those that reached the script or the forced failure). */
  readonly modelRequests: () => number;
  /** From now on every model request gets this HTTP status (undefined: back to the script). */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (a free port) that hands each parsed request to `route`. */
export async function startServer(route: (request: ReceivedRequest, response: http.ServerResponse, forcedStatus: number | undefined) => Promise<boolean>): Promise<ScriptedServer> {
  const received: ReceivedRequest[] = [];
  let forced: number | undefined;
  let models = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // Kept as text.
      }
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(request);
      res.on('error', () => undefined);
      route(request, res, forced)
        .then((wasModel) => {
          if (wasModel) models++;
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    modelRequests: () => models,
    failWith: (status) => {
      forced = status;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Writes SSE `data:` frames (each an object), with an optional `event:` name each, and ends. */
export function sendEvents(response: http.ServerResponse, frames: readonly { event?: string; data: unknown }[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const frame of frames) {
    response.write(`${frame.event ? `event: ${frame.event}\n` : ''}data: ${JSON.stringify(frame.data)}\n\n`);
  }
  response.end();
}
