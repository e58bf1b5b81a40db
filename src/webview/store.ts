// The panel's state: the last state the host sent, and the person's choices that are
// not decisions yet. One place the view parts read, and the one way to post to the host.
import type { PanelMessage, PanelState } from '../protocol/reviewPanel';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

export const vscodeApi = acquireVsCodeApi();

/** The person's choices that are not decisions yet: per hunk keep or reject (with a reason). */
export interface LocalChoices {
  round: number;
  rejected: Map<string, string>; // `${path}\n${hunkId}` → reason
  reason: string;
  approveProtected: boolean;
}

export const panel: {
  state: PanelState | undefined;
  /** Shown from the kept state after a reload; no decision can be sent until the host answers. */
  restored: boolean;
  /** Restored, and the host sent nothing since: the session is gone. */
  hostSilent: boolean;
  choices: LocalChoices;
} = { state: undefined, restored: false, hostSilent: false, choices: { round: -1, rejected: new Map(), reason: '', approveProtected: false } };

let renderer: () => void = () => undefined;

export function setRenderer(render: () => void): void {
  renderer = render;
}

export function render(): void {
  renderer();
}

export function post(message: PanelMessage): void {
  vscodeApi.postMessage(message);
}

/** Decisions can be sent: the state shown is the host's, not one kept from before a reload. */
export function live(): boolean {
  return !panel.restored;
}

export function cssId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}
