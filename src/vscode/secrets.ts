import * as vscode from 'vscode';

// API keys live in SecretStorage only, one per HTTP provider; never in settings, never logged.

export const keyProviders = ['openai-compatible', 'anthropic'] as const;
export type KeyProvider = (typeof keyProviders)[number];

function secretKey(provider: KeyProvider): string {
  return `refineLoop.apiKey.${provider}`;
}

export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(provider: string): Thenable<string | undefined> {
    if (!(keyProviders as readonly string[]).includes(provider)) return Promise.resolve(undefined);
    return this.secrets.get(secretKey(provider as KeyProvider));
  }

  async set(provider: KeyProvider, value: string): Promise<void> {
    if (value === '') await this.secrets.delete(secretKey(provider));
    else await this.secrets.store(secretKey(provider), value);
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
    await this.set(picked, value.trim());
    void vscode.window.showInformationMessage(value.trim() ? `Refine Loop: API key for ${picked} saved.` : `Refine Loop: API key for ${picked} removed.`);
    return picked;
  }
}
