// The person's decisions at the gates, from the commands (Approve, Reject with Reason,
// Continue), the review panel and the diff editor's title buttons: each checks that the
// open gate is the one it answers, then settles it.
import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { CancelledError, UsageError } from '../domain/errors';
import type { AfterTestsDecision } from '../domain/session';
import { registerCommand } from './commands';
import type { PendingGate } from './gates';
import type { Log } from './log';
import type { SessionController } from './sessionController';

export interface HunkRejection {
  readonly path: string;
  readonly hunkId: string;
  readonly reason: string;
}

export class GateDecisions extends Disposable {
  constructor(
    private readonly controller: SessionController,
    private readonly log: Log,
  ) {
    super();
  }

  /** Registers the gate commands; disposed with the extension. */
  register(context: { subscriptions: { push(disposable: vscode.Disposable): unknown } }): this {
    context.subscriptions.push(this);
    this._register(registerCommand(this.log, 'refineLoop.approve', () => this.approve()));
    this._register(registerCommand(this.log, 'refineLoop.rejectWithReason', (reason?: string) => this.askAndReject(reason)));
    this._register(registerCommand(this.log, 'refineLoop.continue', () => this.decideAfterTests({ kind: 'continue' })));
    return this;
  }

  /** Approve at the review gate: every hunk unless `rejectedHunks` says otherwise, plus the person's edits in the diff editor. */
  async approve(options: { rejectedHunks?: readonly HunkRejection[]; approveProtected?: boolean; round?: number } = {}): Promise<void> {
    const { diffs, gates } = this.controller;
    const gate = this.expectGate('review');
    const view = gate.view;
    await diffs.saveOpenEdits(view.sessionId, view.round);
    const editedFiles = diffs.editedFiles(view.sessionId, view.round);
    let approveProtected = options.approveProtected ?? false;
    if (view.protectedPaths.length > 0 && !approveProtected) {
      const yes = vscode.l10n.t('Allow and Approve');
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t('This proposal changes protected files: {0}. Protected paths (tests, CI, lock files…) change only with an explicit yes.', view.protectedPaths.join(', ')),
        { modal: true },
        yes,
      );
      if (answer !== yes) return;
      approveProtected = true;
    }
    const rejected = options.rejectedHunks ?? [];
    let keptHunks: Record<string, string[]> | undefined;
    if (rejected.length > 0) {
      keptHunks = {};
      for (const diff of view.diffs) {
        const out = rejected.filter((rejection) => rejection.path === diff.path).map((rejection) => rejection.hunkId);
        if (out.length > 0) keptHunks[diff.path] = diff.hunks.map((hunk) => hunk.id).filter((id) => !out.includes(id));
      }
    }
    diffs.freeze(view.sessionId, view.round);
    this.log.info('review', `round ${view.round}: approved${rejected.length ? ` with ${rejected.length} hunk(s) rejected` : ''}${Object.keys(editedFiles).length ? `, with your edits to ${Object.keys(editedFiles).join(', ')}` : ''}`);
    gates.decideReview(
      {
        kind: 'approve',
        ...(keptHunks ? { keptHunks } : {}),
        ...(rejected.length ? { hunkRejections: rejected } : {}),
        ...(Object.keys(editedFiles).length ? { editedFiles } : {}),
        ...(approveProtected ? { approveProtected } : {}),
      },
      options.round,
    );
  }

  reject(reason: string, round?: number): void {
    const gate = this.expectGate('review');
    const text = reason.trim();
    if (!text) throw new UsageError(vscode.l10n.t('A rejection needs a reason: the agent reads it to do better next round.'));
    this.controller.diffs.freeze(gate.view.sessionId, gate.view.round);
    this.log.info('review', `round ${gate.view.round}: rejected: ${text}`);
    this.controller.gates.decideReview({ kind: 'reject', reason: text }, round);
  }

  decideAfterTests(decision: AfterTestsDecision, round?: number): void {
    this.expectGate('afterTests');
    this.log.info('review', `after tests: ${decision.kind}`);
    this.controller.gates.decideAfterTests(decision, round);
  }

  /** Best of N: review the attempt ranked `rank`, or reject them all with a reason. */
  chooseCandidate(rank: number, round?: number): void {
    const gate = this.expectGate('candidates');
    if (!gate.view.candidates.some((candidate) => candidate.rank === rank)) throw new UsageError(vscode.l10n.t('There is no attempt ranked {0}.', rank));
    this.log.info('review', `round ${gate.view.round}: attempt ranked ${rank} chosen`);
    this.controller.gates.decideCandidate({ kind: 'choose', rank }, round);
  }

  rejectCandidates(reason: string, round?: number): void {
    const gate = this.expectGate('candidates');
    const text = reason.trim();
    if (!text) throw new UsageError(vscode.l10n.t('A rejection needs a reason: the agent reads it to do better next round.'));
    this.log.info('review', `round ${gate.view.round}: every attempt rejected: ${text}`);
    this.controller.gates.decideCandidate({ kind: 'rejectAll', reason: text }, round);
  }

  private async askAndReject(reason?: string): Promise<void> {
    const gate = this.controller.pending;
    if (gate?.kind !== 'review') throw new UsageError(vscode.l10n.t('There is no proposal to reject right now.'));
    const text =
      reason ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Refine Loop: reject round {0}', gate.view.round),
        prompt: vscode.l10n.t('Why? The agent reads this and proposes again.'),
        placeHolder: vscode.l10n.t('For example: keep the function signature; fix the quantity instead'),
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('Say why, so the agent can do better.')),
      }));
    if (text === undefined) throw new CancelledError();
    this.reject(text);
  }

  private expectGate<K extends PendingGate['kind']>(kind: K): Extract<PendingGate, { kind: K }> {
    const gate = this.controller.pending;
    if (!this.controller.isRunning) throw new UsageError(vscode.l10n.t('No session is running.'));
    if (!gate || gate.kind !== kind) {
      const now = gate
        ? gate.kind === 'review'
          ? vscode.l10n.t('a review of the proposal')
          : gate.kind === 'afterTests'
            ? vscode.l10n.t('a decision after the tests')
            : gate.kind === 'candidates'
              ? vscode.l10n.t('the choice of an attempt')
              : vscode.l10n.t('a choice about a changed file')
        : vscode.l10n.t('nothing (the agent or the tests are working)');
      throw new UsageError(vscode.l10n.t('This decision does not fit now: the session waits for {0}.', now));
    }
    return gate as Extract<PendingGate, { kind: K }>;
  }
}
