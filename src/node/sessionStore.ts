import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { Journal, SessionHistory } from '../domain/ports';
import { type FileImages, type JournalEntry, journalStates, type SessionRecord, type SessionSummary, sessionRecordSchema } from '../domain/record';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type StepHook, writeFileAtomic } from './atomicFile';
import type { JournalKey } from './journalKey';

// The session history and the journal as JSON files under one folder (the CLI uses
// `<root>/.refine-loop/`, the editor its storage folder); two adapters share it:
//   sessions/<id>/session.json          the history: rounds as patches and summaries
//   sessions/<id>/journal/<round>.json   pre- and post-images of one round (base64)
// Every file is written atomically and checked with zod when read back.

const imageSchema = z.object({
  path: z.string().min(1),
  before: z.string().nullable(),
  beforeHash: z.string().nullable(),
  after: z.string().nullable(),
  afterHash: z.string().nullable(),
});
const journalFileSchema = z.object({
  version: z.literal(1),
  sessionId: z.string(),
  round: z.number().int().positive(),
  createdAt: z.number(),
  state: z.enum(journalStates),
  files: z.array(imageSchema),
  /** HMAC-SHA256 (hex) of the entry without this field, under the journal key. */
  mac: z.string().optional(),
});

const toBase64 = (bytes: Uint8Array | undefined) => (bytes === undefined ? null : Buffer.from(bytes).toString('base64'));
const fromBase64 = (text: string | null) => (text === null ? undefined : new Uint8Array(Buffer.from(text, 'base64')));

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
function checkId(sessionId: string): string {
  if (!SAFE_ID.test(sessionId)) throw new Error(`'${sessionId}' is not a session id (letters, digits, '.', '_', '-').`);
  return sessionId;
}

export interface FileStoreOptions {
  /** Crash injection in tests: called between the steps of a file write. */
  readonly onStep?: StepHook;
}

export interface FileJournalOptions extends FileStoreOptions {
  /**
   * The secret kept outside the workspace: every entry written carries its MAC, and with
   * a key an entry read back without a valid MAC is never returned (a planted entry).
   */
  readonly key?: JournalKey;
  /** Told of every entry `list` leaves out because it fails the MAC. */
  readonly onUntrusted?: (path: string, reason: string) => void;
}

/** Thrown by `read` for an entry that fails the MAC: it was not written by this loop. */
export class UntrustedJournalEntryError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path} is not a journal entry this loop wrote (${reason}); it is ignored and never restored.`);
  }
}

type JournalFile = z.infer<typeof journalFileSchema>;

function macOf(key: Uint8Array, value: JournalFile): string {
  const { mac: _mac, ...unsigned } = value;
  return createHmac('sha256', key).update(JSON.stringify(unsigned)).digest('hex');
}

function macMatches(key: Uint8Array, value: JournalFile): boolean {
  if (value.mac === undefined || !/^[0-9a-f]{64}$/.test(value.mac)) return false;
  return timingSafeEqual(Buffer.from(value.mac, 'hex'), Buffer.from(macOf(key, value), 'hex'));
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path} is not readable JSON: ${(error as Error).message}`);
  }
}

async function entries(folder: string): Promise<string[]> {
  return readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

function sessionFolder(folder: string, sessionId: string): string {
  return join(folder, 'sessions', checkId(sessionId));
}

async function writeJson(path: string, value: unknown, label: string, options: FileStoreOptions): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(value, null, 1) + '\n'), options.onStep && ((step) => options.onStep!(`${label} ${step}`)));
}

/** `sessions/<id>/session.json` under `folder`. */
export function createFileSessionHistory(folder: string, options: FileStoreOptions = {}): SessionHistory {
  async function load(sessionId: string): Promise<SessionRecord | undefined> {
    const path = join(sessionFolder(folder, sessionId), 'session.json');
    const raw = await readJson(path);
    if (raw === undefined) return undefined;
    const parsed = sessionRecordSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${path} is not a session record: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  return {
    async list(): Promise<SessionSummary[]> {
      const summaries: SessionSummary[] = [];
      for (const name of await entries(join(folder, 'sessions'))) {
        if (!SAFE_ID.test(name)) continue;
        const record = await load(name).catch(() => undefined);
        if (!record) continue;
        summaries.push({
          sessionId: record.sessionId,
          task: record.task,
          startedAt: record.startedAt,
          endedAt: record.endedAt,
          rounds: record.rounds.length,
          outcome: record.outcome,
        });
      }
      return summaries.sort((a, b) => b.startedAt - a.startedAt);
    },
    load,
    async save(record) {
      const checked = sessionRecordSchema.parse(record);
      await writeJson(join(sessionFolder(folder, checked.sessionId), 'session.json'), checked, 'session', options);
    },
  };
}

/** `sessions/<id>/journal/<round>.json` under `folder`. */
export function createFileJournal(folder: string, options: FileJournalOptions = {}): Journal {
  const journalPath = (sessionId: string, round: number) => join(sessionFolder(folder, sessionId), 'journal', `${round}.json`);

  async function read(sessionId: string, round: number): Promise<JournalEntry | undefined> {
    const path = journalPath(sessionId, round);
    const raw = await readJson(path);
    if (raw === undefined) return undefined;
    const parsed = journalFileSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${path} is not a journal entry: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    if (options.key) {
      const key = await options.key();
      if (parsed.data.mac === undefined) throw new UntrustedJournalEntryError(path, 'it carries no MAC');
      if (!macMatches(key, parsed.data)) throw new UntrustedJournalEntryError(path, 'its MAC does not match the journal key');
    }
    if (parsed.data.sessionId !== sessionId || parsed.data.round !== round) throw new UntrustedJournalEntryError(path, `it names session ${parsed.data.sessionId} round ${parsed.data.round}`);
    const { mac: _mac, ...data } = parsed.data;
    const files: FileImages[] = parsed.data.files.map((file) => ({ ...file, before: fromBase64(file.before), after: fromBase64(file.after) }));
    return { ...data, files };
  }

  return {
    async write(entry) {
      const files = entry.files.map((file) => ({ ...file, before: toBase64(file.before), after: toBase64(file.after) }));
      const unsigned = journalFileSchema.parse({ version: 1, sessionId: entry.sessionId, round: entry.round, createdAt: entry.createdAt, state: entry.state, files });
      const value = options.key ? { ...unsigned, mac: macOf(await options.key(), unsigned) } : unsigned;
      await writeJson(journalPath(entry.sessionId, entry.round), value, `journal ${entry.state}`, options);
    },
    read,
    async list(filter = {}) {
      const ids = filter.sessionId !== undefined ? [checkId(filter.sessionId)] : (await entries(join(folder, 'sessions'))).filter((name) => SAFE_ID.test(name));
      const found: JournalEntry[] = [];
      for (const sessionId of ids) {
        for (const name of await entries(join(sessionFolder(folder, sessionId), 'journal'))) {
          const match = /^(\d+)\.json$/.exec(name);
          if (!match) continue;
          let entry;
          try {
            entry = await read(sessionId, Number(match[1]));
          } catch (error) {
            if (!(error instanceof UntrustedJournalEntryError)) throw error;
            options.onUntrusted?.(error.path, error.message);
            continue;
          }
          if (entry && (!filter.states || filter.states.includes(entry.state))) found.push(entry);
        }
      }
      return found.sort((a, b) => a.sessionId.localeCompare(b.sessionId) || a.round - b.round);
    },
  };
}
