import { AgentError, CancelledError } from '../domain/errors';
import type { TokenUsage } from '../domain/model';
import type { AgentReply, Logger, ToolCall, ToolRead } from '../domain/ports';
import { backoffMs, DEFAULT_MAX_REPLY_BYTES, DEFAULT_RETRIES, DEFAULT_RETRY_BASE_MS, formatBytes, formatSeconds } from './limits';
import { checkNotEmpty } from './replyCheck';
import { SseParser, type ServerSentEvent } from './sse';
import type { ReadTools } from './tools/readTools';

// What the HTTP providers share: one POST with bounded retries (429, 5xx, connection
// resets) under one deadline and the caller's cancel, errors turned into messages a
// person can act on, and a server-sent-events body read with a size cap.

export interface Call {
  /** Who is being called, for messages: e.g. `the openai-compatible server at http://localhost:11434/v1`. */
  readonly where: string;
  readonly component: string;
  readonly model: string;
  readonly hadApiKey: boolean;
  /** What to set for a key, e.g. "REFINE_LOOP_API_KEY or OPENAI_API_KEY". */
  readonly keyHint: string;
  /** The last sentence of the unreachable message, e.g. how to start a local server. */
  readonly unreachableHint: string;
  readonly signal: AbortSignal;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly maxReplyBytes: number;
  readonly log?: Logger;
}

/** The options of both HTTP providers (anthropic, openai-compatible). */
export interface HttpAgentOptions {
  readonly baseUrl?: string;
  readonly model?: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
  readonly retries?: number;
  readonly retryBaseMs?: number;
  readonly maxReplyBytes?: number;
  readonly maxOutputTokens?: number;
  readonly log?: Logger;
  /** The read-only workspace tools, offered whenever the loop offers tools. */
  readonly tools?: ReadTools;
}

/** The base URL without trailing slashes, or the provider's default when none is set. */
export function baseUrlOf(options: HttpAgentOptions, fallback: string): string {
  return (options.baseUrl?.trim() || fallback).replace(/\/+$/, '');
}

/** The Call of one propose(): the provider's own words, the limits from the options (or their defaults). */
export function httpCall(options: HttpAgentOptions, signal: AbortSignal, who: Pick<Call, 'where' | 'component' | 'model' | 'hadApiKey' | 'keyHint' | 'unreachableHint'>): Call {
  return {
    ...who,
    signal,
    deadline: Date.now() + options.timeoutMs,
    timeoutMs: options.timeoutMs,
    retries: options.retries ?? DEFAULT_RETRIES,
    retryBaseMs: options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
    maxReplyBytes: options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
    log: options.log,
  };
}

/** A streamed reply as the loop gets it, once checked to hold an edit; usage only when the server reported it. */
export function textReply(text: string, toolCalls: readonly ToolCall[], model: string, baseUrl: string, usage: TokenUsage | undefined, reads: readonly ToolRead[] = []): AgentReply {
  checkNotEmpty(text, toolCalls, `${model} at ${baseUrl}`);
  return {
    kind: 'text',
    text,
    model,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(usage ? { usage } : {}),
    ...(reads.length > 0 ? { reads } : {}),
  };
}

/** An AbortController for one call: aborted by the caller's signal or by the deadline, and by dispose() so nothing of the call outlives it. */
export function callController(signal: AbortSignal, timeoutMs: number): { controller: AbortController; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, timeoutMs);
  const onAbort = (): void => controller.abort(signal.reason);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    controller,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (!controller.signal.aborted) controller.abort();
    },
  };
}

