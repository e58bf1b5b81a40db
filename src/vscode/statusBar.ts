// The status bar item of the current session: round, failing count, and whether it waits
// for the person. State in (the live session, or none), the item out.
import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { describeSummary, outcomeLabel, type LiveSession } from './sessionModel';

export class SessionStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('refineLoop.status', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Refine Loop';
    this.item.command = 'refineLoop.showReview';
  }

  show(live: LiveSession | undefined): void {
    if (!live) {
      this.item.hide();
      return;
    }
    const latestTests = [...live.rounds].reverse().find((round) => round.tests)?.tests ?? live.baseline;
    const failing = latestTests ? vscode.l10n.t(', {0} failing', latestTests.failed + latestTests.problems) : '';
    const round = live.currentRound === 0 ? vscode.l10n.t('Refine Loop: baseline tests') : vscode.l10n.t('Round {0}/{1}', live.currentRound, live.maxRounds);
    switch (live.phase) {
      case 'working':
        this.item.text = `$(sync~spin) ${round}${failing}`;
        this.item.backgroundColor = undefined;
        break;
      case 'review':
      case 'afterTests':
        this.item.text = `$(eye) ${round}${failing}: ${vscode.l10n.t('your decision')}`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      default:
        this.item.text = `${live.outcome === 'passed' ? '$(pass)' : '$(circle-slash)'} Refine Loop: ${outcomeLabel(live.outcome ?? 'ended')}${failing}`;
        this.item.backgroundColor = undefined;
    }
    const tests = latestTests ? `\n\n${vscode.l10n.t('Tests: {0}', describeSummary(latestTests))}` : '';
    this.item.tooltip = new vscode.MarkdownString(`**Refine Loop**: ${escapeMarkdown(live.task)}\n\n${escapeMarkdown(live.status)}${tests}\n\n${vscode.l10n.t('Click to show the review panel.')}`);
    this.item.show();
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
