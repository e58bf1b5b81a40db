// The two gates (and the restore-conflict question) as promises that a person settles
// from a command, the review panel or a tree action. Pure: no `vscode` import, so it is
// unit-tested in test/unit/vscode. The editor's Reviewer (reviewer.ts) sits on top.
import { CancelledError, UsageError } from '../domain/errors';
import type { AfterTestsDecision, CandidateChoice, CandidatesView, ConflictChoice, ConflictView, ProposalView, ReviewDecision, RoundView } from '../domain/session';

export type PendingGate =
  | { readonly kind: 'review'; readonly view: ProposalView }
  | { readonly kind: 'afterTests'; readonly view: RoundView }
  | { readonly kind: 'conflict'; readonly view: ConflictView }
  | { readonly kind: 'candidates'; readonly view: CandidatesView };

export type GateKind = PendingGate['kind'];

interface Waiting {
  readonly gate: PendingGate;
  readonly settle: (value: unknown) => void;
  readonly fail: (error: unknown) => void;
}

export class GateController {
  private waiting: Waiting | undefined;
  private readonly listeners = new Set<(gate: PendingGate | undefined) => void>();

  /** The gate waiting for a person now, if any. */
  get pending(): PendingGate | undefined {
    return this.waiting?.gate;
  }

  onDidChange(listener: (gate: PendingGate | undefined) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  review(view: ProposalView, signal: AbortSignal): Promise<ReviewDecision> {
    return this.wait<ReviewDecision>({ kind: 'review', view }, signal);
  }

  afterTests(view: RoundView, signal: AbortSignal): Promise<AfterTestsDecision> {
    return this.wait<AfterTestsDecision>({ kind: 'afterTests', view }, signal);
  }

  resolveConflict(view: ConflictView, signal: AbortSignal): Promise<ConflictChoice> {
    return this.wait<ConflictChoice>({ kind: 'conflict', view }, signal);
  }

  /** Best of N: which attempt goes to the review. */
  chooseCandidate(view: CandidatesView, signal: AbortSignal): Promise<CandidateChoice> {
    return this.wait<CandidateChoice>({ kind: 'candidates', view }, signal);
  }

  decideCandidate(choice: CandidateChoice, round?: number): void {
    this.settle(this.expect('candidates', round), choice);
  }

  /** Settles the review gate; throws a UsageError saying what is waiting instead. */
  decideReview(decision: ReviewDecision, round?: number): void {
    const waiting = this.expect('review', round);
    this.settle(waiting, decision);
  }

  decideAfterTests(decision: AfterTestsDecision, round?: number): void {
    const waiting = this.expect('afterTests', round);
    this.settle(waiting, decision);
  }

  decideConflict(choice: ConflictChoice): void {
    this.settle(this.expect('conflict'), choice);
  }

  /** Ends whatever is waiting with a CancelledError (the session was stopped or disposed). */
  cancel(reason = 'The session was stopped.'): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    waiting.fail(new CancelledError(reason));
    this.fire();
  }

  private wait<T>(gate: PendingGate, signal: AbortSignal): Promise<T> {
    if (this.waiting) throw new Error(`A ${this.waiting.gate.kind} gate is already waiting; the loop asked for a ${gate.kind} gate too.`);
    if (signal.aborted) return Promise.reject(new CancelledError());
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.waiting?.gate === gate) {
          this.waiting = undefined;
          this.fire();
        }
        reject(new CancelledError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting = {
        gate,
        settle: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value as T);
        },
        fail: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.fire();
    });
  }

  private expect(kind: GateKind, round?: number): Waiting {
    const waiting = this.waiting;
    if (!waiting) throw new UsageError(`Nothing is waiting for a decision: no ${describe(kind)} is open.`);
    if (waiting.gate.kind !== kind) {
      throw new UsageError(`The session waits for ${describe(waiting.gate.kind)}, not for ${describe(kind)}.`);
    }
    if (round !== undefined && 'round' in waiting.gate.view && waiting.gate.view.round !== round) {
      throw new UsageError(`That decision was for round ${round}, but round ${waiting.gate.view.round} is waiting now.`);
    }
    return waiting;
  }

  private settle(waiting: Waiting, value: unknown): void {
    this.waiting = undefined;
    waiting.settle(value);
    this.fire();
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener(this.waiting?.gate);
  }
}

function describe(kind: GateKind): string {
  switch (kind) {
    case 'review':
      return 'the review of a proposal';
    case 'afterTests':
      return 'a decision after the tests';
    case 'conflict':
      return 'a choice about a changed file';
    case 'candidates':
      return 'the choice of an attempt';
  }
}
