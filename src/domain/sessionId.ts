import { randomHex } from './hex';

/**
 * A session's id: its UTC start time to the second, then 8 random hex digits
 * (`20261201-091928-3fa9c1d2`). Sorts by start time; safe as a folder name.
 */
export function newSessionId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomHex(4)}`;
}

export const SESSION_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{8}$/;
