import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { randomHex } from '../domain/hex';
import { errorMessage } from '../domain/errors';
import {
  REVIEW_PANEL_VIEW_TYPE,
  hostMessageSchema,
  panelMessageSchema,
  persistedPanelSchema,
  type HostMessage,
  type PersistedPanel,
  type PanelMessage,
  type PanelState,
} from '../protocol/reviewPanel';
import type { Log } from './log';

/**
 * The review panel's host side: one webview panel, created on demand or restored after
 * a reload by the serializer. Messages are zod-checked both ways; the host posts only
 * after the panel's `ready`, and then always the latest state.
 */
export class ReviewPanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private ready = false;
  private state: PanelState | undefined;
  private readonly received = this._register(new vscode.EventEmitter<PanelMessage>());
  private readonly readyEmitter = this._register(new vscode.EventEmitter<void>());
  private readonly restoredEmitter = this._register(new vscode.EventEmitter<PersistedPanel>());
  /** The panel came back after a reload, with what it had kept (its last state). */
  readonly onDidRestore = this.restoredEmitter.event;
  /** A checked message from the panel. */
  readonly onDidReceiveMessage = this.received.event;
  /** The panel (re)loaded and got the current state. */
  readonly onDidBecomeReady = this.readyEmitter.event;
  /** Messages the panel sent, newest last (the integration tests read them). */
  readonly messageLog: PanelMessage[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Log,
  ) {
    super();
    this._register(
      vscode.window.registerWebviewPanelSerializer(REVIEW_PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, kept: unknown) => {
          this.log.info('panel', 'review panel restored after a reload');
          this.attach(panel);
          const parsed = persistedPanelSchema.safeParse(kept ?? {});
          this.restoredEmitter.fire(parsed.success ? parsed.data : {});
        },
      }),
    );
    this._register({ dispose: () => this.panel?.dispose() });
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Opens (or reveals) the panel beside the editor. */
  show(preserveFocus = false, column?: vscode.ViewColumn): void {
    if (this.panel) {
      this.panel.reveal(column, preserveFocus);
      return;
    }
    // Beside the diffs, which open in the first column.
    const panel = vscode.window.createWebviewPanel(REVIEW_PANEL_VIEW_TYPE, vscode.l10n.t('Refine Loop Review'), { viewColumn: column ?? vscode.ViewColumn.Two, preserveFocus }, this.options());
    this.attach(panel);
  }

  /**
   * Gives the diff editor the width: with the diff in the first column and the panel in
   * the second (and no other groups), the panel's column takes about 30 %. The diff
   * editor goes side by side only above about 900 px (its own setting
   * `diffEditor.useInlineViewWhenSpaceIsLimited`, the person's to change), so it should not
   * lose half of the window to the panel. Called once a session: after that, the sizes
   * are the person's.
   */
  async narrowBesideDiff(): Promise<void> {
    const groups = vscode.window.tabGroups.all;
    if (!this.panel || groups.length !== 2 || this.panel.viewColumn !== vscode.ViewColumn.Two) return;
    try {
      await vscode.commands.executeCommand('vscode.setEditorLayout', { orientation: 0, groups: [{ size: 0.7 }, { size: 0.3 }] });
    } catch (error) {
      this.log.warn('panel', `could not size the editor columns: ${errorMessage(error)}`);
    }
  }

  /** Shows this state now if the panel is ready, else as soon as it is. */
  setState(state: PanelState | undefined): void {
    this.state = state;
    if (this.panel && state) this.panel.title = state.round === 0 ? vscode.l10n.t('Refine Loop Review') : vscode.l10n.t('Refine Loop: Round {0} of {1}', state.round, state.maxRounds);
    this.flush();
  }

  post(message: HostMessage): boolean {
    if (!this.panel || !this.ready) return false;
    void this.panel.webview.postMessage(hostMessageSchema.parse(message));
    return true;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.detach();
    this.panel = panel;
    this.ready = false;
    panel.webview.options = this.options();
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'refine-loop.svg');
    panel.webview.html = this.html(panel.webview);
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.handleMessage(raw)),
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.panel = undefined;
          this.ready = false;
          this.detach();
        }
      }),
    );
  }

  private detach(): void {
    for (const disposable of this.panelDisposables.splice(0)) disposable.dispose();
  }

  /** Checks and dispatches one message from the panel; malformed ones are logged and dropped. Returns whether it was accepted. */
  handleMessage(raw: unknown): boolean {
    const parsed = panelMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn('panel', `ignored a malformed message from the review panel: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      return false;
    }
    const message = parsed.data;
    this.messageLog.push(message);
    if (this.messageLog.length > 100) this.messageLog.shift();
    if (message.type === 'ready') {
      this.ready = true;
      this.flush();
      this.readyEmitter.fire();
      return true;
    }
    this.received.fire(message);
    return true;
  }

  private flush(): void {
    if (this.state) this.post({ type: 'state', state: this.state });
  }

  private html(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'review.css'));
    const csp = [
      `default-src 'none'`,
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${escapeHtml(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Refine Loop Review</title>
</head>
<body>
<main id="app"><p class="muted">${escapeHtml(vscode.l10n.t('Loading the review…'))}</p></main>
<script type="application/json" id="l10n">${JSON.stringify(vscode.l10n.bundle ?? {}).replace(/</g, '\\u003c')}</script>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function makeNonce(): string {
  return randomHex(24);
}
