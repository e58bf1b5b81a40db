import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

// The secret that authenticates the journal. It lives outside every workspace (a proposal
// or a repository cannot read or plant it): the CLI keeps it in the person's config
// folder, the editor in SecretStorage (src/vscode/journalKey.ts). Entries without a valid
// MAC under it are never restored.

/** Returns the key (32 bytes or more); called once per journal and remembered. */
export type JournalKey = () => Promise<Uint8Array>;

/** `$XDG_CONFIG_HOME/refine-loop/journal.key` (`~/.config/…`; `%APPDATA%\refine-loop\…` on Windows). */
export function cliJournalKeyPath(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const config = env.XDG_CONFIG_HOME || (platform === 'win32' ? env.APPDATA || join(home, 'AppData', 'Roaming') : join(home, '.config'));
  return join(config, 'refine-loop', 'journal.key');
}

const KEY_PATTERN = /^[0-9a-f]{64,}$/;

/** The key in `path` (hex), created with mode 0600 the first time. */
export function fileJournalKey(path: string): JournalKey {
  let key: Promise<Uint8Array> | undefined;
  const load = async (): Promise<Uint8Array> => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    try {
      const handle = await open(path, 'wx', 0o600);
      const hex = randomBytes(32).toString('hex');
      try {
        await handle.writeFile(`${hex}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(path, 0o600).catch(() => undefined);
      return new Uint8Array(Buffer.from(hex, 'hex'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`Cannot create the journal key ${path}: ${(error as Error).message}`);
    }
    const text = (await readFile(path, 'utf8')).trim();
    if (!KEY_PATTERN.test(text)) throw new Error(`The journal key ${path} is not 64 or more hex digits; remove it and a new one is made (interrupted applies journaled under the old key are then not restored).`);
    return new Uint8Array(Buffer.from(text, 'hex'));
  };
  return () => (key ??= load());
}
