import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { pendingJournals, recoverEntry } from '../loop/checkpoints';
import type { JournalKey } from '../node/journalKey';
import { createFileJournal } from '../node/sessionStore';
import { errorMessage } from '../domain/errors';
import type { Journal, Reviewer } from '../domain/ports';
import type { JournalEntry } from '../domain/record';
import type { Log } from './log';
import { VscodeWorkspace } from './workspaceAdapter';

const JOURNAL_KEY_SECRET = 'refineLoop.journalKey';

/** The journal's MAC key in SecretStorage (made the first time): outside every workspace, as the CLI's is. */
export function secretJournalKey(secrets: vscode.SecretStorage): JournalKey {
  let key: Promise<Uint8Array> | undefined;
  const load = async () => {
    let hex = await secrets.get(JOURNAL_KEY_SECRET);
    if (hex === undefined || !/^[0-9a-f]{64,}$/.test(hex)) {
      hex = randomBytes(32).toString('hex');
      await secrets.store(JOURNAL_KEY_SECRET, hex);
    }
    return new Uint8Array(Buffer.from(hex, 'hex'));
  };
  return () => (key ??= load());
}

/** The editor's journal in `folder`, authenticated: an entry that fails its MAC is logged and never offered. */
export function createEditorJournal(folder: string, secrets: vscode.SecretStorage, log: Log): Journal {
  return createFileJournal(folder, {
    key: secretJournalKey(secrets),
    onUntrusted: (_path, reason) => log.warn('recovery', reason),
  });
}

/**
 * At activation: a round whose apply was interrupted (the editor closed or crashed
 * between writing its journal and finishing) is offered for restore (every file back
 * to before the round) or roll-forward (every file as the round meant), never decided
 * silently. In Restricted Mode nothing is touched.
 */
export type RecoveryQuestion = (entry: JournalEntry) => Promise<'restore' | 'rollForward' | undefined>;

export async function offerJournalRecovery(journal: Journal, reviewer: Reviewer, log: Log, isTrusted: () => boolean, ask: RecoveryQuestion = askPerson): Promise<number> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!root || !isTrusted()) return 0;
  let entries;
  let recovered = 0;
  try {
    entries = await pendingJournals(journal);
  } catch (error) {
    log.warn('recovery', `could not read the journal: ${errorMessage(error)}`);
    return 0;
  }
  for (const entry of entries) {
    const files = entry.files.map((file) => file.path).join(', ');
    log.warn('recovery', `round ${entry.round} of session ${entry.sessionId} did not finish applying: ${files}`);
    const answer = await ask(entry);
    if (!answer) continue;
    const result = await recoverEntry(entry, answer, { workspace: new VscodeWorkspace(root, log), journal, reviewer, log });
    recovered++;
    void vscode.window.showInformationMessage(`Refine Loop: ${answer === 'restore' ? 'restored' : 'finished'} round ${entry.round}: ${result.written.length} file(s) written${result.kept.length ? `, your version of ${result.kept.join(', ')} kept` : ''}.`);
  }
  return recovered;
}

async function askPerson(entry: JournalEntry): Promise<'restore' | 'rollForward' | undefined> {
  const files = entry.files.map((file) => file.path).join(', ');
  const restore = 'Restore Files';
  const forward = 'Finish Applying';
  const answer = await vscode.window.showWarningMessage(
    `Refine Loop: round ${entry.round} was interrupted while it was being applied (${files}).`,
    { modal: true, detail: 'Restore Files puts every file back as it was before the round. Finish Applying writes the rest of the round. A file you changed since is not overwritten without asking.' },
    restore,
    forward,
  );
  return answer === restore ? 'restore' : answer === forward ? 'rollForward' : undefined;
}
