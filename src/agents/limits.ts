// Bounds shared by the providers: how much reply one call may bring back, and how
// long to wait between retries.

/** A reply longer than this is not an edit proposal anyone can review: the call fails. */
export const DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024;

/** Retries after the first attempt, on 429, 5xx and connection resets. */
export const DEFAULT_RETRIES = 3;

/** First backoff; each retry doubles it, with jitter, up to MAX_BACKOFF_MS. */
export const DEFAULT_RETRY_BASE_MS = 500;
export const MAX_BACKOFF_MS = 20_000;

export function backoffMs(attempt: number, baseMs: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_BACKOFF_MS);
  const exponential = baseMs * 2 ** attempt;
  return Math.min(MAX_BACKOFF_MS, exponential / 2 + Math.random() * (exponential / 2));
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds >= 10 ? Math.round(seconds) : Number(seconds.toFixed(1))} s`;
}
