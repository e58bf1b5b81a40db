import * as vscode from 'vscode';
import { readSettings } from './configuration';

// API keys live in SecretStorage only, one per HTTP provider; never in settings, never logged.
// Each key is bound to the origin (scheme, host, port) it was stored for: sending it
// anywhere else asks first, so a changed base URL cannot carry the key off unseen.

export const keyProviders = ['openai-compatible', 'anthropic', 'claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode'] as const;
export type KeyProvider = (typeof keyProviders)[number];

function secretKey(provider: KeyProvider): string {
  return `refineLoop.apiKey.${provider}`;
}

function originKey(provider: KeyProvider): string {
  return `refineLoop.apiKeyOrigin.${provider}`;
}

/** Where a provider sends requests when no base URL is set. */
const defaultBaseUrls: Record<KeyProvider, string> = {
  'openai-compatible': 'http://localhost:11434/v1',
  anthropic: 'https://api.anthropic.com',
  // An agent CLI's key goes only into that CLI's own variable; it sends it to its default service.
  'claude-code': 'https://api.anthropic.com',
  codex: 'https://api.openai.com',
  'gemini-cli': 'https://generativelanguage.googleapis.com',
  'qwen-code': 'https://api.openai.com',
  opencode: 'https://api.openai.com',
};

/** `scheme://host:port` of a base URL (the provider's default when empty); undefined when it is not a URL. */
export function originOf(provider: KeyProvider, baseUrl: string | undefined): string | undefined {
  try {
    return new URL(baseUrl?.trim() || defaultBaseUrls[provider]).origin;
  } catch {
    return undefined;
  }
}

export type SendKeyQuestion = (provider: KeyProvider, boundOrigin: string, origin: string) => Promise<'once' | 'rebind' | undefined>;

export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(provider: string): Thenable<string | undefined> {
    if (!(keyProviders as readonly string[]).includes(provider)) return Promise.resolve(undefined);
    return this.secrets.get(secretKey(provider as KeyProvider));
  }

  async set(provider: KeyProvider, value: string, origin?: string): Promise<void> {
    if (value === '') {
      await this.secrets.delete(secretKey(provider));
      await this.secrets.delete(originKey(provider));
      return;
    }
    await this.secrets.store(secretKey(provider), value);
    await this.secrets.store(originKey(provider), origin ?? originOf(provider, undefined)!);
  }

  /** The origin the provider's key is bound to (a key stored before binding: the provider's default origin). */
  async boundOrigin(provider: KeyProvider): Promise<string> {
    return (await this.secrets.get(originKey(provider))) ?? originOf(provider, undefined)!;
  }

  /**
   * The key for a request to `baseUrl`: given when that is the origin the key was stored
   * for; for any other origin only when the person says so (undefined otherwise: the
   * request goes without a key).
   */
  async keyFor(provider: string, baseUrl: string | undefined, ask: SendKeyQuestion = askSendKey): Promise<string | undefined> {
    if (!(keyProviders as readonly string[]).includes(provider)) return undefined;
    const typed = provider as KeyProvider;
    const key = await this.get(typed);
    if (key === undefined) return undefined;
    const origin = originOf(typed, baseUrl);
    const bound = await this.boundOrigin(typed);
    if (origin !== undefined && origin === bound) return key;
    const answer = origin === undefined ? undefined : await ask(typed, bound, origin);
    if (answer === 'rebind') await this.secrets.store(originKey(typed), origin!);
    return answer === undefined ? undefined : key;
  }

  /** The Set API Key command: pick the provider, type the key (masked); empty removes it. */
  async prompt(provider?: KeyProvider): Promise<KeyProvider | undefined> {
    const picked =
      provider ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'OpenAI-compatible server', description: 'OpenAI, OpenRouter, a local server that wants a key', value: 'openai-compatible' as const },
            { label: 'Anthropic', description: 'the Messages API', value: 'anthropic' as const },
            ...(['claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode'] as const).map((value) => ({ label: value, description: vscode.l10n.t('agent CLI: the key goes only into its own variable'), value })),
          ],
          { title: 'Refine Loop: Set API Key', placeHolder: 'Which provider is the key for?' },
        )
      )?.value;
    if (!picked) return undefined;
    const had = (await this.get(picked)) !== undefined;
    const value = await vscode.window.showInputBox({
      title: `Refine Loop: API key for ${picked}`,
      prompt: `Kept in VS Code's secret storage, never in settings.${had ? ' A key is set; leave empty to remove it.' : ''}`,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    // Bound to where the settings in force send this provider's requests now.
    const settings = readSettings(vscode.workspace.workspaceFolders?.[0]?.uri);
    await this.set(picked, value.trim(), originOf(picked, settings['agent.provider'] === picked ? settings['agent.baseUrl'] : undefined));
    void vscode.window.showInformationMessage(value.trim() ? `Refine Loop: API key for ${picked} saved.` : `Refine Loop: API key for ${picked} removed.`);
    return picked;
  }
}

async function askSendKey(provider: KeyProvider, boundOrigin: string, origin: string): Promise<'once' | 'rebind' | undefined> {
  const once = vscode.l10n.t('Send This Time');
  const rebind = vscode.l10n.t('Always Send to {0}', origin);
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Send your {0} API key to {1}?', provider, origin),
    { modal: true, detail: vscode.l10n.t('The key was stored for {0}. The base URL in force now points to {1}. Without your yes the request goes without the key.', boundOrigin, origin) },
    once,
    rebind,
  );
  return answer === once ? 'once' : answer === rebind ? 'rebind' : undefined;
}
