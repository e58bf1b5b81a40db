import type { AgentProgress } from '../domain/ports';

// Progress for the UI without flooding it: a model streams a delta every few
// milliseconds, and each one would become a session event. Status messages always
// pass; character counts at most every `intervalMs`, and `flush` sends the last one.

export const PROGRESS_INTERVAL_MS = 100;

export interface ThrottledProgress {
  readonly report: (progress: AgentProgress) => void;
  /** Sends the latest character count if it was held back. */
  readonly flush: () => void;
}

export function throttleProgress(onProgress: ((progress: AgentProgress) => void) | undefined, intervalMs = PROGRESS_INTERVAL_MS, now: () => number = Date.now): ThrottledProgress {
  let lastSent = -Infinity;
  let held: AgentProgress | undefined;
  return {
    report: (progress) => {
      if (!onProgress) return;
      if (progress.kind === 'status') return onProgress(progress);
      if (now() - lastSent >= intervalMs) {
        lastSent = now();
        held = undefined;
        onProgress(progress);
      } else {
        held = progress;
      }
    },
    flush: () => {
      if (onProgress && held) onProgress(held);
      held = undefined;
    },
  };
}
