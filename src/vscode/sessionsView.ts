import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { errorMessage } from '../domain/errors';
import type { SessionHistory } from '../domain/ports';
import type { SessionRecord } from '../domain/record';
import type { Log } from './log';
import type { LiveSession } from './sessionModel';
import { outcomeLabel } from './sessionModel';
import { roundSign, roundWords, type RoundSign } from './roundSign';
import { Throttle } from './throttle';

/** The view redraws at most this often while a session streams events. */
const REFRESH_INTERVAL_MS = 250;

export const SESSIONS_VIEW_ID = 'refineLoop.sessions';

interface RoundInfo {
  readonly round: number;
  readonly files: readonly { path: string; status: string; additions: number; deletions: number }[];
  readonly failing?: number;
  readonly previousFailing?: number;
  readonly newlyFailing?: number;
  readonly fixed?: number;
  readonly decision?: string;
  readonly afterTests?: string;
  readonly applied: boolean;
  readonly reverted: boolean;
}

interface SessionInfo {
  readonly sessionId: string;
  readonly task: string;
  readonly startedAt: number;
  readonly outcome?: string;
  readonly reason?: string;
  readonly running: boolean;
  readonly rounds: readonly RoundInfo[];
}

export type SessionsNode =
  | { readonly kind: 'session'; readonly session: SessionInfo }
  | { readonly kind: 'round'; readonly session: SessionInfo; readonly round: RoundInfo }
  | { readonly kind: 'file'; readonly sessionId: string; readonly round: number; readonly path: string; readonly status: string; readonly additions: number; readonly deletions: number };

export interface SessionsSource {
  live(): readonly LiveSession[];
  isRunning(sessionId: string): boolean;
  history(): SessionHistory | undefined;
}

