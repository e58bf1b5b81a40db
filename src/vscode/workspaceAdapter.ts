import * as vscode from 'vscode';
import { contentHash } from '../domain/hash';
import type { WorkspacePath } from '../domain/model';
import { guardPath } from '../domain/pathGuard';
import type { CommitResult, FileWrite, Logger, Workspace } from '../domain/ports';
import { createRealPathGuard, type RealPathGuard } from '../node/realPathGuard';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * The Workspace port in the editor. Reads see what the person sees: the text of an open
 * document's (dirty) buffer, else the bytes on disk. Writes to open documents go through
 * one WorkspaceEdit (undo works, the buffer is saved so tests see it); closed files go
 * through `workspace.fs`. Every write first compares its base hash with what is there
 * now (the dirty buffer included): one mismatch and nothing is written.
 */
export class VscodeWorkspace implements Workspace {
  private readonly guard: RealPathGuard | undefined;

  constructor(
    readonly root: vscode.Uri,
    private readonly log: Logger,
  ) {
    this.guard = root.scheme === 'file' ? createRealPathGuard(root.fsPath) : undefined;
  }

  /** The URI of a workspace-relative path, after the one path guard (on real paths where the root is on disk). */
  async uri(relative: WorkspacePath): Promise<vscode.Uri> {
    const checked = this.guard ? (await this.guard(relative)).relative : guardPath(relative);
    return vscode.Uri.joinPath(this.root, ...checked.split('/'));
  }

  async read(relative: WorkspacePath): Promise<Uint8Array | undefined> {
    const uri = await this.uri(relative);
    const document = openDocument(uri);
    const disk = await readDisk(uri);
    if (document?.isDirty) return encodeLike(document.getText(), disk);
    return disk;
  }

  async commit(writes: readonly FileWrite[]): Promise<CommitResult> {
    const targets = await Promise.all(writes.map(async (write) => ({ write, uri: await this.uri(write.path) })));
    const conflicts: { path: WorkspacePath; expectedHash: string | null; actualHash: string | null }[] = [];
    for (const { write } of targets) {
      const actualHash = await contentHash(await this.read(write.path));
      if (actualHash !== write.expectedHash) conflicts.push({ path: write.path, expectedHash: write.expectedHash, actualHash });
    }
    if (conflicts.length > 0) {
      this.log.warn('workspace', `commit refused, changed since the proposal: ${conflicts.map((conflict) => conflict.path).join(', ')}`);
      return { ok: false, conflicts };
    }

    const edit = new vscode.WorkspaceEdit();
    const openDocuments: vscode.TextDocument[] = [];
    const closedWrites: { uri: vscode.Uri; content: Uint8Array | null }[] = [];
    for (const { write, uri } of targets) {
      const document = openDocument(uri);
      if (document && write.content !== null) {
        const text = decodeUtf8(write.content);
        edit.replace(uri, fullRange(document), text);
        openDocuments.push(document);
      } else if (document && write.content === null) {
        edit.deleteFile(uri, { ignoreIfNotExists: true });
      } else {
        closedWrites.push({ uri, content: write.content });
      }
    }
    if (edit.size > 0) {
      const applied = await vscode.workspace.applyEdit(edit);
      if (!applied) throw new Error(`VS Code refused the edit of ${openDocuments.map((document) => vscode.workspace.asRelativePath(document.uri)).join(', ')}; nothing else was written.`);
      // Tests read the disk: save what was applied (the buffer held the base the proposal was made on).
      for (const document of openDocuments) {
        if (!document.isClosed && document.isDirty && !(await document.save())) {
          throw new Error(`Could not save ${vscode.workspace.asRelativePath(document.uri)} after applying the proposal.`);
        }
      }
    }
    for (const { uri, content } of closedWrites) {
      if (content === null) {
        await vscode.workspace.fs.delete(uri, { useTrash: false });
      } else {
        await vscode.workspace.fs.writeFile(uri, content);
      }
    }
    this.log.info('workspace', `wrote ${writes.length} file(s): ${openDocuments.length} open document(s) by WorkspaceEdit, ${closedWrites.length} on disk`);
    return { ok: true };
  }
}

export function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((document) => document.uri.toString() === key && !document.isClosed);
}

async function readDisk(uri: vscode.Uri): Promise<Uint8Array | undefined> {
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
    throw error;
  }
}

/** A buffer's text as bytes, keeping the BOM the file on disk has. */
function encodeLike(text: string, disk: Uint8Array | undefined): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const bom = disk !== undefined && disk.length >= 3 && UTF8_BOM.every((byte, index) => disk[index] === byte);
  if (!bom) return bytes;
  const withBom = new Uint8Array(bytes.length + 3);
  withBom.set(UTF8_BOM, 0);
  withBom.set(bytes, 3);
  return withBom;
}

function decodeUtf8(bytes: Uint8Array): string {
  const hasBom = bytes.length >= 3 && UTF8_BOM.every((byte, index) => bytes[index] === byte);
  return new TextDecoder('utf-8', { fatal: false }).decode(hasBom ? bytes.subarray(3) : bytes);
}

function fullRange(document: vscode.TextDocument): vscode.Range {
  return new vscode.Range(new vscode.Position(0, 0), document.lineAt(document.lineCount - 1).range.end);
}
