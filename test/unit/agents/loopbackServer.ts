import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';

// A real HTTP server on 127.0.0.1 (port 0) whose answers each test scripts: the
// model servers of the provider tests. It records every request it got.

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export type Handler = (request: Received, response: http.ServerResponse, index: number) => void | Promise<void>;

export class LoopbackServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly received: Received[],
  ) {}

  static async start(handler: Handler): Promise<LoopbackServer> {
    const receivedList: Received[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          body = { unparsed: text };
        }
        const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        receivedList.push(received);
        res.on('error', () => undefined);
        void Promise.resolve(handler(received, res, receivedList.length - 1)).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new LoopbackServer(server, `http://127.0.0.1:${port}`, receivedList);
  }

  /** A port on 127.0.0.1 where nothing listens (a server opened and closed again). */
  static async closedPort(): Promise<string> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `serve(handler)` for one describe block: each server it starts is closed after the block. */
export function serveInSuite(): (handler: Handler) => Promise<LoopbackServer> {
  const servers: LoopbackServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });
  return async (handler) => {
    const server = await LoopbackServer.start(handler);
    servers.push(server);
    return server;
  };
}

/** Lets the event loop turn, so consecutive writes leave as separate TCP chunks. */
export function tick(ms = 2): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function writeEvents(response: http.ServerResponse, frames: readonly string[], options: { end?: boolean } = {}): Promise<void> {
  if (!response.headersSent) response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const frame of frames) {
    if (response.destroyed) return;
    response.write(frame);
    await tick();
  }
  if (options.end !== false) response.end();
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * Writes `prefix`, then up to `bytes` of SSE frames made by `frame`, stopping early when
 * the client goes away. `progress` tells, at any time, how much was written and whether
 * the writing is over.
 */
export async function writeHuge(
  response: http.ServerResponse,
  bytes: number,
  prefix: string,
  frame: (text: string) => string,
  progress: { written: number; done: boolean },
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(prefix);
  const piece = 'y'.repeat(60 * 1024);
  while (progress.written < bytes && !response.destroyed) {
    const ok = response.write(frame(piece));
    progress.written += piece.length;
    if (!ok) {
      await new Promise<void>((resolve) => {
        response.once('drain', resolve);
        response.once('close', resolve);
      });
    }
  }
  if (!response.destroyed) response.end();
  progress.done = true;
}
