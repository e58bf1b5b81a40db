import * as vscode from 'vscode';
import { Disposable } from '../core/dispose';

export const SESSIONS_VIEW_ID = 'refineLoop.sessions';

type SessionsNode = never;

/** The Sessions view of the activity-bar container. Empty until sessions exist (the welcome view shows then). */
export class SessionsTreeProvider implements vscode.TreeDataProvider<SessionsNode> {
  private readonly changed = new vscode.EventEmitter<SessionsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  getTreeItem(element: SessionsNode): vscode.TreeItem {
    return element;
  }

  getChildren(): SessionsNode[] {
    return [];
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export class SessionsView extends Disposable {
  readonly provider: SessionsTreeProvider;

  constructor() {
    super();
    this.provider = this._register(new SessionsTreeProvider());
    this._register(vscode.window.createTreeView(SESSIONS_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true }));
  }
}