export function timeoutError(call: Call): AgentError {
  return new AgentError(
    `${capitalize(call.where)} did not finish a reply within ${formatSeconds(call.timeoutMs)}. Nothing was applied. Raise refineLoop.agent.timeoutSeconds, use a faster model, or shrink the prompt (refineLoop.agent.maxPromptTokens).`,
    'agent.timeout',
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The error code of a failed fetch (undici hides it in `cause`). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const retryableNetworkCodes = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The server's own words from an error body: `error.message`, `error`, `message` or `detail`, else the text. */
export function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error;
    const candidates = [
      typeof error === 'object' && error !== null ? (error as Record<string, unknown>).message : undefined,
      typeof error === 'string' ? error : undefined,
      parsed.message,
      parsed.detail,
    ];
    for (const candidate of candidates) if (typeof candidate === 'string' && candidate.trim()) return candidate.trim().slice(0, 500);
  } catch {
    // Not JSON: use the text.
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, 300) : '(no message)';
}

async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // A broken error body still leaves the status to report.
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes)), truncated: size > maxBytes };
}

/** The message for a status that retrying will not fix (or that retries did not fix). */
export function statusError(call: Call, status: number, body: string, attempts: number): AgentError {
  const said = serverMessage(body);
  const where = capitalize(call.where);
  if (status === 401 || status === 403) {
    const key = call.hadApiKey ? 'refused the API key' : 'needs an API key and none was given';
    return new AgentError(
      `${where} ${key} (HTTP ${status}: ${said}). Nothing was applied. Set a valid key with "Refine Loop: Set API Key" in VS Code, or ${call.keyHint} for the CLI.`,
      'agent.unauthorized',
    );
  }
  if (status === 404) {
    return new AgentError(
      `${where} answered 404 for model '${call.model}' (${said}). Nothing was applied. Check the model name (refineLoop.agent.model, --model) and the base URL (refineLoop.agent.baseUrl, --base-url).`,
      'agent.modelNotFound',
    );
  }
  if (status === 413) {
    return new AgentError(`${where} rejected the prompt as too large (HTTP 413: ${said}). Lower refineLoop.agent.maxPromptTokens.`, 'agent.requestTooLarge');
  }
  if (status === 429) {
    return new AgentError(
      `${where} kept rate-limiting the request (HTTP 429 after ${attempts} attempt(s): ${said}). Nothing was applied. Wait a minute and run the round again, or check the account's quota.`,
      'agent.rateLimited',
    );
  }
  if (status >= 500) {
    return new AgentError(
      `${where} failed with HTTP ${status} after ${attempts} attempt(s): ${said}. Nothing was applied. The server may be overloaded or down; run the round again later or check its log.`,
      'agent.serverError',
    );
  }
  const next = /context|too long|too many tokens|maximum.*tokens|prompt is too/i.test(said)
    ? 'The prompt is likely too long for the model: lower refineLoop.agent.maxPromptTokens.'
    : "Check the model name and the server's documentation for this error.";
  return new AgentError(`${where} rejected the request (HTTP ${status}: ${said}). Nothing was applied. ${next}`, 'agent.badRequest');
}

export function streamCutError(call: Call, received: number, detail: string): AgentError {
  return new AgentError(
    `The connection to ${call.where} broke in the middle of the reply (after ${received} characters: ${detail}). Nothing was applied. Run the round again; if it repeats, check the server or any proxy in between.`,
    'agent.streamCut',
  );
}

export function malformedError(call: Call, what: string, sample: string): AgentError {
  return new AgentError(
    `${capitalize(call.where)} sent ${what} that is not valid JSON (${sample.slice(0, 120)}). Nothing was applied. Check that the base URL points at a server that speaks this API.`,
    'agent.malformedReply',
  );
}

