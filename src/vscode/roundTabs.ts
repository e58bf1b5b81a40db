// Diff tabs that tell the truth: a proposal tab ("cart.js (Round 2 proposal)") shows
// what the agent proposed; once the round is applied that is history, so its tabs become
// the applied diff (the file before the round against the file now), titled "applied
// in round N". A round rejected, reverted or never applied has nothing to show once the
// session moves on: its tabs close. At the end of a session every tab of its rounds is
// one of the two.
import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { errorMessage } from '../domain/errors';
import type { DiffDocuments } from './diffDocuments';
import { PROPOSAL_SCHEME, parseRoundUri } from './diffDocuments';
import type { Log } from './log';
import type { LiveRound, LiveSession, SessionModel } from './sessionModel';

/** The title of a round's tab once it is applied. */
export function appliedTitle(path: string, round: number): string {
  return vscode.l10n.t('{0} (applied in round {1})', path, round);
}

function undone(round: LiveRound): boolean {
  return round.reverted === true || round.afterTests === 'reverted' || round.afterTests === 'revertRetry' || round.afterTests === 'stopRevert';
}

/**
 * Opening and closing tabs can stall (an editor still opening, a workbench busy); the
 * passes run one after another, so one stalled call must not hold every later pass.
 */
const TAB_CALL_WAIT_MS = 3000;
function within<T>(call: Thenable<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), TAB_CALL_WAIT_MS)));
  return Promise.race([Promise.resolve(call), waited]).finally(() => clearTimeout(timer));
}

/** A tab by what it shows: tab objects are not kept across changes. */
function tabKey(tab: vscode.Tab): string {
  return tab.input instanceof vscode.TabInputTextDiff ? `${tab.group.viewColumn} ${tab.input.original.toString()} ${tab.input.modified.toString()}` : `${tab.group.viewColumn} ${tab.label}`;
}

export class RoundTabs extends Disposable {
  /** `${sessionId}/${round}` of rounds whose tabs were turned into applied diffs. */
  private readonly shownApplied = new Set<string>();
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly model: SessionModel,
    private readonly diffs: DiffDocuments,
    private readonly log: Log,
  ) {
    super();
    this._register(model.onDidChange((sessionId) => this.schedule(sessionId)));
    // A proposal tab can open (or come back) after its round was decided, for example
    // when the diff editor finishes opening after a quick rejection: judge it again then.
    this._register(
      vscode.window.tabGroups.onDidChangeTabs((event) => {
        const sessions = new Set<string>();
        for (const tab of [...event.opened, ...event.changed]) {
          const input = tab.input;
          const named = input instanceof vscode.TabInputTextDiff && input.modified.scheme === PROPOSAL_SCHEME ? parseRoundUri(input.modified) : undefined;
          if (named) sessions.add(named.sessionId);
        }
        for (const sessionId of sessions) this.schedule(sessionId);
      }),
    );
  }

  /** Resolves when the tabs caught up with the last change (for tests). */
  settled(): Promise<void> {
    return this.work;
  }

  private schedule(sessionId: string): void {
    // One pass at a time: closing and opening tabs is asynchronous.
    this.work = this.work.then(() => this.update(sessionId)).catch((error: unknown) => this.log.warn('tabs', `could not update the diff tabs: ${errorMessage(error)}`));
  }

  private async update(sessionId: string): Promise<void> {
    const session = this.model.get(sessionId);
    if (!session) return;
    for (const round of session.rounds) {
      const key = `${sessionId}/${round.round}`;
      if (round.applied && !undone(round) && !this.shownApplied.has(key)) {
        this.shownApplied.add(key);
        await this.showApplied(session, round.round);
      } else if (undone(round) || (round.decision !== undefined && round.decision !== 'approve') || (session.phase === 'ended' && !round.applied)) {
        await this.close(this.tabsOf(sessionId, round.round, PROPOSAL_SCHEME));
        if (undone(round)) await this.close(this.appliedTabsOf(round.round, session));
      }
    }
  }

  /** Open tabs showing a round's proposal. */
  private tabsOf(sessionId: string, round: number, scheme: string): vscode.Tab[] {
    return vscode.window.tabGroups.all.flatMap((group) =>
      group.tabs.filter((tab) => {
        if (!(tab.input instanceof vscode.TabInputTextDiff)) return false;
        const named = tab.input.modified.scheme === scheme ? parseRoundUri(tab.input.modified) : undefined;
        return named?.sessionId === sessionId && named.round === round;
      }),
    );
  }

  private appliedTabsOf(round: number, session: LiveSession): vscode.Tab[] {
    const titles = new Set(session.rounds.find((candidate) => candidate.round === round)?.files.map((file) => appliedTitle(file.path, round)));
    return vscode.window.tabGroups.all.flatMap((group) => group.tabs.filter((tab) => tab.input instanceof vscode.TabInputTextDiff && titles.has(tab.label)));
  }

  private async showApplied(session: LiveSession, round: number): Promise<void> {
    const tabs = this.tabsOf(session.sessionId, round, PROPOSAL_SCHEME);
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (tabs.length === 0 || !root) return;
    const reopen = tabs.flatMap((tab) => {
      const input = tab.input;
      if (!(input instanceof vscode.TabInputTextDiff)) return [];
      const named = parseRoundUri(input.modified);
      return named ? [{ path: named.path, column: tab.group.viewColumn, active: tab.isActive }] : [];
    });
    await this.close(tabs);
    for (const tab of reopen) {
      if (!this.diffs.hasRound(session.sessionId, round)) continue;
      await within(
        vscode.commands.executeCommand('vscode.diff', this.diffs.beforeUri(session.sessionId, round, tab.path), vscode.Uri.joinPath(root, tab.path), appliedTitle(tab.path, round), {
          viewColumn: tab.column,
          preview: true,
          preserveFocus: true,
        }),
      );
    }
    this.log.info('tabs', `round ${round}: ${reopen.length} proposal tab(s) now show the applied change`);
  }

  /**
   * Closes the tabs and checks they are gone: a tab whose diff editor is still opening
   * can survive a close (seen with the installed extension), so it is tried again.
   */
  private async close(tabs: readonly vscode.Tab[]): Promise<void> {
    const keys = new Set(tabs.map(tabKey));
    for (let attempt = 0; keys.size > 0 && attempt < 5; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      const open = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => keys.has(tabKey(tab)));
      if (open.length === 0) return;
      await within(vscode.window.tabGroups.close(open, true)).catch((error: unknown) => this.log.warn('tabs', `could not close ${open.length} tab(s): ${errorMessage(error)}`));
    }
  }
}
