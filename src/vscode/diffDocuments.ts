import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import type { FileChange } from '../domain/model';
import type { Logger } from '../domain/ports';

// Each round's diff as two virtual documents: the "before" side from a read-only
// content provider, the proposed side from a FileSystemProvider that is writable while
// the round waits for review, so the person can edit the proposal in VS Code's own diff
// editor. Saved edits are captured and handed to the loop with the approval.
//
// URIs: `refine-loop-before:/<path>?session=<id>&round=<n>` and the same with
// `refine-loop-proposal:`. Their own schemes keep linters,
// formatters-on-save and source control (which look at `file:`) away from them, and the
// real file name at the end keeps the language (syntax colouring) right.

export const BEFORE_SCHEME = 'refine-loop-before';
export const PROPOSAL_SCHEME = 'refine-loop-proposal';

interface Entry {
  readonly path: string;
  readonly before: Uint8Array | undefined;
  readonly proposed: Uint8Array | undefined;
  current: Uint8Array | undefined;
  mtime: number;
}

interface RoundEntries {
  readonly files: Map<string, Entry>;
  writable: boolean;
}

function key(sessionId: string, round: number): string {
  return `${sessionId}/${round}`;
}

function roundUri(scheme: string, sessionId: string, round: number, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme, path: `/${path}`, query: `session=${encodeURIComponent(sessionId)}&round=${round}` });
}