/** The Sessions view: sessions (live ones and those in the store), their rounds, each round's files. */
export class SessionsTreeProvider implements vscode.TreeDataProvider<SessionsNode> {
  private readonly changed = new vscode.EventEmitter<SessionsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly source: SessionsSource,
    private readonly log: Log,
  ) {}

  /** The stored sessions, read once and again only after `refresh({ stored: true })`. */
  private stored: Promise<SessionInfo[]> | undefined;

  /** Redraws; `stored` also re-reads the session store (a session ended, a checkpoint was restored). */
  refresh(options: { stored?: boolean } = {}): void {
    if (options.stored) this.stored = undefined;
    this.changed.fire(undefined);
  }

  getTreeItem(node: SessionsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'session': {
        const { session } = node;
        // The label stays short and the state sits first in the description and in the
        // icon: inline actions cover the end of a row on hover.
        const item = new vscode.TreeItem(shortTask(session.task) || vscode.l10n.t('(no task)'), session.running ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `session:${session.sessionId}`;
        const started = new Date(session.startedAt);
        const when = started.toDateString() === new Date().toDateString() ? started.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : started.toLocaleDateString();
        item.description = session.running ? vscode.l10n.t('running') : session.outcome ? `${outcomeLabel(session.outcome)} · ${when}` : when;
        const state = session.running ? vscode.l10n.t('Running') : session.outcome ? `${outcomeLabel(session.outcome)}: ${session.reason ?? ''}` : vscode.l10n.t('Ended');
        item.tooltip = new vscode.MarkdownString(`**${session.task}**\n\n${state}\n\n${vscode.l10n.t('{0} round(s)', session.rounds.length)} · ${started.toLocaleString()} · ${session.sessionId}`);
        item.iconPath = session.running
          ? new vscode.ThemeIcon('sync~spin')
          : session.outcome === 'passed'
            ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
            : new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconFailed'));
        item.contextValue = session.running ? 'session.running' : 'session';
        return item;
      }
      case 'round': {
        const { round, session } = node;
        const additions = round.files.reduce((sum, file) => sum + file.additions, 0);
        const deletions = round.files.reduce((sum, file) => sum + file.deletions, 0);
        const item = new vscode.TreeItem(vscode.l10n.t('Round {0}', round.round), round.files.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `round:${session.sessionId}:${round.round}`;
        const words = roundWords(round);
        item.description = words ? `${words} · +${additions} −${deletions}` : `+${additions} −${deletions}`;
        item.iconPath = signIcon(roundSign(round));
        item.contextValue = `round${round.applied && !round.reverted && !session.running ? '.revertable' : ''}`;
        item.tooltip = [vscode.l10n.t('Round {0}: {1} file(s)', round.round, round.files.length), round.decision, round.afterTests && vscode.l10n.t('then {0}', round.afterTests)].filter(Boolean).join(', ');
        return item;
      }
      case 'file': {
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const item = new vscode.TreeItem(folder ? vscode.Uri.joinPath(folder, node.path) : vscode.Uri.file(`/${node.path}`), vscode.TreeItemCollapsibleState.None);
        item.id = `file:${node.sessionId}:${node.round}:${node.path}`;
        item.label = node.path.split('/').pop();
        item.description = `${node.path.includes('/') ? node.path.slice(0, node.path.lastIndexOf('/')) + ' · ' : ''}+${node.additions} −${node.deletions}`;
        item.contextValue = 'roundFile';
        item.command = { command: 'refineLoop.openRoundDiff', title: vscode.l10n.t('Open Round Diff'), arguments: [node] };
        return item;
      }
    }
  }

  async getChildren(node?: SessionsNode): Promise<SessionsNode[]> {
    if (!node) return (await this.sessions()).map((session) => ({ kind: 'session' as const, session }));
    if (node.kind === 'session') return node.session.rounds.map((round) => ({ kind: 'round' as const, session: node.session, round }));
    if (node.kind === 'round') return node.round.files.map((file) => ({ kind: 'file' as const, sessionId: node.session.sessionId, round: node.round.round, ...file }));
    return [];
  }

  async sessions(): Promise<SessionInfo[]> {
    const result = new Map<string, SessionInfo>();
    for (const session of await (this.stored ??= this.readStored())) result.set(session.sessionId, session);
    for (const live of this.source.live()) {
      result.set(live.sessionId, fromLive(live, this.source.isRunning(live.sessionId)));
    }
    return [...result.values()].sort((a, b) => b.startedAt - a.startedAt);
  }

  private async readStored(): Promise<SessionInfo[]> {
    const history = this.source.history();
    if (!history) return [];
    const sessions: SessionInfo[] = [];
    try {
      for (const summary of await history.list()) {
        const record = await history.load(summary.sessionId);
        if (record) sessions.push(fromRecord(record));
      }
    } catch (error) {
      this.log.warn('sessions', `could not list stored sessions: ${errorMessage(error)}`);
      // Read again next time rather than keep a failed read.
      this.stored = undefined;
    }
    return sessions;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function signIcon(sign: RoundSign): vscode.ThemeIcon {
  switch (sign) {
    case 'rejected':
      return new vscode.ThemeIcon('close');
    case 'reverted':
      return new vscode.ThemeIcon('discard');
    case 'pending':
      return new vscode.ThemeIcon('circle-outline');
    case 'passed':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'progress':
      return new vscode.ThemeIcon('arrow-up', new vscode.ThemeColor('testing.iconPassed'));
    case 'regression':
      return new vscode.ThemeIcon('arrow-down', new vscode.ThemeColor('testing.iconFailed'));
    case 'noProgress':
      return new vscode.ThemeIcon('dash', new vscode.ThemeColor('testing.iconFailed'));
  }
}

/** The task as a tree label: its first line, cut at a word near 40 characters (the tooltip has it whole). */
export function shortTask(task: string): string {
  const line = task.split('\n')[0]!.trim();
  if (line.length <= 40) return line;
  const cut = line.slice(0, 40);
  const space = cut.lastIndexOf(' ');
  return `${(space > 20 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Each round with the failing count of the round before it (or the baseline). */
function withPrevious<T extends { failing?: number }>(rounds: readonly T[], baseline: number | undefined): (T & { previousFailing?: number })[] {
  let previous = baseline;
  return rounds.map((round) => {
    const result = { ...round, ...(previous !== undefined ? { previousFailing: previous } : {}) };
    if (round.failing !== undefined && !(round as { reverted?: boolean }).reverted) previous = round.failing;
    return result;
  });
}

function fromRecord(record: SessionRecord): SessionInfo {
  return {
    sessionId: record.sessionId,
    task: record.task,
    startedAt: record.startedAt,
    outcome: record.outcome,
    reason: record.reason,
    running: false,
    rounds: withPrevious(record.rounds.map((round) => ({
      round: round.round,
      files: round.proposal.files,
      failing: round.tests ? round.tests.summary.failed + round.tests.summary.problems : undefined,
      newlyFailing: round.tests?.newlyFailing,
      fixed: round.tests?.fixed,
      decision: round.review?.decision,
      afterTests: round.afterTests?.decision,
      applied: round.appliedPatch !== undefined || round.review?.decision === 'approve',
      reverted: round.reverted,
    })), record.baseline ? record.baseline.summary.failed + record.baseline.summary.problems : undefined),
  };
}

function fromLive(live: LiveSession, running: boolean): SessionInfo {
  return {
    sessionId: live.sessionId,
    task: live.task,
    startedAt: live.startedAt,
    outcome: live.outcome,
    reason: live.reason,
    running,
    rounds: withPrevious(live.rounds.map((round) => ({
      round: round.round,
      files: round.files,
      failing: round.tests ? round.tests.failed + round.tests.problems : undefined,
      newlyFailing: round.newlyFailing,
      fixed: round.fixed,
      decision: round.decision,
      afterTests: round.afterTests,
      applied: round.applied,
      reverted: round.reverted === true || round.afterTests === 'reverted' || round.afterTests === 'revertRetry' || round.afterTests === 'stopRevert',
    })), live.baseline ? live.baseline.failed + live.baseline.problems : undefined),
  };
}

export class SessionsView extends Disposable {
  readonly provider: SessionsTreeProvider;
  readonly treeView: vscode.TreeView<SessionsNode>;
  private readonly throttle: Throttle;
  private storedChanged = false;

  constructor(source: SessionsSource, log: Log) {
    super();
    this.provider = this._register(new SessionsTreeProvider(source, log));
    this.treeView = this._register(vscode.window.createTreeView(SESSIONS_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true }));
    this.throttle = this._register(
      new Throttle(() => {
        this.provider.refresh({ stored: this.storedChanged });
        this.storedChanged = false;
      }, REFRESH_INTERVAL_MS),
    );
  }

  /** Refreshes soon, at most a few times a second; `stored` when the store changed too. */
  refresh(options: { stored?: boolean } = {}): void {
    if (options.stored) this.storedChanged = true;
    this.throttle.request();
  }
}
