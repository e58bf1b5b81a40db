import { sha256Hex } from '../domain/hash';
import type { Settings } from '../domain/settings';
import type { TestReport } from '../domain/testReport';

// When the loop stops by rule: the hard limits (rounds, minutes, tokens) and the
// progress check (stuck). Each answers with a reason a person can read, or undefined.

export interface Budget {
  readonly startedAt: number;
  readonly now: number;
  /** Rounds started so far. */
  readonly rounds: number;
  readonly tokens: number;
}

/** The limit that keeps another round from starting, if any. */
export function limitBefore(next: Budget, settings: Pick<Settings, 'maxRounds' | 'maxMinutes' | 'maxTokens'>): string | undefined {
  if (next.rounds >= settings.maxRounds) return `reached the limit of ${settings.maxRounds} round${settings.maxRounds === 1 ? '' : 's'}`;
  if (settings.maxMinutes > 0 && next.now - next.startedAt >= settings.maxMinutes * 60_000) return `reached the limit of ${settings.maxMinutes} minutes`;
  if (settings.maxTokens > 0 && next.tokens >= settings.maxTokens) return `reached the limit of ${settings.maxTokens} tokens (used ${next.tokens})`;
  return undefined;
}

/** Ids of the tests that failed; a run that could not run counts as everything still failing. */
export function failingIds(report: TestReport): Set<string> {
  return new Set(report.tests.filter((test) => test.status === 'failed').map((test) => test.id));
}

/**
 * Progress of one round against the last result: the failing set shrank, or a test
 * that failed before passes now. A run that could not run (build error, timeout) is
 * no progress, nor is a run that ran only some of the tests and found nothing new.
 */
export function madeProgress(previous: TestReport | undefined, current: TestReport): boolean {
  if (current.problems.length > 0 || current.run.timedOut) return false;
  const now = failingIds(current);
  if (previous === undefined) return true;
  const before = failingIds(previous);
  if (previous.problems.length > 0 || previous.run.timedOut) return true;
  if (now.size < before.size) return true;
  const passing = new Set(current.tests.filter((test) => test.status === 'passed').map((test) => test.id));
  return [...before].some((id) => passing.has(id));
}

/** Counts rounds in a row without progress; `stuck` once the setting's count is reached (0: never). */
export class ProgressTracker {
  private withoutProgress = 0;

  constructor(private readonly allowed: number) {}

  /** Records one round; `progressed` undefined means the round ran no tests (nothing applied). */
  record(progressed: boolean): void {
    this.withoutProgress = progressed ? 0 : this.withoutProgress + 1;
  }

  /** The person chose to go on although the loop was stuck. */
  reset(): void {
    this.withoutProgress = 0;
  }

  get stuckReason(): string | undefined {
    if (this.allowed === 0 || this.withoutProgress < this.allowed) return undefined;
    return `no progress in ${this.withoutProgress} round${this.withoutProgress === 1 ? '' : 's'} in a row (the failing set did not shrink and no test newly passed)`;
  }
}

/**
 * A fingerprint of a proposal (paths, old and new bytes), to spot an agent repeating
 * itself: the same edit on the same content. The same result reached from another
 * starting point is not a repeat.
 */
export async function proposalFingerprint(changes: readonly { path: string; kind: string; oldPath?: string; before?: Uint8Array; after?: Uint8Array }[]): Promise<string> {
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const change of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
    parts.push(encoder.encode(`\0${change.kind}\0${change.path}\0${change.oldPath ?? ''}\0${change.before?.length ?? -1}\0`));
    if (change.before) parts.push(change.before);
    parts.push(encoder.encode(`\0${change.after?.length ?? -1}\0`));
    if (change.after) parts.push(change.after);
  }
  const total = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    total.set(part, offset);
    offset += part.length;
  }
  return sha256Hex(total);
}

/**
 * The signal for the session's work (agent calls, test runs): aborted by the caller's
 * signal, or when `msLeft` runs out, so `maxMinutes` also holds in the middle of a
 * slow call. The gates keep the caller's signal: a person is never cut off.
 */
export function workSignal(outer: AbortSignal, msLeft: number | undefined): { readonly signal: AbortSignal; expired(): boolean; dispose(): void } {
  if (msLeft === undefined) return { signal: outer, expired: () => false, dispose: () => undefined };
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error('The session reached its time limit.'));
  }, Math.max(0, msLeft));
  const onAbort = () => controller.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    expired: () => expired && !outer.aborted,
    dispose: () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}
