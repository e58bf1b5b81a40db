import * as vscode from 'vscode';
import { defaultProtectedPaths, parseSettings, settingKeys, SETTINGS_SECTION, type SettingKey, type Settings } from '../domain/settings';

// Reads `refineLoop.*` through the one zod schema, so defaults and checks live in one place.
//
// A repository's `.vscode/settings.json` is the repository's, not the person's. The
// settings that decide where keys go, what runs, what is protected and how far the loop
// may go on its own are taken from a workspace only after the person confirmed that
// workspace value once (shown beside their own value); until then their own value (or
// the default) is used. Workspace `protectedPaths` may add patterns without asking;
// removing one of the person's needs the confirmation.

/** Settings a workspace may set only with the person's confirmation. */
export const guardedSettingKeys = ['agent.baseUrl', 'agent.provider', 'agent.command', 'approvalMode', 'protectedPaths', 'maxRounds', 'maxMinutes', 'maxTokens'] as const satisfies readonly SettingKey[];
type GuardedKey = (typeof guardedSettingKeys)[number];

/** Where the person's answers live: VS Code's per-workspace storage (a repository cannot write it). */
export interface ConfirmationStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

interface Answer {
  /** The workspace value answered for, as JSON: a changed value is asked about again. */
  readonly value: string;
  readonly use: boolean;
}

const answerKey = (key: GuardedKey) => `refineLoop.workspaceSetting.${key}`;

let defaultStore: ConfirmationStore | undefined;

/** At activation: the extension's workspaceState, used when a caller passes no store. */
export function useConfirmationStore(store: ConfirmationStore): void {
  defaultStore = store;
}

/** A workspace value of a guarded setting that waits for the person's answer. */
export interface PendingWorkspaceSetting {
  readonly key: GuardedKey;
  readonly workspaceValue: unknown;
  /** The person's own value (user settings), or the default. */
  readonly userValue: unknown;
}

function userLevel(inspected: ReturnType<vscode.WorkspaceConfiguration['inspect']>): unknown {
  return inspected?.globalValue ?? inspected?.defaultValue;
}

function workspaceLevel(inspected: ReturnType<vscode.WorkspaceConfiguration['inspect']>): unknown {
  return inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
}

/**
 * Pure: the value used for one guarded setting. Without a workspace value, or with one
 * equal to the person's, nothing to decide. `protectedPaths` from a workspace that only
 * adds patterns is used as the union; anything else waits for `answer`.
 */
export function decideGuarded(key: GuardedKey, userValue: unknown, workspaceValue: unknown, answer: Answer | undefined): { value: unknown; pending?: PendingWorkspaceSetting } {
  if (workspaceValue === undefined || JSON.stringify(workspaceValue) === JSON.stringify(userValue)) return { value: userValue };
  if (answer?.value === JSON.stringify(workspaceValue)) return { value: answer.use ? workspaceValue : key === 'protectedPaths' ? union(userValue, workspaceValue) : userValue };
  if (key === 'protectedPaths') {
    const mine = Array.isArray(userValue) ? (userValue as unknown[]) : [...defaultProtectedPaths];
    const theirs = Array.isArray(workspaceValue) ? (workspaceValue as unknown[]) : [];
    const removes = mine.some((pattern) => !theirs.includes(pattern));
    return removes ? { value: union(mine, theirs), pending: { key, workspaceValue, userValue: mine } } : { value: union(mine, theirs) };
  }
  return { value: userValue, pending: { key, workspaceValue, userValue } };
}

function union(mine: unknown, theirs: unknown): unknown[] {
  return [...new Set([...(Array.isArray(mine) ? mine : []), ...(Array.isArray(theirs) ? theirs : [])])];
}

function inspectGuarded(scope: vscode.ConfigurationScope | undefined, store: ConfirmationStore | undefined) {
  const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return guardedSettingKeys.map((key) => {
    const inspected = configuration.inspect(key);
    return { key, ...decideGuarded(key, userLevel(inspected), workspaceLevel(inspected), store?.get<Answer>(answerKey(key))) };
  });
}

/** The settings in force: guarded workspace values only where the person said yes. */
export function readSettings(scope?: vscode.ConfigurationScope, store: ConfirmationStore | undefined = defaultStore): Settings {
  const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const raw: Record<string, unknown> = {};
  for (const key of settingKeys) raw[key] = configuration.get(key);
  for (const { key, value } of inspectGuarded(scope, store)) raw[key] = value;
  return parseSettings(raw);
}

/** Guarded workspace values nobody has answered for yet. */
export function pendingWorkspaceSettings(scope?: vscode.ConfigurationScope, store: ConfirmationStore | undefined = defaultStore): PendingWorkspaceSetting[] {
  return inspectGuarded(scope, store).flatMap(({ pending }) => (pending ? [pending] : []));
}

export type WorkspaceSettingQuestion = (pending: PendingWorkspaceSetting) => Promise<boolean | undefined>;

/**
 * Before a session: asks once per workspace value of a guarded setting whether to use it,
 * then reads the settings. No store (no workspace storage): nothing is confirmed.
 */
export async function readSessionSettings(scope?: vscode.ConfigurationScope, store: ConfirmationStore | undefined = defaultStore, ask: WorkspaceSettingQuestion = askPerson): Promise<Settings> {
  for (const pending of pendingWorkspaceSettings(scope, store)) {
    const use = await ask(pending);
    // Dismissed: asked again next time; yes or no: remembered for this value.
    if (use !== undefined) await store?.update(answerKey(pending.key), { value: JSON.stringify(pending.workspaceValue), use } satisfies Answer);
  }
  return readSettings(scope, store);
}

const shown = (value: unknown) => (value === '' ? '(empty)' : JSON.stringify(value));

async function askPerson(pending: PendingWorkspaceSetting): Promise<boolean | undefined> {
  const use = vscode.l10n.t('Use the Workspace Value');
  const keep = vscode.l10n.t('Keep Mine');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t("This workspace's settings set refineLoop.{0}. Use it?", pending.key),
    {
      modal: true,
      detail: vscode.l10n.t(
        'Workspace value: {0}\nYour value: {1}\n\nA repository can set this in .vscode/settings.json; it decides where your API key goes, what runs, what is protected or how far the loop goes without you. Your answer is kept for this workspace until the value changes.',
        shown(pending.workspaceValue),
        shown(pending.userValue),
      ),
    },
    use,
    keep,
  );
  return answer === use ? true : answer === keep ? false : undefined;
}