export function tooLargeError(call: Call): AgentError {
  return new AgentError(
    `${capitalize(call.where)} sent a reply larger than ${formatBytes(call.maxReplyBytes)}; it was cut off and dropped, since no one can review that much. Nothing was applied. Ask for a smaller change, or lower the output limit of the model.`,
    'agent.replyTooLarge',
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * POSTs `body` as JSON and returns the response once it is 2xx. Retries 429, 408, 5xx
 * and connection resets up to `call.retries` times with backoff (honouring
 * Retry-After), within the deadline. `retryWithout` may return a changed body for one
 * more attempt after a 400 (for example without tools, for models that have none).
 */
export async function postJson(
  call: Call,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  abort: AbortSignal,
  timedOut: () => boolean,
  retryWithout?: (status: number, message: string) => unknown,
): Promise<Response> {
  let currentBody = body;
  let fallbackUsed = false;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(currentBody), signal: abort });
    } catch (error) {
      if (abort.aborted) throw timedOut() ? timeoutError(call) : new CancelledError('Agent call cancelled.');
      const code = networkCode(error) ?? 'unknown';
      if (unreachableCodes.has(code)) {
        throw new AgentError(
          `Could not reach ${call.where} (${code}). Nothing was applied. ${call.unreachableHint}`,
          'agent.unreachable',
          { cause: error },
        );
      }
      if (retryableNetworkCodes.has(code) && attempt < call.retries) {
        const wait = backoffMs(attempt, call.retryBaseMs);
        call.log?.warn(call.component, `connection to ${call.where} failed (${code}); retry ${attempt + 1} of ${call.retries} in ${Math.round(wait)} ms`);
        await sleep(wait, abort);
        continue;
      }
      throw new AgentError(
        `The connection to ${call.where} failed (${code}) after ${attempt + 1} attempt(s). Nothing was applied. Check the server and the network, then run the round again.`,
        'agent.connectionFailed',
        { cause: error },
      );
    }
    if (response.ok) return response;

    const { text } = await readCapped(response, 64 * 1024);
    if (isRetryableStatus(response.status) && attempt < call.retries) {
      const wait = backoffMs(attempt, call.retryBaseMs, retryAfterMs(response));
      if (Date.now() + wait >= call.deadline) throw statusError(call, response.status, text, attempt + 1);
      call.log?.warn(call.component, `${call.where} answered HTTP ${response.status}; retry ${attempt + 1} of ${call.retries} in ${Math.round(wait)} ms`);
      await sleep(wait, abort);
      if (abort.aborted) throw timedOut() ? timeoutError(call) : new CancelledError('Agent call cancelled.');
      continue;
    }
    if (response.status === 400 && retryWithout && !fallbackUsed) {
      const changed = retryWithout(response.status, serverMessage(text));
      if (changed !== undefined) {
        fallbackUsed = true;
        currentBody = changed;
        attempt--;
        continue;
      }
    }
    throw statusError(call, response.status, text, attempt + 1);
  }
}

/**
 * Reads a server-sent-events body, handing each event to `onEvent` (which returns true
 * at the protocol's end-of-reply event). Throws AgentError when the stream breaks or
 * ends before that event, or grows past the reply cap.
 */
export async function readEvents(
  call: Call,
  response: Response,
  abort: AbortSignal,
  timedOut: () => boolean,
  received: () => number,
  onEvent: (event: ServerSentEvent) => boolean,
): Promise<void> {
  if (!response.body) throw streamCutError(call, 0, 'the response had no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let bytes = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (abort.aborted) throw timedOut() ? timeoutError(call) : new CancelledError('Agent call cancelled.');
        throw streamCutError(call, received(), networkCode(error) ?? (error as Error).message);
      }
      if (chunk.done) break;
      bytes += chunk.value.length;
      if (bytes > call.maxReplyBytes) throw tooLargeError(call);
      for (const event of parser.feed(decoder.decode(chunk.value, { stream: true }))) {
        if (onEvent(event)) return;
      }
    }
    // Lenient about a last event without its closing blank line.
    for (const event of parser.feed(decoder.decode() + '\n\n')) {
      if (onEvent(event)) return;
    }
    throw streamCutError(call, received(), 'the server closed the stream before its end-of-reply event');
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Reads a whole JSON body (for servers that answer `stream: true` without streaming), capped. */
export async function readJsonBody(call: Call, response: Response): Promise<unknown> {
  const { text, truncated } = await readCapped(response, call.maxReplyBytes);
  if (truncated) throw tooLargeError(call);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedError(call, 'a reply body', text);
  }
}
