import type { Journal } from '../domain/ports';
import { cliJournalKeyPath, fileJournalKey } from '../node/journalKey';
import { createFileJournal } from '../node/sessionStore';
import type { CliIo } from './main';

/** The CLI's journal under `folder`, authenticated with the key in the person's config folder. */
export function cliJournal(folder: string, io: CliIo): Journal {
  return createFileJournal(folder, {
    key: fileJournalKey(cliJournalKeyPath(io.env)),
    onUntrusted: (_path, reason) => io.stderr(`warning: ${reason}\n`),
  });
}
