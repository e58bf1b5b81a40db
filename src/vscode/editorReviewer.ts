// The loop's Reviewer in the editor: a proposal opens in the diff editor beside the
// review panel and waits at the review gate; after the tests it waits at the after-tests
// gate; a file changed since its checkpoint is a modal question. The gates are settled
// from the commands, the panel or the diff editor (gateDecisions.ts).
import * as vscode from 'vscode';
import { errorMessage } from '../domain/errors';
import type { Reviewer } from '../domain/ports';
import type { AfterTestsDecision, CandidateChoice, CandidatesView, ConflictChoice, ConflictView, ProposalView, ReviewDecision, RoundView } from '../domain/session';
import type { DiffDocuments } from './diffDocuments';
import type { GateController } from './gates';
import type { Log } from './log';
import type { ReviewPanel } from './reviewPanel';
import type { SessionModel } from './sessionModel';

/** How long a review waits for its diff editor to open before showing the panel anyway. */
const DIFF_OPEN_WAIT_MS = 3000;

export class EditorReviewer implements Reviewer {
  /** Sessions whose columns were sized once (the person's sizes count after that). */
  private readonly laidOut = new Set<string>();

  constructor(
    private readonly gates: GateController,
    private readonly model: SessionModel,
    private readonly diffs: DiffDocuments,
    private readonly panel: ReviewPanel,
    private readonly log: Log,
  ) {}

  async review(proposal: ProposalView, signal: AbortSignal): Promise<ReviewDecision> {
    this.diffs.setRound(proposal.sessionId, proposal.round, proposal.changes, true);
    this.model.proposalShown(proposal);
    const decision = this.gates.review(proposal, signal);
    const first = proposal.diffs[0]?.path ?? proposal.changes[0]?.path;
    if (first) {
      const opened = this.diffs.openDiff(proposal.sessionId, proposal.round, first, { viewColumn: vscode.ViewColumn.One, preserveFocus: false, preview: true }).catch((error: unknown) => {
        this.log.warn('review', `could not open the diff of ${first}: ${errorMessage(error)}`);
      });
      // Wait for the diff so the panel can go beside it, but not for ever: opening an
      // editor can stall (an editor closed while it opens, a language server starting),
      // and the gate must stay answerable from the panel and the commands meanwhile.
      await Promise.race([opened, new Promise((resolve) => setTimeout(resolve, DIFF_OPEN_WAIT_MS))]);
    }
    // The panel goes beside the diff (moved there if it shared the diff's column).
    this.panel.show(true, vscode.ViewColumn.Two);
    if (!this.laidOut.has(proposal.sessionId)) {
      this.laidOut.add(proposal.sessionId);
      await this.panel.narrowBesideDiff();
    }
    try {
      return await decision;
    } finally {
      this.diffs.freeze(proposal.sessionId, proposal.round);
      this.model.gateClosed(proposal.sessionId);
    }
  }

  /** Best of N: the attempts side by side in the panel; the person picks one (then reviews it) or rejects all. */
  async chooseCandidate(view: CandidatesView, signal: AbortSignal): Promise<CandidateChoice> {
    this.model.candidatesShown(view);
    const decision = this.gates.chooseCandidate(view, signal);
    this.panel.show(true);
    try {
      return await decision;
    } finally {
      this.model.gateClosed(view.sessionId);
    }
  }

  async afterTests(round: RoundView, signal: AbortSignal): Promise<AfterTestsDecision> {
    this.model.testsShown(round);
    const decision = this.gates.afterTests(round, signal);
    this.panel.show(true);
    if (round.suiteShrank) this.offerSmallerSuite(round);
    try {
      return await decision;
    } finally {
      this.model.gateClosed(round.sessionId);
    }
  }

  /** A smaller suite passes only with the person's explicit acceptance (the panel's other answers still work). */
  private offerSmallerSuite(round: RoundView): void {
    const accept = vscode.l10n.t('Accept Smaller Suite');
    const message = vscode.l10n.t('Refine Loop: the test suite shrank in round {0}: {1}. It does not pass unless you accept the smaller suite.', round.round, round.suiteShrank?.summary ?? '');
    void vscode.window.showWarningMessage(message, accept).then((pick) => {
      const gate = this.gates.pending;
      if (pick === accept && gate?.kind === 'afterTests' && gate.view.sessionId === round.sessionId && gate.view.round === round.round) this.gates.decideAfterTests({ kind: 'acceptSmallerSuite' }, round.round);
    });
  }

  async resolveConflict(conflict: ConflictView, signal: AbortSignal): Promise<ConflictChoice> {
    const decision = this.gates.resolveConflict(conflict, signal);
    const overwrite = vscode.l10n.t('Restore Anyway');
    const keep = vscode.l10n.t('Keep Current');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t('{0} changed after Refine Loop wrote it. Restoring it would lose that change.', conflict.path),
        { modal: true, detail: vscode.l10n.t('Keep Current leaves the file as it is now; Restore Anyway puts back the checkpoint and drops the newer change.') },
        keep,
        overwrite,
      )
      .then((answer) => {
        if (this.gates.pending?.kind === 'conflict') this.gates.decideConflict(answer === overwrite ? 'overwrite' : 'keepCurrent');
      });
    return decision;
  }
}