/** The session, round and workspace path a diff document URI names. */
export function parseRoundUri(uri: vscode.Uri): { sessionId: string; round: number; path: string } | undefined {
  const query = new URLSearchParams(uri.query);
  const sessionId = query.get('session');
  const round = Number(query.get('round'));
  if (!sessionId || !Number.isInteger(round)) return undefined;
  return { sessionId, round, path: uri.path.replace(/^\//, '') };
}

export class DiffDocuments extends Disposable implements vscode.FileSystemProvider, vscode.TextDocumentContentProvider {
  private readonly rounds = new Map<string, RoundEntries>();
  private readonly fileChanged = this._register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  private readonly beforeChanged = this._register(new vscode.EventEmitter<vscode.Uri>());
  private readonly edited = this._register(new vscode.EventEmitter<{ sessionId: string; round: number; path: string }>());
  readonly onDidChangeFile = this.fileChanged.event;
  readonly onDidChange = this.beforeChanged.event;
  /** A proposal file was saved with the person's edit. */
  readonly onDidEditProposal = this.edited.event;

  constructor(private readonly log: Logger) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(BEFORE_SCHEME, this));
    this._register(vscode.workspace.registerFileSystemProvider(PROPOSAL_SCHEME, this, { isCaseSensitive: true }));
  }

  /** Holds a round's changes; `writable` while the review gate waits on it. */
  setRound(sessionId: string, round: number, changes: readonly FileChange[], writable: boolean): void {
    const files = new Map<string, Entry>();
    for (const change of changes) {
      files.set(change.path, { path: change.path, before: change.before, proposed: change.after, current: change.after, mtime: Date.now() });
    }
    this.rounds.set(key(sessionId, round), { files, writable });
    this.fileChanged.fire(changes.map((change) => ({ type: vscode.FileChangeType.Changed, uri: this.proposalUri(sessionId, round, change.path) })));
  }

  hasRound(sessionId: string, round: number): boolean {
    return this.rounds.has(key(sessionId, round));
  }

  /** Ends editing of a round's proposal (its gate was decided). */
  freeze(sessionId: string, round: number): void {
    const entries = this.rounds.get(key(sessionId, round));
    if (entries) entries.writable = false;
  }

  paths(sessionId: string, round: number): string[] {
    return [...(this.rounds.get(key(sessionId, round))?.files.keys() ?? [])];
  }

  beforeUri(sessionId: string, round: number, path: string): vscode.Uri {
    return roundUri(BEFORE_SCHEME, sessionId, round, path);
  }

  proposalUri(sessionId: string, round: number, path: string): vscode.Uri {
    return roundUri(PROPOSAL_SCHEME, sessionId, round, path);
  }

  /** Files whose proposed side the person changed (saved): path → their full content. */
  editedFiles(sessionId: string, round: number): Record<string, Uint8Array> {
    const result: Record<string, Uint8Array> = {};
    for (const entry of this.rounds.get(key(sessionId, round))?.files.values() ?? []) {
      if (entry.current !== undefined && !sameBytes(entry.current, entry.proposed)) result[entry.path] = entry.current;
    }
    return result;
  }

  /** Saves proposal documents of this round that are dirty in an editor, so their edits count. */
  async saveOpenEdits(sessionId: string, round: number): Promise<void> {
    for (const document of vscode.workspace.textDocuments) {
      const named = document.uri.scheme === PROPOSAL_SCHEME ? parseRoundUri(document.uri) : undefined;
      if (named && named.sessionId === sessionId && named.round === round && document.isDirty) {
        await document.save();
      }
    }
  }

  async openDiff(sessionId: string, round: number, path: string, options?: vscode.TextDocumentShowOptions): Promise<void> {
    const title = vscode.l10n.t('{0} (Round {1} proposal)', path, round);
    await vscode.commands.executeCommand('vscode.diff', this.beforeUri(sessionId, round, path), this.proposalUri(sessionId, round, path), title, options);
  }

  /** Every file of the round in VS Code's multi-file diff editor. */
  async openAll(sessionId: string, round: number, root: vscode.Uri): Promise<void> {
    const resources = this.paths(sessionId, round).map((path) => [vscode.Uri.joinPath(root, path), this.beforeUri(sessionId, round, path), this.proposalUri(sessionId, round, path)]);
    await vscode.commands.executeCommand('vscode.changes', vscode.l10n.t('Refine Loop: Round {0} changes', round), resources);
  }

  // ------------------------------------------------------------ before side

  provideTextDocumentContent(uri: vscode.Uri): string {
    const entry = this.lookup(uri)?.entry;
    if (!entry) return '';
    return decode(entry.before);
  }

  // ------------------------------------------------------------ proposed side

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const found = this.lookup(uri);
    if (found) {
      return {
        type: vscode.FileType.File,
        ctime: found.entry.mtime,
        mtime: found.entry.mtime,
        size: found.entry.current?.length ?? 0,
        permissions: found.writable && found.entry.proposed !== undefined ? undefined : vscode.FilePermission.Readonly,
      };
    }
    if (this.isDirectory(uri)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    throw vscode.FileSystemError.FileNotFound(uri);
  }

  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    const named = parseRoundUri(uri);
    const entries = named && this.rounds.get(key(named.sessionId, named.round));
    if (!named || !entries) throw vscode.FileSystemError.FileNotFound(uri);
    const inner = named.path.split('/').filter(Boolean);
    const children = new Map<string, vscode.FileType>();
    for (const path of entries.files.keys()) {
      const segments = path.split('/');
      if (segments.length <= inner.length || inner.some((segment, index) => segments[index] !== segment)) continue;
      const name = segments[inner.length]!;
      children.set(name, segments.length === inner.length + 1 ? vscode.FileType.File : vscode.FileType.Directory);
    }
    return [...children];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const found = this.lookup(uri);
    if (!found) throw vscode.FileSystemError.FileNotFound(uri);
    return found.entry.current ?? new Uint8Array();
  }

  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    const found = this.lookup(uri);
    if (!found) throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('Refine Loop proposals hold only the files the agent changed.'));
    if (!found.writable) throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('This round was already decided; its proposal can no longer be edited.'));
    if (found.entry.proposed === undefined) throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('The proposal deletes this file; there is nothing to edit.'));
    found.entry.current = content.slice();
    found.entry.mtime = Date.now();
    const named = parseRoundUri(uri)!;
    this.log.info('diff', `the proposal of ${found.entry.path} (round ${named.round}) was edited in the diff editor`);
    this.fileChanged.fire([{ type: vscode.FileChangeType.Changed, uri }]);
    this.edited.fire({ sessionId: named.sessionId, round: named.round, path: found.entry.path });
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(oldUri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(oldUri);
  }

  private lookup(uri: vscode.Uri): { entry: Entry; writable: boolean } | undefined {
    const named = parseRoundUri(uri);
    const entries = named && this.rounds.get(key(named.sessionId, named.round));
    const entry = entries?.files.get(named!.path);
    return entry && entries ? { entry, writable: entries.writable } : undefined;
  }

  private isDirectory(uri: vscode.Uri): boolean {
    const named = parseRoundUri(uri);
    const entries = named && this.rounds.get(key(named.sessionId, named.round));
    if (!named || !entries) return false;
    return named.path === '' || [...entries.files.keys()].some((path) => path.startsWith(`${named.path}/`));
  }
}

function decode(bytes: Uint8Array | undefined): string {
  if (!bytes) return '';
  return new TextDecoder().decode(bytes);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
